/**
 * The SDK wraps every promise it makes (each output, each registration) and captures a stack
 * trace for it, kept only for the leak message it prints at exit. Formatting those traces was
 * about two thirds of an offline synth's time; while a synth runs, the wrapper captures none.
 */
type DebuggablePromise = <T>(p: Promise<T>, ctx: unknown) => Promise<T>;

// Internal to the SDK (not in its typings) and called through its exports object, so replacing
// the function there is what the runtime calls. `require`: an import binding would be a copy.
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: DebuggablePromise };

/** Stops capturing promise stack traces; returns the function that restores the SDK's own wrapper. */
export function withoutPromiseTraces(): () => void {
    const original = debuggable.debuggablePromise;
    debuggable.debuggablePromise = (p, ctx) => {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return original(p, ctx);
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
    return () => {
        debuggable.debuggablePromise = original;
    };
}
