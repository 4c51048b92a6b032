/**
 * Reproduces a service image's file layout without a Docker engine: compiles the service with its own
 * tsconfig.build.json into a temp dir laid out like /app (package.json beside dist/, node_modules linked),
 * so tests can start the compiled entry points the way the image's CMD and HEALTHCHECK do.
 */
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Layout {
  readonly root: string;
  run(script: string, env: Record<string, string>, timeoutMs?: number): { status: number | null; stdout: string; stderr: string };
  remove(): void;
}

/**
 * Starts the compile at once (tests call it at module load, so both services compile in parallel while mocha
 * loads the other files) and resolves to the layout.
 */
export function buildImageLayout(serviceDir: string): Promise<Layout> {
  const root = mkdtempSync(join(tmpdir(), 'sensor-image-'));
  const tsc = join(serviceDir, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [tsc, '-p', join(serviceDir, 'tsconfig.build.json'), '--outDir', join(root, 'dist'), '--sourceMap', 'false'];
  const layout: Layout = {
    root,
    run(script, env, timeoutMs = 10_000) {
      const out = spawnSync(process.execPath, [script], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: timeoutMs });
      return { status: out.status, stdout: out.stdout, stderr: out.stderr };
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
  const built = new Promise<Layout>((resolve, reject) => {
    execFile(process.execPath, args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) {
        layout.remove();
        reject(new Error(`tsc failed:\n${stdout}${stderr}`));
        return;
      }
      copyFileSync(join(serviceDir, 'package.json'), join(root, 'package.json'));
      symlinkSync(join(serviceDir, 'node_modules'), join(root, 'node_modules'), 'dir');
      resolve(layout);
    });
  });
  built.catch(() => undefined); // reported by the test that awaits it
  return built;
}
