/**
 * The managed-etcd controller of "k3s made of upstream parts" (tests/lifetime/parts/wrapper/
 * supervisor.py), run on the host against the STAND-IN for the Kubernetes API
 * (tests/support/kube-api-stand-in.ts) serving the wrapper's own certificate, requiring its client
 * certificate, and serving one Node. The controller marks its Node as k3s does (member annotation, finalizer), and
 * polls over one kept-alive connection: a TLS handshake every few seconds was a real cost to an
 * emulated server's API.
 */
import * as assert from "node:assert/strict";
import { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { eventually } from "../boot/support/suite";
import { requireDebianPackage } from "../support/debian";
import { KubeApiStandIn, StandInNode } from "../support/kube-api-stand-in";
import { freeTcpPort } from "./support/access";
import { cluster, Cluster, clusterPki, startSupervisor, supervisorConfig } from "./support/bootstrapStandIn";

describe("k3s made of upstream parts: the supervisor's managed-etcd controller", () => {
    let c: Cluster;
    let supervisor: ChildProcess | undefined;
    let api: KubeApiStandIn;
    const node: StandInNode = { name: "node-a", ready: true };
    const requests = () => api.requests.length;
    const logged: string[] = [];

    before(async function () {
        this.timeout(60_000);
        requireDebianPackage(this, "openssl");
        c = cluster();
        clusterPki(c);
        const pem = (file: string) => fs.readFileSync(path.join(c.tls, file), "utf8");
        api = new KubeApiStandIn({
            serverCertPem: pem("serving-kube-apiserver.crt"),
            serverKeyPem: pem("serving-kube-apiserver.key"),
            clientCaPem: pem("client-ca.crt"),
            clientCaKeyPem: pem("client-ca.key"),
        });
        api.notReadyFor = 0;
        api.nodes = [node];
        const apiPort = Number(new URL(await api.start("127.0.0.1")).port);
        const cfg = supervisorConfig(c, { port: await freeTcpPort(), apiPort, controller: true, controllerIntervalSeconds: 0.1 });
        supervisor = await startSupervisor(c, cfg, (line) => logged.push(line));
    });
    after(async () => {
        supervisor?.kill();
        await api?.stop();
    });

    it("marks its Node as k3s does, as the supervisor, and polls over one kept-alive connection", async () => {
        await eventually("the controller's first 20 requests", 30_000, async () => (requests() >= 20 ? true : undefined));
        assert.equal(node.annotations?.["etcd.k3s.cattle.io/node-name"], "node-a-0");
        assert.equal(node.annotations?.["etcd.k3s.cattle.io/node-address"], "127.0.0.1");
        assert.deepEqual(node.finalizers, ["wrangler.cattle.io/managed-etcd-controller"]);
        assert.equal(api.requests.filter((r) => r.method === "PATCH").length, 1, "marked once, then left alone");
        assert.deepEqual([...new Set(api.requests.map((r) => r.clientSubject?.replace(/^O=[^,]*,/, "")))], ["CN=system:k3s-supervisor"]);
        assert.equal(api.connections, 1, `${requests()} requests over ${api.connections} connections`);
    });

    it("opens a new connection when the API closes the kept one, and loses no poll to it", async () => {
        const before = requests();
        api.dropConnections();
        await eventually("polls after the close", 30_000, async () => (requests() >= before + 10 ? true : undefined));
        assert.equal(api.connections, 2);
        assert.deepEqual(
            logged.filter((l) => l.includes("managed-etcd controller")),
            [],
            "the closed connection was retried, not reported",
        );
    });
});
