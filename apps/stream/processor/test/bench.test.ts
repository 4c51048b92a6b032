/**
 * Throughput of the processing core (decode + window + commit bookkeeping), single thread, no I/O.
 * Prints messages/s; the seeds need 10 msg/s, the assertion asks for far more.
 */
import assert from 'node:assert/strict';
import { WindowCore } from '../src/window-core.js';
import { encodeEvent } from '../../common/src/wire.js';

describe('processor core benchmark', () => {
  it('processes far more than 10 msg/s (asserts > 50,000 msg/s)', function () {
    const partitions = 6;
    const total = 300_000;
    const payloads = Array.from({ length: 3000 }, (_, i) =>
      Buffer.from(encodeEvent({ id: `bench-${i}`, sensor: 'ABC'[i % 3]!, value: Math.sin(i) * 100, ts: 1_700_000_000_000 + i * 100 })),
    );
    const core = new WindowCore({ windowSize: 20 });
    core.assign([...Array(partitions).keys()]);
    const offsets = new Array<bigint>(partitions).fill(0n);
    let results = 0;
    const run = (count: number) => {
      for (let i = 0; i < count; i++) {
        const p = i % partitions;
        const out = core.process(p, offsets[p]!, payloads[i % payloads.length]);
        offsets[p]!++;
        if (out.kind === 'result') {
          core.ack(out.pending.token);
          results++;
        }
        if ((i & 1023) === 0) core.committable(p);
      }
    };
    run(20_000); // warm-up
    const start = process.hrtime.bigint();
    run(total);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const rate = Math.round(total / seconds);
    console.log(`      processing core: ${rate.toLocaleString('en-US')} msg/s (${total} messages in ${seconds.toFixed(3)} s, ${results} results)`);
    assert.ok(rate > 50_000, `only ${rate} msg/s`);
    assert.equal(core.stats.malformed, 0);
  });
});
