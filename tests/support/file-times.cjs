// `npm run test:times`: how long each test file takes inside the real parallel run (a file run
// alone also pays a process start and the first load of the program, which the run shares).
// Loaded into each mocha worker with --require; a worker loads and runs one file after another,
// so the time from its previous file's end (or its start) to this file's end is this file's
// load + hooks + tests. One line per file is appended to $MOCHA_FILE_TIMES:
// "<wall s> <worker cpu s> <worker pid> <file>" (cpu excludes child processes).
"use strict";
const fs = require("fs");
const path = require("path");

const out = process.env.MOCHA_FILE_TIMES;
// From the process start: the first file carries the worker's own start, as it does in the run.
let lastWall = 0;
let lastCpu = { user: 0, system: 0 };

exports.mochaHooks = {
    afterAll() {
        if (!out) return;
        const root = this.test.parent;
        const file = root.suites[0]?.file ?? root.file ?? "?";
        const now = performance.now();
        const cpu = process.cpuUsage();
        const cpuSeconds = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1e6;
        const line = `${((now - lastWall) / 1000).toFixed(2)} ${cpuSeconds.toFixed(2)} ${process.pid} ${path.relative(process.cwd(), file)}\n`;
        fs.appendFileSync(out, line);
        lastWall = now;
        lastCpu = cpu;
    },
};
