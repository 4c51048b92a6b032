import * as assert from "node:assert/strict";
import { changedInputs, countByKind, diffSynth } from "../../../delivery/diff/diff";
import { differingParts, DIFF_MARKER, renderReport, renderStackDiff } from "../../../delivery/diff/markdown";
import { formatPath, parsePath, pathMatches } from "../../../delivery/diff/paths";
import { synth } from "../../support/synth";
import { apps, infra, release, res, result } from "../fixtures";

describe("delivery: property paths", () => {
    it("parses and formats Pulumi property paths", () => {
        assert.deepEqual(parsePath("spec.template.spec"), ["spec", "template", "spec"]);
        assert.deepEqual(parsePath('metadata.labels["app.kubernetes.io/name"]'), ["metadata", "labels", "app.kubernetes.io/name"]);
        assert.deepEqual(parsePath("ports[*].port"), ["ports", "*", "port"]);
        assert.deepEqual(parsePath("networks[0]"), ["networks", 0]);
        assert.deepEqual(parsePath("*"), ["*"]);
        assert.equal(formatPath(["metadata", "labels", "app.kubernetes.io/name"]), 'metadata.labels["app.kubernetes.io/name"]');
        assert.equal(formatPath(["networks", 0, "port"]), "networks[0].port");
    });

    it("matches a change inside, or above, a replaceOnChanges path; * matches any segment", () => {
        assert.ok(pathMatches(["spec", "template"], ["spec", "template", "spec", "image"]));
        assert.ok(pathMatches(["spec", "template"], ["spec"]), "the whole spec changed");
        assert.ok(pathMatches(["*"], ["anything", "deep"]));
        assert.ok(pathMatches(["ports", "*", "port"], ["ports", 3, "port"]));
        assert.ok(!pathMatches(["ports", "*", "port"], ["ports", 3, "name"]));
        assert.ok(!pathMatches(["imageName"], ["flavorName"]));
    });

    it("reports leaf changes, including secrets by path only", () => {
        const changes = changedInputs({ a: { b: 1, c: [1, 2] }, s: { "@secret": "x" } }, { a: { b: 2, c: [1] }, s: { "@secret": "y" } });
        assert.deepEqual(
            changes.map((c) => [c.path, c.secret]),
            [
                ["a.b", false],
                ["a.c[1]", false],
                ["s", true],
            ],
        );
    });
});

describe("delivery: synth diff on crafted changes", () => {
    it("an agent image change is exactly one replacement, with the replaceOnChanges input as the reason", () => {
        const diff = diffSynth(infra(), infra({ agent1Image: "Ubuntu 24.04 v2" }));
        const counts = countByKind(diff);
        assert.deepEqual(counts, { create: 0, delete: 0, update: 0, replace: 1 });
        const [change] = diff.changes;
        assert.equal(change.name, "dev-k3s-agent-1");
        assert.ok(
            change.reasons.some((r) => r.includes("`imageName` changed (replaceOnChanges: `imageName`)")),
            change.reasons.join("\n"),
        );
        assert.deepEqual(change.inputs.map((i) => i.path).sort(), ["imageName", "name", "userData"]);
        assert.equal(diff.unchanged, 3);
    });

    it("a chart version bump is one update naming the `version` input", () => {
        const diff = diffSynth(apps(), apps({ airflowChart: "1.16.0" }));
        assert.deepEqual(countByKind(diff), { create: 0, delete: 0, update: 1, replace: 0 });
        const [change] = diff.changes;
        assert.equal(change.name, "airflow");
        assert.deepEqual(
            change.inputs.map((i) => [i.path, i.before, i.after]),
            [["version", "1.15.0", "1.16.0"]],
        );
        assert.ok(renderStackDiff(diff).includes("`version`: `1.15.0` → `1.16.0`"));
    });

    it("reports created and deleted resources by URN", () => {
        const diff = diffSynth(apps(), apps({ postgres: false }));
        assert.deepEqual(
            diff.changes.map((c) => [c.kind, c.name]),
            [["delete", "todo-db"]],
        );
        const back = diffSynth(apps({ postgres: false }), apps());
        assert.deepEqual(
            back.changes.map((c) => [c.kind, c.name]),
            [["create", "todo-db"]],
        );
    });

    it("replaces a Kubernetes object whose metadata.name changes, and a Helm release whose name changes", () => {
        const dep = (name: string) => res("s", "kubernetes:apps/v1:Deployment", "web", { metadata: { name }, spec: { replicas: 1 } });
        const diff = diffSynth(result("s", [dep("web-a")]), result("s", [dep("web-b")]));
        assert.equal(diff.changes[0].kind, "replace");
        assert.match(diff.changes[0].reasons[0], /`metadata.name` changed/);
        const rel = (name: string) => res("s", "kubernetes:helm.sh/v3:Release", "r", { name, chart: "x", version: "1" });
        assert.equal(diffSynth(result("s", [rel("a")]), result("s", [rel("b")])).changes[0].kind, "replace");
    });

    it("supports replaceOnChanges: ['*'] and does not replace on inputs outside the list", () => {
        const r = (tag: string, opts: string[]) =>
            res(
                "s",
                "kubernetes:apps/v1:Deployment",
                "w",
                { metadata: { name: "w" }, spec: { image: tag, replicas: 1 } },
                { replaceOnChanges: opts },
            );
        assert.equal(diffSynth(result("s", [r("a", ["*"])]), result("s", [r("b", ["*"])])).changes[0].kind, "replace");
        assert.equal(
            diffSynth(result("s", [r("a", ["spec.replicas"])]), result("s", [r("b", ["spec.replicas"])])).changes[0].kind,
            "update",
        );
    });

    it("lists option-only changes as updates and ignores unchanged stacks", () => {
        const a = res("s", "openstack:blockstorage/volume:Volume", "v", { size: 1 });
        const b = res("s", "openstack:blockstorage/volume:Volume", "v", { size: 1 }, { protect: true });
        const diff = diffSynth(result("s", [a]), result("s", [b]));
        assert.deepEqual(
            diff.changes.map((c) => [c.kind, c.options]),
            [["update", ["protect"]]],
        );
        assert.equal(diffSynth(result("s", [a]), result("s", [a])).changes.length, 0);
    });

    it("renders one Markdown report: marker, replacements first with the reason, secrets hidden", () => {
        const text = renderReport({
            base: "main",
            head: "pr",
            stacks: [diffSynth(infra(), infra({ agent1Image: "Ubuntu 24.04 v2" })), diffSynth(apps(), apps())],
        });
        assert.ok(text.startsWith(DIFF_MARKER));
        assert.match(text, /### `dev-infra`: 0 to create, 0 to update, 1 to replace, 0 to delete, 3 unchanged/);
        assert.match(
            text,
            new RegExp(
                /🔁 \*\*REPLACE\*\* `dev-k3s-agent-1` \(`openstack:compute\/instance:Instance`\)/.source +
                    / \(why: `userData`, `imageName`, `name`\) because .*`imageName` changed/.source,
            ),
        );
        assert.match(text, /`userData`: \(secret changed\)/);
        assert.ok(!text.includes("#cloud-config"), "secret values are not shown");
        assert.match(text, /No changes: `dev-apps`/);
    });

    it("cuts a report that would not fit in a GitHub comment", () => {
        const many = Array.from({ length: 400 }, (_, i) => release("s", `r${i}`, "c", "1"));
        const text = renderReport({ base: "a", head: "b", stacks: [diffSynth(result("s", []), result("s", many))] }, 5000);
        assert.ok(text.length <= 5000);
        assert.match(text, /cut to fit a GitHub comment/);
    });
});

describe("delivery: synth diff on the real program", () => {
    it(
        "changing one agent's image (nodeOverrides) replaces that agent " +
            "(because of imageName), its lifecycle command and the readiness gate",
        async () => {
            const before = await synth("dev-infra");
            const after = await synth("dev-infra", {
                "data-platform:nodeOverrides": JSON.stringify({ "agent-1": { image: "Ubuntu 24.04 v2" } }),
            });
            const diff = diffSynth(before, after);
            const replaced = diff.changes.filter((c) => c.kind === "replace" && c.type.includes("Instance"));
            assert.deepEqual(
                diff.changes
                    .filter((c) => c.kind === "replace")
                    .map((c) => c.name)
                    .sort(),
                ["dev-k3s-agent-1", "dev-k3s-agent-1-lifecycle", "dev-k3s-ready"],
            );
            assert.deepEqual(
                replaced.map((c) => c.name),
                ["dev-k3s-agent-1"],
            );
            assert.ok(
                replaced[0].reasons.some((r) => r.includes("`imageName` changed (replaceOnChanges: `imageName`)")),
                replaced[0].reasons.join("\n"),
            );
            assert.deepEqual(
                diff.changes.filter((c) => c.kind === "create" || c.kind === "delete"),
                [],
            );
        },
    );
});

describe("delivery: what the reviewer reads", () => {
    it("honours ignoreChanges: an ignored input is not a change, and a changed one next to it is listed with the ignored one noted", () => {
        const id = (initial: string, bytes: number) =>
            res(
                "s",
                "random:index/randomId:RandomId",
                "boot",
                { byteLength: bytes, keepers: { initialServer: initial } },
                { ignoreChanges: ["keepers"] },
            );
        assert.equal(diffSynth(result("s", [id("a", 4)]), result("s", [id("b", 4)])).changes.length, 0, "keepers.initialServer is ignored");
        const diff = diffSynth(result("s", [id("a", 4)]), result("s", [id("b", 8)]));
        assert.equal(diff.changes[0].kind, "replace", "byteLength forces a new RandomId");
        assert.deepEqual(diff.changes[0].why, ["byteLength"]);
        assert.deepEqual(diff.changes[0].ignored, ["keepers.initialServer"]);
        assert.match(renderStackDiff(diff), /ignored \(ignoreChanges, kept as deployed\): `keepers\.initialServer`/);
    });

    it("shows the part of a long value that differs, so two SSH keys with the same start read differently", () => {
        const key = (tail: string) => `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeDevKeyReplaceWithYourOwnPublicKey${tail} platform-dev`;
        const [a, b] = differingParts(key("00000"), key("11111"));
        assert.notEqual(a, b);
        assert.match(a, /00000/);
        assert.match(b, /11111/);
        const kp = (k: string) => res("s", "openstack:compute/keypair:Keypair", "kp", { name: "kp", publicKey: k });
        const text = renderStackDiff(diffSynth(result("s", [kp(key("00000"))]), result("s", [kp(key("11111"))])));
        assert.match(
            text,
            /\*\*REPLACE\*\* `kp` .*\(why: `publicKey`\) because `publicKey` changed \(the openstack provider replaces on `publicKey`\)/,
        );
        assert.match(text, /`publicKey`: `…[^`]*00000[^`]*` → `…[^`]*11111[^`]*`/);
    });

    it("lists the key inputs of a created resource (never a secret's value)", () => {
        const created = res("s", "openstack:compute/instance:Instance", "vm", {
            name: "vm-1",
            imageName: "Ubuntu 24.04",
            flavorName: "mb1.large",
            userData: { "@secret": "#cloud-config" },
        });
        const text = renderStackDiff(diffSynth(result("s", []), result("s", [created])));
        assert.match(text, /\*\*create\*\* `vm`[\s\S]*`name`: `vm-1`[\s\S]*`imageName`: `Ubuntu 24\.04`[\s\S]*`flavorName`: `mb1\.large`/);
        assert.ok(!text.includes("#cloud-config"));
    });

    it("compares by logical identity: a harness-only URN spelling change is no churn, a new parent is", () => {
        const parent = { ...res("s", "platform:infra:K3sCluster", "c", {}, {}, false) };
        const child = (urnType: string, parentUrn: string) => ({
            ...res("s", "openstack:networking/port:Port", "p", { name: "p" }),
            urn: `urn:pulumi:s::data-platform::${urnType}::p`,
            parent: parentUrn,
        });
        const base = result("s", [parent, child("openstack:networking/port:Port", parent.urn)]);
        const head = result("s", [parent, child("platform:infra:K3sCluster$openstack:networking/port:Port", parent.urn)]);
        assert.deepEqual(diffSynth(base, head).changes, [], "same type, name and parent");
        const other = res("s", "platform:infra:Other", "o", {}, {}, false);
        const moved = result("s", [parent, other, child("platform:infra:Other$openstack:networking/port:Port", other.urn)]);
        assert.deepEqual(
            diffSynth(base, moved)
                .changes.map((c) => `${c.kind} ${c.name}`)
                .sort(),
            ["create o", "create p", "delete p"],
        );
    });

    it("puts a head that does not validate first in the report", () => {
        const text = renderReport({
            base: "main",
            head: "pr",
            stacks: [diffSynth(apps(), apps())],
            errors: [
                {
                    stack: "dev-infra",
                    side: "head",
                    message: "Invalid configuration for stack dev-infra (1 problem):\n  - data-platform:flanelBackend ...",
                },
            ],
        });
        const lines = text.split("\n");
        const first = lines.findIndex((l) => l.startsWith("### "));
        assert.match(lines[first], /^### ❌ The head does not validate: `dev-infra`/);
        assert.match(text, /flanelBackend/);
    });
});
