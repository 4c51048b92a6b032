/**
 * Plan, then apply: `deploy` (the body of npm run up/down/rollback) against the STAND-IN `pulumi`
 * on PATH (see deployHarness.ts). Fresh environments, layer by layer: up-layers.test.ts.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { confirmationProblem } from "../../../delivery/deploy/confirmation";
import { sourceState } from "../../../delivery/deploy/plan";
import { parseDeployArgs } from "../../../delivery/deploy/options";
import { ROOT } from "../../../delivery/synth/stacks";
import { FAKE_DIR, PREVIEWS_FIRST, run, scenario, STACKS, TWO, urn, verbs } from "../deployHarness";
import { tempDir } from "../../support/tempDir";

describe("delivery: plan, then apply (stand-in pulumi on PATH)", () => {
    it("previews every layer before asking, then applies each layer's saved update plan with the policy pack", async () => {
        const asked: string[] = [];
        const r = await run(scenario(), { confirm: async (q) => (asked.push(q), true) });
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(verbs(r.calls), PREVIEWS_FIRST);
        assert.equal(asked.length, 1);
        // The question came after the preview was printed.
        assert.ok(r.out.indexOf("Preview fingerprint:") < r.out.indexOf("[1/3] up dev-infra"));
        assert.match(
            r.out,
            new RegExp(
                /dev-cluster \(cluster, stack version 4\): 1 update, 1 unchanged\n/.source +
                    / {2}~ {2}kubernetes:apps\/v1:Deployment dev-cluster-web \(spec\)/.source,
            ),
        );
        for (const c of r.calls.filter((c) => c[0] === "preview")) {
            assert.equal(c[c.indexOf("--save-plan") + 1], path.join(r.dir, "plans", `${c[c.indexOf("--stack") + 1]}.plan.json`));
            assert.equal(c[c.indexOf("--policy-pack") + 1], path.join(ROOT, "policy"));
        }
        for (const c of r.calls.filter((c) => c[0] === "up")) {
            assert.equal(
                c[c.indexOf("--plan") + 1],
                path.join(r.dir, "plans", `${c[c.indexOf("--stack") + 1]}.plan.json`),
                "applies the plan that was previewed",
            );
            assert.ok(c.includes("--policy-pack") && c.includes("--yes"));
        }
        assert.match(r.out, /dev-apps +succeeded +\d+s, 1 update/);
    });

    it("answering no changes nothing", async () => {
        const r = await run(scenario(), { stacks: TWO, confirm: async () => false });
        assert.equal(r.code, 1);
        assert.deepEqual(verbs(r.calls), ["preview dev-infra", "preview dev-cluster"]);
    });

    it("refuses a layer whose stack was updated by someone else since the preview", async () => {
        const r = await run(scenario({ "dev-cluster": { bumpBeforeApply: true } }), { stacks: TWO });
        assert.equal(r.code, 1);
        assert.deepEqual(
            verbs(r.calls).filter((v) => v.startsWith("up")),
            ["up dev-infra"],
        );
        assert.match(r.out, /dev-cluster was updated since the preview \(stack version 4 → 5\); nothing applied/);
    });

    it("without update plans, a layer whose preview changed by apply time is refused", async () => {
        const later = [
            { op: "replace", urn: urn("dev-apps", "kubernetes:apps/v1:Deployment", "dev-apps-web"), replaceReasons: ["metadata.name"] },
        ];
        const r = await run(scenario({ "dev-apps": { stepsLater: later } }), { planned: false });
        assert.equal(r.code, 1);
        assert.deepEqual(verbs(r.calls), [
            "preview dev-infra",
            "preview dev-cluster",
            "preview dev-apps",
            "preview dev-infra",
            "up dev-infra",
            "preview dev-cluster",
            "up dev-cluster",
            "preview dev-apps",
        ]);
        assert.ok(r.calls.filter((c) => c[0] === "up").every((c) => !c.includes("--plan")));
        assert.match(r.out, /dev-apps: the preview changed since it was shown/);
    });

    it("refuses when the checkout moved between preview and apply", async () => {
        let n = 0;
        const r = await run(scenario(), { stacks: TWO, source: () => ({ commit: (n++ === 0 ? "a" : "b").repeat(40), changes: "" }) });
        assert.equal(r.code, 1);
        assert.deepEqual(
            verbs(r.calls).filter((v) => v.startsWith("up")),
            [],
        );
        assert.match(r.out, /The checkout changed since the preview \(aaaaaaaaaaaa → bbbbbbbbbbbb\)/);
    });

    it("--preview-only writes the Markdown preview and applies nothing; --expect-preview refuses another preview", async () => {
        const md = path.join(tempDir("preview"), "preview.md");
        const first = await run(scenario(), { stacks: TWO, previewOnly: true, previewOut: md });
        assert.equal(first.code, 0, first.out);
        assert.deepEqual(
            verbs(first.calls).filter((v) => v.startsWith("up")),
            [],
        );
        const text = fs.readFileSync(md, "utf8");
        assert.match(text, /^### up dev: preview of c0ffee000000\n\n```diff\n/);
        const fp = /Preview fingerprint: ([0-9a-f]{64})/.exec(first.out)![1];
        assert.ok(text.includes(fp));
        const same = await run(scenario(), { stacks: TWO, expectPreview: fp });
        assert.equal(same.code, 0, same.out);
        const other = await run(scenario({ "dev-infra": { version: 9 } }), { stacks: TWO, expectPreview: fp });
        assert.equal(other.code, 1);
        assert.match(other.out, /differs from the approved one/);
        assert.deepEqual(
            verbs(other.calls).filter((v) => v.startsWith("up")),
            [],
        );
    });

    it("a failing preview stops before anything is asked or applied", async () => {
        const r = await run(scenario({ "dev-cluster": { previewFails: "policy data-platform-rules: no-world-open-admin-ports" } }), {
            stacks: TWO,
            confirm: async () => assert.fail("asked"),
        });
        assert.equal(r.code, 1);
        assert.match(r.out, /pulumi preview -s dev-cluster failed:[\s\S]*no-world-open-admin-ports[\s\S]*Nothing was changed/);
        assert.deepEqual(verbs(r.calls), ["preview dev-infra", "preview dev-cluster"]);
    });

    it("no backend reachable: up shows the offline synth diff, then the preflight's message, and changes nothing", async () => {
        let shown = 0;
        const r = await run({ ...scenario(), loggedOut: true }, { stacks: TWO, offline: async () => void shown++ });
        assert.equal(r.code, 1);
        assert.equal(shown, 1);
        assert.match(r.out, /No Pulumi backend reachable, so no preview against the deployed state/);
        assert.match(r.out, /ERR Not logged in to a Pulumi backend/);
        assert.deepEqual(verbs(r.calls), []);
        const down = await run(
            { ...scenario(), loggedOut: true },
            { action: "destroy", stacks: [...TWO].reverse(), offline: async () => void shown++ },
        );
        assert.equal(down.code, 1);
        assert.equal(shown, 1, "down has nothing to diff offline");
    });

    it("down: fails loudly when the backend cannot list stacks", async () => {
        const r = await run({ ...scenario(), stackLsFails: true }, { action: "destroy", stacks: [...TWO].reverse() });
        assert.equal(r.code, 1);
        assert.match(r.out, /ERR Cannot list the stacks in file:\/\/\/fake-state[\s\S]*connection reset by peer[\s\S]*nothing was changed/);
        assert.deepEqual(verbs(r.calls), []);
    });

    it("down: names the protected resources that would stop it, before asking", async () => {
        const pvc = urn("dev-apps", "kubernetes:core/v1:PersistentVolumeClaim", "todo-db-data");
        const resources = [
            { urn: urn("dev-apps", "pulumi:pulumi:Stack", "dev-apps"), type: "pulumi:pulumi:Stack" },
            { urn: pvc, type: "kubernetes:core/v1:PersistentVolumeClaim", protect: true },
        ];
        const r = await run(scenario({ "dev-apps": { resources } }), {
            action: "destroy",
            stacks: [...STACKS].reverse(),
            confirm: async () => assert.fail("asked"),
        });
        assert.equal(r.code, 1);
        assert.match(r.out, /dev-apps: kubernetes:core\/v1:PersistentVolumeClaim todo-db-data/);
        assert.match(r.out, /protectStateful[\s\S]*pulumi state unprotect/);
        assert.deepEqual(verbs(r.calls), []);
        assert.ok(r.calls.some((c) => c[0] === "stack" && c[1] === "export"));
    });

    it("down: destroys apps → cluster → infra after the preview", async () => {
        const resources = (s: string) => [{ urn: urn(s, "kubernetes:core/v1:Namespace", "ns"), type: "kubernetes:core/v1:Namespace" }];
        const r = await run(scenario(Object.fromEntries(STACKS.map(({ stack }) => [stack, { resources: resources(stack) }]))), {
            action: "destroy",
            stacks: [...STACKS].reverse(),
        });
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(verbs(r.calls), ["destroy dev-apps", "destroy dev-cluster", "destroy dev-infra"]);
        assert.match(r.out, /dev-apps \(apps, stack version 4\): 1 delete/);
    });
});

describe("delivery: source state held between preview and apply", () => {
    it("is the commit plus a hash of uncommitted changes; a linked node_modules (rollback worktree) is not a change", () => {
        const repo = tempDir("source-state");
        const git = (args: string[]) => spawnSync("git", args, { cwd: repo, encoding: "utf8" }).stdout.trim();
        git(["init", "-q"]);
        fs.writeFileSync(path.join(repo, "index.ts"), "export {};\n");
        git(["add", "."]);
        git(["-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "c"]);
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(repo, "node_modules"), "dir");
        const clean = sourceState(git);
        assert.match(clean.commit, /^[0-9a-f]{40}$/);
        assert.equal(clean.changes, "");
        fs.writeFileSync(path.join(repo, "index.ts"), "export const x = 1;\n");
        const edited = sourceState(git);
        assert.equal(edited.commit, clean.commit);
        assert.match(edited.changes, /^[0-9a-f]{16}$/);
    });
});

describe("delivery: confirmation rules", () => {
    const base = { env: "dev", action: "up", isTTY: false, yes: false, previewOnly: false };
    it("--yes is required without a terminal; a terminal asks instead", () => {
        assert.match(confirmationProblem(base)!, /Not on a terminal.*--yes/);
        assert.equal(confirmationProblem({ ...base, yes: true }), undefined);
        assert.equal(confirmationProblem({ ...base, isTTY: true }), undefined);
        assert.equal(confirmationProblem({ ...base, previewOnly: true }), undefined);
    });
    it("prod needs --confirm-env prod as a second confirmation, on a terminal too", () => {
        assert.match(
            confirmationProblem({ ...base, env: "prod", yes: true })!,
            /production environment: up needs the second confirmation --confirm-env prod/,
        );
        assert.match(confirmationProblem({ ...base, env: "prod", isTTY: true, confirmEnv: "dev" })!, /--confirm-env prod/);
        assert.equal(confirmationProblem({ ...base, env: "prod", yes: true, confirmEnv: "prod" }), undefined);
    });
    it("parses the shared flags", () => {
        const p = parseDeployArgs(
            ["prod", "--yes", "--confirm-env=prod", "--expect-preview", "ab12", "--from", "v1.0.0", "--plan"],
            ["--plan"],
            ["--from"],
        );
        assert.deepEqual(p.positional, ["prod"]);
        assert.equal(p.flags.confirmEnv, "prod");
        assert.equal(p.flags.expectPreview, "ab12");
        assert.equal(p.own.get("--from"), "v1.0.0");
        assert.throws(() => parseDeployArgs(["dev", "--yes-please"]), /unknown option --yes-please/);
        assert.throws(() => parseDeployArgs(["dev", "--confirm-env"]), /--confirm-env needs a value/);
    });
    it("npm run up -- dev without a terminal and without --yes stops before calling pulumi", () => {
        const dir = tempDir("fake-pulumi");
        fs.writeFileSync(path.join(dir, "s.json"), JSON.stringify(scenario()));
        const env = {
            ...process.env,
            PATH: `${FAKE_DIR}${path.delimiter}${process.env.PATH}`,
            FAKE_PULUMI_SCENARIO: path.join(dir, "s.json"),
            FAKE_PULUMI_LOG: path.join(dir, "calls.log"),
        };
        const r = spawnSync(process.execPath, ["--import", "tsx", "delivery/bin/up.ts", "dev"], {
            cwd: ROOT,
            encoding: "utf8",
            env,
            stdio: ["pipe", "pipe", "pipe"],
        });
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /Not on a terminal/);
        assert.ok(!fs.existsSync(path.join(dir, "calls.log")), "no pulumi call");
    });
});
