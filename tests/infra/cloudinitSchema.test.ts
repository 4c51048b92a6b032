/** Every node's rendered user-data in both stacks passes the real `cloud-init schema` (when cloud-init is installed; CI installs it). */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { requireDebianPackage } from "../support/debian";
import { ofType, synth } from "../support/synth";
import { tempDir } from "../support/tempDir";

const run = promisify(execFile);

describe("rendered user-data passes `cloud-init schema`", function () {
    this.timeout(60_000);
    let dir: string;
    before(function () {
        requireDebianPackage(this, "cloud-init");
        dir = tempDir("userdata");
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    it("the check itself refuses a broken document", async () => {
        const file = path.join(dir, "broken.yaml");
        fs.writeFileSync(file, "#cloud-config\nwrite_files: yes\npackage_update: sometimes\n");
        const { stdout } = await run("cloud-init", ["schema", "-c", file]).catch((err) => ({ stdout: String(err.stdout ?? "") }));
        assert.ok(!stdout.includes("Valid cloud-config"));
    });

    for (const stack of ["dev-infra", "prod-infra"]) {
        it(`every node of ${stack}`, async () => {
            const result = await synth(stack);
            const instances = ofType(result, "openstack:compute/instance:Instance");
            assert.ok(instances.length > 0);
            const outcomes = await Promise.all(
                instances.map(async (instance) => {
                    const file = path.join(dir, `${instance.name}.yaml`);
                    fs.writeFileSync(file, (instance.inputs.userData as { "@secret": string })["@secret"]);
                    const { stdout, stderr } = await run("cloud-init", ["schema", "-c", file]).catch((err) => ({
                        stdout: String(err.stdout ?? ""),
                        stderr: String(err.stderr ?? err.message),
                    }));
                    return { name: instance.name, valid: stdout.includes("Valid cloud-config"), output: `${stdout}${stderr}` };
                }),
            );
            for (const outcome of outcomes) assert.ok(outcome.valid, `${outcome.name}: ${outcome.output}`);
        });
    }
});
