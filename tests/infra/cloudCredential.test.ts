import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { CLOUD_CONTROLLER_ACCESS_RULES, AccessRule } from "../../infra/cloudCredential";
import { diffSynth } from "../../delivery/diff/diff";
import { credentialExpiryWarning } from "../../delivery/deploy/checks/certExpiry";
import { cinderCsiValues, cloudConfAnnotations, occmValues } from "../../cluster/values/storage";
import { configProblems, parseInfraWith } from "../support/config";
import { byName, ofType, synth } from "../support/synth";

const parseWith = (changes: Record<string, string | undefined>) => parseInfraWith(changes, ["cloudControllerCredentialSecret"]);
const problemsOf = (changes: Record<string, string | undefined>) => configProblems(() => parseWith(changes)).join("\n");

/** Keystone's access-rule path match: `*` one segment, `**` any number (none included). */
function allowed(rules: readonly AccessRule[], service: string, method: string, path: string): boolean {
    const match = (pattern: string[], parts: string[]): boolean => {
        if (pattern.length === 0) return parts.length === 0;
        const [head, ...rest] = pattern;
        if (head === "**") return parts.some((_, i) => match(rest, parts.slice(i))) || match(rest, []);
        return parts.length > 0 && (head === "*" || head === parts[0]) && match(rest, parts.slice(1));
    };
    const split = (p: string) => p.split("/").filter(Boolean);
    return rules.some((r) => r.service === service && r.method === method && match(split(r.path), split(path)));
}

describe("cloud controllers' application credential", () => {
    it("created here: needs an expiry date, defaults to the member role and access rules", () => {
        const cfg = parseWith({}).cloudCredential;
        assert.deepEqual(cfg, { source: "create", expiresAt: "2031-03-31", roles: ["member"], accessRules: true });
        assert.match(
            problemsOf({ cloudCredentialExpiresAt: undefined }),
            new RegExp(
                /data-platform:cloudCredentialExpiresAt = \(unset\): is required/.source +
                    / .*pulumi config set cloudCredentialExpiresAt \d{4}-\d{2}-\d{2}/.source,
            ),
        );
        assert.match(
            problemsOf({ cloudCredentialExpiresAt: "2031-02-30" }),
            /cloudCredentialExpiresAt = "2031-02-30": must be a calendar date YYYY-MM-DD/,
        );
        assert.match(problemsOf({ cloudCredentialExpiresAt: "31.03.2031" }), /must be a calendar date/);
    });

    it("refuses roles that hand a leak the project, and an empty role list", () => {
        assert.match(
            problemsOf({ cloudCredentialRoles: JSON.stringify(["member", "admin"]) }),
            /cloudCredentialRoles\[1\] = "admin": "admin" is more than the controllers need/,
        );
        assert.match(problemsOf({ cloudCredentialRoles: JSON.stringify([]) }), /cloudCredentialRoles = \[\]: must list at least 1 item/);
        assert.deepEqual(
            parseWith({ cloudCredentialRoles: JSON.stringify(["_member_"]), cloudCredentialAccessRules: "false" }).cloudCredential.roles,
            ["_member_"],
        );
    });

    it("a supplied credential refuses the keys that only shape a created one", () => {
        const supplied = { cloudControllerCredentialId: "0123456789abcdef0123456789abcdef", cloudControllerCredentialSecret: "s" };
        assert.match(problemsOf({ ...supplied }), /cloudCredentialExpiresAt = \(unset\): applies only to a credential created here/);
        assert.equal(parseWith({ ...supplied, cloudCredentialExpiresAt: undefined }).cloudCredential.source, "supplied");
    });

    it("access rules: node reads and volume work only; no server lifecycle, identity, images or object storage", () => {
        const can = (service: string, method: string, path: string) => allowed(CLOUD_CONTROLLER_ACCESS_RULES, service, method, path);
        assert.ok(can("compute", "GET", "/v2.1/servers/6f1c/os-interface"));
        assert.ok(can("compute", "GET", "/v2.1/servers/detail"));
        assert.ok(can("compute", "POST", "/v2.1/servers/6f1c/os-volume_attachments"));
        assert.ok(can("compute", "DELETE", "/v2.1/servers/6f1c/os-volume_attachments/9a2e"));
        assert.ok(can("volumev3", "POST", "/v3/p1/volumes"));
        assert.ok(can("block-storage", "POST", "/v3/p1/volumes/v1/action"));
        assert.ok(can("network", "GET", "/v2.0/ports"));
        assert.ok(!can("compute", "POST", "/v2.1/servers"), "create servers");
        assert.ok(!can("compute", "DELETE", "/v2.1/servers/6f1c"), "delete servers");
        assert.ok(!can("compute", "POST", "/v2.1/servers/6f1c/action"), "reboot/rebuild servers");
        assert.ok(!can("network", "PUT", "/v2.0/security-groups/x"), "network writes");
        const services = new Set(CLOUD_CONTROLLER_ACCESS_RULES.map((r) => r.service));
        assert.deepEqual([...services].sort(), ["block-storage", "compute", "network", "volumev3"]);
    });

    it("synth: roles, access rules, expiry at the end of the day, the date in its name, left to expire when replaced", async () => {
        const dev = await synth("dev-infra", { "data-platform:cloudCredentialExpiresAt": "2031-05-31" });
        const [credential] = ofType(dev, "openstack:identity/applicationCredential:ApplicationCredential");
        assert.deepEqual(credential.inputs.roles, ["member"]);
        assert.equal(credential.inputs.unrestricted, false);
        assert.equal(credential.inputs.expiresAt, "2031-05-31T23:59:59Z");
        assert.equal(credential.inputs.name, "dev-k3s-cloud-controllers-2031-05-31");
        assert.equal((credential.inputs.accessRules as unknown[]).length, CLOUD_CONTROLLER_ACCESS_RULES.length);
        assert.equal(credential.options.retainOnDelete, true);
        assert.equal(dev.outputs.cloudCredentialExpiresAt, "2031-05-31");
        // Its former place (a child of the stack, before the component) is kept by an alias.
        assert.ok(
            credential.aliases?.some((a) => a.name === "dev-k3s-cloud-controllers"),
            JSON.stringify(credential.aliases),
        );
    });

    it("rotation: a new date replaces the credential and nothing else in the infra stack", async () => {
        const before = await synth("dev-infra", { "data-platform:cloudCredentialExpiresAt": "2031-05-31" });
        const after = await synth("dev-infra", { "data-platform:cloudCredentialExpiresAt": "2031-11-30" });
        const diff = diffSynth(before, after);
        const changed = diff.changes.map((c) => `${c.kind} ${c.type}`);
        assert.deepEqual(changed, ["replace openstack:identity/applicationCredential:ApplicationCredential"]);
    });

    it("the controllers restart when cloud.conf changes: its checksum is on their pods", async () => {
        const annotations = cloudConfAnnotations("[Global]\nauth-url=x\n");
        assert.equal(annotations["checksum/cloud-config"], createHash("sha256").update("[Global]\nauth-url=x\n").digest("hex"));
        assert.deepEqual(
            (occmValues("registry.k8s.io/provider-os/openstack-cloud-controller-manager:v1.35.0", annotations) as any).podAnnotations,
            annotations,
        );
        const cinder = cinderCsiValues("registry.k8s.io/provider-os/cinder-csi-plugin:v1.35.0", annotations) as any;
        assert.deepEqual(cinder.csi.plugin.controllerPlugin.podAnnotations, annotations);
        assert.deepEqual(cinder.csi.plugin.nodePlugin.podAnnotations, annotations);
        const cluster = await synth("dev-cluster");
        const occm = byName(cluster, "dev-storage-occm");
        const checksum = (occm.inputs.values as any).podAnnotations["checksum/cloud-config"];
        assert.match(String(checksum), /^[0-9a-f]{64}$/);
    });

    it("up warns 30 days ahead and names the key and the layers to update; expired says what breaks", () => {
        const now = new Date("2031-05-10T12:00:00Z");
        assert.equal(credentialExpiryWarning("dev-infra", "2031-06-30", now), undefined);
        const soon = credentialExpiryWarning("dev-infra", "2031-05-31", now)!;
        assert.match(soon, /expires after 2031-05-31 \(in 21 days\)/);
        assert.match(soon, /pulumi config set -s dev-infra cloudCredentialExpiresAt <a later date>, then update dev-infra and dev-cluster/);
        assert.match(credentialExpiryWarning("dev-infra", "2031-05-01", now)!, /EXPIRED after 2031-05-01: .*401/);
    });
});
