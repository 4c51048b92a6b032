// STAND-IN for the Pulumi CLI, the part that answers: what the stand-in `pulumi` executable next
// to this file (a thin client) prints and exits with for one call. It records every call (one
// JSON array of arguments per line) in $FAKE_PULUMI_LOG and answers from the scenario in
// $FAKE_PULUMI_SCENARIO; its mutable state (stack versions, call counts) lives in
// $FAKE_PULUMI_SCENARIO.state.json, so calls answered by different processes see one state.
// Only the commands and output fields the delivery tooling reads are modelled.
// With $FAKE_PULUMI_RECORD_ENV (comma-separated names) each logged call ends with {env: {...}}.
"use strict";
const fs = require("fs");
const path = require("path");

/** Ends the call early with this exit code (what `process.exit` was in a one-process stand-in). */
class Exit {
    constructor(code) {
        this.code = code;
    }
}

/**
 * One call: `args` as the CLI got them, `env` its environment (the FAKE_PULUMI_* variables and the
 * recorded ones), `cwd` its working directory. Returns {code, stdout, stderr}.
 */
function answer(args, env, cwd = process.cwd()) {
    const out = [];
    const err = [];
    try {
        respond(args, env, (p) => path.resolve(cwd, p), out, err);
        return { code: 0, stdout: out.join(""), stderr: err.join("") };
    } catch (e) {
        if (!(e instanceof Exit)) throw e;
        return { code: e.code, stdout: out.join(""), stderr: err.join("") };
    }
}

function respond(args, env, resolve, out, err) {
    const recorded = (env.FAKE_PULUMI_RECORD_ENV || "").split(",").filter(Boolean);
    const envEntry = recorded.length
        ? [{ env: Object.fromEntries(recorded.filter((n) => env[n] !== undefined).map((n) => [n, env[n]])) }]
        : [];
    fs.appendFileSync(env.FAKE_PULUMI_LOG, JSON.stringify([...args, ...envEntry]) + "\n");
    const scenario = JSON.parse(fs.readFileSync(env.FAKE_PULUMI_SCENARIO, "utf8"));
    const stateFile = env.FAKE_PULUMI_SCENARIO + ".state.json";
    const state = fs.existsSync(stateFile)
        ? JSON.parse(fs.readFileSync(stateFile, "utf8"))
        : { versions: {}, previews: {}, changes: {}, outputs: {} };
    state.config = state.config || {};
    state.ups = state.ups || {};
    const save = () => fs.writeFileSync(stateFile, JSON.stringify(state));
    const opt = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
    const stackName = opt("--stack");
    const stack = (scenario.stacks || {})[stackName] || {};
    const version = () => state.versions[stackName] ?? stack.version ?? 0;
    // A stack's outputs: the scenario's `outputs` until an update sets `outputsAfterUp`.
    const outputsOf = (name) => state.outputs[name] ?? (scenario.stacks || {})[name]?.outputs ?? {};
    const fail = (message, code = 255) => {
        err.push(`error: ${message}\n`);
        throw new Exit(code);
    };
    const [cmd, sub] = args;
    if (cmd === "version") {
        out.push("v3.248.0\n");
    } else if (cmd === "whoami") {
        if (scenario.loggedOut) fail("PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions");
        out.push("User: fake\nOrganizations: fake\nBackend URL: file:///fake-state\n");
    } else if (cmd === "stack" && sub === "ls") {
        if (scenario.stackLsFails) fail("failed to list stacks: read tcp 10.0.0.5:443: connection reset by peer");
        out.push(JSON.stringify(Object.keys(scenario.stacks || {}).map((name) => ({ name: `fake/data-platform/${name}` }))));
    } else if (cmd === "stack" && sub === "history") {
        // `bumpBeforeApply`: someone else updates the stack between our preview and our apply.
        const calls = state.previews[stackName] || 0;
        if (stack.bumpBeforeApply && calls > 0 && !state.bumped?.[stackName]) {
            state.versions[stackName] = version() + 1;
            state.bumped = { ...(state.bumped || {}), [stackName]: true };
            save();
        }
        const v = version();
        out.push(
            JSON.stringify(
                v === 0
                    ? []
                    : [
                          {
                              version: v,
                              kind: "update",
                              result: "succeeded",
                              resourceChanges: state.changes[stackName] || {},
                              environment: stack.commit ? { "git.head": stack.commit, "git.dirty": "false" } : {},
                          },
                      ],
            ),
        );
    } else if (cmd === "stack" && sub === "output") {
        out.push(JSON.stringify(outputsOf(stackName)));
    } else if (cmd === "stack" && sub === "export") {
        // `pendingOperations`: the operations an interrupted update left (checkpoint `pending_operations`).
        out.push(
            JSON.stringify({
                version: 3,
                deployment: {
                    manifest: {},
                    resources: stack.resources || [],
                    ...(stack.pendingOperations ? { pending_operations: stack.pendingOperations } : {}),
                },
            }),
        );
    } else if (cmd === "preview") {
        const n = (state.previews[stackName] = (state.previews[stackName] || 0) + 1);
        save();
        const steps = n > 1 && stack.stepsLater ? stack.stepsLater : stack.steps || [];
        // `reads`: {lowerStack: [output, ...]} read through a StackReference; a missing one fails the preview as Pulumi does.
        const missing = Object.entries(stack.reads || {}).flatMap(([lower, keys]) =>
            keys
                .filter((k) => !(k in outputsOf(lower)))
                .map((k) => `Required output '${k}' does not exist on stack 'fake/data-platform/${lower}'.`),
        );
        if (missing.length) {
            out.push(JSON.stringify({ steps: [], diagnostics: missing.map((message) => ({ severity: "error", message })) }));
            throw new Exit(255);
        }
        if (stack.previewFails) {
            out.push(JSON.stringify({ steps: [], diagnostics: [{ severity: "error", message: stack.previewFails }] }));
            throw new Exit(255);
        }
        const changeSummary = {};
        for (const s of steps) changeSummary[s.op] = (changeSummary[s.op] || 0) + 1;
        const plan = opt("--save-plan");
        if (plan)
            fs.writeFileSync(
                resolve(plan),
                JSON.stringify({ resourcePlans: Object.fromEntries(steps.map((s) => [s.urn, { steps: [s.op] }])) }),
            );
        out.push(JSON.stringify({ steps, changeSummary, diagnostics: [] }, null, 2));
    } else if (cmd === "config") {
        // `config` (--json), `config set KEY VALUE`, `config rm KEY`; the scenario's `config` holds
        // {key: value} (namespace added as the CLI shows it); `configFails`: {set|rm: message}.
        const current = (state.config[stackName] = state.config[stackName] ?? { ...(stack.config || {}) });
        if ((sub === "set" || sub === "rm") && stack.configFails?.[sub]) fail(stack.configFails[sub]);
        if (sub === "set") current[args[2]] = args[3];
        else if (sub === "rm") delete current[args[2]];
        else
            out.push(
                JSON.stringify(
                    Object.fromEntries(
                        Object.entries(current).map(([k, v]) => [
                            `data-platform:${k}`,
                            {
                                value: typeof v === "string" ? v : JSON.stringify(v),
                                secret: false,
                                ...(typeof v === "object" ? { objectValue: v } : {}),
                            },
                        ]),
                    ),
                ),
            );
        save();
    } else if (cmd === "refresh") {
        if (stack.refreshFails) fail(stack.refreshFails);
        out.push(`Refreshing (${stackName})\n`);
    } else if (cmd === "up" || cmd === "destroy") {
        const plan = opt("--plan");
        if (plan && !fs.existsSync(resolve(plan))) fail(`could not read plan ${plan}`);
        out.push(`${cmd === "up" ? "Updating" : "Destroying"} (${stackName})\n`);
        // `upOutput`: lines the update prints (resource output such as the lifecycle commands' progress).
        for (const line of stack.upOutput || []) out.push(`${line}\n`);
        if (stack.applyFails) fail(stack.applyFails);
        // `upFails`: {n: message} fails this stack's n-th `up` (1-based).
        const nth = (state.ups[stackName] = (state.ups[stackName] || 0) + 1);
        save();
        if (stack.upFails?.[nth]) fail(stack.upFails[nth]);
        state.versions[stackName] = version() + 1;
        if (cmd === "up") state.outputs[stackName] = stack.outputsAfterUp ?? outputsOf(stackName);
        const counts = {};
        for (const s of stack.steps || []) counts[s.op] = (counts[s.op] || 0) + 1;
        state.changes[stackName] = cmd === "destroy" ? { delete: (stack.resources || []).length } : counts;
        save();
        out.push(`Resources:\n    ${JSON.stringify(state.changes[stackName])}\n`);
    } else {
        fail(`the fake pulumi does not model: pulumi ${args.join(" ")}`);
    }
}

module.exports = { answer };

// Run as a program: the one-process stand-in (one Node start per call), used when no answering
// server is reachable ($FAKE_PULUMI_PORT unset).
if (require.main === module) {
    const r = answer(process.argv.slice(2), process.env);
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    process.exitCode = r.code;
}
