import * as assert from "node:assert/strict";
import { parseAppsConfig } from "../../apps/config";
import { dockerConfigJson, PULL_SECRET_NAME } from "../../apps/pullSecret";
import { OWN_IMAGES } from "../../apps/repository";
import { strictLookup } from "../../lib/config/reader";
import { configProblems } from "../support/config";
import { ofType, synth } from "../support/synth";

const BASE: Record<string, string> = {
    environment: "dev",
    airflowHost: "airflow.example.org",
    todoHost: "todo.example.org",
    appsImageTag: "1.4.0",
};
const REPO = { owner: "Acme", name: "platform", source: "test" };

function parse(values: Record<string, string>, plain: readonly string[] = []) {
    const all = { ...BASE, ...values };
    const lookup = strictLookup(
        (k) => all[k],
        () => Object.keys(all).map((k) => `data-platform:${k}`),
        "Pulumi.dev-apps.yaml",
        {
            isSecret: (k) => k === "imageRegistryToken" && !plain.includes(k),
        },
    );
    return parseAppsConfig(lookup, "data-platform", "test", { repository: REPO });
}

const CREDENTIAL = JSON.stringify({ username: "puller" });

describe("apps: pull credential of the own images' registry", () => {
    it(
        "imageRegistry { server, username } + the secret imageRegistryToken: " +
            "a credential for the registry host; the string form stays anonymous",
        () => {
            const c = parse({ imageRegistry: CREDENTIAL, imageRegistryToken: "tok" });
            assert.deepEqual(
                c.pullCredential,
                { server: "ghcr.io", username: "puller", password: "tok" },
                "server defaults to the owner's GHCR",
            );
            assert.equal(c.todo.backendImage, "ghcr.io/acme/todo-backend:1.4.0");
            const own = parse({
                imageRegistry: JSON.stringify({ server: "registry.example.org:5000/team", username: "puller" }),
                imageRegistryToken: "tok",
            });
            assert.equal(own.pullCredential?.server, "registry.example.org:5000");
            assert.equal(own.stream.processorImage, "registry.example.org:5000/team/sensor-processor:1.4.0");
            assert.equal(parse({ imageRegistry: "registry.example.org/team" }).pullCredential, undefined);
            const auths = JSON.parse(dockerConfigJson({ server: "ghcr.io", username: "puller", password: "tok" })).auths;
            assert.deepEqual(auths["ghcr.io"], { username: "puller", password: "tok", auth: Buffer.from("puller:tok").toString("base64") });
        },
    );

    it("refuses a plain-text or unused token, a username without a token and unknown fields, naming the key", () => {
        assert.match(
            configProblems(() => parse({ imageRegistry: CREDENTIAL, imageRegistryToken: "tok" }, ["imageRegistryToken"])).join("\n"),
            /imageRegistryToken = "\(not shown\)": holds a credential .*pulumi config set --secret imageRegistryToken/,
        );
        assert.match(
            configProblems(() => parse({ imageRegistryToken: "tok" })).join("\n"),
            /imageRegistryToken = "\(secret\)": is set but not used: imageRegistry names no username/,
        );
        assert.match(
            configProblems(() => parse({ imageRegistry: CREDENTIAL })).join("\n"),
            /imageRegistryToken = \(unset\): is required with imageRegistry\.username/,
        );
        assert.match(
            configProblems(() => parse({ imageRegistry: JSON.stringify({ username: "p", password: "x" }), imageRegistryToken: "t" })).join(
                "\n",
            ),
            /imageRegistry = .*\(unknown field password\)/,
        );
        assert.match(
            configProblems(() =>
                parse({ imageRegistry: JSON.stringify({ server: "GHCR.io/x", username: "p" }), imageRegistryToken: "t" }),
            ).join("\n"),
            /imageRegistry\.server = "GHCR\.io\/x"/,
        );
        assert.ok(
            !configProblems(() => parse({ imageRegistryToken: "tok-should-not-show" }, ["imageRegistryToken"]))
                .join("\n")
                .includes("tok-should-not-show"),
        );
    });

    it(
        "synth: a dockerconfigjson Secret (secret value) " + "in each namespace with own images, used by every pod spec that runs one",
        async function () {
            this.timeout(120000);
            const result = await synth(
                "dev-apps",
                {
                    "data-platform:imageRegistry": CREDENTIAL,
                    "data-platform:imageRegistryToken": "tok-synth",
                },
                undefined,
                ["data-platform:imageRegistryToken"],
            );
            const secrets = ofType(result, "kubernetes:core/v1:Secret").filter(
                (s) => (s.inputs.type as string) === "kubernetes.io/dockerconfigjson",
            );
            const namespaces = secrets.map((s) => (s.inputs.metadata as { namespace: string }).namespace).sort();
            assert.deepEqual(namespaces, ["microservices", "stream"], "Airflow's public image needs none");
            for (const s of secrets) {
                assert.equal((s.inputs.metadata as { name: string }).name, PULL_SECRET_NAME);
                assert.ok(typeof s.inputs.stringData === "object" && "@secret" in (s.inputs.stringData as object), "the value is a secret");
            }
            const ownNames = new Set(Object.values(OWN_IMAGES) as string[]);
            const podSpecs = result.resources.flatMap((r) => {
                const spec = r.inputs.spec as
                    { template?: { spec?: any }; jobTemplate?: { spec: { template: { spec: any } } } } | undefined;
                const pod = spec?.template?.spec ?? spec?.jobTemplate?.spec.template.spec;
                return pod ? [{ r, pod }] : [];
            });
            const own = podSpecs.filter(({ pod }) =>
                (pod.containers as { image: string }[]).some((c) => ownNames.has(c.image.split("/").pop()!.split(":")[0])),
            );
            assert.equal(own.length, 4, "todo backend/frontend, sensor producer/processor");
            for (const { r, pod } of own) {
                assert.deepEqual(pod.imagePullSecrets, [{ name: PULL_SECRET_NAME }], r.name);
                const ns = (r.inputs.metadata as { namespace: string }).namespace;
                const secret = secrets.find((s) => (s.inputs.metadata as { namespace: string }).namespace === ns)!;
                assert.ok(r.options.dependsOn.includes(secret.urn), `${r.name} waits for the pull Secret`);
            }
            assert.ok(!JSON.stringify(result.outputs).includes("tok-synth"), "never in the stack outputs");
        },
    );

    it(
        "synth: an Airflow image from the same private registry gets " + "the pull Secret in airflow and the chart's imagePullSecrets",
        async function () {
            this.timeout(120000);
            const result = await synth(
                "dev-apps",
                {
                    "data-platform:imageRegistry": CREDENTIAL,
                    "data-platform:imageRegistryToken": "tok-synth",
                    "data-platform:airflowImage": "ghcr.io/acme/airflow:3.2.2-custom",
                },
                undefined,
                ["data-platform:imageRegistryToken"],
            );
            const pull = ofType(result, "kubernetes:core/v1:Secret").find(
                (s) =>
                    (s.inputs.type as string) === "kubernetes.io/dockerconfigjson" &&
                    (s.inputs.metadata as { namespace: string }).namespace === "airflow",
            );
            assert.ok(pull);
            const release = ofType(result, "kubernetes:helm.sh/v3:Release").find((r) => r.name === "airflow-release")!;
            assert.deepEqual((release.inputs.values as { imagePullSecrets: unknown }).imagePullSecrets, [{ name: PULL_SECRET_NAME }]);
            assert.ok(release.options.dependsOn.includes(pull.urn));
        },
    );
});
