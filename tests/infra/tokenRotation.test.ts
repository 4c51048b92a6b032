/**
 * Server token rotation (infra/tokenRotation.ts, infra/serverTokens.ts): the generation rule,
 * what a server rendered with a previous token gets, the node's rotation script (run here for
 * real with sh, stand-ins for `k3s token rotate`, `systemctl`, `date` and `sleep` on PATH, paths
 * moved under a temporary root), and the plan on the synth: a rotation replaces exactly the
 * servers, under their names, and keeps the previous token in the state.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { diffSynth } from "../../delivery/diff/diff";
import { renderUserData, ServerSpec, NodeSpec } from "../../infra/cloudinit";
import {
    serverTokenResourceName,
    tokenGenerationProblem,
    TOKEN_ROTATION_ENV,
    TOKEN_ROTATION_SCRIPT,
    tokenRotationScript,
} from "../../infra/tokenRotation";
import { PROJECT } from "../../delivery/synth/stacks";
import { ofType, synth } from "../support/synth";
import { tempDir } from "../support/tempDir";

const PREVIOUS = "K10aaaa::server:previoussecret";
const NEW = "K10aaaa::server:newsecret";
const server: ServerSpec = {
    role: "server",
    nodeName: "prod-server-1-abc123",
    k3sVersion: "v1.35.6+k3s1",
    k3sInstall: { mode: "download" },
    labels: {},
    nodeIp: "10.0.0.12",
    flannelBackend: "vxlan",
    bootstrap: "join",
    serverUrl: "https://10.0.0.10:6443",
    tlsSans: ["10.0.0.10"],
    etcdSnapshotSchedule: "0 */6 * * *",
    etcdSnapshotRetention: 12,
    localPathStorage: true,
};
const doc = (spec: NodeSpec, previousToken?: string) =>
    parse(renderUserData(spec, { token: NEW, agentToken: "K10aaaa::node:agent", ...(previousToken ? { previousToken } : {}) })) as {
        write_files: { path: string; content: string; permissions: string }[];
        runcmd: unknown[];
    };

/**
 * Runs the rotation script as the node would. `accepts`: token secrets the stand-in k3s server
 * accepts (per URL); `ownData`: etcd data on the disk, which k3s starts with only under the
 * previous token (a drop-in) unless `opensWithNew`. Returns the calls made, in order.
 */
function rotateOnNode(opts: { accepts: Record<string, string[]>; ownData?: boolean; opensWithNew?: boolean; clusterInit?: boolean }) {
    const root = tempDir("token-rotate");
    try {
        const bin = path.join(root, "bin");
        fs.mkdirSync(bin);
        fs.mkdirSync(path.join(root, "etc/rancher/k3s/config.yaml.d"), { recursive: true });
        const calls = path.join(root, "calls");
        const stand = (name: string, body: string) =>
            fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n# STAND-IN for ${name}\n${body}\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(root, "accepts.json"), JSON.stringify(opts.accepts));
        stand(
            "k3s",
            `echo "k3s $2 $4 $6 $8" >> ${calls}\nexec node -e 'const ` +
                `a=require(process.argv[1])[process.argv[2]]||[]; ` +
                `process.exit(a.includes(process.argv[3].split(":").pop())?0:1)' ${root}/accepts.json "$4" "$6"`,
        );
        const dropIn = `${root}/etc/rancher/k3s/config.yaml.d/90-previous-token.yaml`;
        stand(
            "systemctl",
            `echo "systemctl $* $(cat ${dropIn} 2>/dev/null | tr -d '\\n')" >> ${calls}\n` +
                `[ "$1" != start ] || ${opts.opensWithNew ? "true" : `[ -f ${dropIn} ]`}`,
        );
        // Time moves 1,000 s per call: the 30-minute deadline passes after a couple of rounds.
        stand("date", `n=$(cat ${root}/clock 2>/dev/null || echo 0); echo $((n + 1000)) > ${root}/clock; echo $n`);
        stand("sleep", "true");
        if (opts.ownData) fs.mkdirSync(`${root}/var/lib/rancher/k3s/server/db/etcd/member`, { recursive: true });
        if (opts.clusterInit) fs.writeFileSync(`${root}/etc/rancher/k3s/config.yaml.d/10-bootstrap.yaml`, "cluster-init: true\n");
        const env = `${root}/run-k3s-token-rotation`;
        fs.writeFileSync(env, `PREVIOUS_TOKEN='${PREVIOUS}'\nNEW_TOKEN='${NEW}'\n`);
        const script = tokenRotationScript("https://10.0.0.10:6443")
            .split(TOKEN_ROTATION_ENV)
            .join(env)
            .replace(/\/etc\/rancher\/k3s/g, `${root}/etc/rancher/k3s`)
            .replace(/\/var\/lib\/rancher\/k3s/g, `${root}/var/lib/rancher/k3s`)
            .replace(/\/usr\/local\/bin\/k3s/g, `${bin}/k3s`);
        fs.writeFileSync(path.join(root, "rotate"), script, { mode: 0o755 });
        const run = spawnSync("sh", [path.join(root, "rotate")], {
            env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
            encoding: "utf8",
        });
        const made = fs.existsSync(calls)
            ? fs
                  .readFileSync(calls, "utf8")
                  .trim()
                  .split("\n")
                  .map((l) => l.trimEnd())
            : [];
        return {
            rc: run.status,
            out: run.stdout + run.stderr,
            calls: made,
            envLeft: fs.existsSync(env),
            dropInLeft: fs.existsSync(dropIn),
        };
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

const VIP = "https://10.0.0.10:6443";
const LOCAL = "https://127.0.0.1:6443";

describe("server token rotation", () => {
    it("generation 1 is the token resource every stack had; later ones carry their number", () => {
        assert.equal(serverTokenResourceName("prod-k3s", 1), "prod-k3s-server-token");
        assert.equal(serverTokenResourceName("prod-k3s", 2), "prod-k3s-server-token-g2");
    });

    it("a running cluster's generation stays or moves up by one; a new cluster starts at any", () => {
        assert.equal(tokenGenerationProblem(false, undefined, 3), undefined);
        assert.equal(tokenGenerationProblem(true, undefined, 1), undefined);
        assert.equal(tokenGenerationProblem(true, undefined, 2), undefined);
        assert.equal(tokenGenerationProblem(true, 2, 2), undefined);
        assert.equal(tokenGenerationProblem(true, 2, 3), undefined);
        assert.match(tokenGenerationProblem(true, undefined, 3)!, /raise it by one per deployment \(2\)/);
        assert.match(tokenGenerationProblem(true, 3, 2)!, /cannot go back/);
    });

    it("renders the rotation only for servers given a previous token: the script runs after the install, before k3s starts", () => {
        const plain = doc(server);
        assert.ok(!plain.write_files.some((f) => f.path === TOKEN_ROTATION_SCRIPT));
        const rotating = doc(server, PREVIOUS);
        const env = rotating.write_files.find((f) => f.path === TOKEN_ROTATION_ENV)!;
        assert.equal(env.permissions, "0600");
        assert.equal(env.content, `PREVIOUS_TOKEN='${PREVIOUS}'\nNEW_TOKEN='${NEW}'\n`);
        const steps = rotating.runcmd.map((c) => (Array.isArray(c) ? c.join(" ") : String(c)));
        const install = steps.findIndex((s) => s.includes("INSTALL_K3S_SKIP_START=true"));
        assert.ok(install >= 0, "the install does not start k3s");
        assert.deepEqual(steps.slice(install + 1, install + 3), [TOKEN_ROTATION_SCRIPT, "systemctl start k3s.service"]);
        const agent = { ...server, role: "agent" } as unknown as NodeSpec;
        assert.deepEqual(doc(agent, PREVIOUS), doc(agent), "agents keep the agent token: nothing changes for them");
    });

    it("a joining server rotates through the join URL: new → new first, then previous → new; the tokens file is gone", () => {
        const first = rotateOnNode({ accepts: { [VIP]: ["previoussecret"] } });
        assert.equal(first.rc, 0, first.out);
        assert.deepEqual(first.calls, [`k3s rotate ${VIP} ${NEW} newsecret`, `k3s rotate ${VIP} ${PREVIOUS} newsecret`]);
        assert.equal(first.envLeft, false);
        const later = rotateOnNode({ accepts: { [VIP]: ["newsecret"] } });
        assert.deepEqual(later.calls, [`k3s rotate ${VIP} ${NEW} newsecret`], "an earlier server of the roll rotated it");
        assert.deepEqual(rotateOnNode({ accepts: {}, clusterInit: true }).calls, [], "a new cluster starts with the new token");
    });

    it("fails the first boot when neither token is accepted until the deadline", () => {
        const stuck = rotateOnNode({ accepts: { [VIP]: ["some-other"] } });
        assert.notEqual(stuck.rc, 0);
        assert.match(stuck.out, /neither token is accepted/);
    });

    it("a server with its own etcd data rotates on itself, under the previous token, and stops; or finds it done", () => {
        const own = rotateOnNode({ accepts: { [LOCAL]: ["previoussecret"] }, ownData: true });
        assert.equal(own.rc, 0, own.out);
        assert.deepEqual(own.calls, [
            "systemctl start k3s.service",
            "systemctl stop k3s.service",
            "systemctl reset-failed k3s.service",
            `systemctl start k3s.service token: ${PREVIOUS}`,
            `k3s rotate ${LOCAL} ${NEW} newsecret`,
            `k3s rotate ${LOCAL} ${PREVIOUS} newsecret`,
            `systemctl stop k3s.service token: ${PREVIOUS}`,
        ]);
        assert.equal(own.dropInLeft, false, "k3s next starts with the new token");
        const done = rotateOnNode({ accepts: {}, ownData: true, opensWithNew: true });
        assert.deepEqual(done.calls, ["systemctl start k3s.service"]);
    });

    describe("on the synth (prod: 3 servers)", () => {
        const published = { clusterId: "0123456789abcdef", apiEndpoint: "https://198.51.100.7:6443" };
        const instances = (changes: ReturnType<typeof diffSynth>["changes"]) =>
            changes.filter((c) => c.type === "openstack:compute/instance:Instance").map((c) => `${c.kind} ${c.name}`);

        it("generation 2 replaces exactly the servers, under their names, keeping generation 1's token", async () => {
            const before = await synth("prod-infra", {}, published);
            const after = await synth("prod-infra", { [`${PROJECT}:serverTokenGeneration`]: "2" }, published);
            const diff = diffSynth(before, after);
            assert.deepEqual(instances(diff.changes), [
                "replace prod-k3s-server-0",
                "replace prod-k3s-server-1",
                "replace prod-k3s-server-2",
            ]);
            for (const c of diff.changes.filter((c) => c.kind === "replace"))
                if (c.after?.inputs.name !== undefined)
                    assert.equal(c.after.inputs.name, c.before?.inputs.name, `${c.name} keeps its name`);
            const tokens = diff.changes
                .filter((c) => c.type === "random:index/randomPassword:RandomPassword")
                .map((c) => `${c.kind} ${c.name}`);
            assert.deepEqual(tokens, ["create prod-k3s-server-token-g2"], "the previous token stays");
            assert.equal(diff.warnings?.length, 1, "the diff says what the roll does besides replacing");
            assert.match(diff.warnings![0], /rotates to generation 2 .*k3s token rotate.*generation 1's token to restore/);
            assert.equal(after.outputs.serverTokenGeneration, 2);
        });

        it("generation 3 after 2 drops generation 1; a jump is refused before anything changes", async () => {
            const two = await synth(
                "prod-infra",
                { [`${PROJECT}:serverTokenGeneration`]: "2" },
                { ...published, serverTokenGeneration: 2 },
            );
            const three = await synth(
                "prod-infra",
                { [`${PROJECT}:serverTokenGeneration`]: "3" },
                { ...published, serverTokenGeneration: 2 },
            );
            const tokens = diffSynth(two, three)
                .changes.filter((c) => c.type === "random:index/randomPassword:RandomPassword")
                .map((c) => `${c.kind} ${c.name}`)
                .sort();
            assert.deepEqual(tokens, ["create prod-k3s-server-token-g3", "delete prod-k3s-server-token"]);
            await assert.rejects(
                synth("prod-infra", { [`${PROJECT}:serverTokenGeneration`]: "3" }, published),
                /raise it by one per deployment \(2\)/,
            );
            assert.ok(ofType(three, "random:index/randomPassword:RandomPassword").length > 0);
        });
    });
});
