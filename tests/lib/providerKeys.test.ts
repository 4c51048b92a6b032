/** Provider settings in stack files (`openstack:*`, `kubernetes:*`, …) checked against the pinned providers. */
import * as assert from "node:assert/strict";
import * as path from "path";
import { readProviderConfig } from "../../delivery/bin/providers/configKeys";
import { providerKeyProblem } from "../../lib/config/providerKeys";
import { strictLookup } from "../../lib/config/reader";
import { parseClusterConfig } from "../../cluster/config";
import { parseInfraConfig } from "../../infra/config";
import committed from "../../lib/config/providerConfig.json";
import { configProblems } from "../support/config";
import { synth } from "../support/synth";

const INFRA = ["openstack", "tls", "random", "command"];

describe("lib: provider settings in stack files", () => {
    it("the committed table is what the installed (lockfile-pinned) provider SDKs declare (npm run provider-config)", () => {
        assert.deepEqual(readProviderConfig(path.join(__dirname, "..", "..", "node_modules")), committed);
    });

    it("refuses a misspelled provider key with the provider's version and a did-you-mean", () => {
        assert.match(
            providerKeyProblem("openstack", "authURL", "https://k.example:5000/v3", false, INFRA) ?? "",
            /^is not a setting of the openstack provider \(@pulumi\/openstack \d+\.\d+\.\d+\); did you mean openstack:authUrl\?/,
        );
        assert.match(
            providerKeyProblem("openstack", "regin", "RegionOne", false, INFRA) ?? "",
            /did you mean openstack:region\?.*allowed: .*authUrl/,
        );
        assert.match(
            providerKeyProblem("command", "shell", "bash", false, INFRA) ?? "",
            /the command provider \(@pulumi\/command [^)]+\) takes no configuration/,
        );
        assert.equal(providerKeyProblem("pulumi", "tags", "{}", false, INFRA), undefined, "the engine's own namespace is not a provider's");
        assert.equal(providerKeyProblem("openstack", "region", "RegionOne", false, INFRA), undefined);
    });

    it("checks values by the provider's type and credentials by secure:", () => {
        assert.match(providerKeyProblem("openstack", "insecure", "yes", false, INFRA) ?? "", /must be true or false/);
        assert.match(providerKeyProblem("openstack", "maxRetries", "0x10", false, INFRA) ?? "", /must be a decimal integer/);
        assert.match(providerKeyProblem("openstack", "endpointOverrides", "compute", false, INFRA) ?? "", /must be a map/);
        assert.equal(
            providerKeyProblem("openstack", "endpointOverrides", '{"compute":"https://nova.example/v2.1/"}', false, INFRA),
            undefined,
        );
        assert.match(
            providerKeyProblem("openstack", "password", "hunter2", false, INFRA) ?? "",
            /credential stored in plain text; set it with: pulumi config set --secret openstack:password/,
        );
        assert.equal(providerKeyProblem("openstack", "password", undefined, true, INFRA), undefined);
    });

    it("refuses what nothing reads: kubernetes:* (explicit providers only) and a provider another layer uses", () => {
        assert.match(
            providerKeyProblem("kubernetes", "namespace", "default", false, ["random"]) ?? "",
            /read by nothing: every Kubernetes object goes through the layer's own provider/,
        );
        assert.match(
            providerKeyProblem("kubernetes", "namspace", "default", false, ["random"]) ?? "",
            /did you mean kubernetes:namespace\?/,
        );
        assert.match(
            providerKeyProblem("openstack", "region", "RegionOne", false, ["random"]) ?? "",
            /read by nothing in this layer \(its resources use no openstack provider\)/,
        );
    });

    it("the layers' readers report them with every other problem, before any resource", () => {
        const keys = ["data-platform:layer", "openstack:regin", "tls:proxy"];
        const lookup = strictLookup(
            () => undefined,
            () => keys,
            "stacks/Pulumi.test-cluster.yaml",
            { foreign: (k) => ({ value: k === "tls:proxy" ? '{"url":"http://proxy.example:3128"}' : "RegionOne", secret: false }) },
        );
        const found = configProblems(() => parseClusterConfig(lookup, "data-platform", "stack test-cluster")).filter((p) =>
            /^(openstack|tls):/.test(p),
        );
        assert.deepEqual(
            found.map((p) => p.split(" = ")[0]),
            ["openstack:regin", "tls:proxy"],
        );
        const infra = configProblems(() =>
            parseInfraConfig(
                strictLookup(
                    () => undefined,
                    () => ["openstack:useOctavia"],
                    "f",
                    { foreign: () => ({ value: "maybe", secret: false }) },
                ),
                "data-platform",
                "stack t",
            ),
        );
        assert.ok(
            infra.some((p) => p.startsWith("openstack:useOctavia = (set in f): must be true or false")),
            infra.join("\n"),
        );
    });

    it("the real program refuses them at synth (the engine's config, not a copy of it)", async () => {
        await assert.rejects(
            synth("dev-infra", { "openstack:regon": "RegionOne" }),
            new RegExp(
                /openstack:regon = \(set in stacks\/Pulumi\.dev-infra\.yaml\): is not /.source +
                    /a setting of the openstack provider .*did you mean openstack:region\?/.source,
            ),
        );
        await assert.rejects(synth("dev-infra", { "openstack:password": "x" }), /openstack:password .*plain text/);
        await synth("dev-infra", { "openstack:password": "x" }, undefined, ["openstack:password"]);
    });
});
