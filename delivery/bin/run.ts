/**
 * The one way the npm scripts end: the exit code their `main` returns, or 1 with the error
 * printed when it throws. A `main` that returns nothing leaves the exit to Node (and to any
 * `process.exitCode` it set), so a script that only prints is not cut short.
 */

export interface RunOptions {
    /**
     * Print the stack of an unexpected error, not just its message: for the scripts that drive
     * Pulumi and the cluster, where the message alone does not say which step failed.
     */
    readonly stack?: boolean;
}

/** What an error that ends a script prints: its message (or stack), or the thrown value itself. */
export function errorText(err: unknown, options: RunOptions = {}): unknown {
    if (!(err instanceof Error)) return err;
    return options.stack ? (err.stack ?? err.message) : err.message;
}

export function runMain(main: () => number | void | Promise<number | void>, options: RunOptions = {}): void {
    // Promise.resolve().then: a synchronous main that throws ends the same way as an async one.
    Promise.resolve()
        .then(main)
        .then(
            (code) => {
                if (code !== undefined) process.exit(code);
            },
            (err: unknown) => {
                console.error(errorText(err, options));
                process.exit(1);
            },
        );
}
