import { EnvReader, type Env } from '../../common/src/env.js';

export interface ProducerConfig {
  readonly brokers: string[];
  readonly topic: string;
  readonly clientId: string;
  /** Messages per second over all sensors. */
  readonly rate: number;
  readonly sensors: string[];
  readonly healthPort: number;
  readonly staleAfterMs: number;
}

export function readProducerConfig(env: Env): ProducerConfig {
  const r = new EnvReader(env);
  const config: ProducerConfig = {
    brokers: r.brokers('KAFKA_BOOTSTRAP'),
    topic: r.topic('TOPIC', 'events'),
    clientId: r.string('CLIENT_ID', env.HOSTNAME ?? 'sensor-producer'),
    rate: r.number('RATE', 10, { min: 0.001, max: 100000 }),
    sensors: r.list('SENSORS', ['A', 'B', 'C']),
    healthPort: r.number('HEALTH_PORT', 8080, { min: 1, max: 65535, integer: true }),
    staleAfterMs: r.number('HEALTH_STALE_MS', 30000, { min: 1000, max: 600000, integer: true }),
  };
  for (const s of config.sensors) if (s.length > 64) r.problem(`SENSORS entry "${s.slice(0, 20)}..." is longer than 64 characters`);
  r.done();
  return config;
}
