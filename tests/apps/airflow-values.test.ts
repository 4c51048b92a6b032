import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { FAB_AUTH_MANAGER, splitImage } from "../../apps/airflow/values";
import { parseAppsConfig } from "../../apps/config";
import { ofType } from "../support/synth";
import { chartValidator, chartValues, SCHEMA_FILE } from "./airflowChart";
import { synthApps } from "./support";

function devConfig(overrides: Record<string, string> = {}) {
    const values: Record<string, string> = {
        environment: "dev",
        airflowHost: "airflow.example.org",
        airflowDagsRepo: "https://github.com/acme/data-platform.git",
        todoHost: "todo.example.org",
        todoBackendImage: "r/b:1.0.0",
        todoFrontendImage: "r/f:1.0.0",
        streamProducerImage: "r/p:1.0.0",
        streamProcessorImage: "r/q:1.0.0",
        ...overrides,
    };
    return parseAppsConfig((k) => values[k], "data-platform", "test").airflow;
}

describe("Airflow chart values", () => {
    const validate = chartValidator();
    const build = (overrides: Record<string, string> = {}) => chartValues(devConfig(overrides));

    it("the committed schema is the chart 1.22.0 release's", () => {
        const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8"));
        assert.equal(schema.properties.defaultAirflowTag.default, "3.2.2");
        assert.match(fs.readFileSync(path.join(path.dirname(SCHEMA_FILE), "ORIGIN.md"), "utf8"), /1\.22\.0/);
    });

    it("dev and prod values in the synth output are valid against the chart's values.schema.json", async function () {
        // The suite's first synth of all six stacks (later files reuse the cache): slow on a busy machine.
        this.timeout(120_000);
        for (const env of ["dev", "prod"] as const) {
            const [release] = ofType(await synthApps(env), "kubernetes:helm.sh/v3:Release");
            assert.equal(release.inputs.chart, "airflow");
            assert.equal(release.inputs.version, "1.22.0");
            const ok = validate(release.inputs.values);
            assert.ok(ok, `${env}: ${JSON.stringify(validate.errors?.slice(0, 5), null, 1)}`);
        }
    });

    it("the schema catches a wrong value (so the check has teeth)", () => {
        const values = build() as Record<string, any>;
        assert.ok(!validate({ ...values, executor: "NoSuchThing" }));
        assert.ok(!validate({ ...values, scheduler: { ...values.scheduler, replicass: 2 } }));
    });

    it("runs Airflow 3 with the KubernetesExecutor, own database and PgBouncer", () => {
        const v = build() as Record<string, any>;
        assert.equal(v.executor, "KubernetesExecutor");
        assert.equal(v.airflowVersion, "3.2.2");
        assert.equal(v.defaultAirflowRepository, "apache/airflow");
        assert.equal(v.postgresql.enabled, false);
        assert.equal(v.data.metadataSecretName, "m");
        assert.equal(v.pgbouncer.enabled, true);
        assert.equal(v.pgbouncer.configSecretName, "p");
        assert.equal(v.dagProcessor.enabled, true);
        assert.equal(v.triggerer.enabled, true);
        assert.equal(v.config.kubernetes_executor.delete_worker_pods, "True");
        assert.deepEqual(v.workers.kubernetes.resources, {
            requests: { cpu: "250m", memory: "512Mi" },
            limits: { cpu: "1", memory: "1Gi" },
        });
        assert.equal(v.workers.kubernetes.priorityClassName, "airflow-task");
    });

    it("sets no key the 1.22.0 schema marks deprecated for task pods (workers.resources)", () => {
        const v = build() as Record<string, any>;
        assert.equal(v.workers.resources, undefined);
        const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8"));
        assert.match(schema.properties.workers.properties.resources.description, /deprecated/);
        assert.doesNotMatch(schema.properties.workers.properties.kubernetes.properties.resources.description, /deprecated/);
    });

    it("configures the FAB auth manager that `airflow users create` (the create-user job) needs", () => {
        const v = build() as Record<string, any>;
        assert.equal(FAB_AUTH_MANAGER, "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager");
        assert.equal(v.config.core.auth_manager, FAB_AUTH_MANAGER);
        assert.equal(v.createUserJob.enabled, true);
        assert.match(v.createUserJob.args[2], /airflow users create/);
        assert.ok(validate(v));
    });

    it("references secrets by name only and keeps the admin password out of values", () => {
        const v = build() as Record<string, any>;
        assert.equal(v.fernetKeySecretName, "f");
        assert.equal(v.apiSecretKeySecretName, "a");
        assert.equal(v.jwtSecretName, "j");
        for (const key of ["fernetKey", "apiSecretKey", "jwtSecret", "webserverSecretKey"]) assert.equal(v[key], undefined, key);
        assert.equal(v.createUserJob.defaultUser.password, "");
        assert.match(v.createUserJob.args[2], /-p "\$\{AIRFLOW_ADMIN_PASSWORD\}"/);
        assert.deepEqual(v.createUserJob.env[0].valueFrom, { secretKeyRef: { name: "x", key: "password" } });
    });

    it("runs migration and create-user as plain jobs so a waiting install cannot deadlock", () => {
        const v = build() as Record<string, any>;
        assert.equal(v.migrateDatabaseJob.useHelmHooks, false);
        assert.equal(v.createUserJob.useHelmHooks, false);
        assert.equal(v.scheduler.waitForMigrations.enabled, true);
    });

    it("git-syncs the DAG folder and keeps logs on the given claim", () => {
        const v = build({ airflowDagsBranch: "release", airflowDagsPath: "apps/airflow/dags" }) as Record<string, any>;
        assert.deepEqual(
            { repo: v.dags.gitSync.repo, branch: v.dags.gitSync.branch, subPath: v.dags.gitSync.subPath, enabled: v.dags.gitSync.enabled },
            { repo: "https://github.com/acme/data-platform.git", branch: "release", subPath: "apps/airflow/dags", enabled: true },
        );
        assert.deepEqual(v.logs.persistence, { enabled: true, existingClaim: "airflow-logs" });
    });

    it("leaves git-sync anonymous by default and references an existing credentials Secret for private https repositories", () => {
        const open = build() as Record<string, any>;
        for (const key of ["credentialsSecret", "sshKeySecret", "knownHosts"]) assert.equal(open.dags.gitSync[key], undefined, key);
        const v = build({ airflowDagsCredentialsSecret: "airflow-git-credentials" }) as Record<string, any>;
        assert.equal(v.dags.gitSync.credentialsSecret, "airflow-git-credentials");
        assert.equal(v.dags.gitSync.sshKeySecret, undefined);
        assert.ok(validate(v), JSON.stringify(validate.errors));
    });

    it("uses an SSH key Secret (and known_hosts) for git@ repositories", () => {
        const v = build({
            airflowDagsRepo: "git@github.com:acme/data-platform.git",
            airflowDagsSshKeySecret: "airflow-git-ssh",
            airflowDagsKnownHosts: "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        }) as Record<string, any>;
        assert.equal(v.dags.gitSync.repo, "git@github.com:acme/data-platform.git");
        assert.equal(v.dags.gitSync.sshKeySecret, "airflow-git-ssh");
        assert.match(v.dags.gitSync.knownHosts, /^github\.com ssh-ed25519 /);
        assert.equal(v.dags.gitSync.credentialsSecret, undefined);
        assert.ok(validate(v), JSON.stringify(validate.errors));
    });

    it("refuses git credentials that cannot work with the repository URL", () => {
        const problems = (overrides: Record<string, string>) => {
            try {
                devConfig(overrides);
            } catch (e) {
                return (e as { problems: { key: string; message: string }[] }).problems.map((p) => `${p.key}: ${p.message}`);
            }
            return [];
        };
        assert.match(
            problems({ airflowDagsRepo: "git@github.com:acme/x.git", airflowDagsCredentialsSecret: "creds" }).join("\n"),
            /airflowDagsCredentialsSecret: is for https repositories/,
        );
        assert.match(problems({ airflowDagsSshKeySecret: "ssh-key" }).join("\n"), /airflowDagsSshKeySecret: is for SSH repositories/);
        assert.match(
            problems({ airflowDagsKnownHosts: "github.com ssh-ed25519 AAAA" }).join("\n"),
            /only applies together with airflowDagsGitSshKey or airflowDagsSshKeySecret/,
        );
        assert.match(problems({ airflowDagsCredentialsSecret: "Not_A_Name" }).join("\n"), /name of an existing Secret/);
    });

    it("spreads two schedulers over nodes (required anti-affinity) and guards them with a PDB", () => {
        const one = build() as Record<string, any>;
        const two = build({ airflowSchedulerReplicas: "2" }) as Record<string, any>;
        assert.deepEqual(one.scheduler.affinity, {});
        assert.equal(two.scheduler.replicas, 2);
        const rule = two.scheduler.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
        assert.equal(rule.topologyKey, "kubernetes.io/hostname");
        assert.deepEqual(rule.labelSelector.matchLabels, { component: "scheduler", release: "airflow" });
        assert.equal(two.scheduler.podDisruptionBudget.enabled, true);
    });

    it("exposes the api-server through the nginx ingress on the configured host and path", () => {
        const v = build({ airflowHost: "af.example.org", airflowPath: "/airflow" }) as Record<string, any>;
        assert.deepEqual(v.ingress.apiServer.hosts, [{ name: "af.example.org" }]);
        assert.equal(v.ingress.apiServer.path, "/airflow");
        assert.equal(v.ingress.apiServer.ingressClassName, "nginx");
        assert.equal(v.config.api.base_url, "http://af.example.org/airflow");
        assert.ok(validate(v));
    });

    it("serves plain HTTP unless a TLS Secret is configured, then TLS on the ingress host and an https base URL", () => {
        const plain = build() as Record<string, any>;
        assert.deepEqual(plain.ingress.apiServer.hosts, [{ name: "airflow.example.org" }]);
        assert.equal(plain.config.api.base_url, "http://airflow.example.org");
        const tls = build({ airflowTlsSecretName: "airflow-tls" }) as Record<string, any>;
        assert.deepEqual(tls.ingress.apiServer.hosts, [{ name: "airflow.example.org", tls: { enabled: true, secretName: "airflow-tls" } }]);
        assert.equal(tls.ingress.apiServer.tls, undefined, "the deprecated top-level tls is not used");
        assert.equal(tls.config.api.base_url, "https://airflow.example.org");
        assert.ok(validate(tls), JSON.stringify(validate.errors));
    });

    it("splits image references and refuses Airflow 2 images", () => {
        assert.deepEqual(splitImage("registry.example.org:5000/airflow:3.2.2-python3.12"), {
            repository: "registry.example.org:5000/airflow",
            tag: "3.2.2-python3.12",
            version: "3.2.2",
        });
        assert.throws(() => build({ airflowImage: "apache/airflow:2.11.0" }), /use a 3.x image/);
    });
});
