/** The cluster's resource requests against the nodes' capacity (lib/fit.ts), for dev- and prod-like configs. */
import * as assert from "node:assert/strict";
import { clusterRequestItems } from "../../cluster/sizing";
import { assertFits, sumRequests } from "../../lib/fit";
import { dev, prod } from "./valuesConfigs";

describe("cluster: resource fit", () => {
    const devPools = [
        { role: "server" as const, count: 1, flavor: "mb1.large", vcpus: 4, memoryMiB: 8192 },
        { role: "agent" as const, count: 2, flavor: "mb1.large", vcpus: 4, memoryMiB: 8192 },
    ];

    it("counts DaemonSet pods per node and replicas per environment", () => {
        const items = clusterRequestItems(prod, { servers: 3, agents: 3 });
        assert.equal(items.find((i) => i.name.startsWith("node-exporter"))?.replicas, 6);
        assert.equal(items.find((i) => i.name.startsWith("openstack cloud controller"))?.replicas, 3);
        assert.equal(items.find((i) => i.name.startsWith("kafka broker"))?.replicas, 3);
    });

    it("dev fits on 3x mb1.large with the configured headroom", () => {
        const report = assertFits("dev cluster layer", sumRequests(clusterRequestItems(dev, { servers: 1, agents: 2 })), devPools, 0.4);
        assert.ok(report.cpuHeadroom > 0.4 && report.memoryHeadroom > 0.4);
    });

    it("the ingress controllers count once per server, on the servers (where the ingress address lands)", () => {
        const ingress = clusterRequestItems(prod, { servers: 3, agents: 4 }).find((i) => i.name.startsWith("ingress-nginx"));
        assert.deepEqual(
            { replicas: ingress?.replicas, perNode: ingress?.perNode, controlPlane: ingress?.controlPlane },
            { replicas: 3, perNode: "servers", controlPlane: true },
        );
    });

    it("a too-small environment is refused with a message naming the shortfall and the fix", () => {
        const tiny = [{ role: "server" as const, count: 1, flavor: "mb1.small", vcpus: 1, memoryMiB: 2048 }];
        assert.throws(
            () => assertFits("The cluster layer of dev", sumRequests(clusterRequestItems(dev, { servers: 1, agents: 0 })), tiny, 0.4),
            (err: Error) =>
                /^The cluster layer of dev does not fit on 1x mb1.small \(server, 1 vCPU, 2048 MiB\):/.test(err.message) &&
                /CPU: requests \d+m of 500m allocatable/.test(err.message) &&
                /memory: requests \d+Mi of 512Mi allocatable/.test(err.message) &&
                /Use larger flavors or more agents/.test(err.message),
        );
    });
});
