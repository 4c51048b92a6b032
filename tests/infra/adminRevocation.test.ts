/**
 * A durable revocation (infra `revokedAdminGroups`): the key is checked before any resource, every
 * server's user-data stages the group's `.skip` instead of its binding (so a replaced server
 * cannot re-grant it), nothing changes while the key is unset, and the install step is
 * idempotent on a reused datastore.
 */
import * as assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import {
    ACCESS_BINDINGS,
    accessManifestFiles,
    AdminGroupKey,
    installManifestsCommand,
    K3S_MANIFESTS_DIR,
    MANIFEST_STAGING_DIR,
    revokedGroupsOfUserData,
    SKIP_MARKER,
} from "../../infra/adminAccess";
import { renderUserData, ServerSpec } from "../../infra/cloudinit";
import { nodeNames, planNodes } from "../../infra/nodes";
import { configProblems, parseInfraWith } from "../support/config";
import { requireDebianPackage } from "../support/debian";
import { agent, cloudConfig, server as labServer, secrets } from "./adminFixtures";
import { tempDir } from "../support/tempDir";

const run = promisify(execFile);
const server: ServerSpec = { ...labServer, datastore: { volumeId: "0123456789abcdef0123456789" } };
const joining: ServerSpec = { ...server, bootstrap: "join", datastore: undefined };
const staged = (text: string) =>
    cloudConfig(text)
        .write_files.filter((f) => f.path.startsWith(`${MANIFEST_STAGING_DIR}/`))
        .map((f) => path.basename(f.path))
        .sort();

describe("revokedAdminGroups: config", () => {
    it("defaults to none and takes either group, or both", () => {
        assert.deepEqual(parseInfraWith({}).revokedAdminGroups, []);
        assert.deepEqual(parseInfraWith({ revokedAdminGroups: '["deployers"]' }).revokedAdminGroups, ["deployers"]);
        assert.deepEqual(parseInfraWith({ revokedAdminGroups: '["admins", "deployers"]' }).revokedAdminGroups, ["admins", "deployers"]);
    });

    it("refuses anything else, naming the key and the allowed values, before any resource", () => {
        const unknown = configProblems(() => parseInfraWith({ revokedAdminGroups: '["deployers", "data-platform:admins"]' }));
        assert.deepEqual(unknown, [
            'data-platform:revokedAdminGroups[1] = "data-platform:admins": must be one of "deployers", "admins" ' +
                '("deployers": data-platform:deployers, the deploy identity; "admins": data-platform:admins, people)',
        ]);
        assert.match(
            configProblems(() => parseInfraWith({ revokedAdminGroups: '["admins", "admins"]' })).join("\n"),
            /^data-platform:revokedAdminGroups\[1\] = "admins": repeats revokedAdminGroups\[0\]/,
        );
        assert.match(
            configProblems(() => parseInfraWith({ revokedAdminGroups: "deployers" })).join("\n"),
            /^data-platform:revokedAdminGroups = "deployers": must be a list of strings/,
        );
    });

    it("revoking replaces the servers (new names), never the agents; unset and [] name them alike", () => {
        const names = (value: string | undefined) => {
            const cfg = parseInfraWith({ serverCount: "3", revokedAdminGroups: value });
            return { slots: planNodes(cfg), names: nodeNames(cfg, planNodes(cfg)) };
        };
        const granted = names(undefined);
        assert.deepEqual(names("[]").names, granted.names);
        for (const value of ['["deployers"]', '["admins"]']) {
            const revoked = names(value).names;
            for (const slot of granted.slots)
                assert.equal(revoked.get(slot.key) === granted.names.get(slot.key), slot.role === "agent", `${value} ${slot.key}`);
        }
    });
});

describe("revokedAdminGroups: rendered user-data", () => {
    it("unset and [] render byte for byte the same user-data, so adding the key replaces nothing", () => {
        for (const spec of [server, joining])
            assert.equal(renderUserData({ ...spec, revokedAdminGroups: [] }, secrets), renderUserData(spec, secrets));
    });

    it("every server stages a revoked group's .skip (root-only, with the marker text) instead of its binding; agents stage nothing", () => {
        const cases: [AdminGroupKey[], string[]][] = [
            [[], ["platform-admins.yaml", "platform-deployers.yaml"]],
            [["deployers"], ["platform-admins.yaml", "platform-deployers.yaml.skip"]],
            [["admins"], ["platform-admins.yaml.skip", "platform-deployers.yaml"]],
            [
                ["admins", "deployers"],
                ["platform-admins.yaml.skip", "platform-deployers.yaml.skip"],
            ],
        ];
        for (const [revoked, files] of cases) {
            for (const spec of [server, joining]) {
                const text = renderUserData({ ...spec, revokedAdminGroups: revoked }, secrets);
                assert.deepEqual(staged(text), files, `${spec.bootstrap} ${revoked}`);
                assert.deepEqual(revokedGroupsOfUserData(text).sort(), [...revoked].sort());
                for (const f of cloudConfig(text).write_files.filter((f) => f.path.endsWith(".skip"))) assert.equal(f.content, SKIP_MARKER);
                const steps = cloudConfig(text).runcmd.map((c) => (Array.isArray(c) ? c.join(" ") : c));
                assert.ok(steps.includes(`sh -c ${installManifestsCommand(revoked)}`));
            }
            assert.deepEqual(staged(renderUserData(agent, secrets)), []);
        }
        assert.ok(accessManifestFiles(["deployers"]).every((f) => f.permissions === "0600" && f.owner === "root:root"));
    });

    describe("passes `cloud-init schema`", function () {
        this.timeout(60_000);
        let dir: string;
        before(function () {
            requireDebianPackage(this, "cloud-init");
            dir = tempDir("revoked-userdata");
        });
        after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

        for (const revoked of [["deployers"], ["admins", "deployers"]] as AdminGroupKey[][]) {
            it(`with ${revoked.join(" and ")} revoked`, async () => {
                for (const spec of [server, joining]) {
                    const file = path.join(dir, `${spec.bootstrap}-${revoked.join("-")}.yaml`);
                    fs.writeFileSync(file, renderUserData({ ...spec, revokedAdminGroups: revoked }, secrets));
                    const { stdout } = await run("cloud-init", ["schema", "-c", file]).catch((err) => ({
                        stdout: `${err.stdout ?? ""}${err.stderr ?? ""}`,
                    }));
                    assert.match(stdout, /Valid cloud-config/, stdout);
                }
            });
        }
    });
});

describe("revokedAdminGroups: the install step on a server's disk", () => {
    let dir: string;
    beforeEach(() => (dir = tempDir("revoke-install")));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Stages what the user-data writes and runs the install step against a scratch manifests dir. */
    function install(revoked: AdminGroupKey[]): string {
        const stage = path.join(dir, "run");
        const target = path.join(dir, "manifests");
        fs.mkdirSync(stage, { recursive: true });
        for (const f of accessManifestFiles(revoked))
            fs.writeFileSync(path.join(stage, path.basename(f.path)), f.content, { mode: parseInt(f.permissions, 8) });
        const command = installManifestsCommand(revoked).split(MANIFEST_STAGING_DIR).join(stage).split(K3S_MANIFESTS_DIR).join(target);
        execFileSync("sh", ["-c", command]);
        assert.ok(!fs.existsSync(stage), "the staging directory is removed");
        return target;
    }
    const listing = (target: string) => fs.readdirSync(target).sort();

    it("a reused datastore: the revoked group's old manifest goes, its .skip comes, the other group's manifest stays current", () => {
        const target = install([]);
        assert.deepEqual(listing(target), ["platform-admins.yaml", "platform-deployers.yaml"]);
        install(["deployers"]);
        assert.deepEqual(listing(target), ["platform-admins.yaml", "platform-deployers.yaml.skip"]);
        assert.equal(fs.readFileSync(path.join(target, "platform-deployers.yaml.skip"), "utf8"), SKIP_MARKER);
        assert.equal(fs.statSync(path.join(target, "platform-deployers.yaml.skip")).mode & 0o777, 0o600);
    });

    it("is idempotent (a second boot changes nothing) and works with both groups revoked (no manifest staged at all)", () => {
        for (const revoked of [["deployers"], ["admins", "deployers"]] as AdminGroupKey[][]) {
            fs.rmSync(dir, { recursive: true, force: true });
            fs.mkdirSync(dir);
            const target = install(revoked);
            const first = listing(target);
            install(revoked);
            assert.deepEqual(listing(target), first);
            assert.deepEqual(
                first,
                ACCESS_BINDINGS.map((b) => (revoked.includes(b.key) ? `${b.name}.yaml.skip` : `${b.name}.yaml`)).sort(),
            );
        }
    });

    it("leaves a hand-made .skip of a group the key does not list (a revocation by hand on a single server holds)", () => {
        const target = path.join(dir, "manifests");
        fs.mkdirSync(target);
        fs.writeFileSync(path.join(target, "platform-admins.yaml.skip"), "");
        install(["deployers"]);
        assert.deepEqual(listing(target), ["platform-admins.yaml", "platform-admins.yaml.skip", "platform-deployers.yaml.skip"]);
    });
});
