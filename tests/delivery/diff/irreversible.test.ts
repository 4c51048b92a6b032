/** The one rule set for changes that do not come back (diff marks them, up refuses them unless allowed, rollback too). */
import * as assert from "node:assert/strict";
import { gate, irreversibleBetween, irreversibleChanges, parseAllow, refused, stackEnvironment } from "../../../delivery/diff/irreversible";
import { diffSynth } from "../../../delivery/diff/diff";
import { renderReport } from "../../../delivery/diff/markdown";
import type { ResourceView } from "../../../delivery/diff/irreversible";
import { synth } from "../../support/synth";
import { ed25519Key } from "../../support/sshKeys";

const topic = (partitions: number): ResourceView => ({
    type: "kubernetes:kafka.strimzi.io/v1:KafkaTopic",
    name: "events",
    inputs: { metadata: { name: "events" }, spec: { partitions } },
});
const pvc = (size: string): ResourceView => ({
    type: "kubernetes:core/v1:PersistentVolumeClaim",
    name: "db",
    inputs: { metadata: { name: "db" }, spec: { resources: { requests: { storage: size } } } },
});
const pg = (image: string): ResourceView => ({
    type: "kubernetes:apps/v1:StatefulSet",
    name: "todo-db",
    inputs: { spec: { template: { spec: { containers: [{ name: "postgres", image }] } } } },
});

describe("delivery: irreversible changes", () => {
    it("names partitions lowered, PostgreSQL downgraded and volumes shrunk; growth and upgrades pass", () => {
        const kinds = irreversibleChanges(
            "s",
            "dev",
            [topic(6), pvc("20Gi"), pg("postgres:17.6")],
            [topic(3), pvc("10Gi"), pg("postgres:16.4")],
        ).map((f) => f.kind);
        assert.deepEqual(kinds, ["kafka-partitions-decrease", "postgres-downgrade", "volume-shrink"]);
        assert.deepEqual(
            irreversibleChanges("s", "dev", [topic(3), pvc("10Gi"), pg("postgres:16.4")], [topic(6), pvc("20Gi"), pg("postgres:17.6")]),
            [],
        );
    });

    it(
        "on the real synth: k3s downgrade and minor jumps, prod server count, " + "Kafka volume shrink, SSH key change, Airflow downgrade",
        async () => {
            const prod = await synth("prod-infra");
            const kinds = async (stack: string, overrides: Record<string, string>, env = stack.split("-")[0]) =>
                irreversibleChanges(
                    stack,
                    env,
                    prod.resources.length && stack === "prod-infra" ? prod.resources : (await synth(stack)).resources,
                    (await synth(stack, overrides)).resources,
                ).map((f) => f.kind);
            assert.deepEqual(await kinds("prod-infra", { "data-platform:k3sVersion": "v1.35.0+k3s1" }), ["k3s-downgrade"]);
            assert.deepEqual(await kinds("prod-infra", { "data-platform:serverCount": "1" }), ["server-count-decrease"]);
            const key = await kinds("prod-infra", { "data-platform:sshPublicKey": ed25519Key("new") });
            assert.deepEqual(key, ["ssh-key-existing-nodes"]);
            const older = await synth("prod-infra", { "data-platform:k3sVersion": "v1.33.7+k3s1" });
            assert.deepEqual(
                irreversibleChanges("prod-infra", "prod", older.resources, prod.resources).map((f) => f.kind),
                ["k3s-minor-jump"],
            );
            assert.deepEqual(await kinds("dev-cluster", { "data-platform:kafkaStorageGi": "5" }), ["volume-shrink"]);
            assert.deepEqual(
                await kinds("dev-cluster", { "data-platform:kafkaPartitions": "2" }),
                ["kafka-partitions-decrease", "kafka-partitions-decrease"],
                "events and results",
            );
            assert.deepEqual(await kinds("dev-apps", { "data-platform:airflowImage": "apache/airflow:3.1.0" }), ["airflow-downgrade"]);
        },
    );

    it("the SSH finding says the key reaches no existing node and how to roll it out", async () => {
        const now = await synth("dev-infra");
        const next = await synth("dev-infra", { "data-platform:sshPublicKey": ed25519Key("rotated") });
        const [f] = irreversibleChanges("dev-infra", "dev", now.resources, next.resources);
        assert.match(
            f.message,
            new RegExp(
                /existing node\(s\) keep accepting the OLD key .*To roll it out: add/.source +
                    / the new key on the nodes first .*or replace the nodes one at a time/.source,
            ),
        );
    });

    it("--allow names kinds; unknown names are refused; allowed findings are not refused", () => {
        assert.deepEqual(parseAllow("volume-shrink,schema-unknown").kinds, ["volume-shrink", "schema-unknown"]);
        assert.match(
            parseAllow("everything").problem ?? "",
            /--allow everything: not a kind of refused change; use one of kafka-partitions-decrease/,
        );
        const f = irreversibleChanges("s", "dev", [pvc("20Gi")], [pvc("10Gi")]);
        assert.equal(refused(f, ["volume-shrink"]).length, 0);
    });

    it("up's pre-apply gate refuses without --allow, passes with it; --preview-only only lists", () => {
        const finding = irreversibleChanges("dev-cluster", "dev", [pvc("20Gi")], [pvc("10Gi")]);
        const refusedNow = gate(finding, [], false);
        assert.equal(refusedNow.stop, true);
        assert.match(
            refusedNow.text ?? "",
            new RegExp(
                /IRREVERSIBLE: 1 change\(s\)[\s\S]*\[volume-shrink\] dev-cluster: PVC db:/.source +
                    / 20Gi → 10Gi\. Volumes only grow[\s\S]*re-run with --allow volume-shrink/.source,
            ),
        );
        assert.deepEqual(
            [gate(finding, ["volume-shrink"], false).stop, gate(finding, [], true).stop, gate([], [], false).stop],
            [false, false, false],
        );
    });

    it("the offline diff (npm run diff, the PR comment) names them first, with the override up would need", async () => {
        const base = await synth("dev-cluster");
        const head = await synth("dev-cluster", { "data-platform:kafkaStorageGi": "5" });
        const found = irreversibleBetween(base, head);
        assert.deepEqual(
            found.map((f) => [f.kind, f.stack]),
            [["volume-shrink", "dev-cluster"]],
        );
        const text = renderReport({ base: "main", head: "pr", stacks: [diffSynth(base, head)], irreversible: found });
        const mark = text.indexOf("### ⛔ Irreversible changes");
        assert.ok(mark > 0 && mark < text.indexOf("### `dev-cluster`"), "before the per-stack diff");
        assert.match(
            text,
            new RegExp(
                /\*\*volume-shrink\*\* `dev-cluster`: .*Volumes only grow[\s\S]*refuse/.source +
                    / these unless the run names each kind with `--allow <kind>`/.source,
            ),
        );
        assert.equal(irreversibleBetween(undefined, head).length, 0, "a new stack has nothing to lose");
        assert.ok(!renderReport({ base: "a", head: "b", stacks: [diffSynth(base, base)], irreversible: [] }).includes("Irreversible"));
    });

    it("reads the environment from <env>-<layer> stack names", () => {
        assert.deepEqual(["prod-infra", "team-a-cluster", "qa-apps", "odd"].map(stackEnvironment), ["prod", "team-a", "qa", "odd"]);
    });
});
