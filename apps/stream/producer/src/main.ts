/** sensor-producer: paced sensor events to Kafka. Environment: see ../../README.md (KAFKA_BOOTSTRAP required). */
import { randomUUID } from 'node:crypto';
import { Health, startHealthServer } from '../../common/src/health.js';
import { jsonLogger } from '../../common/src/log.js';
import { runService } from '../../common/src/run-service.js';
import { readProducerConfig } from './config.js';
import { EventGenerator } from './generator.js';
import { createEventSink } from './kafka.js';
import { Pacer } from './pacer.js';
import { runProducer, systemScheduler } from './run.js';

const log = jsonLogger('sensor-producer');

async function main(): Promise<void> {
  const config = readProducerConfig(process.env);
  const health = new Health('sensor_producer', config.staleAfterMs);
  const countSent = health.counter('events_sent_total', 'Events acknowledged by the broker');
  const server = await startHealthServer(health, config.healthPort);
  const pacer = new Pacer({ rate: config.rate }, systemScheduler.now());
  health.gauge('events_dropped_total', 'Events skipped because sends fell behind the schedule', () => pacer.dropped);
  const controller = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log('info', 'stopping: flushing and disconnecting', { signal });
      controller.abort();
    });
  }
  log('info', 'started', { ...config });
  try {
    const stats = await runProducer({
      pacer,
      generator: new EventGenerator(`${config.clientId}-${randomUUID().slice(0, 8)}`, config.sensors, Math.random),
      sink: createEventSink(config),
      scheduler: systemScheduler,
      signal: controller.signal,
      onSent: (n) => {
        countSent(n);
        health.beat();
      },
    });
    log('info', 'stopped', { ...stats, dropped: pacer.dropped });
  } finally {
    server.close();
  }
}

runService(main, log);
