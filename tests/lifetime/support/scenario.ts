/**
 * A lifetime scenario as the suite reports it: `scenario <name>: passed in N s`, or the step it
 * failed at and why; and the checks every data-loss scenario shares (the marker object and the
 * cluster's identity, read through the API from the host).
 */
import type { KubeTarget } from "../../../infra/lifecycle/kubeApi";
import { clusterId, readMarker } from "./access";

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

/** Registers a mocha test that runs `body` and prints the scenario's result line. */
export function scenario(name: string, timeoutMs: number, body: (s: ScenarioContext) => Promise<void>): void {
    it(name, async function () {
        this.timeout(timeoutMs);
        const started = Date.now();
        const seconds = () => Math.round((Date.now() - started) / 1000);
        let current = "start";
        const s: ScenarioContext = {
            log: (line) => console.log(line),
            step: (what) => {
                current = what;
                console.log(`    [${seconds()} s] ${what}`);
            },
        };
        try {
            await body(s);
            passed.add(name);
            console.log(`scenario ${name}: passed in ${seconds()} s`);
        } catch (err) {
            console.log(
                `scenario ${name}: failed after ${seconds()} s at "${current}": ${err instanceof Error ? err.message : String(err)}`,
            );
            throw err;
        }
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
