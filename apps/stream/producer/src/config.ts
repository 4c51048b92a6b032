import { EnvReader, readServiceBasics, type Env, type ServiceBasics } from "../../common/src/env.js";

export interface ProducerConfig extends ServiceBasics {
    readonly topic: string;
    /** Messages per second over all sensors. */
    readonly rate: number;
    readonly sensors: string[];
}

export function readProducerConfig(env: Env): ProducerConfig {
    const r = new EnvReader(env);
    const config: ProducerConfig = {
        ...readServiceBasics(r, env, "sensor-producer"),
        topic: r.topic("TOPIC", "events"),
        rate: r.number("RATE", 10, { min: 0.001, max: 100000 }),
        sensors: r.list("SENSORS", ["A", "B", "C"]),
    };
    for (const s of config.sensors) if (s.length > 64) r.problem(`SENSORS entry "${s.slice(0, 20)}..." is longer than 64 characters`);
    r.done();
    return config;
}
