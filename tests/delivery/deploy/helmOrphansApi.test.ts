/**
 * Helm orphans read over real TLS from the Kubernetes API STAND-IN (tests/support/kube-api-stand-in.ts),
 * and the whole `npm run up` wiring against the STAND-IN `pulumi` (tests/support/fakePulumi.ts).
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import { renderKubeconfig } from "../../../infra/kubeconfig";
import { targetFromKubeconfig } from "../../../infra/lifecycle/kubeApi";
import { deploy } from "../../../delivery/deploy/cli";
import { helmOrphansCheck, listRecords, RELEASE_TYPE } from "../../../delivery/deploy/checks/helmOrphans";
import { realDeployRequest } from "../../../delivery/deploy/options";
import { ROOT } from "../../../delivery/synth/stacks";
import type { LayerPreview } from "../../../delivery/deploy/plan";
import { requireDebianPackage } from "../../support/debian";
import { K3sShapedPki, makeK3sShapedPki } from "../../support/k3sShapedPki";
import { helmReleaseSecret, KubeApiStandIn } from "../../support/kube-api-stand-in";
import { FIXTURE_STACKS } from "../../support/stacks";
import { fullOutputs, readsOf, urn } from "../deployHarness";
import { fakePulumi } from "../../support/fakePulumi";
import { DB, managedRelease, rec, STACK, stateOf, WEB } from "./helmReleases";

describe("delivery: Helm releases the state does not hold are refused before up, with their recovery", () => {
    describe("the records, read from the Kubernetes API", function () {
        let pki: K3sShapedPki;
        let api: KubeApiStandIn;
        let server: string;
        const kubeconfig = () =>
            renderKubeconfig({
                clusterName: "lab-k3s",
                server,
                caCertPem: pki.serverCaPem,
                clientCertPem: pki.clientCertPem,
                clientKeyPem: pki.clientKeyPem,
            });
        const layer = (l: LayerPreview["layer"], stack: string): LayerPreview => ({
            layer: l,
            stack,
            version: 1,
            steps: [],
            counts: {},
            protectedUrns: [],
        });

        before(function () {
            requireDebianPackage(this, "openssl");
            pki = makeK3sShapedPki();
        });
        beforeEach(async () => {
            api = new KubeApiStandIn(pki);
            server = await api.start("127.0.0.2");
        });
        afterEach(() => api?.stop());

        it("lists one release's records in its namespace over TLS, with the admin certificate", async () => {
            api.secrets = [
                helmReleaseSecret("web", "web", 1, "superseded"),
                helmReleaseSecret("web", "web", 2, "pending-upgrade"),
                helmReleaseSecret("web", "webhooks", 1, "deployed"),
                helmReleaseSecret("other", "web", 1, "deployed"),
            ];
            const target = targetFromKubeconfig(kubeconfig());
            assert.deepEqual(await listRecords(target, "web", "web"), [rec(2, "pending-upgrade"), rec(1, "superseded")]);
            assert.deepEqual(await listRecords(target, "empty", "web"), []);
            assert.equal(api.requests[0].path, "/api/v1/namespaces/web/secrets?labelSelector=owner%3Dhelm%2Cname%3Dweb");
            assert.ok(api.requests.every((r) => r.clientSubject === "O=data-platform:deployers,CN=lab-k3s-deployer"));
        });

        it("the check refuses an orphan with its recovery, skips infra, and says so when the state cannot be read", async () => {
            api.secrets = [helmReleaseSecret("web", "web", 1, "pending-install")];
            const deps = {
                infraStack: "lab-infra",
                planned: async () => [WEB, DB],
                exported: async () => stateOf([managedRelease(DB)]),
                target: async () => targetFromKubeconfig(kubeconfig()),
            };
            const refusals = await helmOrphansCheck(deps)(layer("cluster", STACK), { env: "lab" });
            assert.equal(refusals.length, 2);
            assert.match(refusals[0], /^Helm release web\/web \(lab-web-release\) exists in the cluster \(v1 pending-install\)/);
            assert.match(refusals[1], /pulumi stack output --stack lab-infra kubeconfig --show-secrets > kubeconfig\.yaml/);
            assert.deepEqual(await helmOrphansCheck(deps)(layer("infra", "lab-infra"), { env: "lab" }), []);
            assert.deepEqual(
                await helmOrphansCheck({ ...deps, target: async () => undefined })(layer("cluster", STACK), { env: "lab" }),
                [],
                "no kubeconfig yet: no cluster to hold records",
            );
            assert.match(
                (await helmOrphansCheck({ ...deps, exported: async () => undefined })(layer("cluster", STACK), { env: "lab" }))[0],
                /cannot read lab-cluster's state/,
            );
            await api.stop();
            assert.match(
                (await helmOrphansCheck(deps)(layer("cluster", STACK), { env: "lab" }))[0],
                /cannot list the cluster's Helm release records at https:\/\/127\.0\.0\.2:\d+/,
            );
        });

        it(
            "npm run up's wiring: the cluster layer's preview is refused with " +
                "the orphan and the stuck upgrade; managed, deployed releases pass",
            async function () {
                this.timeout(120_000);
                const ingress =
                    `urn:pulumi:dev-cluster::data-platform::data-platform:cluster:IngressNginx$` + `${RELEASE_TYPE}::dev-ingress-release`;
                const certManager = {
                    urn: urn("dev-cluster", `data-platform:cluster:CertManager$${RELEASE_TYPE}`, "dev-cert-manager-release"),
                    type: RELEASE_TYPE,
                    custom: true,
                    outputs: { name: "cert-manager", namespace: "cert-manager" },
                };
                const kafka = {
                    urn: urn("dev-cluster", `data-platform:cluster:Kafka$${RELEASE_TYPE}`, "dev-kafka-strimzi"),
                    type: RELEASE_TYPE,
                    custom: true,
                    outputs: { name: "strimzi-kafka-operator", namespace: "kafka" },
                };
                api.secrets = [
                    helmReleaseSecret("ingress-nginx", "ingress-nginx", 1, "pending-install"),
                    helmReleaseSecret("cert-manager", "cert-manager", 1, "deployed"),
                    helmReleaseSecret("cert-manager", "cert-manager", 2, "pending-upgrade"),
                    helmReleaseSecret("kafka", "strimzi-kafka-operator", 1, "deployed"),
                ];
                const scenario = {
                    stacks: {
                        "dev-infra": { version: 4, outputs: { ...fullOutputs("dev-infra"), kubeconfig: kubeconfig() } },
                        "dev-cluster": {
                            version: 1,
                            outputs: fullOutputs("dev-cluster"),
                            reads: readsOf("dev-cluster"),
                            steps: [{ op: "create", urn: ingress }],
                            resources: [certManager, kafka],
                            pendingOperations: [{ type: "creating", resource: { urn: ingress, type: RELEASE_TYPE } }],
                        },
                    },
                };
                const { env, log } = await fakePulumi(scenario, { ...process.env, OS_CLOUD: "test" });
                const flags = { yes: false, previewOnly: true, noPlan: true, noPolicy: true, allow: [] };
                const stacks = [
                    { layer: "infra" as const, stack: "dev-infra" },
                    { layer: "cluster" as const, stack: "dev-cluster" },
                ];
                const request = realDeployRequest({
                    env: "dev",
                    action: "up",
                    stacks,
                    stacksDir: FIXTURE_STACKS,
                    workDir: ROOT,
                    flags,
                    processEnv: env,
                });
                assert.ok(!("problem" in request), JSON.stringify(request));
                const out: string[] = [];
                const code = await deploy({ ...request, log: (l) => out.push(l), error: (l) => out.push(`ERR ${l}`) });
                const text = out.join("\n");
                assert.equal(code, 1, text);
                assert.ok(text.includes("preview dev-cluster ...\nERR dev-cluster is not applied:\n"), text);
                assert.match(
                    text,
                    new RegExp(
                        /\n {2}- Helm release ingress-nginx\/ingress-nginx \(dev-ingress-release\) /.source +
                            /exists in the cluster \(v1 pending-install\) but not in dev-cluster's state/.source,
                    ),
                );
                assert.ok(
                    text.includes(
                        "helm uninstall ingress-nginx -n ingress-nginx\n" +
                            "    then: pulumi refresh --stack dev-cluster --clear-pending-creates",
                    ),
                    text,
                );
                assert.match(
                    text,
                    /- Helm release cert-manager\/cert-manager \(dev-cert-manager-release\) is pending-upgrade at revision 2/,
                );
                assert.ok(!text.includes("strimzi-kafka-operator"), "a managed, deployed release is no finding");
                assert.ok(!text.includes(pki.clientKeyPem.split("\n")[1]), "the kubeconfig's key is never printed");
                const calls = fs.readFileSync(log, "utf8");
                assert.ok(calls.includes(JSON.stringify(["stack", "export", "--stack", "dev-cluster"])));
                assert.ok(calls.includes(JSON.stringify(["stack", "output", "--stack", "dev-infra", "--json", "--show-secrets"])));
                const listed = new Set(api.requests.map((r) => r.path.split("?")[0]));
                for (const ns of ["ingress-nginx", "cert-manager", "kafka"])
                    assert.ok(listed.has(`/api/v1/namespaces/${ns}/secrets`), [...listed].join(" "));
            },
        );
    });
});
