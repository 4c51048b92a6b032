/**
 * sensor-processor: consumer group on `events`, per-sensor count-window averages to `results`, at-least-once.
 * Environment: see ../../README.md (KAFKA_BOOTSTRAP required).
 */
import { Health, startHealthServer } from '../../common/src/health.js';
import { jsonLogger } from '../../common/src/log.js';
import { runService } from '../../common/src/run-service.js';
import { StreamProcessor } from './adapter.js';
import { readProcessorConfig } from './config.js';
import { assignedPartitions, createCommitter, createConsumer, createResultSink, toInbound } from './kafka.js';
import { WindowCore } from './window-core.js';

const log = jsonLogger('sensor-processor');

async function main(): Promise<void> {
  const config = readProcessorConfig(process.env);
  const health = new Health('sensor_processor', config.staleAfterMs);
  const countMalformed = health.counter('malformed_total', 'Malformed events skipped');
  const countResults = health.counter('results_total', 'Window results acknowledged by the broker');
  const countCommits = health.counter('commits_total', 'Offset commits');
  const countRecords = health.counter('records_total', 'Event records received');
  const core = new WindowCore({ windowSize: config.windowSize });
  health.gauge('open_windows', 'Open windows on held partitions', () =>
    core.assigned().reduce((n, p) => n + core.openWindows(p), 0),
  );
  health.gauge('assigned_partitions', 'Partitions of the input topic held by this member', () => core.assigned().length);
  const server = await startHealthServer(health, config.healthPort);

  const consumer = createConsumer(config);
  const sink = createResultSink({ brokers: config.brokers, clientId: config.clientId, topic: config.outputTopic });
  const processor = new StreamProcessor(core, sink, createCommitter(consumer, config.inputTopic), {
    log,
    onMalformed: (partition, offset, error) => {
      countMalformed();
      log('warn', 'skipping malformed event', { partition, offset, error });
    },
    onResults: (n) => countResults(n),
    onCommit: () => countCommits(),
  });
  // Registered before consume(): our handler sees the new assignment before the stream re-reads offsets.
  consumer.on('consumer:group:join', (payload) => {
    const mine = payload.assignments?.find((a) => a.topic === config.inputTopic)?.partitions;
    processor.onAssignment(mine ?? assignedPartitions(consumer, config.inputTopic));
    health.beat();
  });
  consumer.on('consumer:heartbeat:end', () => health.beat());

  const stream = await consumer.consume({ topics: [config.inputTopic], mode: 'committed', fallbackMode: 'earliest' });
  log('info', 'started', { ...config, brokers: config.brokers });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log('info', 'stopping', { signal });
    // Ends the for-await loop below after the batch in hand (its send + commit) completes.
    void stream.close();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  try {
    for await (const message of stream) {
      countRecords();
      await processor.handle([toInbound(message)]);
      if (stopping) break;
    }
  } finally {
    // Open windows are dropped: the next owner replays them from the committed offset.
    await consumer.close().catch((e: Error) => log('warn', 'consumer close failed', { error: e.message }));
    await sink.close().catch((e: Error) => log('warn', 'producer close failed', { error: e.message }));
    server.close();
    log('info', 'stopped', { ...core.stats });
  }
}

runService(main, log);
