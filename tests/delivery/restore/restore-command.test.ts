/**
 * `npm run restore` end to end against the STAND-IN `pulumi` (tests/support/fakePulumi.ts): the
 * recorded sequence of pulumi calls, with the environment each ran in, and the readiness wait
 * in between (a recording stand-in for the lifecycle wait); failures and their continuation.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import { cliRestoreOps, restore, RestoreRequest } from "../../../delivery/restore/restoreCommand";
import { snapshotFromObject } from "../../../delivery/restore/restore";
import { fakePulumi, loggedCalls } from "../../support/fakePulumi";
import { ROOT } from "../../../delivery/synth/stacks";

const INFRA = "envx-infra";
const UPPER = ["envx-cluster", "envx-apps"];
const FOLDER = "envx/etcd";
const T = 1_780_000_000;
const SNAPS = [`etcd-snapshot-envx-k3s-server-0-aa-${T}.zip`, `etcd-snapshot-envx-k3s-server-0-aa-${T - 21600}.zip`].map((n) =>
    snapshotFromObject(`${FOLDER}/${n}`, FOLDER, 4096)!,
);
const server = (i: number) => ({
    urn:
        `urn:pulumi:${INFRA}::data-platform::platform:infra:K3sCluster$platform:infra:K3sNode$` +
        `openstack:compute/instance:Instance::envx-k3s-server-${i}`,
    type: "openstack:compute/instance:Instance",
    inputs: { metadata: { role: "server" } },
});
const agent = {
    urn:
        `urn:pulumi:${INFRA}::data-platform::platform:infra:K3sCluster$platform:infra:AgentPool$platform:infra:K3sNode$` +
        `openstack:compute/instance:Instance::envx-k3s-agent-0`,
    type: "openstack:compute/instance:Instance",
    inputs: { metadata: { role: "agent" } },
};
const infraStack = ({ config, ...extra }: Record<string, unknown> = {}) => ({
    config: {
        backupStore: { endpoint: "http://127.0.0.1:1", bucket: "b", region: "r", create: true },
        etcdSnapshotSchedule: "0 */6 * * *",
        readinessTimeoutMinutes: "7",
        ...((config as object) ?? {}),
    },
    outputs: {
        environment: "envx",
        kubeconfig: "apiVersion: v1",
        nodes: [{ name: "envx-k3s-server-0" }, { name: "envx-k3s-agent-0" }],
        backupStore: { accessKey: "a", secretKey: "s" },
    },
    resources: [server(0), server(1), server(2), agent],
    ...extra,
});

interface Result {
    code: number;
    out: string;
    calls: unknown[][];
}

async function run(stacks: Record<string, unknown>, over: Partial<RestoreRequest> & { waitFails?: string } = {}): Promise<Result> {
    const base: NodeJS.ProcessEnv = { ...process.env, FAKE_PULUMI_RECORD_ENV: "PLATFORM_SKIP_DRAIN" };
    delete base.PLATFORM_SKIP_DRAIN;
    const { env, log } = await fakePulumi({ stacks }, base);
    const out: string[] = [];
    const code = await restore({
        env: "envx",
        infraStack: INFRA,
        upperStacks: UPPER,
        ops: cliRestoreOps({ workDir: ROOT, env }),
        listSnapshots: async (store, folder) => {
            assert.deepEqual([store.bucket, store.accessKey, folder], ["b", "a", FOLDER]);
            return SNAPS;
        },
        waitCluster: async (kubeconfig, nodes, timeout) => {
            fs.appendFileSync(log, JSON.stringify(["#wait-cluster", nodes.join(","), timeout, kubeconfig === "apiVersion: v1"]) + "\n");
            if (over.waitFails) throw new Error(over.waitFails);
        },
        apiAnswers: async () => false,
        now: () => new Date((T + 3600) * 1000),
        log: (l) => out.push(l),
        error: (l) => out.push(`ERR ${l}`),
        ...over,
    });
    return { code, out: out.join("\n"), calls: loggedCalls(log) };
}

/** The changing calls (reads left out), each with its recorded environment. */
const changes = (r: Result) =>
    r.calls
        .filter(
            (c) =>
                c[0] === "#wait-cluster" || (c[0] === "config" && (c[1] === "set" || c[1] === "rm")) || c[0] === "up" || c[0] === "refresh",
        )
        .map((c) => {
            const env = (c[c.length - 1] as { env?: Record<string, string> })?.env;
            const words = c.filter((x) => typeof x === "string" || typeof x === "number") as (string | number)[];
            const replaced = words.filter((_, i) => words[i - 1] === "--replace").map((u) => String(u).split("::").pop());
            const head =
                c[0] === "#wait-cluster"
                    ? words.join(" ")
                    : `${words[0]}${c[0] === "config" ? ` ${words[1]} ${words[2]}` : ""} ${words[words.indexOf("--stack") + 1]}`;
            const replace = replaced.length ? ` replace=${replaced.join(",")}` : "";
            const skipDrain = env?.PLATFORM_SKIP_DRAIN ? ` PLATFORM_SKIP_DRAIN=${env.PLATFORM_SKIP_DRAIN}` : "";
            return `${head}${replace}${skipDrain}`;
        });

const SEQUENCE = [
    `config set restoreFromSnapshot ${INFRA}`,
    `up ${INFRA} replace=envx-k3s-server-0,envx-k3s-server-1,envx-k3s-server-2 PLATFORM_SKIP_DRAIN=forget`,
    "#wait-cluster envx-k3s-server-0,envx-k3s-agent-0 420",
    `config rm restoreFromSnapshot ${INFRA}`,
    `up ${INFRA}`,
    "refresh envx-cluster",
    "refresh envx-apps",
];

describe("delivery: npm run restore through the pulumi seam", () => {
    it("one command: config set → up replacing every server without drain → wait → config rm → up → refresh", async () => {
        const r = await run({ [INFRA]: infraStack(), "envx-cluster": {}, "envx-apps": {} });
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(changes(r), SEQUENCE);
        const set = r.calls.find((c) => c[0] === "config" && c[1] === "set")!;
        assert.equal(set[3], SNAPS[0].name, "the newest snapshot");
        assert.match(r.out, /-> etcd-snapshot-envx-k3s-server-0-aa-\d+\.zip .* 1 h ago/);
        assert.match(r.out, /What is lost: .* 1 h ago\./);
        assert.match(r.out, /\[2\/6\] replace: .*\n {2}\$ PLATFORM_SKIP_DRAIN=forget pulumi up --stack envx-infra --yes --replace/);
        assert.match(r.out, /envx restored from etcd-snapshot-envx-k3s-server-0-aa-\d+\.zip in \d+ s/);
    });

    it("restores a named snapshot; refuses an unknown one before changing anything, listing what exists", async () => {
        const named = await run({ [INFRA]: infraStack(), "envx-cluster": {}, "envx-apps": {} }, { snapshot: SNAPS[1].name });
        assert.equal(named.code, 0, named.out);
        assert.equal(named.calls.find((c) => c[0] === "config" && c[1] === "set")![3], SNAPS[1].name);
        const unknown = await run({ [INFRA]: infraStack() }, { snapshot: "etcd-snapshot-nope-1" });
        assert.equal(unknown.code, 1);
        assert.match(
            unknown.out,
            new RegExp(
                /--snapshot etcd-snapshot-nope-1: no such snapshot in s3:\/\/b\/envx\/etcd\/ /.source +
                    /.*\n {2}etcd-snapshot-envx-k3s-server-0-aa-\d+\.zip\n/.source,
            ),
        );
        assert.match(unknown.out, /Nothing was changed\./);
        assert.deepEqual(changes(unknown), []);
    });

    it("refuses without a backupStore, and when the answer is no", async () => {
        const none = await run({ [INFRA]: { ...infraStack(), config: { etcdSnapshotSchedule: "0 */6 * * *" } } });
        assert.equal(none.code, 1);
        assert.match(none.out, /envx-infra: no backupStore config/);
        const no = await run({ [INFRA]: infraStack() }, { confirm: async () => false });
        assert.equal(no.code, 1);
        assert.match(no.out, /Cancelled\. Nothing was changed\./);
        assert.deepEqual(changes(no), []);
    });

    it("a failed replacement stops with what was done and the command that continues; --from replace finishes it", async () => {
        const failing = await run({
            [INFRA]: infraStack({ upFails: { 1: "creating server-1: quota exceeded" } }),
            "envx-cluster": {},
            "envx-apps": {},
        });
        assert.equal(failing.code, 1);
        assert.deepEqual(changes(failing), SEQUENCE.slice(0, 2));
        assert.match(
            failing.out,
            new RegExp(
                /Restore stopped at step 2\/6 \(replace\):\n {4}pulumi up -s envx-infra /.source +
                    /failed:\n {4}error: creating server-1: quota exceeded\n/.source,
            ),
        );
        assert.match(failing.out, /Done in this run: config\./);
        assert.match(
            failing.out,
            new RegExp(
                /To continue once the cause is fixed:\n {4}npm run restore -- envx --snapshot /.source +
                    /etcd-snapshot-envx-k3s-server-0-aa-\d+\.zip --from replace --yes\n/.source,
            ),
        );
        // The continuation, as a new process would see the stack (restoreFromSnapshot now set).
        const name = SNAPS[0].name;
        const cont = await run(
            { [INFRA]: infraStack({ config: { restoreFromSnapshot: name } }), "envx-cluster": {}, "envx-apps": {} },
            { snapshot: name, from: "replace" },
        );
        assert.equal(cont.code, 0, cont.out);
        assert.deepEqual(changes(cont), SEQUENCE.slice(1));
        // --from replace without the one-shot key set is refused: continue at config.
        const early = await run({ [INFRA]: infraStack() }, { snapshot: name, from: "replace" });
        assert.equal(early.code, 1);
        assert.match(
            early.out,
            /--from replace needs restoreFromSnapshot=.* which has no restoreFromSnapshot: continue with --from config/,
        );
    });

    it("a cluster that never gets ready stops at wait; the continuation waits, clears and settles", async () => {
        const r = await run(
            { [INFRA]: infraStack(), "envx-cluster": {}, "envx-apps": {} },
            { waitFails: "Timed out after 420 s waiting for nodes Ready: still waiting for envx-k3s-server-0", confirmEnv: "envx" },
        );
        assert.equal(r.code, 1);
        assert.deepEqual(changes(r), SEQUENCE.slice(0, 3));
        assert.match(r.out, /Look at server-0 first/);
        assert.match(r.out, /--from wait --yes --confirm-env envx/);
        const cont = await run(
            { [INFRA]: infraStack({ config: { restoreFromSnapshot: SNAPS[0].name } }), "envx-cluster": {}, "envx-apps": {} },
            { snapshot: SNAPS[0].name, from: "wait" },
        );
        assert.equal(cont.code, 0, cont.out);
        assert.deepEqual(changes(cont), SEQUENCE.slice(2));
    });

    it("--list shows the snapshots and the loss and changes nothing; a live API is refused unless asked for", async () => {
        const list = await run({ [INFRA]: infraStack() }, { listOnly: true, apiAnswers: async () => true });
        assert.equal(list.code, 0);
        assert.match(list.out, /What is lost/);
        assert.doesNotMatch(list.out, /Steps/);
        assert.deepEqual(changes(list), []);
        const alive = await run({ [INFRA]: infraStack() }, { apiAnswers: async (k) => k === "apiVersion: v1" });
        assert.equal(alive.code, 1);
        assert.match(alive.out, /The API of envx answers: not every server is lost.*--even-if-api-answers\.\nNothing was changed\./);
        assert.deepEqual(changes(alive), []);
        const forced = await run(
            { [INFRA]: infraStack(), "envx-cluster": {}, "envx-apps": {} },
            { apiAnswers: async () => true, evenIfApiAnswers: true },
        );
        assert.equal(forced.code, 0, forced.out);
        assert.deepEqual(changes(forced), SEQUENCE);
    });

    it("the final up is previewed first: one that would replace a VM is not applied", async () => {
        const steps = [
            { op: "update", urn: server(0).urn },
            { op: "replace", urn: server(1).urn },
        ];
        const r = await run({ [INFRA]: infraStack({ steps }), "envx-cluster": {}, "envx-apps": {} });
        assert.equal(r.code, 1);
        assert.deepEqual(changes(r), SEQUENCE.slice(0, 4));
        assert.match(r.out, /Restore stopped at step 5\/6 \(settle\):\n {4}the final up would replace envx-k3s-server-1: not applied/);
    });

    it("a failed final up says the cluster is restored and only the settle is left", async () => {
        const r = await run({ [INFRA]: infraStack({ upFails: { 2: "backend unreachable" } }), "envx-cluster": {}, "envx-apps": {} });
        assert.equal(r.code, 1);
        assert.deepEqual(changes(r), SEQUENCE.slice(0, 5));
        assert.match(r.out, /Restore stopped at step 5\/6 \(settle\)/);
        assert.match(r.out, /--from settle --yes/);
    });
});
