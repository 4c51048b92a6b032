/** The cluster layer's synth output: outputs, wiring, order, pins, secrets and config refusals (schema validity: synthSchemas.test.ts). */
import * as assert from "node:assert/strict";
import { DEFAULT_CHARTS } from "../../cluster/config";
import type { ClusterOutputs } from "../../lib/contracts";
import { EXACT_SEMVER } from "../../lib/config/checks";
import type { SynthResult } from "../../delivery/synth/synth";
import { checkAll } from "../../policy/rules";
import { byName, ofType, synth } from "../support/synth";
import { ENVS, isKube, RELEASE, releaseOf, waitsFor } from "./clusterSynth";

describe("cluster synth", () => {
    const results: Record<string, SynthResult> = {};
    before(async () => {
        for (const env of ENVS) results[env] = await synth(`${env}-cluster`);
    });

    it("publishes every ClusterOutputs key for the apps layer", () => {
        const keys: (keyof ClusterOutputs)[] = [
            "environment",
            "ingressClass",
            "storageClasses",
            "kafkaBootstrap",
            "kafkaTopics",
            "kafkaPartitions",
            "monitoringNamespace",
            "grafanaUrl",
            "requests",
        ];
        for (const env of ENVS) {
            const out = results[env].outputs as Record<string, any>;
            for (const key of keys) assert.ok(key in out, `${env}: output ${key}`);
            assert.equal(out.ingressClass, "nginx");
            assert.deepEqual(out.storageClasses, { rwo: "cinder", rwx: "nfs" });
            assert.deepEqual(out.kafkaTopics, { events: "events", results: "results" });
            assert.equal(out.kafkaPartitions, 3);
            assert.equal(out.kafkaBootstrap, "platform-kafka-bootstrap.kafka.svc:9092");
        }
        assert.equal((results.dev.outputs as any).grafanaUrl, "https://198.51.100.101/grafana/");
        assert.equal((results.dev.outputs as any).grafanaNodePortUrl, undefined, "the plain-HTTP NodePort is opt-in");
        assert.equal((results.prod.outputs as any).grafanaUrl, "https://grafana.prod.example.org/");
    });

    it("tells Grafana the domain users reach it by: the ingress address in dev, the configured host in prod", () => {
        const server = (env: string) =>
            (releaseOf(results[env], "kube-prometheus-stack").inputs.values as any).grafana["grafana.ini"].server;
        assert.equal(server("dev").domain, "198.51.100.101");
        assert.equal(server("dev").root_url, "https://%(domain)s/grafana/");
        assert.equal(server("prod").domain, "grafana.prod.example.org");
        assert.equal(server("prod").root_url, "https://%(domain)s/");
    });

    it(
        "reads the same environment's infra stack through a StackReference " + 'in the program\'s organization (synth: DIY "organization")',
        () => {
            for (const env of ENVS) {
                const refs = results[env].resources.filter((r) => r.type === "pulumi:pulumi:StackReference");
                assert.deepEqual(
                    refs.map((r) => r.inputs.name),
                    [`organization/data-platform/${env}-infra`],
                );
            }
        },
    );

    it("sends every Kubernetes object through the one explicit provider built from infra's kubeconfig", () => {
        for (const env of ENVS) {
            const providers = results[env].resources.filter((r) => r.type === "pulumi:providers:kubernetes");
            assert.equal(providers.length, 1, `${env}: exactly one Kubernetes provider`);
            const kubeconfig = providers[0].inputs.kubeconfig as Record<string, unknown>;
            assert.ok(kubeconfig && "@secret" in kubeconfig, "kubeconfig is passed as a secret");
            assert.match(String(kubeconfig["@secret"]), /server: https:\/\/198\.51\.100\.\d+:6443/);
            const objects = results[env].resources.filter(isKube);
            assert.ok(objects.length >= 20);
            for (const r of objects) assert.equal(r.provider, providers[0].urn, `${env} ${r.name} uses the explicit provider`);
        }
    });

    it("installs in order: storage before monitoring, monitoring (CRDs) before ingress, operator before every Strimzi resource", () => {
        for (const env of ENVS) {
            const res = results[env];
            const occm = releaseOf(res, "openstack-cloud-controller-manager");
            const cinder = releaseOf(res, "openstack-cinder-csi");
            const kps = releaseOf(res, "kube-prometheus-stack");
            const ingress = releaseOf(res, "ingress-nginx");
            const strimzi = releaseOf(res, "strimzi-kafka-operator");
            const cinderClass = byName(res, `${env}-storage-cinder`);
            const cloudConfig = byName(res, `${env}-storage-cloud-config`);
            assert.ok(waitsFor(occm, cloudConfig) && waitsFor(cinder, cloudConfig), "charts wait for cloud.conf");
            assert.ok(waitsFor(cinder, occm), "cinder-csi after the cloud controller manager");
            assert.ok(waitsFor(cinderClass, cinder), "the cinder class after its provisioner");
            assert.ok(waitsFor(kps, cinderClass), "Prometheus volumes after the storage class");
            assert.ok(waitsFor(ingress, kps), "ingress-nginx's ServiceMonitor after the CRDs");
            const strimziCrs = res.resources.filter((r) => r.type.startsWith("kubernetes:kafka.strimzi.io/"));
            assert.equal(strimziCrs.length, 4);
            for (const cr of strimziCrs) assert.ok(waitsFor(cr, strimzi), `${cr.name} after the Strimzi operator`);
            const kafka = byName(res, `${env}-kafka-cluster`);
            assert.ok(waitsFor(kafka, byName(res, `${env}-kafka-pool`)), "Kafka after its node pool");
            for (const topic of ["events", "results"])
                assert.ok(waitsFor(byName(res, `${env}-kafka-topic-${topic}`), kafka), `${topic} after Kafka`);
            for (const cr of [byName(res, `${env}-kafka-podmonitor`), byName(res, `${env}-kafka-dashboard`)])
                assert.ok(waitsFor(cr, kps), `${cr.name} after monitoring`);
        }
    });

    it("pins every chart to an exact version from its repository, waits for readiness with a timeout", () => {
        for (const env of ENVS) {
            const releases = ofType(results[env], RELEASE);
            assert.equal(releases.length, Object.keys(DEFAULT_CHARTS).length);
            for (const r of releases) {
                const chart = String(r.inputs.chart).split("/").pop() as keyof typeof DEFAULT_CHARTS;
                assert.match(String(r.inputs.version), EXACT_SEMVER, `${r.name} version`);
                assert.equal(r.inputs.version, DEFAULT_CHARTS[chart].version, `${r.name} uses the pinned version`);
                const repo = DEFAULT_CHARTS[chart].repo;
                if (repo.startsWith("oci://")) assert.equal(r.inputs.chart, `${repo}/${chart}`);
                else assert.deepEqual(r.inputs.repositoryOpts, { repo });
                assert.equal(r.inputs.skipAwait, false, `${r.name} waits for workloads`);
                assert.equal(r.inputs.waitForJobs, true, `${r.name} waits for hook Jobs`);
                assert.ok(
                    typeof r.inputs.timeout === "number" && r.inputs.timeout > 0 && r.inputs.timeout <= 900,
                    `${r.name} bounded timeout`,
                );
            }
            assert.equal(releaseOf(results[env], "ingress-nginx").inputs.version, "4.15.1");
        }
    });

    it('leaves no plaintext secret anywhere: generated values only inside {"@secret"} and the policy rules pass', () => {
        const leaks: string[] = [];
        const walk = (value: unknown, where: string, inSecret: boolean): void => {
            if (typeof value === "string") {
                if (!inSecret && /synth-placeholder-(password|app-credential|config)/.test(value)) leaks.push(where);
                if (!inSecret && /application-credential-secret|PRIVATE KEY/.test(value)) leaks.push(where);
            } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${where}[${i}]`, inSecret));
            else if (value && typeof value === "object") {
                for (const [k, v] of Object.entries(value)) walk(v, `${where}.${k}`, inSecret || k === "@secret");
            }
        };
        for (const env of ENVS) {
            const text = JSON.stringify(results[env]);
            assert.match(text, /synth-placeholder-password-/, "the Grafana password is in the synth, as a placeholder");
            walk(results[env], env, false);
            assert.deepEqual(checkAll(results[env].resources, { knowsSecrets: true }), [], `${env} policy`);
            const kps = releaseOf(results[env], "kube-prometheus-stack");
            assert.doesNotMatch(JSON.stringify(kps.inputs.values), /adminPassword|synth-placeholder/);
        }
        assert.deepEqual(leaks, []);
    });

    it("refuses an environment the layer does not fit into, before creating anything", async () => {
        await assert.rejects(
            synth("dev-cluster", {
                "data-platform:kafkaBrokers": "3",
                "data-platform:kafkaBrokerMemory": "6Gi",
                "data-platform:kafkaBrokerCpu": "2",
            }),
            (err: Error) =>
                /The cluster layer of dev does not fit on 1x mb1.large \(server, 4 vCPU, 8192 MiB\) \+ 2x mb1.large/.test(err.message) &&
                /memory: requests \d+Mi of 22016Mi allocatable/.test(err.message),
        );
    });

    it("reports config problems together before creating anything", async () => {
        await assert.rejects(
            synth("dev-cluster", { "data-platform:defaultStorageClass": "hostpath", "data-platform:kafkaPartitions": "0" }),
            (err: Error) =>
                /\(2 problems\)/.test(err.message) && /defaultStorageClass/.test(err.message) && /kafkaPartitions = 0/.test(err.message),
        );
    });
});
