/**
 * Diagnostics the SDK computes for every promise and every resource, which an offline synth never
 * reads, so a synth does not compute them:
 *
 * - Every promise the SDK makes (four per output property of every resource, each output, each
 *   registration) is wrapped for the leak report it prints at exit: three properties, an Error
 *   with its stack, a set entry and two more promises each. While a synth runs, promises are not
 *   wrapped (a synth reports no leaked promises; a deployment's language host still does).
 * - Every resource constructor captures its whole call stack, formatted through the source-map
 *   support the TypeScript loader enables, for the source position the engine shows; the synth
 *   records no source positions.
 *
 * Together they were about two thirds of a synth's time, and grew with every resource.
 */
type DebuggablePromise = <T>(p: Promise<T>, ctx: unknown) => Promise<T>;

// Internal to the SDK (not in its typings) and called through its exports object or the class,
// so replacing the function there is what the runtime calls. `require`: an import binding would
// be a copy.
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: DebuggablePromise };
const resourceClass = (require("@pulumi/pulumi/resource") as { Resource: { stackTrace(skip: number): unknown[] } }).Resource;

/** Stops the per-promise and per-resource diagnostics; returns the function that restores the SDK's own. */
export function withoutRuntimeDiagnostics(): () => void {
    const wrap = debuggable.debuggablePromise;
    const stackTrace = resourceClass.stackTrace;
    debuggable.debuggablePromise = (p) => p;
    resourceClass.stackTrace = () => [];
    return () => {
        debuggable.debuggablePromise = wrap;
        resourceClass.stackTrace = stackTrace;
    };
}
