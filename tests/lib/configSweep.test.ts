/**
 * Mistakes an experienced operator would call mistakes, each refused by the layer's reader with
 * the key and what to write instead: node labels Kubernetes sets itself, roll sizes above the
 * pool, empty or repeated zones, snapshot and dump schedules that run back to back or keep less
 * than a day, resolvers inside the cluster's networks, expired credentials, single-label host
 * names, paths with "//" or dot segments, paths that leave the repository, volumes below 1Gi, a
 * Kafka broker too small for its own heap, a database image that is not PostgreSQL, an Airflow
 * chart the values were not written for, and DaemonSets that fit on no node.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import { parse } from "yaml";
import { parseAppsConfig } from "../../apps/config";
import { parseClusterConfig } from "../../cluster/config";
import { cronAtMostEvery, cronCadence } from "../../lib/config/cron";
import { strictLookup } from "../../lib/config/reader";
import { dnsName, urlPath } from "../../lib/config/checks";
import { RequestItem } from "../../lib/fit";
import { assertDaemonSetsFit } from "../../lib/nodeFit";
import { configProblems, parseInfraWith } from "../support/config";
import { fixtureStackFile } from "../support/stacks";

const NS = "data-platform";
const REPOSITORY = { owner: "example-org", name: "data-platform", source: "test" } as const;

/** The fixture stack's values with `changes` (undefined removes a key), parsed by its layer's reader. */
function parseFixture(stack: string, changes: Record<string, string | undefined>): () => unknown {
    const doc = parse(fs.readFileSync(fixtureStackFile(stack), "utf8")) as { config: Record<string, unknown> };
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(doc.config)) values[k.replace(`${NS}:`, "")] = typeof v === "string" ? v : JSON.stringify(v);
    for (const [k, v] of Object.entries(changes)) {
        if (v === undefined) delete values[k];
        else values[k] = v;
    }
    const lookup = strictLookup(
        (k) => values[k],
        () => Object.keys(values),
        `Pulumi.${stack}.yaml`,
        { stack },
    );
    return stack.endsWith("-cluster")
        ? () => parseClusterConfig(lookup, NS, `stack ${stack}`)
        : () => parseAppsConfig(lookup, NS, `stack ${stack}`, { repository: REPOSITORY });
}

const refused = (problems: string[], pattern: RegExp) =>
    assert.ok(
        problems.some((p) => pattern.test(p)),
        `expected ${pattern} among:\n${problems.join("\n")}`,
    );
const pool = (extra: Record<string, unknown>) => ({
    agentFlavor: undefined,
    agentPools: JSON.stringify({ default: { flavor: "mb1.large", count: 3, ...extra } }),
});

describe("config sweep: infra", () => {
    it("refuses node labels that Kubernetes sets on every node itself", () => {
        refused(
            configProblems(() => parseInfraWith(pool({ labels: { "kubernetes.io/hostname": "big" } }))),
            /agentPools\.default\.labels\.kubernetes\.io\/hostname = "big": is set on every node by Kubernetes itself.*availabilityZones/,
        );
        refused(
            configProblems(() => parseInfraWith(pool({ labels: { "topology.kubernetes.io/zone": "az-1" } }))),
            /topology\.kubernetes\.io\/zone.*set on every node/,
        );
        assert.doesNotThrow(() => parseInfraWith(pool({ labels: { "node.kubernetes.io/exclude-from-external-load-balancers": "true" } })));
    });

    it("refuses a roll size above the pool and empty or repeated zones", () => {
        refused(
            configProblems(() => parseInfraWith(pool({ maxUnavailable: 4 }))),
            /maxUnavailable = 4: must be at most the pool's count \(3\)/,
        );
        assert.doesNotThrow(() => parseInfraWith(pool({ maxUnavailable: 3 })));
        refused(
            configProblems(() => parseInfraWith(pool({ availabilityZones: ["az-1", "az-1"] }))),
            /availabilityZones\[1\] = "az-1": repeats availabilityZones\[0\]/,
        );
        refused(
            configProblems(() => parseInfraWith(pool({ availabilityZones: [] }))),
            /agentPools\.default\.availabilityZones = \[\]: must be a non-empty list/,
        );
        refused(
            configProblems(() => parseInfraWith({ availabilityZones: "[]" })),
            /availabilityZones = \[\]: must list at least 1 item/,
        );
    });

    it("refuses etcd snapshots closer than 15 minutes and a retention that keeps less than a day", () => {
        refused(
            configProblems(() => parseInfraWith({ etcdSnapshotSchedule: "* * * * *" })),
            new RegExp(
                /etcdSnapshotSchedule = "\* \* \* \* \*": fires 1 minute\(s\) after a /.source +
                    /previous run \(1440 runs a day\); etcd snapshots .* at least 15 minutes apart/.source,
            ),
        );
        refused(
            configProblems(() => parseInfraWith({ etcdSnapshotSchedule: "0 * * * *", etcdSnapshotRetention: "5" })),
            /etcdSnapshotRetention = 5: keeps 5 snapshot\(s\) of "0 \* \* \* \*" \(24 a day\): about 5 h of history.*keep at least 24/,
        );
        assert.doesNotThrow(() => parseInfraWith({ etcdSnapshotSchedule: "*/30 * * * *", etcdSnapshotRetention: "48" }));
    });

    it("refuses resolvers inside the cluster's networks, and repeated ones", () => {
        refused(
            configProblems(() => parseInfraWith({ dnsNameservers: '["10.43.0.10"]' })),
            /dnsNameservers\[0\] = "10\.43\.0\.10": is inside k3s' service network 10\.43\.0\.0\/16/,
        );
        refused(
            configProblems(() => parseInfraWith({ dnsNameservers: '["9.9.9.9", "9.9.9.9"]' })),
            /dnsNameservers\[1\] = "9\.9\.9\.9": repeats dnsNameservers\[0\]/,
        );
    });

    it("refuses a cloud credential expiry that has passed", () => {
        refused(
            configProblems(() => parseInfraWith({ cloudCredentialExpiresAt: "2020-01-31" })),
            /cloudCredentialExpiresAt = "2020-01-31": has passed.*set a later date/,
        );
    });
});

describe("config sweep: cluster", () => {
    it("refuses single-label hosts and CA domains, and paths with // or dot segments", () => {
        refused(
            configProblems(parseFixture("prod-cluster", { grafanaHost: "grafana" })),
            /grafanaHost = "grafana": is a single label.*"grafana\.example\.org"/,
        );
        refused(
            configProblems(parseFixture("prod-cluster", { platformCaDomains: '["org"]' })),
            /platformCaDomains\[0\] = "org": is a single label/,
        );
        refused(
            configProblems(parseFixture("prod-cluster", { grafanaPath: "/ops//grafana" })),
            /grafanaPath = "\/ops\/\/grafana": must not contain "\/\/"/,
        );
    });

    it("refuses a Kafka broker smaller than its own heap needs", () => {
        refused(
            configProblems(parseFixture("prod-cluster", { kafkaBrokerMemory: "512Mi" })),
            /kafkaBrokerMemory = "512Mi": must be at least 1024Mi: the broker's JVM heap/,
        );
    });

    it("reports a value failing both its pattern and its check once", () => {
        const problems = configProblems(parseFixture("prod-cluster", { kafkaBrokerMemory: "4gb" }));
        assert.equal(problems.filter((p) => p.startsWith(`${NS}:kafkaBrokerMemory`)).length, 1, problems.join("\n"));
    });
});

describe("config sweep: apps", () => {
    it("refuses Airflow and Todo on one host (both are routed from /)", () => {
        refused(
            configProblems(parseFixture("prod-apps", { todoHost: "airflow.example.org", airflowHost: "airflow.example.org" })),
            /todoHost = "airflow\.example\.org": is also airflowHost/,
        );
    });

    it("refuses single-label hosts, dot segments, paths out of the repository and volumes below 1Gi", () => {
        refused(configProblems(parseFixture("prod-apps", { airflowHost: "airflow" })), /airflowHost = "airflow": is a single label/);
        refused(
            configProblems(parseFixture("prod-apps", { airflowPath: "/airflow/../x" })),
            /airflowPath = "\/airflow\/\.\.\/x": must not contain/,
        );
        refused(
            configProblems(parseFixture("prod-apps", { airflowDagsPath: "../dags" })),
            /airflowDagsPath = "\.\.\/dags": must be a relative path inside the repository.*no "\." or "\.\." components/,
        );
        refused(configProblems(parseFixture("prod-apps", { airflowDbSize: "100Mi" })), /airflowDbSize = "100Mi": must be at least 1Gi/);
    });

    it("refuses a database image that is not PostgreSQL; a mirrored postgres is fine", () => {
        refused(
            configProblems(parseFixture("prod-apps", { todoDbImage: "mysql:8.0.36" })),
            /todoDbImage = "mysql:8\.0\.36": is "mysql", not a PostgreSQL image/,
        );
        assert.doesNotThrow(parseFixture("prod-apps", { airflowDbImage: "registry.example.org/library/postgres:17.6" }));
    });

    it("refuses dumps more than hourly and a chart the values were not written for", () => {
        refused(
            configProblems(parseFixture("prod-apps", { airflowBackupSchedule: "*/5 * * * *" })),
            /airflowBackupSchedule = "\*\/5 \* \* \* \*": fires 5 minute\(s\) after .* at least 60 minutes apart/,
        );
        refused(
            configProblems(parseFixture("prod-apps", { todoBackupSchedule: "0,30 3 * * *" })),
            /todoBackupSchedule .* fires 30 minute\(s\)/,
        );
        refused(
            configProblems(parseFixture("prod-apps", { airflowChartVersion: "1.99.0" })),
            /airflowChartVersion = "1\.99\.0": is not a chart version this layer's Airflow values are written for \(known: /,
        );
    });
});

describe("config sweep: the pure checks", () => {
    it("cron cadence: the shortest gap, the wrap to the next day included", () => {
        assert.deepEqual(cronCadence("0 */6 * * *"), { minGapMinutes: 360, perDay: 4 });
        assert.deepEqual(cronCadence("0 1,23 * * *"), { minGapMinutes: 120, perDay: 2 });
        assert.deepEqual(cronCadence("50 23 * * *"), { minGapMinutes: 1440, perDay: 1 });
        assert.equal(cronCadence("61 * * * *"), undefined);
        assert.match(cronAtMostEvery(15, "x")("61 * * * *")!, /minute field/);
    });

    it("host names and paths", () => {
        assert.equal(dnsName("a.example.org"), undefined);
        assert.match(dnsName("localhost")!, /single label/);
        for (const ok of ["/", "/airflow", "/a/b", "/a/"]) assert.equal(urlPath(ok), undefined, ok);
        for (const bad of ["/a//b", "/a/./b", "/a/../b", "//"]) assert.ok(urlPath(bad), bad);
    });

    it("DaemonSets must fit every node of their role, naming the keys that size them", () => {
        const pools = [{ role: "server" as const, count: 1, flavor: "small", vcpus: 2, memoryMiB: 4096 }];
        const items: RequestItem[] = [
            { name: "ingress (per server)", cpu: "200", memory: "256Mi", perNode: "servers", configKeys: [`${NS}:ingressCpu`] },
        ];
        assert.throws(
            () => assertDaemonSetsFit("t", items, pools),
            new RegExp(
                /small \(server, 2 vCPU, 4096 MiB\) must run ingress \(per server\) on/.source +
                    / every node: 200000m\/256Mi requested.*lower data-platform:ingressCpu/.source,
            ),
        );
        assert.doesNotThrow(() => assertDaemonSetsFit("t", [{ ...items[0], cpu: "200m" }], pools));
    });
});
