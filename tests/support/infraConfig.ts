/** Shared by the infra config tests (tests/infra/config*.test.ts): a valid config, reading its problems, one test per refused change. */
import * as assert from "node:assert/strict";
import { parseInfraConfig } from "../../infra/config";
import { configProblems } from "./config";

/** A valid dev configuration as the raw strings Pulumi hands the program. */
export const VALID: Record<string, string> = {
    environment: "dev",
    k3sVersion: "v1.35.6+k3s1",
    image: "Ubuntu 24.04",
    serverCount: "1",
    serverFlavor: "mb1.large",
    agentCount: "2",
    agentFlavor: "mb1.large",
    networkMode: "create",
    subnetCidr: "10.0.0.0/24",
    externalNetwork: "public",
    adminCidrs: JSON.stringify(["203.0.113.0/24"]),
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeDevKeyReplaceWithYourOwnPublicKey000000 admin",
    openstackAuthUrl: "https://keystone.example.org:5000/v3",
    cloudCredentialExpiresAt: "2031-03-31",
    worldOpenIngress: "true",
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
