import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { readDockerfile, stages } from "../../../../tests/support/dockerfile";
import { requireDebianPackage } from "../../../../tests/support/debian";
import { frontendRoot } from "./build";
import { tempDir } from "../../../../tests/support/tempDir";

const dockerfile = path.join(frontendRoot, "Dockerfile");
const nginxConf = fs.readFileSync(path.join(frontendRoot, "nginx.conf"), "utf8");

describe("todo frontend: image (Dockerfile, nginx.conf) and typecheck", () => {
    const instructions = readDockerfile(dockerfile);
    const all = stages(instructions);
    const final = all[all.length - 1];
    const kw = (k: string) => final.body.filter((i) => i.keyword === k);

    it("is multi-stage: node build, then non-root nginx, both pinned to exact version tags", () => {
        assert.ok(all.length >= 2);
        assert.match(all[0].image, /^node:/);
        assert.match(final.image, /^nginxinc\/nginx-unprivileged:\d+\.\d+\.\d+-alpine$/);
        const user = kw("USER").pop()?.args;
        assert.match(user ?? "", /^[1-9]\d*(:\d+)?$/, `final USER is ${user} (numeric, for runAsNonRoot)`);
        assert.deepEqual(
            kw("EXPOSE").map((i) => i.args),
            ["8080"],
        );
        assert.match(kw("HEALTHCHECK")[0]?.args ?? "", /http:\/\/127\.0\.0\.1:8080\/healthz/);
        assert.ok(kw("COPY").some((i) => /--from=build \/src\/apps\/todo\/frontend\/dist \/usr\/share\/nginx\/html/.test(i.args)));
        assert.ok(kw("COPY").some((i) => /^apps\/todo\/frontend\/nginx\.conf \/etc\/nginx\/conf\.d\/default\.conf$/.test(i.args)));
    });

    it("nginx.conf listens on 8080, answers /healthz, and falls back to index.html for SPA routes", () => {
        assert.match(nginxConf, /listen 8080;/);
        assert.match(nginxConf, /location = \/healthz \{[^}]*return 200/);
        assert.match(nginxConf, /location \/ \{[^}]*try_files \$uri \$uri\/ \/index\.html;/);
        assert.match(nginxConf, /root \/usr\/share\/nginx\/html;/);
    });

    it("nginx.conf is valid for nginx -t", function () {
        requireDebianPackage(this, "nginx");
        const dir = tempDir("todo-nginx");
        try {
            const main = path.join(dir, "nginx.conf");
            fs.writeFileSync(
                main,
                `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n  include ` +
                    `${path.join(frontendRoot, "nginx.conf")};\n}\n`,
            );
            const r = spawnSync("nginx", ["-t", "-c", main, "-p", dir], { encoding: "utf8" });
            assert.equal(r.status, 0, r.stderr);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
