/**
 * The apps layer's synth, dev and prod, for what must not be lost or leaked: the Airflow task quota,
 * protected and retained volumes, StatefulSets and namespaces, the off-site database dumps, the
 * monitoring objects, and no plaintext secret anywhere.
 */
import * as assert from "node:assert/strict";
import { SynthResult } from "../../delivery/synth/synth";
import { byName, ofType } from "../support/synth";
import { reveal, synthApps } from "./support";

const PLACEHOLDER_B64 = Buffer.from("synth-placeholder").toString("base64").slice(0, 20);

describe("apps synth: quotas, protection, backups, monitoring, secrets", () => {
    let dev: SynthResult;
    let prod: SynthResult;
    before(async () => {
        dev = await synthApps("dev");
        prod = await synthApps("prod");
    });

    it("has a priority-scoped task ResourceQuota and a LimitRange in the Airflow namespace", () => {
        const [quota] = ofType(prod, "kubernetes:core/v1:ResourceQuota");
        const spec = quota.inputs.spec as Record<string, any>;
        assert.equal((quota.inputs.metadata as any).namespace, "airflow");
        assert.deepEqual(spec.hard, {
            "requests.cpu": "8",
            "requests.memory": "16Gi",
            "limits.cpu": "16",
            "limits.memory": "32Gi",
            pods: "24",
        });
        assert.deepEqual(spec.scopeSelector.matchExpressions[0], { scopeName: "PriorityClass", operator: "In", values: ["airflow-task"] });
        const [limits] = ofType(dev, "kubernetes:core/v1:LimitRange");
        assert.deepEqual((limits.inputs.spec as any).limits[0].defaultRequest, { cpu: "250m", memory: "512Mi" });
        const [priority] = ofType(dev, "kubernetes:scheduling.k8s.io/v1:PriorityClass");
        assert.equal(priority.inputs.preemptionPolicy, "Never");
    });

    it("protects stateful things: database and log volumes and the database StatefulSets", () => {
        for (const name of [
            "airflow-postgresql-data",
            "airflow-logs",
            "todo-postgresql-data",
            "airflow-postgresql-statefulset",
            "todo-postgresql-statefulset",
        ]) {
            const r = byName(prod, name);
            assert.ok(r.options.protect && r.options.retainOnDelete, name);
        }
        const unprotected = ofType(prod, "kubernetes:core/v1:PersistentVolumeClaim").filter((r) => !r.options.protect);
        assert.deepEqual(
            unprotected.map((r) => r.name),
            [],
        );
        const logs = byName(dev, "airflow-logs").inputs.spec as Record<string, any>;
        assert.deepEqual(logs.accessModes, ["ReadWriteMany"]);
        assert.equal(logs.storageClassName, "nfs");
    });

    it("protects and retains every namespace that holds a PVC or StatefulSet (deleting a namespace deletes its volumes)", async () => {
        const namespacesWithState = (result: SynthResult) =>
            new Set(
                [...ofType(result, "kubernetes:core/v1:PersistentVolumeClaim"), ...ofType(result, "kubernetes:apps/v1:StatefulSet")].map(
                    (r) => (r.inputs.metadata as any).namespace as string,
                ),
            );
        const namespaceObject = (result: SynthResult, ns: string) => {
            const found = ofType(result, "kubernetes:core/v1:Namespace").filter((r) => (r.inputs.metadata as any).name === ns);
            assert.equal(found.length, 1, `${result.stack}: one Namespace object named ${ns}`);
            return found[0];
        };
        for (const result of [dev, prod]) {
            const stateful = namespacesWithState(result);
            assert.deepEqual([...stateful].sort(), ["airflow", "microservices"], result.stack);
            for (const ns of stateful) {
                const r = namespaceObject(result, ns);
                assert.ok(
                    r.options.protect && r.options.retainOnDelete,
                    `${result.stack}: namespace ${ns} must be protect + retainOnDelete`,
                );
            }
        }
        // protectStateful: false (throw-away environments) lifts it for namespaces as for volumes.
        const loose = await synthApps("dev", { overrides: { "data-platform:protectStateful": "false" } });
        for (const ns of namespacesWithState(loose)) {
            const r = namespaceObject(loose, ns);
            assert.ok(!r.options.protect && !r.options.retainOnDelete, ns);
        }
    });

    it("dumps the Airflow and Todo databases off-site on a schedule: pg_dump first, then upload and prune with rclone", () => {
        for (const [db, schedule] of [
            ["airflow", "15 2 * * *"],
            ["todo", "45 2 * * *"],
        ]) {
            const cron = byName(prod, `${db}-postgresql-backup`).inputs.spec as Record<string, any>;
            assert.equal(cron.schedule, schedule);
            assert.equal(cron.concurrencyPolicy, "Forbid");
            const pod = cron.jobTemplate.spec.template.spec;
            assert.equal(pod.initContainers[0].image, "postgres:17.6");
            assert.match(pod.initContainers[0].command[2], /pg_dump --format=custom/);
            const upload = pod.containers[0];
            assert.equal(upload.image, "docker.io/rclone/rclone:1.75.1");
            assert.match(upload.command[2], new RegExp(`offsite:platform-prod-backups/prod/postgres/${db}`));
            assert.match(upload.command[2], db === "airflow" ? /--min-age 14d/ : /--min-age 7d/);
            const env = Object.fromEntries(upload.env.map((e: any) => [e.name, e.value ?? e.valueFrom.secretKeyRef]));
            assert.equal(env.RCLONE_CONFIG_OFFSITE_ENDPOINT, "https://object.example.org");
            assert.deepEqual(env.RCLONE_CONFIG_OFFSITE_SECRET_ACCESS_KEY, { name: `${db}-postgresql-backup-store`, key: "secret-key" });
            const store = reveal(byName(prod, `${db}-postgresql-backup-store`).inputs) as any;
            assert.equal(store.stringData["access-key"], "synth-placeholder-ec2-access-prod-k3s-backups-ec2-credential");
            assert.ok("@secret" in (byName(prod, `${db}-postgresql-backup-store`).inputs.stringData as object), "credential stays secret");
        }
        assert.equal(
            ofType(prod, "kubernetes:core/v1:PersistentVolumeClaim").filter((r) => r.name.endsWith("-backups")).length,
            0,
            "no in-cluster backup volume",
        );
    });

    it("adds a ServiceMonitor for statsd and a Grafana dashboard ConfigMap", () => {
        const [monitor] = ofType(dev, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor");
        assert.deepEqual((monitor.inputs.spec as any).selector.matchLabels, { component: "statsd", release: "airflow" });
        assert.equal((monitor.inputs.spec as any).endpoints[0].port, "statsd-scrape");
        const dashboard = byName(dev, "airflow-dashboard").inputs as Record<string, any>;
        assert.equal(dashboard.metadata.namespace, "monitoring");
        assert.equal(dashboard.metadata.labels.grafana_dashboard, "1");
        const model = JSON.parse(dashboard.data["airflow.json"]);
        assert.ok(model.panels.length >= 6);
    });

    it("has no plaintext secret anywhere in the synth output", () => {
        for (const result of [dev, prod]) {
            const leaks: string[] = [];
            const walk = (value: unknown, where: string, secret: boolean) => {
                if (typeof value === "string") {
                    // Generated secrets are placeholders, raw or base64-encoded (the fernet key).
                    if (!secret && (/synth-placeholder-(password|bytes|string|id)/.test(value) || value.includes(PLACEHOLDER_B64)))
                        leaks.push(where);
                } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${where}[${i}]`, secret));
                else if (value && typeof value === "object") {
                    for (const [k, v] of Object.entries(value)) walk(v, `${where}.${k}`, secret || k === "@secret");
                }
            };
            for (const r of result.resources) walk(r.inputs, r.name, false);
            walk(result.outputs, "outputs", false);
            assert.deepEqual(leaks, [], `${result.stack}`);
            // The Secrets' contents are all secret-wrapped.
            for (const s of ofType(result, "kubernetes:core/v1:Secret")) {
                assert.ok(s.inputs.stringData && "@secret" in (s.inputs.stringData as object), s.name);
            }
        }
    });
});
