/**
 * Static checks of the sensor services' Dockerfiles (no Docker engine runs here): pinned multi-stage bases,
 * non-root user, health check, COPY sources present in the build context and not ignored, and the RUN
 * shell linted by shellcheck (`shellcheck -s sh`). Without shellcheck the lint is skipped locally and FAILS
 * when CI is set (.ci/run installs it from apt).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDockerfile, shellRuns } from './support/dockerfile.js';

const streamDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const services = ['producer', 'processor'] as const;

function shellcheckAvailable(): boolean {
  return spawnSync('shellcheck', ['--version'], { encoding: 'utf8' }).status === 0;
}

describe('sensor Dockerfiles', () => {
  for (const svc of services) {
    const file = join(streamDir, svc, 'Dockerfile');
    const ins = parseDockerfile(file);
    const froms = ins.filter((i) => i.keyword === 'FROM');
    const lastFrom = ins.lastIndexOf(froms[froms.length - 1]!);
    const final = ins.slice(lastFrom);

    describe(`${svc}`, () => {
      it('is multi-stage with base images pinned to an exact version tag', () => {
        assert.ok(froms.length >= 2, 'build stage + runtime stage');
        for (const f of froms) {
          const image = f.args.split(/\s+/)[0]!;
          assert.match(image, /^[a-z0-9./-]+:\d+\.\d+\.\d+-[a-z0-9-]+$/, `FROM ${image} (line ${f.line}) must pin an exact version`);
          assert.doesNotMatch(image, /:latest$/);
        }
        assert.equal(new Set(froms.map((f) => f.args.split(/\s+/)[0])).size, 1, 'build and runtime on the same Node release');
      });

      it('runs as a non-root user with a health check and exec-form CMD', () => {
        const user = final.filter((i) => i.keyword === 'USER').pop();
        assert.ok(user, 'USER in the final stage');
        assert.doesNotMatch(user.args, /^(root|0)(:|$)/);
        const health = final.find((i) => i.keyword === 'HEALTHCHECK');
        assert.ok(health, 'HEALTHCHECK in the final stage');
        assert.match(health.args, /CMD \["node", "dist\/common\/src\/healthcheck\.js"\]/);
        const cmd = final.find((i) => i.keyword === 'CMD');
        assert.equal(cmd?.args, `["node", "dist/${svc}/src/main.js"]`);
        assert.ok(final.findIndex((i) => i.keyword === 'USER') > final.findIndex((i) => i.keyword === 'COPY'), 'USER after the files are in place');
      });

      it('installs production dependencies only into the runtime image', () => {
        const build = ins.slice(0, lastFrom).filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');
        assert.match(build, /npm ci /);
        assert.match(build, /npm prune --omit=dev/);
        assert.ok(!final.some((i) => i.keyword === 'RUN' && /npm (ci|install)/.test(i.args)), 'no npm install in the runtime stage');
      });

      it('copies only paths that exist in the build context (apps/stream) and are not ignored', () => {
        const ignore = readFileSync(join(streamDir, svc, 'Dockerfile.dockerignore'), 'utf8');
        assert.match(ignore, /\*\*\/node_modules/);
        for (const copy of ins.filter((i) => i.keyword === 'COPY' && !/--from=/.test(i.args))) {
          const parts = copy.args.replace(/^(--\S+\s+)+/, '').split(/\s+/);
          for (const src of parts.slice(0, -1)) {
            assert.ok(existsSync(join(streamDir, src)), `COPY ${src} (line ${copy.line}) not found in apps/stream`);
            assert.ok(!/(^|\/)(node_modules|dist|test)(\/|$)/.test(src), `COPY ${src} is excluded by the ignore file`);
          }
        }
      });

      it('RUN shell passes shellcheck -s sh', function () {
        if (!shellcheckAvailable()) {
          if (process.env.CI) assert.fail('shellcheck is not installed (CI installs the apt package "shellcheck")');
          this.skip();
        }
        const runs = shellRuns(ins);
        assert.ok(runs.length > 0);
        const script = `#!/bin/sh\n${runs.map((r) => `# Dockerfile line ${r.line}\n${r.args}`).join('\n')}\n`;
        const res = spawnSync('shellcheck', ['-s', 'sh', '-'], { input: script, encoding: 'utf8' });
        assert.equal(res.status, 0, `shellcheck found problems in ${svc}/Dockerfile:\n${res.stdout}${res.stderr}`);
      });
    });
  }

  it('shellcheck check really catches a problem (self-test)', function () {
    if (!shellcheckAvailable()) {
      if (process.env.CI) assert.fail('shellcheck is not installed');
      this.skip();
    }
    const res = spawnSync('shellcheck', ['-s', 'sh', '-'], { input: '#!/bin/sh\nrm -rf $DIR/*\n', encoding: 'utf8' });
    assert.notEqual(res.status, 0);
  });
});
