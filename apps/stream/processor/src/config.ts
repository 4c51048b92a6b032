import { EnvReader, readServiceBasics, type Env, type ServiceBasics } from "../../common/src/env.js";

export interface ProcessorConfig extends ServiceBasics {
    readonly inputTopic: string;
    readonly outputTopic: string;
    readonly groupId: string;
    readonly windowSize: number;
    /** A window whose first value is this many offsets behind its partition's newest record closes early (partial). */
    readonly windowMaxSpan: number;
    /** A window without a new value for this long (ms) closes early (partial). */
    readonly windowIdleMs: number;
    /** How often the log-end offsets are read for the consumer_lag gauge (ms). */
    readonly lagPollMs: number;
}

/** Reads the processor's environment; throws ConfigError listing every problem. */
export function readProcessorConfig(env: Env): ProcessorConfig {
    const r = new EnvReader(env);
    const config: ProcessorConfig = {
        ...readServiceBasics(r, env, "sensor-processor"),
        inputTopic: r.topic("INPUT_TOPIC", "events"),
        outputTopic: r.topic("OUTPUT_TOPIC", "results"),
        groupId: r.string("GROUP_ID", "sensor-processor"),
        windowSize: r.number("WINDOW_SIZE", 20, { min: 1, max: 100000, integer: true }),
        windowMaxSpan: r.number("WINDOW_MAX_SPAN", 10000, { min: 1, max: 10_000_000, integer: true }),
        windowIdleMs: r.number("WINDOW_IDLE_MS", 60000, { min: 100, max: 86_400_000, integer: true }),
        lagPollMs: r.number("LAG_POLL_MS", 15000, { min: 100, max: 600000, integer: true }),
    };
    if (config.inputTopic === config.outputTopic) {
        r.problem(`INPUT_TOPIC and OUTPUT_TOPIC must differ (both "${config.inputTopic}")`);
    }
    if (config.windowMaxSpan < config.windowSize) {
        r.problem(
            `WINDOW_MAX_SPAN=${config.windowMaxSpan} must be at least ` +
                `WINDOW_SIZE=${config.windowSize} (a window needs WINDOW_SIZE offsets)`,
        );
    }
    r.done();
    return config;
}
