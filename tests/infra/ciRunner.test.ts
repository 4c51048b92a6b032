import * as assert from "node:assert/strict";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { checkAll } from "../../policy/rules";
import { renderRunnerUserData } from "../../infra/ciRunnerCloudInit";
import { ofType, synth } from "../support/synth";
import { configProblems } from "../support/config";
import { parseInfraConfig } from "../../infra/config";
import { ConfigLookup, strictLookup } from "../../lib/config/reader";
import { requireDebianPackage } from "../support/debian";
import { fixtureStackFile } from "../support/stacks";

/** The dev-infra stack file as a lookup, with overrides (keys without namespace). */
function devInfra(overrides: Record<string, string>): ConfigLookup {
    const doc = parse(fs.readFileSync(fixtureStackFile("dev-infra"), "utf8")) as { config: Record<string, unknown> };
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(doc.config)) values[k.replace("data-platform:", "")] = typeof v === "string" ? v : JSON.stringify(v);
    Object.assign(values, overrides);
    return strictLookup((key) => values[key], () => Object.keys(values), "Pulumi.dev-infra.yaml", { isSecret: (k) => k === "ciRunnerToken" });
}
const plain = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace("data-platform:", ""), v]));

const SHA = "a".repeat(64);
const RUNNER = {
    "data-platform:ciRunnerRepository": "example-org/data-platform",
    "data-platform:ciRunnerToken": "AABBCCDDEEFF0011223344556677",
    "data-platform:ciRunnerSha256": SHA,
};
const RULE = "openstack:networking/secGroupRule:SecGroupRule";
const secretText = (v: unknown) => (v as { "@secret": string })["@secret"];

describe("infra: CI runner VM (optional)", () => {
    it("exists only when configured: the default stacks have no runner and no new rule", async () => {
        for (const stack of ["dev-infra", "prod-infra"]) {
            const result = await synth(stack);
            assert.deepEqual(ofType(result, "platform:infra:CiRunner"), [], stack);
            assert.ok(!ofType(result, RULE).some((r) => String(r.inputs.description).includes("CI runner")));
        }
    });

    it("configured: a VM with an egress-only group, the API reachable from that group only, policy-clean", async () => {
        const result = await synth("dev-infra", RUNNER, undefined, ["data-platform:ciRunnerToken"]);
        const groups = ofType(result, "openstack:networking/secGroup:SecGroup").filter((g) => g.name === "dev-ci-runner-secgroup");
        assert.equal(groups.length, 1);
        const runnerRules = ofType(result, RULE).filter((r) => r.name.startsWith("dev-ci-runner"));
        assert.equal(runnerRules.length, 1, "one rule: API from the runner; nothing into the runner");
        assert.equal(runnerRules[0].inputs.portRangeMin, 6443);
        assert.equal(runnerRules[0].inputs.remoteIpPrefix, undefined);
        assert.ok(runnerRules[0].inputs.remoteGroupId, "from the runner's group, not a CIDR");
        const vm = ofType(result, "openstack:compute/instance:Instance").find((i) => (i.inputs.metadata as Record<string, string>).role === "ci-runner")!;
        assert.ok(vm, "the runner VM");
        const userData = secretText(vm.inputs.userData);
        assert.ok(userData.includes("--url 'https://github.com/example-org/data-platform'"));
        assert.ok(userData.includes("--labels 'data-platform-dev'"));
        assert.deepEqual(vm.options.ignoreChanges, ["userData"]);
        assert.deepEqual(checkAll(result.resources, { knowsSecrets: true }), []);
    });

    it("config problems name the key and what to set", () => {
        const problems = (overrides: Record<string, string>) => configProblems(() => parseInfraConfig(devInfra(overrides), "data-platform", "dev-infra")).join("\n");
        assert.match(problems({ ciRunnerRepository: "not a repo" }), /ciRunnerRepository = "not a repo": .*owner\/name/);
        const missing = problems({ ciRunnerRepository: "example-org/data-platform" });
        assert.match(missing, /ciRunnerToken .*registration token/);
        assert.match(missing, /ciRunnerSha256 .*actions-runner-linux-x64-2\.\d+\.\d+\.tar\.gz/);
        assert.match(problems({ ...plain(RUNNER), ciRunnerLabels: JSON.stringify(["self-hosted"]) }), /ciRunnerLabels\[0\]/);
        assert.match(problems({ ciRunnerLabels: JSON.stringify(["x"]) }), /ciRunnerLabels = "\(set\)": has no effect without ciRunnerRepository/);
        assert.equal(parseInfraConfig(devInfra(plain(RUNNER)), "data-platform", "dev-infra").ciRunner?.labels[0], "data-platform-dev");
    });

    it("user-data: pinned and checksummed runner, token only in a root-only file, DNAT only when the kubeconfig names another address", () => {
        const runner = { repository: "o/r", labels: ["data-platform-prod"], flavor: "f", image: "i", version: "2.329.0", sha256: SHA };
        const withFip = renderRunnerUserData({ runner, name: "prod-deploy-runner", internalApiAddress: "10.0.0.10", apiAddress: "198.51.100.7", token: "TOKEN123" });
        const doc = parse(withFip.replace(/^#cloud-config\n/, "")) as any;
        const script = doc.runcmd[0][4] as string;
        assert.match(script, /curl -fsSL --retry 5 -o \/tmp\/actions-runner-linux-x64-2\.329\.0\.tar\.gz https:\/\/github\.com\/actions\/runner\/releases\/download\/v2\.329\.0\//);
        assert.ok(script.indexOf("sha256sum -c -") < script.indexOf("tar -xzf"), "checksum before unpacking");
        assert.ok(!script.includes("TOKEN123"), "the token is never on a command line");
        assert.match(script, /runuser -u runner -- \.\/config\.sh --unattended --disableupdate/);
        assert.ok(script.indexOf("shred -u /root/.runner-registration-token") > script.indexOf("config.sh"));
        const tokenFile = doc.write_files.find((f: any) => f.path === "/root/.runner-registration-token");
        assert.equal(tokenFile.permissions, "0600");
        const dnat = doc.write_files.find((f: any) => f.path.endsWith("platform-api-dnat.service"));
        assert.match(dnat.content, /-d 198\.51\.100\.7 --dport 6443 -j DNAT --to-destination 10\.0\.0\.10:6443/);
        const noFip = parse(renderRunnerUserData({ runner, name: "x", internalApiAddress: "10.0.0.10", apiAddress: "10.0.0.10", token: "t" }).replace(/^#cloud-config\n/, "")) as any;
        assert.ok(!noFip.write_files.some((f: any) => f.path.endsWith("platform-api-dnat.service")));
        assert.ok(!noFip.runcmd[0][4].includes("platform-api-dnat"));
    });

    it("user-data passes `cloud-init schema` (when cloud-init is installed; CI installs it)", function () {
        requireDebianPackage(this, "cloud-init");
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "runner-ud-")), "user-data");
        const runner = { repository: "o/r", labels: ["l"], flavor: "f", image: "i", version: "2.329.0", sha256: SHA };
        fs.writeFileSync(file, renderRunnerUserData({ runner, name: "n", internalApiAddress: "10.0.0.10", apiAddress: "198.51.100.7", token: "t" }));
        const out = execFileSync("cloud-init", ["schema", "-c", file], { encoding: "utf8" });
        assert.match(out, /Valid schema|Valid cloud-config/);
    });
});
