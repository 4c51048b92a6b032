/**
 * The lifetime suite's writes through the API (support/access.ts) against a STAND-IN of the
 * Kubernetes API that carries out a create but loses its answer, as a busy emulated API did in a
 * prod run ("socket hang up" on the restore's Secret write): the write is asked again, finds its
 * own object (409) and counts it as written; another object under the name is still an error.
 */
import * as assert from "node:assert/strict";
import type * as http from "node:http";
import * as net from "node:net";
import type { KubeTarget } from "../../infra/lifecycle/kubeApi";
import { JsonStandIn, Send } from "../support/jsonStandIn";
import { ApiForwarder, FLOATING_ADDRESS, readMarker, writeMarker } from "./support/access";

const CONFIGMAPS = "/api/v1/namespaces/default/configmaps";

/** ConfigMaps in one namespace: POST creates (409 when the name exists), GET reads one. */
class ConfigMapStandIn extends JsonStandIn {
    readonly objects = new Map<string, { metadata: { name: string }; data: unknown }>();
    /** Creates carried out whose answer is then lost (the connection closed unanswered). */
    loseAnswers = 0;
    posts = 0;

    protected handle(req: http.IncomingMessage, url: URL, send: Send): void {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            if (req.method === "POST" && url.pathname === CONFIGMAPS) {
                this.posts++;
                const object = JSON.parse(Buffer.concat(chunks).toString());
                if (this.objects.has(object.metadata.name)) return send(409, { kind: "Status", reason: "AlreadyExists" });
                this.objects.set(object.metadata.name, object);
                if (this.loseAnswers-- > 0) return req.socket.destroy();
                return send(201, object);
            }
            const one = new RegExp(`^${CONFIGMAPS}/([^/]+)$`).exec(url.pathname);
            const found = one && req.method === "GET" ? this.objects.get(one[1]) : undefined;
            return found ? send(200, found) : send(404, { kind: "Status", reason: "NotFound" });
        });
    }
}

describe("lifetime suite: writes through a busy API", function () {
    this.timeout(30_000);
    let api: ConfigMapStandIn;
    let target: KubeTarget;
    beforeEach(async () => {
        api = new ConfigMapStandIn();
        target = await api.start();
    });
    afterEach(() => api.stop());

    it("a create whose answer was lost is asked again and finds its own object: written, once", async () => {
        api.loseAnswers = 1;
        await writeMarker(target, "m-1");
        assert.equal(api.posts, 2, "asked again after the lost answer");
        assert.equal(await readMarker(target), "m-1");
    });

    it("another object under the name is not taken for the write: an error naming the 409", async () => {
        api.objects.set("lifetime-marker", { metadata: { name: "lifetime-marker" }, data: { value: "older" } });
        await assert.rejects(writeMarker(target, "m-2"), /writing the marker: HTTP 409/);
        assert.equal(await readMarker(target), "older");
    });
});

describe("lifetime suite: the floating address", () => {
    const servers: net.Server[] = [];
    const listen = async (onConnection: (socket: net.Socket) => void): Promise<number> => {
        const server = net.createServer(onConnection);
        servers.push(server);
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        return (server.address() as net.AddressInfo).port;
    };
    afterEach(() => servers.splice(0).forEach((s) => s.close()));

    it("skips a server that accepts and closes without a byte (QEMU, nothing listening) and replays the client's bytes", async () => {
        // server-0's forwarded port while its API is gone (its etcd member removed after its Node's deletion).
        const gone = await listen((socket) => socket.destroy());
        const live = await listen((socket) => socket.once("data", (hello) => socket.end(`answered ${hello.toString()}`)));
        const forwarder = new ApiForwarder();
        forwarder.backends = [gone, live];
        const port = await forwarder.start();
        try {
            const answer = await new Promise<string>((resolve, reject) => {
                const client = net.connect({ port, host: FLOATING_ADDRESS }, () => client.write("client hello"));
                let got = "";
                client.on("data", (c) => (got += c));
                client.on("close", () => resolve(got));
                client.on("error", reject);
            });
            assert.equal(answer, "answered client hello");
        } finally {
            forwarder.close();
        }
    });
});
