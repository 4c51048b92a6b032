/** Minimal structured logger (one JSON object per line on stdout/stderr). */
export interface Logger {
    info(msg: string, fields?: Record<string, unknown>): void;
    error(msg: string, fields?: Record<string, unknown>): void;
}

export const jsonLogger: Logger = {
    info: (msg, fields) => process.stdout.write(`${JSON.stringify({ level: "info", time: new Date().toISOString(), msg, ...fields })}\n`),
    error: (msg, fields) => process.stderr.write(`${JSON.stringify({ level: "error", time: new Date().toISOString(), msg, ...fields })}\n`),
};

export const silentLogger: Logger = { info: () => undefined, error: () => undefined };

export function errorFields(err: unknown): Record<string, unknown> {
    if (err instanceof Error) {
        const code = (err as { code?: unknown }).code;
        return { err: err.message, ...(code !== undefined ? { code } : {}) };
    }
    return { err: String(err) };
}
