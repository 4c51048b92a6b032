import * as assert from "node:assert/strict";
import { appsRequestItems, appsRequests, checkEnvironmentFit, checkPodFit } from "../../apps";
import { parseAppsConfig } from "../../apps/config";
import type { NodePoolCapacity } from "../../lib/contracts";
import { sumRequests } from "../../lib/fit";
import { CLUSTER_FIXTURES, synthApps } from "./support";

/** The apps keys every config needs; a test adds the ones it is about. */
const REQUIRED = {
    environment: "dev",
    airflowHost: "a.example.org",
    airflowDagsRepo: "https://github.com/acme/x.git",
    todoHost: "t.example.org",
    todoBackendImage: "r/b:1.0.0",
    todoFrontendImage: "r/f:1.0.0",
    streamProducerImage: "r/p:1.0.0",
    streamProcessorImage: "r/q:1.0.0",
};
const appsConfig = (extra: Record<string, string> = {}) => {
    const values: Record<string, string> = { ...REQUIRED, ...extra };
    return parseAppsConfig((key) => values[key], "data-platform", "t");
};

describe("apps: whole-environment resource fit", () => {
    it("dev and prod keep at least 20 % CPU and memory headroom (infra pools vs cluster + apps requests)", async () => {
        for (const env of ["dev", "prod"] as const) {
            const result = await synthApps(env);
            const fit = result.outputs.fit as {
                cpuHeadroomPercent: number;
                memoryHeadroomPercent: number;
                requested: { cpuMilli: number };
            };
            assert.ok(fit.cpuHeadroomPercent >= 20, `${env} CPU headroom ${fit.cpuHeadroomPercent} %`);
            assert.ok(fit.memoryHeadroomPercent >= 20, `${env} memory headroom ${fit.memoryHeadroomPercent} %`);
            const apps = result.outputs.requests as { cpuMilli: number; memoryMiB: number };
            assert.ok(apps.cpuMilli > 0 && apps.memoryMiB > 0);
        }
    });

    it("counts replicas per environment and the whole task quota", () => {
        const base = appsConfig();
        const one = appsRequests(base);
        const more = appsRequests(appsConfig({ airflowSchedulerReplicas: "2", airflowTaskQuotaCpu: "3" }));
        // one more scheduler (250m) and one more quota CPU (1000m)
        assert.equal(more.cpuMilli - one.cpuMilli, 1250);
        const items = appsRequestItems(base);
        assert.deepEqual(sumRequests(items), one);
        assert.ok(items.some((i) => i.name === "airflow task pods (quota)" && i.cpu === "2" && i.memory === "4Gi"));
    });

    it("refuses a too-small profile with a message naming requests, allocatable and nodes", () => {
        const small: NodePoolCapacity[] = [
            { role: "server", count: 1, flavor: "mb1.medium", vcpus: 2, memoryMiB: 4096 },
            { role: "agent", count: 1, flavor: "mb1.large", vcpus: 4, memoryMiB: 8192 },
        ];
        const apps = { cpuMilli: 4000, memoryMiB: 9000 };
        assert.throws(
            () => checkEnvironmentFit("dev", small, CLUSTER_FIXTURES.dev.requests, apps, 0.2),
            (e: Error) => {
                assert.match(
                    e.message,
                    new RegExp(
                        /environment "dev" \(cluster layer 2500m\/5632Mi \+ apps layer 4000m\/9000Mi\)/.source +
                            / does not fit on 1x mb1.medium \(server, 2 vCPU, 4096 MiB\) \+ 1x mb1.large/.source,
                    ),
                );
                assert.match(e.message, /CPU: requests 6500m of 5300m allocatable/);
                assert.match(e.message, /memory: requests 14632Mi of 10240Mi allocatable/);
                assert.match(e.message, /Use larger flavors or more agents/);
                return true;
            },
        );
    });

    it("refuses a pod that fits no single node, after the cluster's DaemonSets, although it is checked per pod not per sum", () => {
        const config = appsConfig({ airflowTaskCpu: "3800m", airflowTaskCpuLimit: "4", airflowTaskQuotaCpu: "4" });
        const pools: NodePoolCapacity[] = [
            { role: "server", count: 3, flavor: "mb1.xlarge", vcpus: 8, memoryMiB: 16384, tainted: true },
            { role: "agent", count: 4, flavor: "mb1.large", vcpus: 4, memoryMiB: 8192 },
        ];
        const daemonSets = { server: { cpuMilli: 170, memoryMiB: 256 }, agent: { cpuMilli: 70, memoryMiB: 128 } };
        assert.throws(
            () => checkPodFit(config, pools, daemonSets),
            new RegExp(
                /airflow task pod \(default requests\) requests 3800m\/512Mi; the largest node/.source +
                    / it may run on, mb1\.large \(agent, 4 vCPU, 8192 MiB\), has 3730m\/7552Mi left/.source,
            ),
        );
        assert.doesNotThrow(
            () =>
                checkPodFit(
                    config,
                    pools.map((p) => ({ ...p, tainted: false })),
                    daemonSets,
                ),
            "untainted, the 8-vCPU servers take it",
        );
    });

    it("stops the apps stack before creating anything when the environment is too small", async () => {
        const tiny: NodePoolCapacity[] = [{ role: "server", count: 1, flavor: "mb1.medium", vcpus: 2, memoryMiB: 4096 }];
        await assert.rejects(synthApps("dev", { infra: { nodePools: tiny } }), /does not fit on 1x mb1.medium/);
    });
});
