import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import { parse } from "yaml";
import { pinnedImage } from "../../../lib/config/checks";
import { manifestDigest, pinDigests, releaseProblems, writeImageTag } from "../../../delivery/release/release";
import { fixtureStackFile } from "../../support/stacks";
import { unpinnedImage } from "../../../policy/rules";
import { tempDir } from "../../support/tempDir";

const DIGEST = `sha256:${"b".repeat(64)}`;

function tempFile(text: string): string {
    const file = path.join(tempDir("release"), "Pulumi.prod-apps.yaml");
    fs.writeFileSync(file, text);
    return file;
}

/** STAND-IN for a registry (GHCR speaks the same Docker Registry v2 token flow): one image, 1.4.0. */
function standInRegistry(): Promise<{ port: number; close: () => void; tokenAuth: string[] }> {
    const tokenAuth: string[] = [];
    const server = http.createServer((req, res) => {
        const { port } = server.address() as AddressInfo;
        if (req.url?.startsWith("/token")) {
            tokenAuth.push(req.headers.authorization ?? "");
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: "pull-token" }));
        } else if (req.headers.authorization !== "Bearer pull-token") {
            res.writeHead(401, {
                "www-authenticate":
                    `Bearer realm="http://127.0.0.1:${port}` + `/token",service="stand-in",scope="repository:org/todo-backend:pull"`,
            }).end();
        } else if (req.method === "HEAD" && req.url === "/v2/org/todo-backend/manifests/1.4.0") {
            res.writeHead(200, { "docker-content-digest": DIGEST }).end();
        } else {
            res.writeHead(404).end();
        }
    });
    return new Promise((resolve) =>
        server.listen(0, "127.0.0.1", () =>
            resolve({ port: (server.address() as AddressInfo).port, close: () => server.close(), tokenAuth }),
        ),
    );
}

describe("delivery: releases name their images", () => {
    it("a release tag needs its X.Y.Z in every production apps stack", () => {
        const ok = tempFile("config:\n  data-platform:appsImageTag: 1.4.0\n");
        assert.deepEqual(releaseProblems(ok, "prod-apps", "v1.4.0"), []);
        assert.match(releaseProblems(ok, "prod-apps", "v1.5.0")[0], /appsImageTag is "1\.4\.0"; release v1\.5\.0 needs "1\.5\.0"/);
        const override = tempFile(
            "config:\n  data-platform:appsImageTag: 1.5.0\n  data-platform:todoBackendImage: ghcr.io/o/todo-backend:1.4.0\n",
        );
        assert.match(
            releaseProblems(override, "prod-apps", "v1.5.0").join("\n"),
            /todoBackendImage is ghcr\.io\/o\/todo-backend:1\.4\.0; release v1\.5\.0 needs the 1\.5\.0 image/,
        );
        assert.match(releaseProblems(ok, "prod-apps", "1.4.0")[0], /not a release tag/);
        // The fixture prod stack names the images of v0.1.0.
        assert.deepEqual(releaseProblems(fixtureStackFile("prod-apps"), "prod-apps", "v0.1.0"), []);
    });

    it("looks the digest up through the registry's token flow (stand-in registry over HTTP)", async () => {
        const registry = await standInRegistry();
        try {
            const image = `127.0.0.1:${registry.port}/org/todo-backend:1.4.0`;
            assert.equal(await manifestDigest(image, { scheme: "http", token: "ci-token" }), DIGEST);
            assert.equal(registry.tokenAuth[0], `Basic ${Buffer.from("token:ci-token").toString("base64")}`);
            await assert.rejects(
                manifestDigest(`127.0.0.1:${registry.port}/org/todo-backend:9.9.9`, { scheme: "http" }),
                /does not exist in the registry: did the images workflow push it/,
            );
        } finally {
            registry.close();
        }
    });

    it("pins digests into the stack file, keeping its comments; the pinned refs pass config and policy", () => {
        const file = tempFile("# prod apps\nconfig:\n  # the release\n  data-platform:appsImageTag: 1.4.0\n");
        const ref = `ghcr.io/org/todo-backend:1.4.0@${DIGEST}`;
        pinDigests(file, { todoBackendImage: ref, todoFrontendImage: ref, streamProducerImage: ref, streamProcessorImage: ref });
        const text = fs.readFileSync(file, "utf8");
        assert.ok(text.startsWith("# prod apps\n") && text.includes("# the release"));
        assert.equal((parse(text) as { config: Record<string, string> }).config["data-platform:todoBackendImage"], ref);
        assert.equal(pinnedImage(ref), undefined);
        assert.equal(unpinnedImage(ref), undefined);
        assert.deepEqual(releaseProblems(file, "prod-apps", "v1.4.0"), []);
    });

    it(
        "dev runs a main commit's images: appsImageTag set in the stack file, " +
            "comments kept, and the release check tells it from a release",
        () => {
            const file = tempFile("# dev apps\nconfig:\n  # tag of the own images\n  data-platform:appsImageTag: 0.1.0\n");
            writeImageTag(file, "sha-1a2b3c4");
            const text = fs.readFileSync(file, "utf8");
            assert.ok(text.includes("# tag of the own images"));
            assert.equal((parse(text) as { config: Record<string, string> }).config["data-platform:appsImageTag"], "sha-1a2b3c4");
            assert.match(releaseProblems(file, "dev-apps", "v0.1.0")[0], /appsImageTag is "sha-1a2b3c4"; release v0\.1\.0 needs "0\.1\.0"/);
        },
    );
});
