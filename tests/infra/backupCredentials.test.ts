import * as assert from "node:assert/strict";
import { activeGeneration } from "../../infra/backupStoreConfig";
import { credentialResourceName, ownerLabel } from "../../infra/backupStore";
import { backupStoreRules, WRITER_DENIED_ACTIONS, writerPrincipal } from "../../infra/backupStoreRules";
import { backupCredentialWarnings, credentialGeneration } from "../../delivery/diff/backupWarnings";
import { diffSynth } from "../../delivery/diff/diff";
import { irreversibleBetween } from "../../delivery/diff/irreversible";
import type { SynthResult } from "../../delivery/synth/synth";
import { configProblems, parseInfraWith } from "../support/config";
import { byName, ofType, synth } from "../support/synth";

const OWNER = { user: "backup-writer", userDomain: "Default", project: "0123456789abcdef0123456789abcdef" };
const store = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({ endpoint: "https://s3.test.invalid", bucket: "t-backups", region: "r1", create: true, ...extra });
const parse = (changes: Record<string, string | undefined>) =>
    parseInfraWith(changes, ["backupOwnerPassword", "backupStoreAccessKey", "backupStoreSecretKey"]);
const EC2 = "openstack:identity/ec2CredentialV3:Ec2CredentialV3";

describe("backup credential: owner, generations, pruning (infra)", () => {
    it("defaults to one generation owned by the deployer, with a warning that names the fix", () => {
        const cfg = parse({ backupStore: store() });
        assert.deepEqual(cfg.backupStore?.credentials, [{ generation: 1, owner: "deployer" }]);
        assert.ok(
            cfg.warnings.some((w) => /belongs to the deploy identity/.test(w) && /owner/.test(w)),
            cfg.warnings.join("\n"),
        );
        const explicit = parse({ backupStore: store({ credentials: [{ generation: 1, owner: "deployer" }] }) });
        assert.ok(!explicit.warnings.some((w) => /deploy identity/.test(w)));
    });

    it("an owner user needs backupOwnerPassword (as a secret); the active generation is the newest", () => {
        const credentials = [
            { generation: 1, owner: "deployer" },
            { generation: 2, owner: OWNER },
        ];
        const missing = configProblems(() => parse({ backupStore: store({ credentials }) }));
        assert.ok(
            missing.some((p) => /backupOwnerPassword.*pulumi config set --secret/.test(p)),
            missing.join("\n"),
        );
        const cfg = parse({ backupStore: store({ credentials }), backupOwnerPassword: "pw" }).backupStore!;
        assert.equal(cfg.ownerPassword, "pw");
        assert.deepEqual(activeGeneration(cfg.credentials), { generation: 2, owner: OWNER });
        const plain = configProblems(() => parseInfraWith({ backupStore: store({ credentials }), backupOwnerPassword: "pw" }));
        assert.ok(
            plain.some((p) => /backupOwnerPassword.*plain text/.test(p)),
            plain.join("\n"),
        );
        const unused = configProblems(() => parse({ backupStore: store(), backupOwnerPassword: "pw" }));
        assert.ok(
            unused.some((p) => /backupOwnerPassword.*not used/.test(p)),
            unused.join("\n"),
        );
    });

    it("refuses bad generation lists key by key, naming what is allowed", () => {
        const cases: [unknown, RegExp][] = [
            [[], /backupStore\.credentials.*1 or 2 generations/],
            [
                [
                    { generation: 1, owner: "deployer" },
                    { generation: 2, owner: "deployer" },
                    { generation: 3, owner: "deployer" },
                ],
                /1 or 2 generations/,
            ],
            [
                [
                    { generation: 2, owner: "deployer" },
                    { generation: 2, owner: OWNER },
                ],
                /credentials\[1\]\.generation.*greater than the one before/,
            ],
            [[{ generation: 0, owner: "deployer" }], /credentials\[0\]\.generation.*whole number/],
            [[{ generation: 1, owner: "admin" }], /credentials\[0\]\.owner.*"deployer" or/],
            [[{ generation: 1, owner: { ...OWNER, project: "backups" } }], /owner\.project.*32 hex/],
            [[{ generation: 1, owner: { ...OWNER, role: "x" } }], /owner\.role.*not a setting/],
            [
                [
                    { generation: 1, owner: OWNER },
                    { generation: 2, owner: { ...OWNER, user: "other" } },
                ],
                /two different owner users/,
            ],
        ];
        for (const [credentials, pattern] of cases) {
            const found = configProblems(() => parse({ backupStore: store({ credentials }), backupOwnerPassword: "pw" }));
            assert.ok(
                found.some((p) => pattern.test(p)),
                `${JSON.stringify(credentials)}: ${found.join("\n")}`,
            );
        }
        const given = configProblems(() =>
            parse({
                backupStore: store({ create: false, credentials: [{ generation: 1, owner: "deployer" }] }),
                backupStoreAccessKey: "a",
                backupStoreSecretKey: "s",
            }),
        );
        assert.ok(
            given.some((p) => /credentials.*create: true.*backupStoreAccessKey/.test(p)),
            given.join("\n"),
        );
    });

    it('pruning "store" needs expireAfterDays; expireAfterDays needs pruning "store"', () => {
        assert.ok(
            configProblems(() => parse({ backupStore: store({ pruning: "store" }) })).some((p) =>
                /expireAfterDays.*required with pruning "store"/.test(p),
            ),
        );
        assert.ok(
            configProblems(() => parse({ backupStore: store({ expireAfterDays: 7 }) })).some((p) =>
                /expireAfterDays.*only with pruning "store"/.test(p),
            ),
        );
        assert.ok(
            configProblems(() => parse({ backupStore: store({ pruning: "nobody" }) })).some((p) =>
                /backupStore\.pruning.*"writers".*"store"/.test(p),
            ),
        );
        assert.equal(parse({ backupStore: store({ pruning: "store", expireAfterDays: 9 }) }).backupStore?.expireAfterDays, 9);
    });

    it("names: generation 1 keeps the historical name; the diff reads the generation back", () => {
        assert.equal(credentialResourceName("dev-k3s-backups", 1), "dev-k3s-backups-ec2-credential");
        assert.equal(credentialResourceName("dev-k3s-backups", 7), "dev-k3s-backups-ec2-credential-g7");
        for (const g of [1, 2, 40]) assert.equal(credentialGeneration(credentialResourceName("x-backups", g)), g);
        assert.equal(credentialGeneration("x-ci-runner"), undefined);
        assert.equal(ownerLabel(OWNER), `user Default/backup-writer in project ${OWNER.project}`);
    });

    it("store rules: the writer project may put, read and list, never delete or loosen the rules; nothing without an owner project", () => {
        const cfg = parse({
            backupStore: store({ pruning: "store", expireAfterDays: 9, credentials: [{ generation: 3, owner: OWNER }] }),
            backupOwnerPassword: "pw",
        }).backupStore!;
        const rules = backupStoreRules(cfg)!;
        const [allow, deny] = rules.bucketPolicy.Statement as {
            Effect: string;
            Principal: { AWS: string[] };
            Action: string[];
            Resource: string[];
        }[];
        assert.deepEqual(allow.Principal.AWS, [writerPrincipal(OWNER.project)]);
        assert.equal(deny.Effect, "Deny");
        for (const a of ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutBucketPolicy", "s3:PutLifecycleConfiguration"])
            assert.ok(deny.Action.includes(a), a);
        assert.ok(!allow.Action.some((a) => (WRITER_DENIED_ACTIONS as readonly string[]).includes(a)));
        assert.deepEqual(deny.Resource, ["arn:aws:s3:::t-backups", "arn:aws:s3:::t-backups/*"]);
        const rule = (rules.lifecycle.Rules as Record<string, Record<string, number>>[])[0];
        assert.equal(rule.Expiration.Days, 9);
        assert.equal(rule.NoncurrentVersionExpiration.NoncurrentDays, 9);
        assert.equal(backupStoreRules(parse({ backupStore: store({ pruning: "store", expireAfterDays: 9 }) }).backupStore!), undefined);
        assert.equal(backupStoreRules(parse({ backupStore: store() }).backupStore!), undefined);
    });

    it("diff warnings: a new generation lists the servers that take it; a retirement in the same plan says there is no overlap", () => {
        const ec2 = (kind: "create" | "delete", g: number) => ({ kind, type: EC2, name: credentialResourceName("e-backups", g), why: [] });
        const server = { kind: "replace" as const, type: "openstack:compute/instance:Instance", name: "e-server-0", why: ["userData"] };
        const rotate = backupCredentialWarnings([ec2("create", 2), server]);
        assert.equal(rotate.length, 1);
        assert.match(rotate[0], /generation 2 .* servers \(1: e-server-0\) are replaced one at a time/);
        const both = backupCredentialWarnings([ec2("create", 2), ec2("delete", 1)]);
        assert.match(both[1], /deleted in the same plan that makes its successor/);
        assert.match(backupCredentialWarnings([ec2("delete", 1)])[0], /retired .* Retire only after/);
        assert.deepEqual(backupCredentialWarnings([server]), []);
    });

    describe("rotation, synthesized (dev-infra)", () => {
        const ns = "data-platform:";
        const credentials = (list: unknown[]) => ({
            [`${ns}backupStore`]: store({ credentials: list }),
            ...(JSON.stringify(list).includes(OWNER.user) ? { [`${ns}backupOwnerPassword`]: "pw" } : {}),
        });
        const g1 = { generation: 1, owner: "deployer" };
        const g2 = { generation: 2, owner: OWNER };
        let base: SynthResult;
        let explicit: SynthResult;
        let rolling: SynthResult;
        let retired: SynthResult;
        let direct: SynthResult;
        before(async () => {
            const run = (list?: unknown[]) =>
                synth("dev-infra", list ? credentials(list) : { [`${ns}backupStore`]: store() }, undefined, [`${ns}backupOwnerPassword`]);
            // One stack at a time: the Pulumi runtime is process-global.
            base = await run();
            explicit = await run([g1]);
            rolling = await run([g1, g2]);
            retired = await run([g2]);
            direct = retired;
        });
        const kinds = (d: ReturnType<typeof diffSynth>, type: string) =>
            d.changes.filter((c) => c.type === type).map((c) => `${c.kind} ${c.name}`);

        it("stating today's owner explicitly changes nothing", () => {
            assert.equal(diffSynth(base, explicit).changes.length, 0);
        });

        it(
            "step 1 (two generations): creates the owner's credential " + "through its own provider, replaces the servers, deletes nothing",
            () => {
                const d = diffSynth(explicit, rolling);
                assert.deepEqual(kinds(d, EC2), ["create dev-k3s-backups-ec2-credential-g2"]);
                assert.ok(!d.changes.some((c) => c.kind === "delete"), d.changes.map((c) => `${c.kind} ${c.name}`).join("\n"));
                const servers = d.changes.filter((c) => c.type === "openstack:compute/instance:Instance" && c.kind === "replace");
                assert.ok(servers.length > 0 && servers.every((c) => c.why.includes("userData")));
                assert.ok(
                    d.changes
                        .filter((c) => c.type === "openstack:compute/instance:Instance")
                        .every((c) => (c.after?.inputs.metadata as Record<string, string>).role === "server"),
                    "agents carry no backup key",
                );
                assert.ok(
                    (d.warnings ?? []).some((w) => /generation 2/.test(w)),
                    (d.warnings ?? []).join("\n"),
                );
                assert.deepEqual(irreversibleBetween(explicit, rolling), []);
                const cred = byName(rolling, "dev-k3s-backups-ec2-credential-g2");
                const provider = rolling.resources.find((r) => r.urn === cred.provider)!;
                assert.equal(provider.type, "pulumi:providers:openstack");
                assert.equal(provider.inputs.userName, OWNER.user);
                assert.equal(provider.inputs.tenantId, OWNER.project);
                assert.equal(provider.inputs.applicationCredentialId, "");
                assert.ok((provider.inputs.password as Record<string, unknown>)["@secret"] !== undefined, "the password stays secret");
                assert.equal(cred.inputs.projectId, OWNER.project);
                assert.equal(byName(rolling, "dev-k3s-backups-container").inputs.containerWrite, `${OWNER.project}:*`);
                assert.deepEqual(rolling.outputs.backupCredentials, {
                    active: 2,
                    live: [
                        { generation: 1, owner: "deployer" },
                        { generation: 2, owner: `user Default/backup-writer in project ${OWNER.project}` },
                    ],
                });
            },
        );

        it("step 2 (retire): deletes only the old credential, replaces no server, and is marked irreversible", () => {
            const d = diffSynth(rolling, retired);
            assert.deepEqual(kinds(d, EC2), ["delete dev-k3s-backups-ec2-credential"]);
            assert.equal(d.changes.filter((c) => c.type === "openstack:compute/instance:Instance").length, 0);
            const found = irreversibleBetween(rolling, retired);
            assert.deepEqual(
                found.map((f) => f.kind),
                ["backup-credential-retired"],
            );
            assert.doesNotMatch(found[0].message, /same plan/);
        });

        it("skipping the overlap is called out: successor and retirement in one plan", () => {
            const found = irreversibleBetween(explicit, direct);
            assert.equal(found.length, 1);
            assert.match(found[0].message, /successor dev-k3s-backups-ec2-credential-g2 is created in the same plan/);
            assert.ok((diffSynth(explicit, direct).warnings ?? []).some((w) => /same plan that makes its successor/.test(w)));
            assert.equal(ofType(direct, EC2).length, 1);
        });
    });
});
