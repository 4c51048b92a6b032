/**
 * The joining half of "k3s made of upstream parts" (parts/wrapper/server.sh): a server added as an
 * etcd learner promotes itself once a peer lists it, and a peer that does not answer in time is
 * retried. etcdctl is a STAND-IN here (a script that keeps the member's state in a file): what is
 * tested is the wrapper's own loop under `set -euo pipefail`, as its k3s script runs it. On a prod
 * lifetime run a member list timing out under load ended the whole service silently, and the
 * member, restarted from its data, stayed a learner for good.
 */
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { tempDir } from "../support/tempDir";
import { WRAPPER } from "./support/bootstrapStandIn";

/** `member list` fails its first FAILS calls (a peer's timeout); `member promote` marks the learner promoted. */
const ETCDCTL = `#!/bin/bash
state=$(dirname "$0")/state
calls=$(( $(cat "$state/list-calls" 2>/dev/null || echo 0) + 1 ))
args=" $* "
case "$args" in
  *" member list "*)
    echo "$calls" >"$state/list-calls"
    if [ "$calls" -le "$FAILS" ]; then echo "context deadline exceeded" >&2; exit 1; fi
    learner=true; [ -e "$state/promoted" ] && learner=false
    echo "8e9e05c52164694d, started, node-a-0, https://10.0.0.1:2380, https://10.0.0.1:2379, false"
    echo "91bc3c398fb3c146, started, node-b-1, https://10.0.0.2:2380, https://10.0.0.2:2379, $learner" ;;
  *" member promote 91bc3c398fb3c146 "*) touch "$state/promoted" ;;
  *) exit 2 ;;
esac
`;

function promote(fails: number): { status: number | null; stdout: string; stderr: string; promoted: boolean; dir: string } {
    const dir = tempDir("wrapper-join");
    const bin = path.join(dir, "bin");
    fs.mkdirSync(path.join(bin, "state"), { recursive: true });
    fs.writeFileSync(path.join(bin, "etcdctl"), ETCDCTL, { mode: 0o755 });
    const script = [
        "set -euo pipefail",
        'die() { echo "k3s: $*" >&2; exit 1; }',
        'log() { echo "k3s: $*" >&2; }',
        // The k3s script's own check of its parts; none run here.
        "parts_alive() { :; }",
        `BIN=${bin}; DATA=${dir}/data; TLS=$DATA/server/tls; DB=$DATA/server/db/etcd`,
        `. ${path.join(WRAPPER, "server.sh")}`,
        "member=node-b-1; node_ip=10.0.0.2",
        'mkdir -p "$DB"; echo "node-a-0=https://10.0.0.1:2380,node-b-1=https://10.0.0.2:2380" >"$LEARNER_OF"',
        "promote_self",
        "echo promoted",
    ].join("\n");
    const run = spawnSync("bash", ["-c", script], { encoding: "utf8", env: { ...process.env, FAILS: String(fails) }, timeout: 60_000 });
    return { ...run, promoted: fs.existsSync(path.join(bin, "state", "promoted")), dir };
}

describe("k3s made of upstream parts: a joining server's promotion", () => {
    it("promotes the learner once a peer lists it, and forgets the members it joined", () => {
        const run = promote(0);
        assert.equal(run.status, 0, run.stderr);
        assert.ok(run.promoted);
        assert.match(run.stderr, /etcd member node-b-1 is a voting member/);
        assert.equal(fs.existsSync(path.join(run.dir, "data/server/db/etcd/learner-of")), false);
    });

    it("retries member lists that time out instead of ending the service", () => {
        const run = promote(2);
        assert.equal(run.status, 0, `exited ${run.status} without a word: ${run.stderr}`);
        assert.equal(run.stdout.trim(), "promoted");
        assert.ok(run.promoted, "promoted after the peer answered");
    });

    it("a start-up wait ends, naming the part, once a part it started has exited", () => {
        const script = [
            "set -euo pipefail",
            'die() { echo "k3s: $*" >&2; exit 1; }',
            `. ${path.join(WRAPPER, "processes.sh")}`,
            "trap cleanup EXIT",
            "run etcd sleep 30",
            "run kube-apiserver true",
            'wait "${pids[1]}" || true',
            "parts_alive",
            "echo still-waiting",
        ].join("\n");
        const run = spawnSync("bash", ["-c", script], { encoding: "utf8", timeout: 60_000 });
        assert.equal(run.status, 1);
        assert.equal(run.stdout, "");
        assert.match(run.stderr, /kube-apiserver exited while the service was starting/);
    });

    /** One pass of join_etcd against `url`: its retry pause ends the script, so the waiting line is the last word. */
    async function joinOnce(url: string): Promise<string> {
        const dir = tempDir("wrapper-join-wait");
        const script = [
            "set -euo pipefail",
            'die() { echo "k3s: $*" >&2; exit 1; }',
            'log() { echo "k3s: $*" >&2; }',
            "sleep() { exit 3; }",
            `BIN=${dir}; DATA=${dir}/data; TLS=$DATA/server/tls; DB=$DATA/server/db/etcd`,
            `. ${path.join(WRAPPER, "server.sh")}`,
            `supervisor_url() { echo ${url}; }`,
            "member=node-b-1-0a1b2c3d; node_name=node-b-1; node_ip=10.0.0.2; token_secret=secret",
            "join_etcd",
        ].join("\n");
        const child = spawn("bash", ["-c", script], { stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        const status = await new Promise<number | null>((resolve) => child.on("exit", resolve));
        assert.equal(status, 3, stderr);
        return stderr;
    }

    it("a join that is not answered says why: curl's error, or the supervisor's answer", async () => {
        const closed = http.createServer();
        await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
        const port = (closed.address() as AddressInfo).port;
        await new Promise((resolve) => closed.close(resolve));
        assert.match(await joinOnce(`http://127.0.0.1:${port}`), /waiting to be added to etcd .*\(HTTP 000: curl: \(7\) .*connect/);

        const busy = http.createServer((req, res) => {
            req.resume();
            res.writeHead(503, { "Content-Type": "application/json" }).end(
                '{"error":"cannot check the token yet: context deadline exceeded"}',
            );
        });
        await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
        try {
            const url = `http://127.0.0.1:${(busy.address() as AddressInfo).port}`;
            assert.match(await joinOnce(url), /\(HTTP 503: \{"error":"cannot check the token yet: context deadline exceeded"\}/);
        } finally {
            busy.close();
        }
    });
});
