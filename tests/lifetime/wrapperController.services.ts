/**
 * The managed-etcd controller of "k3s made of upstream parts" (tests/lifetime/parts/wrapper/
 * supervisor.py), run on the host against a STAND-IN for the local Kubernetes API: a Node https
 * server with the wrapper's own serving certificate that requires its client certificate, and
 * serves one Node. The controller marks its Node as k3s does (member annotation, finalizer), and
 * polls over one kept-alive connection: a TLS handshake every few seconds was a real cost to an
 * emulated server's API.
 */
import * as assert from "node:assert/strict";
import { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import { AddressInfo } from "node:net";
import * as path from "node:path";
import { TLSSocket } from "node:tls";
import { eventually } from "../boot/support/suite";
import { requireDebianPackage } from "../support/debian";
import { freeTcpPort } from "./support/access";
import { cluster, Cluster, clusterPki, startSupervisor, supervisorConfig } from "./support/bootstrapStandIn";

interface NodeObject {
    metadata: { name: string; annotations: Record<string, string>; finalizers: string[] };
}

/** The API stand-in: one Node, merge patches of its metadata, and who connected how often. */
function apiStandIn(c: Cluster) {
    const node: NodeObject = { metadata: { name: "node-a", annotations: {}, finalizers: [] } };
    const seen = { connections: 0, requests: 0, patches: 0, subjects: new Set<string>() };
    const server = https.createServer(
        {
            cert: fs.readFileSync(path.join(c.tls, "serving-kube-apiserver.crt")),
            key: fs.readFileSync(path.join(c.tls, "serving-kube-apiserver.key")),
            ca: fs.readFileSync(path.join(c.tls, "client-ca.crt")),
            requestCert: true,
            rejectUnauthorized: true,
        },
        (req, res) => {
            seen.requests++;
            seen.subjects.add(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN));
            let body = "";
            req.on("data", (d: Buffer) => (body += d.toString()));
            req.on("end", () => {
                if (req.method === "PATCH" && req.url === "/api/v1/nodes/node-a") {
                    seen.patches++;
                    const patch = JSON.parse(body) as { metadata: Partial<NodeObject["metadata"]> };
                    Object.assign(node.metadata.annotations, patch.metadata.annotations ?? {});
                    node.metadata.finalizers = patch.metadata.finalizers ?? node.metadata.finalizers;
                }
                const answer = req.url === "/api/v1/nodes" ? { items: [node] } : node;
                res.setHeader("Content-Type", "application/json");
                res.end(JSON.stringify(answer));
            });
        },
    );
    server.on("secureConnection", () => seen.connections++);
    return { server, node, seen };
}

describe("k3s made of upstream parts: the supervisor's managed-etcd controller", () => {
    let c: Cluster;
    let supervisor: ChildProcess | undefined;
    let api: ReturnType<typeof apiStandIn>;
    const logged: string[] = [];

    before(async function () {
        this.timeout(60_000);
        requireDebianPackage(this, "openssl");
        c = cluster();
        clusterPki(c);
        api = apiStandIn(c);
        await new Promise<void>((resolve) => api.server.listen(0, "127.0.0.1", resolve));
        const apiPort = (api.server.address() as AddressInfo).port;
        const cfg = supervisorConfig(c, { port: await freeTcpPort(), apiPort, controller: true, controllerIntervalSeconds: 0.1 });
        supervisor = await startSupervisor(c, cfg, (line) => logged.push(line));
    });
    after(() => {
        supervisor?.kill();
        api?.server.closeAllConnections();
        api?.server.close();
    });

    it("marks its Node as k3s does, as the supervisor, and polls over one kept-alive connection", async () => {
        await eventually("the controller's first 20 requests", 30_000, async () => (api.seen.requests >= 20 ? true : undefined));
        assert.equal(api.node.metadata.annotations["etcd.k3s.cattle.io/node-name"], "node-a-0");
        assert.equal(api.node.metadata.annotations["etcd.k3s.cattle.io/node-address"], "127.0.0.1");
        assert.deepEqual(api.node.metadata.finalizers, ["wrangler.cattle.io/managed-etcd-controller"]);
        assert.equal(api.seen.patches, 1, "marked once, then left alone");
        assert.deepEqual([...api.seen.subjects], ["system:k3s-supervisor"]);
        assert.equal(api.seen.connections, 1, `${api.seen.requests} requests over ${api.seen.connections} connections`);
    });

    it("opens a new connection when the API closes the kept one, and loses no poll to it", async () => {
        const before = api.seen.requests;
        api.server.closeAllConnections();
        await eventually("polls after the close", 30_000, async () => (api.seen.requests >= before + 10 ? true : undefined));
        assert.equal(api.seen.connections, 2);
        assert.deepEqual(
            logged.filter((l) => l.includes("managed-etcd controller")),
            [],
            "the closed connection was retried, not reported",
        );
    });
});
