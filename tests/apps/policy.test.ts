import * as assert from "node:assert/strict";
import { checkAll } from "../../policy/rules";
import { FAB_AUTH_MANAGER } from "../../apps/airflow/values";
import { ofType } from "../support/synth";
import { synthApps } from "./support";

/**
 * Findings that are known not to be secrets. On synth the rules run with knowsSecrets: true and
 * flag every plain string under a secret-looking key; `[core] auth_manager` matches /auth/ but
 * holds a Python class path. (The deployed pack runs with knowsSecrets: false and only flags
 * weak literal values, so it does not report this.) Each entry is checked against the value.
 */
const NOT_SECRETS: { message: RegExp; value: (values: Record<string, any>) => unknown; expected: string }[] = [
    { message: /^airflow-release: values\.config\.core\.auth_manager is a plaintext secret/, value: (v) => v.config.core.auth_manager, expected: FAB_AUTH_MANAGER },
];

describe("apps stacks comply with the project's policy pack", () => {
    for (const env of ["dev", "prod"] as const) {
        it(`${env}-apps has no violations (pinned images, no plaintext secrets)`, async () => {
            const result = await synthApps(env);
            const [release] = ofType(result, "kubernetes:helm.sh/v3:Release");
            const violations = checkAll(result.resources, { knowsSecrets: true }).filter((v) => {
                const known = NOT_SECRETS.find((n) => n.message.test(v.message));
                if (!known) return true;
                assert.equal(known.value(release.inputs.values as Record<string, any>), known.expected, v.message);
                return false;
            });
            assert.deepEqual(violations, []);
        });
    }
});
