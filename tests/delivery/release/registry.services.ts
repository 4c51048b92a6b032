import * as assert from "node:assert/strict";
import { lookupManifest, parseChallenge, parseImageReference } from "../../../delivery/release/registry";
import { ownImagesCheck, ownImagesOf } from "../../../delivery/deploy/checks/imageCheck";
import { manifestDigest } from "../../../delivery/release/release";
import type { LayerPreview } from "../../../delivery/deploy/plan";
import type { StackConfig } from "../../../delivery/synth/stackConfig";
import { requireDebianPackage } from "../../support/debian";
import { pushImage, RunningRegistry, startRegistry } from "../../support/registry";

const apps = (stack = "dev-apps"): LayerPreview => ({ layer: "apps", stack, version: 1, steps: [], counts: {}, protectedUrns: [] });
const plain = (values: Record<string, string>, secure: string[] = []): StackConfig =>
    Object.fromEntries([
        ...Object.entries(values).map(([k, v]) => [`data-platform:${k}`, { value: v, secure: false }]),
        ...secure.map((k) => [`data-platform:${k}`, { value: "", secure: true }]),
    ]);

describe("delivery: own images resolve in their registry before the apps layer is applied", () => {
    it("parses references and challenges", () => {
        assert.deepEqual(parseImageReference("127.0.0.1:5000/org/todo-backend:1.4.0"), {
            host: "127.0.0.1:5000",
            name: "org/todo-backend",
            reference: "1.4.0",
        });
        assert.deepEqual(parseImageReference(`ghcr.io/o/x:1.4.0@sha256:${"a".repeat(64)}`).reference, `sha256:${"a".repeat(64)}`);
        assert.throws(() => parseImageReference("todo-backend:1.0.0"), /not a full image reference/);
        assert.deepEqual(parseChallenge('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/x:pull"'), {
            scheme: "bearer",
            params: { realm: "https://ghcr.io/token", service: "ghcr.io", scope: "repository:o/x:pull" },
        });
    });

    it("reads the four references and the credential from the apps stack's config as the program does", async () => {
        const repo = { owner: "Acme", name: "platform", source: "test" };
        const asked: string[] = [];
        const open = await ownImagesOf(plain({ appsImageTag: "sha-1a2b3c4" }), "data-platform", repo, async () => "x");
        assert.deepEqual(
            open.images,
            ["todo-backend", "todo-frontend", "sensor-producer", "sensor-processor"].map((n) => `ghcr.io/acme/${n}:sha-1a2b3c4`),
        );
        assert.equal(open.credential, undefined);
        const closed = await ownImagesOf(
            plain(
                { appsImageTag: "1.4.0", imageRegistry: JSON.stringify({ server: "registry.example.org:5000/team", username: "puller" }) },
                ["imageRegistryToken"],
            ),
            "data-platform",
            repo,
            async (k) => (asked.push(k), "pull-secret"),
        );
        assert.equal(closed.images[0], "registry.example.org:5000/team/todo-backend:1.4.0");
        assert.deepEqual(closed.credential, { server: "registry.example.org:5000", username: "puller", password: "pull-secret" });
        assert.deepEqual(asked, ["data-platform:imageRegistryToken"]);
    });

    describe("against a real registry (docker-registry)", function () {
        this.timeout(30000);
        let registry: RunningRegistry | undefined;
        afterEach(async () => {
            await registry?.stop();
            registry = undefined;
        });

        it(
            "anonymous: a pushed image is present with its digest, " + "another tag is missing, and the check names only the missing one",
            async function () {
                requireDebianPackage(this, "docker-registry");
                registry = await startRegistry();
                const digest = await pushImage(registry.host, "acme/todo-backend", "1.4.0");
                const found = await lookupManifest(`${registry.host}/acme/todo-backend:1.4.0`, { scheme: "http" });
                assert.deepEqual(found, { status: "present", digest });
                assert.deepEqual(await lookupManifest(`${registry.host}/acme/todo-backend:1.4.0@${digest}`, { scheme: "http" }), {
                    status: "present",
                    digest,
                });
                assert.deepEqual(await lookupManifest(`${registry.host}/acme/todo-backend:9.9.9`, { scheme: "http" }), {
                    status: "missing",
                });
                assert.equal(
                    await manifestDigest(`${registry.host}/acme/todo-backend:1.4.0`, { scheme: "http" }),
                    digest,
                    "the release pin uses the same client",
                );

                const host = registry.host;
                const check = ownImagesCheck({
                    scheme: "http",
                    ownImages: async () => ({ images: [`${host}/acme/todo-backend:1.4.0`, `${host}/acme/todo-frontend:1.4.0`] }),
                });
                const refusals = await check(apps(), { env: "dev" });
                assert.equal(refusals.length, 1);
                assert.match(
                    refusals[0],
                    new RegExp(`^${host.replace(/\./g, "\\.")}/acme/todo-frontend:1\\.4\\.0 does not exist in its registry: push it first`),
                );
                assert.deepEqual(await check({ ...apps(), layer: "cluster" }, { env: "dev" }), [], "only the apps layer runs own images");
            },
        );

        it("htpasswd (basic auth): refused anonymously and with a wrong password, present with the stack's credential", async function () {
            requireDebianPackage(this, "docker-registry");
            requireDebianPackage(this, "apache2-utils");
            const login = { username: "puller", password: "pull-secret" };
            registry = await startRegistry({ htpasswd: login });
            await pushImage(registry.host, "acme/sensor-producer", "sha-1a2b3c4", login);
            const image = `${registry.host}/acme/sensor-producer:sha-1a2b3c4`;
            assert.equal((await lookupManifest(image, { scheme: "http" })).status, "denied");
            assert.equal((await lookupManifest(image, { scheme: "http", login: { ...login, password: "wrong" } })).status, "denied");
            assert.equal((await lookupManifest(image, { scheme: "http", login })).status, "present");
            assert.equal(
                (await lookupManifest(`${registry.host}/acme/sensor-producer:sha-0000000`, { scheme: "http", login })).status,
                "missing",
            );

            const credential = { server: registry.host, ...login };
            const withLogin = ownImagesCheck({ scheme: "http", ownImages: async () => ({ images: [image], credential }) });
            assert.deepEqual(await withLogin(apps(), { env: "dev" }), []);
            const anonymous = ownImagesCheck({ scheme: "http", ownImages: async () => ({ images: [image] }) });
            const refused = await anonymous(apps(), { env: "dev" });
            assert.match(
                refused.join("\n"),
                new RegExp(
                    /sensor-producer:sha-1a2b3c4 cannot be pulled: the registry needs a login/.source +
                        / .*imageRegistry \{ server, username \} and the secret imageRegistryToken/.source,
                ),
            );
            assert.ok(!refused.join("\n").includes("pull-secret"));
        });
    });
});
