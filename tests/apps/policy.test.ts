import * as assert from "node:assert/strict";
import { checkAll } from "../../policy/rules";
import { synthApps } from "./support";

describe("apps stacks comply with the project's policy pack", () => {
    for (const env of ["dev", "prod"] as const) {
        it(`${env}-apps has no violations (pinned images, no plaintext secrets)`, async () => {
            const result = await synthApps(env);
            assert.deepEqual(checkAll(result.resources, { knowsSecrets: true }), []);
        });
    }
});
