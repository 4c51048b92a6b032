/**
 * A lifetime scenario as the suite reports it: `scenario <name>: passed in N s`, or the step it
 * failed at and why; and the checks every data-loss scenario shares (the marker object and the
 * cluster's identity, read through the API from the host).
 */
import type { KubeTarget } from "../../../infra/lifecycle/kubeApi";
import { clusterId, readMarker } from "./access";
import { stopRunningCommands } from "./engine";

export interface ScenarioContext {
    readonly log: (line: string) => void;
    readonly step: (what: string) => void;
}

/** Scenarios that passed in this run (a later step of one environment's life needs them). */
const passed = new Set<string>();

/** Stops a scenario at once when one it builds on did not pass (the environment's state is unknown). */
export function needs(...names: string[]): void {
    const missing = names.filter((n) => !passed.has(n));
    if (missing.length)
        throw new Error(`not run: ${missing.join(", ")} did not pass, so the environment is not in the state this scenario starts from`);
}

/**
 * Runs `body` as the scenario `name` with its own deadline, and prints its result line: passed
 * in N s, or failed after N s at the step under way and why — also when the deadline ends it
 * (mocha's own timeout would end the test without that line). On failure, lifecycle commands
 * still under way are stopped: they belong to this scenario's environment.
 */
export async function runScenario(
    name: string,
    deadlineMs: number,
    body: (s: ScenarioContext) => Promise<void>,
    print: (line: string) => void = (line) => console.log(line),
): Promise<void> {
    const started = Date.now();
    const seconds = () => Math.round((Date.now() - started) / 1000);
    let current = "start";
    const s: ScenarioContext = {
        log: print,
        step: (what) => {
            current = what;
            print(`    [${seconds()} s] ${what}`);
        },
    };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the scenario's deadline (${Math.round(deadlineMs / 60_000)} min) passed`)), deadlineMs);
    });
    try {
        await Promise.race([body(s), deadline]);
        passed.add(name);
        print(`scenario ${name}: passed in ${seconds()} s`);
    } catch (err) {
        const stopped = stopRunningCommands();
        const why = err instanceof Error ? err.message : String(err);
        const stops = stopped ? ` (${stopped} lifecycle command(s) stopped)` : "";
        print(`scenario ${name}: failed after ${seconds()} s at "${current}": ${why}${stops}`);
        throw err;
    } finally {
        clearTimeout(timer);
    }
}

/** Registers a mocha test that runs `body` as a scenario (runScenario) within `timeoutMs`. */
export function scenario(name: string, timeoutMs: number, body: (s: ScenarioContext) => Promise<void>): void {
    it(name, async function () {
        // Mocha's timeout a little after the scenario's own, so the scenario reports first.
        this.timeout(timeoutMs + 60_000);
        await runScenario(name, timeoutMs, body);
    });
}

/** What was lost (marker gone or changed, another cluster), or undefined when nothing was. */
export async function lossOf(target: KubeTarget, marker: string, id: string): Promise<string | undefined> {
    const problems: string[] = [];
    const value = await readMarker(target);
    if (value !== marker) problems.push(value === undefined ? "the marker object is gone" : `the marker reads ${value}, not ${marker}`);
    const now = await clusterId(target);
    if (now !== id) problems.push(`the cluster is another one (kube-system uid ${now}, was ${id})`);
    return problems.length ? problems.join("; ") : undefined;
}

// The lifetime scenarios import it from here.
export { nextPatch } from "../../support/k3sVersions";
