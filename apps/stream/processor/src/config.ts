import { EnvReader, type Env } from '../../common/src/env.js';

export interface ProcessorConfig {
  readonly brokers: string[];
  readonly inputTopic: string;
  readonly outputTopic: string;
  readonly groupId: string;
  readonly clientId: string;
  readonly windowSize: number;
  readonly healthPort: number;
  /** /healthz turns 503 when the group heartbeat has not succeeded for this long. */
  readonly staleAfterMs: number;
}

/** Reads the processor's environment; throws ConfigError listing every problem. */
export function readProcessorConfig(env: Env): ProcessorConfig {
  const r = new EnvReader(env);
  const config: ProcessorConfig = {
    brokers: r.brokers('KAFKA_BOOTSTRAP'),
    inputTopic: r.topic('INPUT_TOPIC', 'events'),
    outputTopic: r.topic('OUTPUT_TOPIC', 'results'),
    groupId: r.string('GROUP_ID', 'sensor-processor'),
    clientId: r.string('CLIENT_ID', env.HOSTNAME ?? 'sensor-processor'),
    windowSize: r.number('WINDOW_SIZE', 20, { min: 1, max: 100000, integer: true }),
    healthPort: r.number('HEALTH_PORT', 8080, { min: 1, max: 65535, integer: true }),
    staleAfterMs: r.number('HEALTH_STALE_MS', 30000, { min: 1000, max: 600000, integer: true }),
  };
  if (config.inputTopic === config.outputTopic) {
    r.problem(`INPUT_TOPIC and OUTPUT_TOPIC must differ (both "${config.inputTopic}")`);
  }
  r.done();
  return config;
}
