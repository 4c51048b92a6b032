/** The cluster layer's synth output: wiring, order, pins, secrets and topics (schema validity: synthSchemas.test.ts). */
import * as assert from "node:assert/strict";
import Ajv from "ajv";
import { DEFAULT_CHARTS } from "../../cluster/config";
import type { ClusterOutputs } from "../../lib/contracts";
import { EXACT_SEMVER } from "../../lib/config/checks";
import { revealPlaceholders } from "../../delivery/synth/normalize";
import type { SynthResource, SynthResult } from "../../delivery/synth/synth";
import { checkAll } from "../../policy/rules";
import { Quantity } from "../../lib/quantity";
import { byName, ofType, synth } from "../support/synth";

const ENVS = ["dev", "prod"] as const;
const RELEASE = "kubernetes:helm.sh/v3:Release";
const isKube = (r: SynthResource) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers");
const releaseOf = (result: SynthResult, chart: string) => {
    const found = ofType(result, RELEASE).find((r) => String(r.inputs.chart).split("/").pop() === chart);
    assert.ok(found, `no release of ${chart} in ${result.stack}`);
    return found;
};
/** URNs a resource must wait for: explicit dependsOn (input dependencies are recorded separately). */
const waitsFor = (r: SynthResource, other: SynthResource) => r.options.dependsOn.includes(other.urn);

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

    it("reads the same environment's infra stack through a StackReference in the program's organization (synth: DIY \"organization\")", () => {
        for (const env of ENVS) {
            const refs = results[env].resources.filter((r) => r.type === "pulumi:pulumi:StackReference");
            assert.deepEqual(
                refs.map((r) => r.inputs.name),
                [`organization/data-platform/${env}-infra`],
            );
        }
    });

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

    it("sets topic partitions and replication per environment", () => {
        const expected = { dev: { replicas: 1, minIsr: 1, brokers: 1 }, prod: { replicas: 3, minIsr: 2, brokers: 3 } };
        for (const env of ENVS) {
            const e = expected[env];
            for (const topic of ["events", "results"]) {
                const spec = byName(results[env], `${env}-kafka-topic-${topic}`).inputs.spec as any;
                assert.equal(spec.partitions, 3);
                assert.equal(spec.replicas, e.replicas, `${env} ${topic} RF`);
                assert.equal(spec.config["min.insync.replicas"], e.minIsr, `${env} ${topic} min.insync`);
            }
            const pool = byName(results[env], `${env}-kafka-pool`).inputs.spec as any;
            assert.equal(pool.replicas, e.brokers);
            const kafka = byName(results[env], `${env}-kafka-cluster`).inputs.spec as any;
            assert.equal(kafka.kafka.config["min.insync.replicas"], e.minIsr);
        }
    });

    it("volumes follow the environment's data protection: kept in prod, deleted with their claims in dev (Cinder class, Kafka claims)", () => {
        const strimzi = (env: string) => results[env].resources.filter((r) => r.type.startsWith("kubernetes:kafka.strimzi.io/"));
        for (const r of strimzi("prod")) assert.equal(r.options.protect, true, r.name);
        for (const r of strimzi("dev")) assert.equal(r.options.protect, false, r.name);
        const expected = { dev: { reclaim: "Delete", deleteClaim: true }, prod: { reclaim: "Retain", deleteClaim: false } };
        for (const env of ENVS) {
            const cinder = byName(results[env], `${env}-storage-cinder`);
            assert.equal(cinder.inputs.reclaimPolicy, expected[env].reclaim, `${env} cinder class`);
            assert.equal(cinder.options.deleteBeforeReplace, true, "a fixed-name class is replaced old one first");
            assert.equal(
                (byName(results[env], `${env}-kafka-pool`).inputs.spec as any).storage.volumes[0].deleteClaim,
                expected[env].deleteClaim,
                `${env} Kafka claims`,
            );
            // The NFS class stays Retain everywhere: its claims are directories on the one NFS volume, not Cinder volumes.
            const nfs = byName(results[env], `${env}-storage-nfs-class`);
            assert.equal(nfs.inputs.reclaimPolicy, "Retain");
            assert.equal(nfs.options.deleteBeforeReplace, true, "a fixed-name class is replaced old one first");
        }
    });

    it("gives every chart container a memory limit above its request: Prometheus ≥ 2× (WAL replay), cluster-wide watchers ≥ 128Mi", () => {
        const mi = (q: string) => Quantity.parse(q).mebibytes;
        for (const env of ENVS) {
            let seen = 0;
            const walk = (value: unknown, where: string): void => {
                if (!value || typeof value !== "object") return;
                const v = value as Record<string, any>;
                if (v.requests?.memory !== undefined) {
                    seen++;
                    assert.ok(v.limits?.memory, `${env} ${where}: a memory limit`);
                    assert.ok(
                        mi(v.limits.memory) > mi(v.requests.memory),
                        `${env} ${where}: limit ${v.limits.memory} above request ${v.requests.memory}`,
                    );
                    return;
                }
                for (const [k, child] of Object.entries(v)) walk(child, `${where}.${k}`);
            };
            for (const r of ofType(results[env], RELEASE)) walk(r.inputs.values, String(r.inputs.name));
            assert.ok(seen >= 20, `${env}: ${seen} resources blocks`);
            const kps = releaseOf(results[env], "kube-prometheus-stack").inputs.values as any;
            const prom = kps.prometheus.prometheusSpec.resources;
            assert.ok(
                mi(prom.limits.memory) >= 2 * mi(prom.requests.memory),
                `${env} Prometheus ${prom.limits.memory} vs ${prom.requests.memory}`,
            );
            for (const watcher of [kps.grafana.sidecar.resources, kps.prometheusOperator.prometheusConfigReloader.resources])
                assert.ok(mi(watcher.limits.memory) >= 128);
            const cinder = releaseOf(results[env], "openstack-cinder-csi").inputs.values as any;
            for (const sidecar of ["attacher", "provisioner", "resizer", "snapshotter"])
                assert.ok(mi(cinder.csi[sidecar].resources.limits.memory) >= 128, sidecar);
        }
    });

    it("keeps the client's address at the ingress: the controller runs where the ingress address lands and the Service does not hop through the ClusterIP", () => {
        for (const env of ENVS) {
            const v = (releaseOf(results[env], "ingress-nginx").inputs.values as any).controller;
            // The floating IP is on the API VIP (HA) or server-0: traffic lands on a server, any of them after a failover.
            const landing = [
                { labels: { "node-role.kubernetes.io/control-plane": "true" }, taints: [] as { key: string; effect: string }[] },
                {
                    labels: { "node-role.kubernetes.io/control-plane": "true" },
                    taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }],
                },
            ];
            const schedulable = (node: (typeof landing)[number]) =>
                Object.entries(v.nodeSelector ?? {}).every(([k, val]) => (node.labels as Record<string, string>)[k] === val) &&
                node.taints.every((t) =>
                    (v.tolerations ?? []).some((tol: any) => tol.key === t.key && tol.effect === t.effect && tol.operator === "Exists"),
                );
            // What nginx sees as $remote_addr for a client connecting to the landing node.
            const seen = (node: (typeof landing)[number]) =>
                v.service.externalTrafficPolicy !== "Local"
                    ? "a node address (SNAT through the ClusterIP)"
                    : v.kind === "DaemonSet" && schedulable(node)
                      ? "the client address"
                      : "nothing (no local endpoint: ServiceLB does not advertise the node)";
            for (const node of landing) assert.equal(seen(node), "the client address", `${env}: ${JSON.stringify(node)}`);
            // Nothing in front of nginx adds headers, so client-sent ones are not believed.
            for (const key of ["use-forwarded-headers", "use-proxy-protocol", "compute-full-forwarded-for"])
                assert.equal(v.config[key], "false", key);
        }
    });

    it("installs the snapshot CRDs and controller before cinder-csi (its csi-snapshotter sidecar) and offers a default Cinder VolumeSnapshotClass", () => {
        // The fields the external-snapshotter v8 VolumeSnapshotClass CRD requires, and its enum.
        const ajv = new Ajv({ strict: false, allErrors: true });
        const validate = ajv.compile({
            type: "object",
            required: ["apiVersion", "kind", "metadata", "driver", "deletionPolicy"],
            properties: {
                apiVersion: { const: "snapshot.storage.k8s.io/v1" },
                kind: { const: "VolumeSnapshotClass" },
                driver: { type: "string", minLength: 1 },
                deletionPolicy: { enum: ["Delete", "Retain"] },
                parameters: { type: "object", additionalProperties: { type: "string" } },
            },
        });
        for (const env of ENVS) {
            const controller = releaseOf(results[env], "snapshot-controller");
            assert.ok(waitsFor(releaseOf(results[env], "openstack-cinder-csi"), controller), "cinder-csi after the snapshot CRDs");
            const values = controller.inputs.values as any;
            assert.equal(values.installCRDs, true);
            assert.match(values.controller.image.tag, /^v\d+\.\d+\.\d+$/);
            const cls = byName(results[env], `${env}-storage-cinder-snapshots`);
            assert.ok(waitsFor(cls, controller), "the class after its CRD");
            const obj = revealPlaceholders(cls.inputs) as any;
            assert.ok(validate(obj) as boolean, JSON.stringify(validate.errors));
            assert.equal(obj.driver, byName(results[env], `${env}-storage-cinder`).inputs.provisioner);
            assert.equal(obj.deletionPolicy, env === "prod" ? "Retain" : "Delete");
            assert.equal(obj.parameters["force-create"], "true", "the platform's volumes are always in use");
            assert.equal(obj.metadata.annotations["snapshot.storage.kubernetes.io/is-default-class"], "true");
        }
        assert.equal(
            validate({
                apiVersion: "snapshot.storage.k8s.io/v1",
                kind: "VolumeSnapshotClass",
                metadata: {},
                driver: "x",
                deletionPolicy: "Keep",
            }),
            false,
        );
    });

    it("creates Cinder volumes in the configured Cinder zone while PVs keep the node's zone", async () => {
        const zoned = await synth("dev-cluster", { "data-platform:volumeAvailabilityZone": "cinder-az1" });
        assert.deepEqual(byName(zoned, "dev-storage-cinder").inputs.parameters, { availability: "cinder-az1" });
        assert.equal(byName(results.dev, "dev-storage-cinder").inputs.parameters, undefined, "unset: the node's zone");
        const conf = String((revealPlaceholders(byName(zoned, "dev-storage-cloud-config").inputs) as any).stringData["cloud.conf"]);
        assert.match(conf, /ignore-volume-az=true/, "the PV is not pinned to a Cinder zone no node carries");
        assert.match(conf, /node-volume-attach-limit=25/);
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
