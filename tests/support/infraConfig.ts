/** Shared by the infra config tests (tests/infra/config*.test.ts): a valid config, reading its problems, one test per refused change. */
import * as assert from "node:assert/strict";
import { parseInfraConfig } from "../../infra/config";
import { configProblems, INFRA_BASE } from "./config";

/** A valid dev configuration: the shared base with the node counts and the created network spelled out. */
export const VALID: Record<string, string> = {
    ...INFRA_BASE,
    serverCount: "1",
    agentCount: "2",
    networkMode: "create",
    subnetCidr: "10.0.0.0/24",
};

export function parse(changes: Record<string, string | undefined>) {
    const values: Record<string, string | undefined> = { ...VALID, ...changes };
    return parseInfraConfig((k) => values[k], "data-platform", "stack test-infra");
}

export function problems(changes: Record<string, string | undefined>): string[] {
    return configProblems(() => parse(changes));
}

export function assertProblem(changes: Record<string, string | undefined>, expected: RegExp): void {
    const found = problems(changes);
    assert.ok(
        found.some((p) => expected.test(p)),
        `no problem matching ${expected} in:\n${found.join("\n")}`,
    );
}

/** One test per case: the change to the valid config is refused with a problem matching the pattern. */
export function refusals(cases: readonly [string, Record<string, string | undefined>, RegExp][]): void {
    for (const [what, changes, expected] of cases) {
        it(`refuses ${what}`, () => assertProblem(changes, expected));
    }
}
