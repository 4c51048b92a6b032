import * as assert from "node:assert/strict";
import { ConfigValidationError, strictLookup } from "../../lib/config/reader";
import { parseInfraConfig } from "../../infra/config";

/** The problems a config parse reports, as "key = value: message" lines; fails if it accepts. */
export function configProblems(parse: () => unknown): string[] {
    try {
        parse();
    } catch (err) {
        assert.ok(err instanceof ConfigValidationError, `expected ConfigValidationError, got ${err}`);
        return err.problems.map((p) => `${p.key} = ${p.value}: ${p.message}`);
    }
    assert.fail("expected the configuration to be refused");
}

/** A complete, valid infra configuration (the tests' own values, not the example stacks'). */
export const INFRA_BASE: Readonly<Record<string, string>> = {
    environment: "dev",
    k3sVersion: "v1.35.6+k3s1",
    image: "Ubuntu 24.04",
    serverFlavor: "mb1.large",
    agentFlavor: "mb1.large",
    externalNetwork: "public",
    adminCidrs: JSON.stringify(["203.0.113.0/24"]),
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeDevKeyReplaceWithYourOwnPublicKey000000 admin",
    openstackAuthUrl: "https://keystone.example.org:5000/v3",
    cloudCredentialExpiresAt: "2031-03-31",
    worldOpenIngress: "true",
};

/**
 * Parses INFRA_BASE with `changes` (undefined removes a key) through the strict lookup, as stack
 * `t` from `Pulumi.t.yaml`; keys in `secrets` count as set with --secret.
 */
export function parseInfraWith(changes: Record<string, string | undefined>, secrets: readonly string[] = []) {
    const values = Object.fromEntries(Object.entries({ ...INFRA_BASE, ...changes }).filter(([, v]) => v !== undefined)) as Record<
        string,
        string
    >;
    return parseInfraConfig(
        strictLookup(
            (k) => values[k],
            () => Object.keys(values),
            "Pulumi.t.yaml",
            { isSecret: (k) => secrets.includes(k) },
        ),
        "data-platform",
        "stack t",
    );
}
