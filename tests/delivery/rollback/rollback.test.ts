/** The rollback planner: layer order and skips, and the stateful blockers (k3s downgrades, volumes, PVCs, StatefulSets, Kafka storage). */
import * as assert from "node:assert/strict";
import { diffSynth } from "../../../delivery/diff/diff";
import { planRollback, renderPlan, statefulBlockers } from "../../../delivery/rollback/rollback";
import { apps, infra, release, res, result } from "../fixtures";
import { layers } from "./planLayers";

describe("delivery: rollback planner", () => {
    it("allows a rollback that only replaces or updates stateless resources, and runs layers infra → apps", () => {
        const plan = planRollback({
            env: "dev",
            tag: "v1.2.0",
            layers: layers(
                { infra: infra({ agent1Image: "Ubuntu 24.04 v2" }), apps: apps({ backendTag: "1.5.0" }) },
                { infra: infra(), apps: apps({ backendTag: "1.5.1" }) },
            ),
        });
        assert.deepEqual(plan.blockers, []);
        assert.equal(plan.proceed, true);
        assert.deepEqual(
            plan.layers.map((l) => l.stack),
            ["dev-infra", "dev-apps"],
        );
        assert.match(renderPlan(plan), /Verdict: safe to roll back; `up` runs per layer in order: dev-infra → dev-apps/);
    });

    it("refuses a k3s downgrade (including a +k3sN build downgrade) unless forced", () => {
        const plan = planRollback({
            env: "dev",
            tag: "v1.0.0",
            layers: layers({ infra: infra({ k3s: "v1.35.6+k3s2" }) }, { infra: infra({ k3s: "v1.35.6+k3s1" }) }),
        });
        assert.deepEqual(
            plan.blockers.map((b) => b.kind),
            ["k3s-downgrade"],
        );
        assert.match(plan.blockers[0].message, /v1\.35\.6\+k3s2 down to v1\.35\.6\+k3s1/);
        assert.equal(plan.proceed, false);
        assert.match(renderPlan(plan), /Re-run with --allow [a-z0-9,-]+ \(or --force for everything\)/);
        const forced = planRollback({
            env: "dev",
            tag: "v1.0.0",
            force: true,
            layers: layers({ infra: infra({ k3s: "v1.35.6+k3s2" }) }, { infra: infra({ k3s: "v1.35.6+k3s1" }) }),
        });
        assert.equal(forced.proceed, true);
        // An upgrade on rollback (the tag is newer) is fine.
        assert.deepEqual(
            planRollback({
                env: "dev",
                tag: "v",
                layers: layers({ infra: infra() }, { infra: infra({ k3s: "v1.36.0+k3s1" }) }),
            }).blockers.filter((b) => b.kind === "k3s-downgrade"),
            [],
        );
    });

    it("refuses to delete a volume, and to shrink one", () => {
        const gone = planRollback({
            env: "dev",
            tag: "v0.9.0",
            layers: layers({ infra: infra() }, { infra: infra({ withVolume: false }) }),
        });
        assert.deepEqual(
            gone.blockers.map((b) => b.kind),
            ["stateful"],
        );
        assert.match(gone.blockers[0].message, /dev-k3s-nfs-data \(openstack:blockstorage\/volume:Volume, volume\) would be deleted/);
        const shrink = planRollback({
            env: "dev",
            tag: "v0.9.0",
            layers: layers({ infra: infra({ volumeSize: 100 }) }, { infra: infra({ volumeSize: 20 }) }),
        });
        assert.deepEqual(
            shrink.blockers.map((b) => b.kind),
            ["storage-change"],
        );
    });

    it("refuses to replace a PVC or a StatefulSet, or delete a database release", () => {
        const pvc = (storageClassName: string) =>
            res(
                "s",
                "kubernetes:core/v1:PersistentVolumeClaim",
                "data",
                { metadata: { name: "data" }, spec: { storageClassName } },
                { replaceOnChanges: ["spec.storageClassName"] },
            );
        const pvcDiff = diffSynth(result("s", [pvc("cinder")]), result("s", [pvc("local-path")]));
        assert.deepEqual(
            statefulBlockers("s", pvcDiff).map((b) => b.kind),
            ["stateful"],
        );
        const sts = (name: string) => res("s", "kubernetes:apps/v1:StatefulSet", "pg", { metadata: { name }, spec: {} });
        assert.match(
            statefulBlockers("s", diffSynth(result("s", [sts("pg")]), result("s", [sts("pg-0")])))[0].message,
            /would be replaced because metadata.name changed/,
        );
        const dbGone = diffSynth(result("s", [release("s", "todo-db", "postgresql", "16.4.1")]), result("s", []));
        assert.match(statefulBlockers("s", dbGone)[0].message, /todo-db .*database.* would be deleted/);
        const webGone = diffSynth(result("s", [release("s", "ingress", "ingress-nginx", "4.11.0")]), result("s", []));
        assert.deepEqual(statefulBlockers("s", webGone), [], "a stateless chart may go");
    });

    it("refuses an in-place change of Kafka storage", () => {
        const pool = (size: string) =>
            res("s", "kubernetes:kafka.strimzi.io/v1beta2:KafkaNodePool", "brokers", {
                metadata: { name: "brokers" },
                spec: { replicas: 3, storage: { type: "persistent-claim", size } },
            });
        const blockers = statefulBlockers("s", diffSynth(result("s", [pool("100Gi")]), result("s", [pool("50Gi")])));
        assert.deepEqual(
            blockers.map((b) => b.kind),
            ["storage-change"],
        );
        assert.match(blockers[0].message, /spec.storage.size/);
        const replicas = (n: number) =>
            res("s", "kubernetes:kafka.strimzi.io/v1beta2:KafkaNodePool", "brokers", {
                metadata: { name: "brokers" },
                spec: { replicas: n, storage: { size: "1Gi" } },
            });
        assert.deepEqual(statefulBlockers("s", diffSynth(result("s", [replicas(3)]), result("s", [replicas(4)]))), []);
    });

    it("skips a layer the tag does not have, and cannot be forced past a tag that does not synthesize", () => {
        const skip = planRollback({ env: "dev", tag: "v0.1.0", layers: layers({ infra: infra(), apps: apps() }, { infra: infra() }) });
        assert.deepEqual(
            skip.layers.map((l) => [l.stack, l.skip]),
            [
                ["dev-infra", false],
                ["dev-apps", true],
            ],
        );
        assert.match(skip.warnings[0], /v0\.1\.0 has no dev-apps/);
        assert.equal(skip.proceed, true);
        const broken = planRollback({
            env: "dev",
            tag: "v0.1.0",
            force: true,
            layers: [{ layer: "apps", stack: "dev-apps", current: apps(), targetError: "The apps layer is not built yet" }],
        });
        assert.equal(broken.proceed, false);
        assert.match(renderPlan(broken), /cannot be forced/);
    });
});
