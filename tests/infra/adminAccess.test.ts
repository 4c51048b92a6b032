import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import {
    ACCESS_BINDINGS,
    ADMINS_GROUP,
    DEPLOYERS_GROUP,
    installManifestsCommand,
    K3S_MANIFESTS_DIR,
    MANIFEST_STAGING_DIR,
} from "../../infra/adminAccess";
import { caInstalledPath, renderUserData } from "../../infra/cloudinit";
import { DATASTORE_SCRIPT } from "../../infra/datastore";
import { ofType, synth } from "../support/synth";
import { agent, cloudConfig, File, server, secrets } from "./adminFixtures";
import { tempDir } from "../support/tempDir";

const manifests = (doc: { write_files: File[] }) =>
    doc.write_files.filter((f) => caInstalledPath(f.path).startsWith(`${K3S_MANIFESTS_DIR}/`));

describe("admin access: groups bound by k3s manifests, not system:masters", () => {
    it("renders one valid ClusterRoleBinding to cluster-admin per group, in a file named for k3s' AddOn rules", () => {
        const docs = manifests(cloudConfig(renderUserData(server, secrets))).map((f) => parse(f.content));
        assert.deepEqual(docs.map((d) => d.subjects[0].name).sort(), [ADMINS_GROUP, DEPLOYERS_GROUP].sort());
        for (const doc of docs) {
            assert.doesNotThrow(() => new ClusterRoleBinding(doc).validate());
            assert.deepEqual(doc.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" });
            assert.equal(doc.subjects.length, 1);
            assert.equal(doc.subjects[0].kind, "Group");
            assert.notEqual(doc.subjects[0].name, "system:masters");
        }
        assert.throws(() => new ClusterRoleBinding({ metadata: { name: "x" }, roleRef: { kind: "ClusterRole" } } as never).validate());
        // The AddOn is named after the file: a lowercase RFC 1123 subdomain (no `_`).
        for (const b of ACCESS_BINDINGS) assert.match(b.name, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    });

    it(
        "every server stages both manifests root-only and installs them " + "after the datastore mount, before k3s starts; agents get none",
        () => {
            for (const spec of [
                server,
                { ...server, bootstrap: "join" as const },
                { ...server, datastore: { volumeId: "0123456789abcdef0123456789" } },
            ]) {
                const doc = cloudConfig(renderUserData(spec, secrets));
                const files = manifests(doc);
                assert.deepEqual(
                    files.map((f) => caInstalledPath(f.path)).sort(),
                    ACCESS_BINDINGS.map((b) => `${K3S_MANIFESTS_DIR}/${b.name}.yaml`).sort(),
                );
                assert.ok(
                    files.every(
                        (f) => f.path.startsWith(`${MANIFEST_STAGING_DIR}/`) && f.permissions === "0600" && f.owner === "root:root",
                    ),
                );
                const steps = doc.runcmd.map((c) => (Array.isArray(c) ? c.join(" ") : c));
                const install = steps.indexOf(`sh -c ${installManifestsCommand()}`);
                const k3s = steps.findIndex((s) => s.includes("INSTALL_K3S") || s.includes("k3s-install") || s.includes("install.sh"));
                assert.ok(install >= 0, "the manifests are moved in");
                assert.ok(k3s > install, `k3s is installed after the manifests (${install} < ${k3s})`);
                if (spec.datastore) assert.ok(steps.indexOf(`${DATASTORE_SCRIPT} start`) < install, "the datastore is mounted first");
            }
            assert.deepEqual(manifests(cloudConfig(renderUserData(agent, secrets))), []);
        },
    );

    it("the install step copies with the staged mode, removes the staging directory and leaves a revocation's .skip in place", () => {
        const dir = tempDir("access-manifests");
        try {
            const staged = path.join(dir, "run");
            const target = path.join(dir, "manifests");
            fs.mkdirSync(staged);
            fs.mkdirSync(target);
            fs.writeFileSync(path.join(staged, "platform-admins.yaml"), "a", { mode: 0o600 });
            fs.writeFileSync(path.join(target, "platform-admins.yaml.skip"), "");
            const command = installManifestsCommand().split(MANIFEST_STAGING_DIR).join(staged).split(K3S_MANIFESTS_DIR).join(target);
            execFileSync("sh", ["-c", command]);
            assert.equal(fs.statSync(path.join(target, "platform-admins.yaml")).mode & 0o777, 0o600);
            assert.ok(fs.existsSync(path.join(target, "platform-admins.yaml.skip")));
            assert.ok(!fs.existsSync(staged));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("synth: the deploy certificate's group is the one every server binds", async () => {
        for (const stack of ["dev-infra", "prod-infra"]) {
            const result = await synth(stack);
            const csr = ofType(result, "tls:index/certRequest:CertRequest").find((r) => r.name.endsWith("-admin-csr"))!;
            const subject = csr.inputs.subject as { organization: string; commonName: string };
            assert.equal(subject.organization, DEPLOYERS_GROUP);
            assert.match(subject.commonName, /-deployer$/);
            const servers = ofType(result, "openstack:compute/instance:Instance").filter(
                (r) => (r.inputs.metadata as Record<string, string>).role === "server",
            );
            assert.ok(servers.length > 0);
            for (const s of servers) {
                const userData = (s.inputs.userData as { "@secret": string })["@secret"];
                const groups = manifests(cloudConfig(userData)).map((f) => parse(f.content).subjects[0].name);
                assert.ok(groups.includes(subject.organization), `${s.name} binds ${subject.organization}`);
            }
        }
    });
});
