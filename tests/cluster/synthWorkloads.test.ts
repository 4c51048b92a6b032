/**
 * The cluster layer's synth output for what runs and what it keeps: topics, volumes and zones,
 * memory limits, ingress locality, snapshots.
 */
import * as assert from "node:assert/strict";
import Ajv from "ajv";
import { revealPlaceholders } from "../../delivery/synth/normalize";
import type { SynthResult } from "../../delivery/synth/synth";
import { Quantity } from "../../lib/quantity";
import { byName, ofType, synth } from "../support/synth";
import { ENVS, RELEASE, releaseOf, waitsFor } from "./clusterSynth";

describe("cluster synth", () => {
    const results: Record<string, SynthResult> = {};
    before(async () => {
        for (const env of ENVS) results[env] = await synth(`${env}-cluster`);
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

    it(
        "volumes follow the environment's data protection: kept in prod, deleted " +
            "with their claims in dev (Cinder class, Kafka claims)",
        () => {
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
        },
    );

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

    it(
        "keeps the client's address at the ingress: the controller runs where the ingress " +
            "address lands and the Service does not hop through the ClusterIP",
        () => {
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
        },
    );

    it(
        "installs the snapshot CRDs and controller before cinder-csi (its csi-snapshotter " +
            "sidecar) and offers a default Cinder VolumeSnapshotClass",
        () => {
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
        },
    );

    it("creates Cinder volumes in the configured Cinder zone while PVs keep the node's zone", async () => {
        const zoned = await synth("dev-cluster", { "data-platform:volumeAvailabilityZone": "cinder-az1" });
        assert.deepEqual(byName(zoned, "dev-storage-cinder").inputs.parameters, { availability: "cinder-az1" });
        assert.equal(byName(results.dev, "dev-storage-cinder").inputs.parameters, undefined, "unset: the node's zone");
        const conf = String((revealPlaceholders(byName(zoned, "dev-storage-cloud-config").inputs) as any).stringData["cloud.conf"]);
        assert.match(conf, /ignore-volume-az=true/, "the PV is not pinned to a Cinder zone no node carries");
        assert.match(conf, /node-volume-attach-limit=25/);
    });
});
