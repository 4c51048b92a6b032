/**
 * Cluster initialisation happens once in a cluster's life. server-0's first-boot start comes
 * from its instance metadata, decided from the infra stack's own previous outputs; the node's
 * bootstrap script (run here for real with sh, a stand-in `cloud-init query` and a stand-in
 * `k3s` on PATH, paths moved under a temporary root) turns it into k3s config.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { SynthResult } from "../../delivery/synth/synth";
import { BOOTSTRAP_METADATA_KEY, decideBootstrap, decodeBootstrap, encodeBootstrap } from "../../infra/bootstrap";
import { renderUserData } from "../../infra/cloudinit";
import { buildNodeSpec, nodeName, planNodes } from "../../infra/nodes";
import { parseInfraConfig } from "../../infra/config";
import { loadStackConfig } from "../../delivery/synth/stackConfig";
import { PROJECT } from "../../delivery/synth/stacks";
import { FIXTURE_STACKS } from "../support/stacks";
import { ofType, synth } from "../support/synth";
import { tempDir } from "../support/tempDir";

const INSTANCE = "openstack:compute/instance:Instance";

function secretText(value: unknown): string {
    return (value as { "@secret": string })["@secret"];
}

const server0 = (result: SynthResult) =>
    ofType(result, INSTANCE).find((r) => (r.inputs.metadata as Record<string, string>).slot === "server-0")!;

/** The stack outputs a real deployment would publish, as the next deployment reads them. */
function published(result: SynthResult): Record<string, unknown> {
    return JSON.parse(JSON.stringify(result.outputs));
}

/**
 * Runs the node's own bootstrap script from rendered user-data with `metadata` as the instance
 * metadata; returns the k3s config the node would start with (config.yaml + drop-ins) and the
 * k3s commands it ran.
 */
function bootOnce(
    userData: string,
    metadata: Record<string, string>,
    opts: { etcdDataOnDisk?: boolean } = {},
): { config: Record<string, unknown>; k3sCalls: string[] } {
    const doc = parse(userData.replace(/^#cloud-config\n/, "")) as { write_files: { path: string; content: string }[]; runcmd: unknown[] };
    const root = tempDir("bootstrap");
    try {
        const bin = path.join(root, "bin");
        fs.mkdirSync(bin);
        // Stand-ins: `cloud-init query ds.meta_data.meta.<key>` answers from `metadata`; `k3s` logs its arguments.
        fs.writeFileSync(path.join(root, "meta.json"), JSON.stringify(metadata));
        fs.writeFileSync(
            path.join(bin, "cloud-init"),
            `#!/bin/sh\n# STAND-IN for cloud-init's query command (instance metadata ` +
                `only)\nkey=\${2#ds.meta_data.meta.}\nexec node -e 'const m=require(process.argv[1]); const ` +
                `k=process.argv[2]; if (!(k in m)) process.exit(1); console.log(m[k])' ${root}/meta.json "$key"\n`,
            { mode: 0o755 },
        );
        fs.writeFileSync(path.join(bin, "k3s"), `#!/bin/sh\n# STAND-IN for k3s: records the call\necho "$*" >> ${root}/k3s-calls\n`, {
            mode: 0o755,
        });
        const move = (text: string) =>
            text
                .replace(/\/etc\/rancher\/k3s/g, `${root}/etc/rancher/k3s`)
                .replace(/\/var\/lib\/rancher\/k3s/g, `${root}/var/lib/rancher/k3s`)
                .replace(/\/usr\/local\/bin\/k3s/g, `${bin}/k3s`);
        for (const f of doc.write_files.filter((f) => f.path.startsWith("/etc/rancher/k3s/"))) {
            fs.mkdirSync(path.dirname(move(f.path)), { recursive: true });
            fs.writeFileSync(move(f.path), f.content);
        }
        if (opts.etcdDataOnDisk) fs.mkdirSync(`${root}/var/lib/rancher/k3s/server/db/etcd/member`, { recursive: true });
        const script = doc.write_files.find((f) => f.path === "/usr/local/sbin/k3s-bootstrap");
        assert.ok(script, "server-0's user-data carries the bootstrap script");
        fs.writeFileSync(path.join(root, "k3s-bootstrap"), move(script.content), { mode: 0o755 });
        execFileSync("sh", [path.join(root, "k3s-bootstrap")], {
            env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
            stdio: "pipe",
        });
        let config: Record<string, unknown> = parse(fs.readFileSync(`${root}/etc/rancher/k3s/config.yaml`, "utf8"));
        const dropIns = path.join(root, "etc/rancher/k3s/config.yaml.d");
        for (const f of fs.existsSync(dropIns) ? fs.readdirSync(dropIns).sort() : [])
            config = { ...config, ...parse(fs.readFileSync(path.join(dropIns, f), "utf8")) };
        const calls = fs.existsSync(`${root}/k3s-calls`) ? fs.readFileSync(`${root}/k3s-calls`, "utf8").trim().split("\n") : [];
        return { config, k3sCalls: calls };
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

const bootOf = (result: SynthResult) => {
    const instance = server0(result);
    return bootOnce(secretText(instance.inputs.userData), instance.inputs.metadata as Record<string, string>);
};

describe("cluster initialisation happens once in a cluster's life", function () {
    // Several fresh synths (overrides, previous outputs) are not cached.
    this.timeout(120_000);
    it("decides from the stack's previous outputs: none → cluster-init; any published → join; a restore when asked", () => {
        assert.deepEqual(decideBootstrap(undefined), { mode: "cluster-init" });
        assert.deepEqual(decideBootstrap({}), { mode: "cluster-init" });
        assert.deepEqual(decideBootstrap({ clusterId: "0a1b2c3d4e5f6071" }), { mode: "join" });
        // Stacks deployed before clusterId existed: their readiness-gated apiEndpoint says the same.
        assert.deepEqual(decideBootstrap({ apiEndpoint: "https://198.51.100.7:6443" }), { mode: "join" });
        assert.deepEqual(decideBootstrap({ clusterId: "x" }, "etcd-snapshot-prod-server-0-1767225600"), {
            mode: "restore",
            snapshot: "etcd-snapshot-prod-server-0-1767225600",
        });
        assert.throws(() => decideBootstrap({}, "../../etc/passwd"), /restoreFromSnapshot: "..\/..\/etc\/passwd" is not a snapshot name/);
        for (const b of [{ mode: "cluster-init" }, { mode: "join" }, { mode: "restore", snapshot: "s-1.zip" }] as const)
            assert.deepEqual(decodeBootstrap(encodeBootstrap(b)), b);
        assert.throws(() => decodeBootstrap("init"), /expected cluster-init, join or restore/);
    });

    for (const stack of ["prod-infra", "dev-infra"]) {
        it(
            `${stack}: server-0 initialises on the first create only; ` + `replaced under the same name or by a token rotation it joins`,
            async () => {
                const first = await synth(stack);
                const after = await synth(stack, undefined, published(first));
                // (a) first create
                assert.equal((server0(first).inputs.metadata as Record<string, string>)[BOOTSTRAP_METADATA_KEY], "cluster-init");
                const a = bootOf(first);
                assert.equal(a.config["cluster-init"], true);
                assert.equal(a.config.server, undefined);
                // (b) the same VM spec after initialisation (what `pulumi up --replace` re-creates)
                assert.equal(server0(after).inputs.name, server0(first).inputs.name, "same name");
                assert.equal(
                    secretText(server0(after).inputs.userData),
                    secretText(server0(first).inputs.userData),
                    "same user-data: the decision is not in it, so it never forces a new VM",
                );
                assert.equal((server0(after).inputs.metadata as Record<string, string>)[BOOTSTRAP_METADATA_KEY], "join");
                const b = bootOf(after);
                assert.equal(b.config["cluster-init"], undefined);
                assert.match(String(b.config.server), /^https:\/\/10\.\d+\.\d+\.\d+:6443$/);
                // (c) a token rotation: new user-data under the same name, after initialisation
                const cfg = parseInfraConfig(
                    (key) => loadStackConfig(FIXTURE_STACKS, stack, PROJECT)[`${PROJECT}:${key}`]?.value,
                    PROJECT,
                    stack,
                );
                const slot = planNodes(cfg)[0];
                const addresses = {
                    nodeIp: "10.0.0.11",
                    serverUrl: String(b.config.server),
                    tlsSans: ["10.0.0.11"],
                    peers: [],
                    volumeId: "v",
                    datastoreVolumeId: "d",
                    nfsCidr: "10.0.0.0/24",
                };
                const rotated = renderUserData(buildNodeSpec(cfg, slot, nodeName(cfg, slot), addresses), {
                    token: "K10abc::server:rotated",
                    agentToken: "K10abc::node:rotated",
                });
                assert.notEqual(rotated, secretText(server0(first).inputs.userData));
                const c = bootOnce(rotated, { [BOOTSTRAP_METADATA_KEY]: encodeBootstrap(decideBootstrap(published(first))) });
                assert.equal(c.config["cluster-init"], undefined);
                assert.equal(c.config.server, String(b.config.server));
            },
        );
    }

    it(
        "restoreFromSnapshot (config) puts server-0 into restore mode through " +
            "its metadata alone; bad input is refused before anything exists",
        async () => {
            const first = await synth("prod-infra");
            const restoring = await synth(
                "prod-infra",
                { "data-platform:restoreFromSnapshot": "etcd-snapshot-prod-server-0-1767225600" },
                published(first),
            );
            assert.equal(
                (server0(restoring).inputs.metadata as Record<string, string>)[BOOTSTRAP_METADATA_KEY],
                "restore:etcd-snapshot-prod-server-0-1767225600",
            );
            assert.equal(
                secretText(server0(restoring).inputs.userData),
                secretText(server0(first).inputs.userData),
                "the user-data does not change: only the metadata does",
            );
            const parse = (stack: string, overrides: Record<string, string | undefined>) =>
                parseInfraConfig(
                    (key) =>
                        key in overrides ? overrides[key] : loadStackConfig(FIXTURE_STACKS, stack, PROJECT)[`${PROJECT}:${key}`]?.value,
                    PROJECT,
                    stack,
                );
            assert.throws(
                () => parse("prod-infra", { restoreFromSnapshot: "../x" }),
                /data-platform:restoreFromSnapshot = "\.\.\/x": must be an etcd snapshot name/,
            );
            assert.throws(
                () => parse("dev-infra", { restoreFromSnapshot: "s-1", backupStore: undefined }),
                /restoreFromSnapshot = "s-1": needs backupStore/,
            );
        },
    );

    it("with etcd data on the disk the node writes the join form whatever the metadata says (k3s restarts the member)", async () => {
        const first = await synth("dev-infra");
        const instance = server0(first);
        const result = bootOnce(
            secretText(instance.inputs.userData),
            { [BOOTSTRAP_METADATA_KEY]: "cluster-init" },
            { etcdDataOnDisk: true },
        );
        assert.equal(result.config["cluster-init"], undefined);
        assert.ok(result.config.server);
    });

    it("a restore runs k3s' cluster-reset from the named snapshot without a server URL, then joins from then on", async () => {
        const first = await synth("prod-infra");
        const instance = server0(first);
        const result = bootOnce(secretText(instance.inputs.userData), {
            [BOOTSTRAP_METADATA_KEY]: "restore:etcd-snapshot-prod-server-0-1767225600",
        });
        assert.deepEqual(result.k3sCalls, ["server --cluster-reset --cluster-reset-restore-path=etcd-snapshot-prod-server-0-1767225600"]);
        assert.equal(result.config["cluster-init"], undefined);
        assert.ok(result.config.server, "after the reset the drop-in holds the join form");
        assert.throws(() => bootOnce(secretText(instance.inputs.userData), { [BOOTSTRAP_METADATA_KEY]: "restore:a;reboot" }));
        assert.throws(() => bootOnce(secretText(instance.inputs.userData), {}), "no metadata key: the node stops, it never guesses");
    });
});
