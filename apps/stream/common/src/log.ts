/** One JSON object per line on stdout/stderr, as the cluster's log collector expects. */
export type Level = "info" | "warn" | "error";

export interface Logger {
    (level: Level, msg: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(service: string, clock: () => number = Date.now): Logger {
    return (level, msg, fields = {}) => {
        const line = JSON.stringify({ time: new Date(clock()).toISOString(), level, service, msg, ...fields }, (_k, v: unknown) =>
            typeof v === "bigint" ? v.toString() : v,
        );
        (level === "info" ? process.stdout : process.stderr).write(`${line}\n`);
    };
}
