// The unit suite's mocha settings. The spec list is built here rather than globbed by mocha so
// that the slowest files start first: with two workers, a slow file picked up last would keep
// one worker busy long after the other has finished.
"use strict";
const fs = require("fs");
const path = require("path");

/** Files that take longest (real services, image builds, subprocess CLIs), slowest first. */
const SLOW_FIRST = [
    "tests/delivery/diff/diff-script.test.ts",
    "tests/monitoring/metric-names.test.ts",
    "apps/stream/processor/test/image-layout.test.ts",
    "apps/stream/producer/test/image-layout.test.ts",
    "tests/lifetime/wrapper.test.ts",
    "tests/apps/backup-restore.test.ts",
    "apps/todo/frontend/test/e2e.test.ts",
    "tests/apps/airflow-values.test.ts",
    "tests/policy/pack.test.ts",
    "tests/infra/cloudinit.test.ts",
    "apps/todo/backend/test/api.test.ts",
    "apps/todo/backend/test/image.test.ts",
    "tests/apps/pullSecret.test.ts",
    "tests/apps/postgresTls.test.ts",
    "tests/monitoring/promtool.test.ts",
    "tests/delivery/deploy/up.test.ts",
    "tests/delivery/restore/restore-command.test.ts",
    "tests/delivery/deploy/up-layers.test.ts",
    "apps/todo/backend/test/load.test.ts",
];

/** `*.test.ts` under `dir` (relative, sorted), outside node_modules; `within` limits to a sub-folder name. */
function testFiles(dir, within) {
    const out = [];
    const walk = (rel, inside) => {
        for (const e of fs.readdirSync(path.join(__dirname, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const child = `${rel}/${e.name}`;
            if (e.isDirectory()) {
                if (e.name !== "node_modules") walk(child, inside || e.name === within);
            } else if (inside && e.name.endsWith(".test.ts")) {
                out.push(child);
            }
        }
    };
    walk(dir, within === undefined);
    return out;
}

const all = [...testFiles("tests"), ...testFiles("apps", "test")];
const slow = SLOW_FIRST.filter((f) => all.includes(f));

module.exports = {
    "node-option": ["import=tsx"],
    spec: [...slow, ...all.filter((f) => !slow.includes(f))],
    extension: ["ts"],
    reporter: "tests/support/count-reporter.cjs",
    timeout: 20000,
    slow: 2000,
    parallel: true,
    jobs: 2,
};
