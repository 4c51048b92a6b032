// Mocha's own summary is not what CI reads: print the spec report, then one plain
// closing line "N passed, N failed" (pending tests are reported as skipped).
"use strict";
const Mocha = require("mocha");
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class CountReporter extends Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(EVENT_RUN_END, () => {
            const { passes, failures, pending } = runner.stats;
            const skipped = pending > 0 ? `, ${pending} skipped` : "";
            process.stdout.write(`\n${passes} passed, ${failures} failed${skipped}\n`);
        });
    }
}

module.exports = CountReporter;
