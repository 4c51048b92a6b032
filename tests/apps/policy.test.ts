import * as assert from "node:assert/strict";
import { checkAll } from "../../policy/rules";
import { FAB_AUTH_MANAGER } from "../../apps/airflow/values";
import { ofType } from "../support/synth";
import { synthApps } from "./support";

describe("apps stacks comply with the project's policy pack", () => {
    for (const env of ["dev", "prod"] as const) {
        it(`${env}-apps has no violations (pinned images, no plaintext secrets)`, async () => {
            const result = await synthApps(env);
            const [release] = ofType(result, "kubernetes:helm.sh/v3:Release");
            // A setting whose name contains "auth" is not a secret: the FAB auth manager's class path.
            assert.equal((release.inputs.values as Record<string, any>).config.core.auth_manager, FAB_AUTH_MANAGER);
            assert.deepEqual(checkAll(result.resources, { knowsSecrets: true }), []);
        });
    }
});
