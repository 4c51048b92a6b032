/** How both services' entry points end: a config error exits 2, anything else 1. */
import { ConfigError } from "./env.js";
import type { Logger } from "./log.js";

export function runService(main: () => Promise<void>, log: Logger): void {
    main().catch((error: unknown) => {
        if (error instanceof ConfigError) {
            log("error", error.message);
            process.exitCode = 2;
            return;
        }
        log("error", "fatal", { error: (error as Error).stack ?? String(error) });
        // Exit now (the health server would keep the process alive); the orchestrator restarts us and we
        // resume from the last committed offset.
        process.exit(1);
    });
}

/** An AbortSignal that aborts on the first SIGTERM or SIGINT (logged with `message`). */
export function stopSignal(log: Logger, message: string): AbortSignal {
    const controller = new AbortController();
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
        process.once(signal, () => {
            log("info", message, { signal });
            controller.abort();
        });
    }
    return controller.signal;
}
