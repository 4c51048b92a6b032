import * as assert from "node:assert/strict";
import { diffSynth } from "../../../delivery/diff/diff";
import {
    AIRFLOW_VERSION_INPUTS,
    airflowReleases,
    planRollback,
    quantity,
    renderPlan,
    schemaBlockers,
    statefulBlockers,
} from "../../../delivery/rollback/rollback";
import type { SynthResult } from "../../../delivery/synth/synth";
import { synth } from "../../support/synth";
import { classify, STATEFUL_RULES } from "../../../delivery/rollback/stateful";
import { compareK3s, parseK3sVersion, splitImage } from "../../../delivery/release/versions";
import { apps, infra, release, res, result } from "../fixtures";

describe("delivery: versions", () => {
    it("orders k3s releases by Kubernetes version, then by +k3sN build", () => {
        const v = (s: string) => parseK3sVersion(s)!;
        assert.ok(compareK3s(v("v1.35.6+k3s1"), v("v1.35.6+k3s2")) < 0);
        assert.ok(compareK3s(v("v1.35.6+k3s9"), v("v1.35.10+k3s1")) < 0, "numeric, not lexical");
        assert.ok(compareK3s(v("v1.36.0+k3s1"), v("v1.35.99+k3s3")) > 0);
        assert.equal(compareK3s(v("v1.35.6+k3s1"), v("v1.35.6+k3s1")), 0);
        assert.equal(parseK3sVersion("latest"), undefined);
    });

    it("splits images with registry ports and digests", () => {
        assert.deepEqual(splitImage("registry:5000/team/app:1.2.3"), { repository: "registry:5000/team/app", tag: "1.2.3" });
        assert.deepEqual(splitImage("registry:5000/team/app"), { repository: "registry:5000/team/app" });
        assert.deepEqual(splitImage("app@sha256:abc"), { repository: "app", digest: "sha256:abc" });
    });

    it("reads Kubernetes quantities", () => {
        assert.equal(quantity("10Gi"), 10 * 2 ** 30);
        assert.equal(quantity("500M"), 5e8);
        assert.equal(quantity(20), 20);
        assert.equal(quantity("lots"), undefined);
    });
});

describe("delivery: stateful classification table", () => {
    const cases: [type: string, inputs: Record<string, unknown>, category: string | undefined][] = [
        ["openstack:blockstorage/volume:Volume", {}, "volume"],
        ["kubernetes:core/v1:PersistentVolumeClaim", {}, "volume"],
        ["kubernetes:core/v1:PersistentVolume", {}, "volume"],
        ["kubernetes:apps/v1:StatefulSet", {}, "workload-storage"],
        ["kubernetes:kafka.strimzi.io/v1beta2:KafkaNodePool", {}, "kafka-storage"],
        ["kubernetes:kafka.strimzi.io/v1:KafkaNodePool", {}, "kafka-storage"],
        ["kubernetes:kafka.strimzi.io/v1beta2:Kafka", {}, "kafka-storage"],
        ["kubernetes:postgresql.cnpg.io/v1:Cluster", {}, "database"],
        ["kubernetes:helm.sh/v3:Release", { chart: "postgresql" }, "database"],
        ["kubernetes:helm.sh/v3:Release", { chart: "oci://registry-1.docker.io/bitnamicharts/redis" }, "database"],
        ["kubernetes:helm.sh/v3:Release", { chart: "ingress-nginx" }, undefined],
        ["kubernetes:helm.sh/v3:Release", { chart: "airflow", values: { postgresql: { enabled: false } } }, undefined],
        ["kubernetes:helm.sh/v3:Release", { chart: "airflow" }, "database"],
        ["kubernetes:helm.sh/v3:Release", { chart: "airflow", values: { postgresql: { enabled: true } } }, "database"],
        ["random:index/randomPassword:RandomPassword", {}, "cluster-identity"],
        ["tls:index/privateKey:PrivateKey", {}, "cluster-identity"],
        ["openstack:networking/floatingIp:FloatingIp", {}, "address"],
        ["openstack:compute/instance:Instance", {}, undefined],
        ["kubernetes:apps/v1:Deployment", {}, undefined],
        ["kubernetes:core/v1:ConfigMap", {}, undefined],
        ["kubernetes:kafka.strimzi.io/v1beta2:KafkaUser", {}, undefined],
    ];
    for (const [type, inputs, category] of cases) {
        it(`${type}${inputs.chart ? ` (chart ${String(inputs.chart)}${inputs.values ? ` ${JSON.stringify(inputs.values)}` : ""})` : ""} → ${category ?? "not stateful"}`, () => {
            assert.equal(classify({ type, inputs })?.category, category);
        });
    }

    it("every rule says what would be lost", () => {
        for (const rule of STATEFUL_RULES) assert.ok(rule.loses.length > 10, rule.type);
    });
});

describe("delivery: rollback planner", () => {
    const layers = (
        current: { infra?: ReturnType<typeof infra>; apps?: ReturnType<typeof apps> },
        target: { infra?: ReturnType<typeof infra>; apps?: ReturnType<typeof apps> },
    ) => [
        { layer: "apps" as const, stack: "dev-apps", current: current.apps, target: target.apps },
        { layer: "infra" as const, stack: "dev-infra", current: current.infra, target: target.infra },
    ];

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

    it("refuses an Airflow chart downgrade as a schema rollback unless forced", () => {
        const plan = planRollback({
            env: "dev",
            tag: "v1.2.0",
            layers: layers(
                { infra: infra(), apps: apps({ airflowChart: "1.16.0" }) },
                { infra: infra(), apps: apps({ airflowChart: "1.15.0" }) },
            ),
        });
        assert.deepEqual(
            plan.blockers.map((b) => [b.kind, b.stack]),
            [["schema-rollback", "dev-apps"]],
        );
        assert.match(plan.blockers[0].message, /airflow: Airflow goes back \(version 1\.16\.0 → 1\.15\.0\)/);
        assert.equal(plan.proceed, false);
        assert.match(renderPlan(plan), /- \[schema-rollback\] dev-apps: airflow: Airflow goes back/);
        assert.match(renderPlan(plan), /Re-run with --allow [a-z0-9,-]+ \(or --force for everything\)/);
        const forced = planRollback({
            env: "dev",
            tag: "v1.2.0",
            force: true,
            layers: layers({ apps: apps({ airflowChart: "1.16.0" }) }, { apps: apps({ airflowChart: "1.15.0" }) }),
        });
        assert.equal(forced.proceed, true);
        // The release itself holds no data here (metadata database outside the chart).
        assert.deepEqual(
            plan.blockers.filter((b) => b.kind === "stateful"),
            [],
        );
    });

    it("refuses an Airflow version downgrade: airflowVersion, defaultAirflowTag or images.airflow.tag", () => {
        const version = schemaBlockers("dev-apps", apps({ airflowVersion: "3.2.2" }), apps({ airflowVersion: "3.1.0" }));
        assert.deepEqual(
            version.map((b) => b.kind),
            ["schema-rollback"],
        );
        assert.match(version[0].message, /values\.airflowVersion 3\.2\.2 → 3\.1\.0, values\.defaultAirflowTag 3\.2\.2 → 3\.1\.0/);
        const tag = schemaBlockers("dev-apps", apps({ airflowTag: "3.2.2-python3.12" }), apps({ airflowTag: "3.2.1-python3.12" }));
        assert.deepEqual(
            tag.map((b) => b.kind),
            ["schema-rollback"],
        );
        assert.match(tag[0].message, /values\.defaultAirflowTag 3\.2\.2-python3\.12 → 3\.2\.1-python3\.12/);
        assert.doesNotMatch(tag[0].message, /airflowVersion/);
        const image = schemaBlockers("dev-apps", apps({ airflowImageTag: "3.2.2" }), apps({ airflowImageTag: "3.0.6" }));
        assert.deepEqual(
            image.map((b) => b.kind),
            ["schema-rollback"],
        );
        assert.match(image[0].message, /values\.images\.airflow\.tag 3\.2\.2 → 3\.0\.6/);
        // Going forward, or staying, is fine; so is a different Python build of the same Airflow.
        assert.deepEqual(
            schemaBlockers(
                "dev-apps",
                apps({ airflowVersion: "3.1.0", airflowChart: "1.15.0" }),
                apps({ airflowVersion: "3.2.2", airflowChart: "1.22.0" }),
            ),
            [],
        );
        assert.deepEqual(schemaBlockers("dev-apps", apps(), apps()), []);
        assert.deepEqual(
            schemaBlockers("dev-apps", apps({ airflowTag: "3.2.2-python3.12" }), apps({ airflowTag: "3.2.2-python3.11" })),
            [],
        );
        // Checked alongside the schema markers, not instead of them.
        const both = schemaBlockers(
            "dev-apps",
            apps({ schema: "7", airflowChart: "1.22.0" }),
            apps({ schema: "5", airflowChart: "1.16.0" }),
        );
        assert.deepEqual(both.map((b) => b.kind).sort(), ["schema-rollback", "schema-rollback"]);
    });

    it("on the real dev-apps synth: each Airflow version input going down is refused; the release holds no data, its database does", async () => {
        const current = await synth("dev-apps");
        const [airflow] = airflowReleases(current);
        assert.ok(airflow, "the apps layer installs the airflow chart");
        assert.equal(classify(airflow), undefined, "metadata database is not in the chart");
        const metadataDb = current.resources.filter((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name.startsWith("airflow-"));
        assert.ok(metadataDb.length > 0 && metadataDb.every((r) => classify(r)?.category === "workload-storage"));
        /** A copy of the synth with one input of the Airflow release set. */
        const withInput = (input: string, value: string): SynthResult => {
            const copy = structuredClone(current);
            const keys = input.split(".");
            let at = airflowReleases(copy)[0].inputs;
            for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
            at[keys[keys.length - 1]] = value;
            return copy;
        };
        const values = airflow.inputs.values as Record<string, unknown>;
        for (const input of AIRFLOW_VERSION_INPUTS) {
            // images.airflow.tag is unset in the real values (defaultAirflowTag applies): set it on both sides.
            const now =
                input === "version" ? String(airflow.inputs.version) : String(values[input.split(".").pop()!] ?? values.defaultAirflowTag);
            const older = now.replace(/^(\d+)\.(\d+)/, (_, major: string, minor: string) =>
                Number(minor) > 0 ? `${major}.${Number(minor) - 1}` : `${Number(major) - 1}.${minor}`,
            );
            assert.notEqual(older, now);
            const blockers = schemaBlockers("dev-apps", withInput(input, now), withInput(input, older));
            assert.deepEqual(
                blockers.map((b) => b.kind),
                ["schema-rollback"],
                input,
            );
            assert.ok(blockers[0].message.includes(`${input} ${now} → ${older}`), blockers[0].message);
            assert.deepEqual(schemaBlockers("dev-apps", withInput(input, older), withInput(input, now)), [], `${input} going up`);
        }
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

    it("refuses a schema rollback told by the schema-version marker", () => {
        const blockers = schemaBlockers("dev-apps", apps({ schema: "7", backendTag: "1.5.0" }), apps({ schema: "5", backendTag: "1.3.0" }));
        assert.deepEqual(
            blockers.map((b) => b.kind),
            ["schema-rollback"],
        );
        assert.match(blockers[0].message, /todo-backend: database schema 7 → 5/);
        assert.deepEqual(
            schemaBlockers("dev-apps", apps({ schema: "7", backendTag: "1.5.0" }), apps({ schema: "7", backendTag: "1.4.0" })),
            [],
            "same schema: an older image is fine",
        );
    });

    it("without a marker, treats a backend image downgrade as a possible schema rollback (with a note)", () => {
        const blockers = schemaBlockers("dev-apps", apps({ backendTag: "1.5.0" }), apps({ backendTag: "1.4.2" }));
        assert.deepEqual(
            blockers.map((b) => b.kind),
            ["schema-unknown"],
        );
        assert.match(blockers[0].message, /todo-backend:1\.5\.0 → .*todo-backend:1\.4\.2\. No data-platform\.io\/schema-version marker/);
        assert.deepEqual(schemaBlockers("dev-apps", apps({ backendTag: "1.4.2" }), apps({ backendTag: "1.5.0" })), []);
    });

    it("the real Todo backend (expand-only migrations, docs/apps.md) rolls back by tag without a schema blocker", async () => {
        const now = await synth("dev-apps", { "data-platform:appsImageTag": "1.5.0" });
        const then = await synth("dev-apps", { "data-platform:appsImageTag": "1.4.0" });
        assert.deepEqual(schemaBlockers("dev-apps", now, then), []);
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
