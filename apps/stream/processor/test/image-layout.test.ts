/** The compiled service, laid out as in its image (no Docker engine here): entry point and HEALTHCHECK script. */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Health, startHealthServer } from '../../common/src/health.js';
import { buildImageLayout, type Layout } from '../../common/test/support/image-layout.js';

// Compile starts while mocha loads the other test files.
const building = buildImageLayout(resolve(dirname(fileURLToPath(import.meta.url)), '..'));

describe('processor image layout (compiled with tsconfig.build.json)', function () {
  this.timeout(30_000);
  let layout: Layout;
  before(async () => {
    layout = await building;
  });
  after(() => layout?.remove());

  it('CMD entry point exits 2 with a clear message when KAFKA_BOOTSTRAP is missing', () => {
    const out = layout.run('dist/processor/src/main.js', {});
    assert.equal(out.status, 2, out.stderr);
    const line = JSON.parse(out.stderr.trim().split('\n').pop()!) as { level: string; msg: string };
    assert.equal(line.level, 'error');
    assert.match(line.msg, /KAFKA_BOOTSTRAP is required but not set/);
  });

  it('HEALTHCHECK script reports 0 for a healthy endpoint, 1 for stale or unreachable', async () => {
    let now = 0;
    const health = new Health('t', 1000, () => now);
    const server = await startHealthServer(health, 0, '127.0.0.1');
    const port = String((server.address() as AddressInfo).port);
    try {
      health.beat();
      const run = (p: string) =>
        new Promise<number | null>((done) => {
          // async spawn: the health server lives in this process
          void import('node:child_process').then(({ execFile }) =>
            execFile(process.execPath, ['dist/common/src/healthcheck.js'], { cwd: layout.root, env: { HEALTH_PORT: p } }, (err) =>
              done(err ? ((err as { code?: number }).code ?? 1) : 0),
            ),
          );
        });
      assert.equal(await run(port), 0);
      now = 10_000;
      assert.equal(await run(port), 1, 'stale: no progress');
      await new Promise((r) => server.close(r));
      assert.equal(await run(port), 1, 'nothing listening');
    } finally {
      server.close();
    }
  });
});
