import * as assert from "node:assert/strict";
import * as fs from "fs";
import { parse } from "yaml";
import { AppsContext, parseAppsConfig as parseWith, stackReferenceNames } from "../../apps/config";
import { checkAgainstCluster, CLUSTER_READS } from "../../apps/lowerStacks";
import { ConfigValidationError } from "../../lib/config/reader";
import { CLUSTER_FIXTURES } from "./support";
import { fixtureStackFile } from "../support/stacks";

const NS = "data-platform";
/** The repository a deploy names (apps/repository.ts); the stack files hold no owner. */
const CONTEXT: AppsContext = { repository: { owner: "Example-Org", name: "data-platform", source: "test" } };
const parseAppsConfig = (lookup: (key: string) => string | undefined, ns: string, scope: string, context: AppsContext = CONTEXT) =>
    parseWith(lookup, ns, scope, context);

/** The fixture stack file's config as a lookup, with overrides (undefined deletes a key). */
function stackLookup(env: "dev" | "prod", overrides: Record<string, string | undefined> = {}): (key: string) => string | undefined {
    const doc = parse(fs.readFileSync(fixtureStackFile(`${env}-apps`), "utf8")) as { config: Record<string, unknown> };
    const values: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(doc.config)) values[k.replace(`${NS}:`, "")] = typeof v === "string" ? v : JSON.stringify(v);
    Object.assign(values, overrides);
    return (key) => values[key];
}

function problemsOf(fn: () => unknown): { key: string; value: string; message: string }[] {
    try {
        fn();
    } catch (e) {
        assert.ok(e instanceof ConfigValidationError, `expected a ConfigValidationError, got ${e}`);
        return [...e.problems];
    }
    assert.fail("expected the config to be refused");
}

describe("apps config", () => {
    it("parses the dev and prod stack files with their per-environment replicas", () => {
        const dev = parseAppsConfig(stackLookup("dev"), NS, "dev-apps");
        const prod = parseAppsConfig(stackLookup("prod"), NS, "prod-apps");
        assert.equal(dev.airflow.schedulerReplicas, 1);
        assert.equal(prod.airflow.schedulerReplicas, 2);
        assert.equal(prod.stream.processorReplicas, 3);
        assert.equal(dev.todo.backendReplicas, 2);
        assert.equal(dev.airflow.chartVersion, "1.22.0");
        assert.deepEqual(dev.stacks, {
            organization: undefined,
            project: "data-platform",
            infraStack: "dev-infra",
            clusterStack: "dev-cluster",
        });
        assert.equal(dev.minHeadroom, 0.2);
        assert.equal(dev.protectStateful, true);
    });

    it("takes organization, project and stack names of the references from config", () => {
        const cfg = parseAppsConfig(
            stackLookup("dev", { stackOrganization: "acme", stackProject: "platform", clusterStack: "dev-cluster" }),
            NS,
            "dev-apps",
        );
        // An explicit stackOrganization wins over the current stack's organization.
        assert.deepEqual(stackReferenceNames(cfg.stacks, "my-cloud-org"), {
            infra: "acme/platform/dev-infra",
            cluster: "acme/platform/dev-cluster",
        });
    });

    it("defaults the references' organization to the current stack's, not a literal", () => {
        const cfg = parseAppsConfig(stackLookup("dev"), NS, "dev-apps");
        assert.equal(cfg.stacks.organization, undefined);
        // Pulumi Cloud: the org the apps stack lives in; DIY backends report "organization".
        assert.deepEqual(stackReferenceNames(cfg.stacks, "acme-cloud"), {
            infra: "acme-cloud/data-platform/dev-infra",
            cluster: "acme-cloud/data-platform/dev-cluster",
        });
        assert.deepEqual(stackReferenceNames(cfg.stacks, "organization"), {
            infra: "organization/data-platform/dev-infra",
            cluster: "organization/data-platform/dev-cluster",
        });
        const problems = problemsOf(() => parseAppsConfig(stackLookup("dev", { stackOrganization: "not an org" }), NS, "dev-apps"));
        assert.deepEqual(
            problems.map((p) => p.key),
            [`${NS}:stackOrganization`],
        );
    });

    it("reports every problem at once, naming key, value and what is allowed", () => {
        const problems = problemsOf(() =>
            parseAppsConfig(
                stackLookup("dev", {
                    todoBackendImage: "ghcr.io/acme/todo-backend:latest",
                    todoFrontendImage: "ghcr.io/acme/todo-frontend",
                    airflowHost: "Airflow_Host",
                    airflowPath: "no-slash",
                    airflowDagsRepo: "https://github.com/<owner>/data-platform.git",
                    airflowChartVersion: "^1.22",
                    streamProcessorReplicas: "0",
                    airflowBackupSchedule: "daily",
                    airflowLogsSize: "lots",
                    airflowTaskCpu: "3",
                }),
                NS,
                "dev-apps",
            ),
        );
        const byKey = new Map(problems.map((p) => [p.key, p]));
        assert.match(byKey.get(`${NS}:todoBackendImage`)!.message, /"latest" is not allowed/);
        assert.match(byKey.get(`${NS}:todoFrontendImage`)!.message, /has no tag: an untagged image is "latest"/);
        assert.match(byKey.get(`${NS}:airflowHost`)!.message, /DNS name/);
        assert.match(byKey.get(`${NS}:airflowPath`)!.message, /starting with "\/"/);
        assert.match(byKey.get(`${NS}:airflowDagsRepo`)!.message, /a git URL like "https:\/\/github\.com\/<owner>\/data-platform\.git"/);
        assert.match(byKey.get(`${NS}:airflowChartVersion`)!.message, /exact version/);
        assert.match(byKey.get(`${NS}:streamProcessorReplicas`)!.message, /between 1 and 64/);
        assert.match(byKey.get(`${NS}:airflowBackupSchedule`)!.message, /cron/);
        assert.match(byKey.get(`${NS}:airflowLogsSize`)!.message, /volume size/);
        assert.match(byKey.get(`${NS}:airflowTaskQuotaCpu`)!.message, /at least one task pod's requests/);
        assert.match(byKey.get(`${NS}:airflowTaskCpuLimit`)!.message, /limits must be at least the requests/);
        assert.equal(byKey.get(`${NS}:todoBackendImage`)!.value, '"ghcr.io/acme/todo-backend:latest"');
    });

    it("refuses an Airflow 2 image and a tag without the Airflow version, naming airflowImage (not a render error)", () => {
        for (const [image, why] of [
            ["apache/airflow:2.10.5", /is Airflow 2\.10\.5; this layer configures Airflow 3/],
            ["apache/airflow:slim-3.2.2", /floating tag|does not start with the Airflow version/],
        ] as const) {
            const found = problemsOf(() => parseAppsConfig(stackLookup("dev", { airflowImage: image }), NS, "stack dev-apps"));
            assert.ok(
                found.some((p) => p.key === `${NS}:airflowImage` && why.test(p.message)),
                JSON.stringify(found),
            );
        }
    });

    it("refuses a DAG branch name git would not accept", () => {
        for (const branch of ["feature/x..y", "release/", "-main", "topic.lock", "a//b"]) {
            const found = problemsOf(() => parseAppsConfig(stackLookup("dev", { airflowDagsBranch: branch }), NS, "stack dev-apps"));
            assert.ok(
                found.some((p) => p.key === `${NS}:airflowDagsBranch` && /is not a branch name git accepts/.test(p.message)),
                `${branch}: ${JSON.stringify(found)}`,
            );
        }
        assert.equal(
            parseAppsConfig(stackLookup("dev", { airflowDagsBranch: "release/1.4" }), NS, "stack dev-apps").airflow.dagsBranch,
            "release/1.4",
        );
    });

    it("refuses a task quota so small that the namespace LimitRange would reject Airflow's own pods", () => {
        const problems = problemsOf(() =>
            parseAppsConfig(
                stackLookup("dev", {
                    airflowTaskQuotaCpu: "250m",
                    airflowTaskQuotaMemory: "512Mi",
                    airflowTaskCpu: "100m",
                    airflowTaskMemory: "128Mi",
                }),
                NS,
                "dev-apps",
            ),
        );
        assert.equal(problems.length, 2, problems.map((p) => p.message).join("\n"));
        assert.match(problems[0].message, /at least half the largest Airflow component limit \(500m\/1024Mi\)/);
        // The task defaults (1 CPU / 1Gi limits) would exceed the LimitRange max derived from it.
        assert.match(problems[1].message, /must be at most the LimitRange max, twice airflowTaskQuotaCpu \(500m\)/);
    });

    it("refuses more processors than the events topic has partitions, with the reason", () => {
        const cfg = parseAppsConfig(stackLookup("prod", { streamProcessorReplicas: "4" }), NS, "prod-apps");
        const problems = problemsOf(() => checkAgainstCluster(cfg, CLUSTER_FIXTURES.prod, NS, "prod-apps"));
        assert.equal(problems.length, 1);
        assert.equal(problems[0].key, `${NS}:streamProcessorReplicas`);
        assert.equal(problems[0].value, "4");
        assert.match(problems[0].message, /at most the partition count of topic "events" \(3\).*idle/);
        // Equal to the partition count is fine.
        checkAgainstCluster(parseAppsConfig(stackLookup("prod"), NS, "prod-apps"), CLUSTER_FIXTURES.prod, NS, "prod-apps");
    });

    it("refuses an app host that is Grafana's, on the outputs the layer really reads from the cluster stack", () => {
        const cfg = parseAppsConfig(stackLookup("prod"), NS, "prod-apps");
        const cluster = { ...CLUSTER_FIXTURES.prod, grafanaUrl: `https://${cfg.todo.host}/` };
        // What readLowerStacks hands the check: the outputs it reads, no others.
        const read = Object.fromEntries(CLUSTER_READS.map((k) => [k, cluster[k as keyof typeof cluster]]));
        const problems = problemsOf(() => checkAgainstCluster(cfg, read, NS, "prod-apps"));
        assert.deepEqual(
            problems.map((p) => p.key),
            [`${NS}:todoHost`],
        );
        assert.match(problems[0].message, /is also the cluster layer's grafanaHost/);
    });

    it("names the cluster outputs that are missing and how to get them", () => {
        const cfg = parseAppsConfig(stackLookup("dev"), NS, "dev-apps");
        const { kafkaBootstrap: _b, requests: _r, ...partial } = CLUSTER_FIXTURES.dev;
        const problems = problemsOf(() =>
            checkAgainstCluster(cfg, partial, NS, "dev-apps", stackReferenceNames(cfg.stacks, "organization").cluster),
        );
        assert.deepEqual(
            problems.map((p) => p.key),
            ["organization/data-platform/dev-cluster output kafkaBootstrap", "organization/data-platform/dev-cluster output requests"],
        );
        assert.match(problems[0].message, /pulumi up -s dev-cluster/);
    });
});
