/**
 * `npm run bench:synth [-- <infra-stack>] [--runs N]`: how the infra synth's time grows with the
 * agent count: the stack (default prod-infra) with its servers and 4 agents, and with 200 agents
 * (both spread over two pools; synth/benchStack.ts). Two measures, both printed:
 *
 * 1. The synth as users run it, the measure (goal: 3+200 at most 2.5x 3+4): one fresh
 *    process per run, as `npm run synth -- <stack>` starts one (Node, tsx, module loading, the
 *    synth, the synth file written; npm's own start is not counted), the two sizes interleaved,
 *    best of N each (a slow run is the machine, not the synth).
 * 2. In process, after a warm-up: the synth alone, without the start-up every run pays: the
 *    marginal cost per agent, undiluted. Then the same for a stand-in program that registers
 *    only an agent's resources (synth/bareAgents.ts): the runtime's own cost per agent, the floor.
 *
 * A measurement, not a test: the machine's load moves it (the ratios, measured in one run, less).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn } from "child_process";
import { parseArgs } from "util";
import { PROJECT, ROOT, STACKS_DIR, synthStack } from "../synth/stacks";
import { synthesize } from "../synth/synth";
import { bareAgentsProgram } from "../synth/bareAgents";
import { agentOverrides, serverCount } from "../synth/benchStack";
import { runMain } from "./run";

const GOAL = 2.5;
const SMALL = 4;
const LARGE = 200;
const EXTRA = LARGE - SMALL;

/** Wall-clock and CPU time (user + system, every thread and child process) of one run, in ms. */
interface Times {
    readonly wall: number;
    readonly cpu: number;
}

interface ProcessRun extends Times {
    /** The synth and its file alone, as the child timed them. */
    readonly synth: number;
    readonly resources: number;
}

/** bash's `times`: the CPU of the children it waited for (tsx, and the Node process tsx starts). */
const TIMES = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/;

/** One synth in a process of its own (synth/benchRun.ts), started as the npm script starts tsx. */
function runProcess(stack: string, agents: number, outFile: string): Promise<ProcessRun> {
    const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
    const child = path.join(ROOT, "delivery", "synth", "benchRun.ts");
    const started = process.hrtime.bigint();
    const proc = spawn("bash", ["-c", '"$@"; status=$?; times >&2; exit $status', "bash", tsx, child, stack, String(agents), outFile], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve, reject) => {
        proc.on("error", reject);
        proc.on("close", (code) => {
            const wall = Number(process.hrtime.bigint() - started) / 1e6;
            const lines = stderr.trimEnd().split("\n");
            const children = TIMES.exec(lines[lines.length - 1] ?? "");
            if (code !== 0 || !children) {
                reject(new Error(`the synth of ${stack} with ${agents} agents failed (exit ${code}):\n${stderr}`));
                return;
            }
            const seconds = (m: string, s: string) => Number(m) * 60 + Number(s);
            const cpu = (seconds(children[1], children[2]) + seconds(children[3], children[4])) * 1000;
            const { resources, synthMs } = JSON.parse(stdout.trim().split("\n").pop()!) as { resources: number; synthMs: number };
            resolve({ wall, cpu, synth: synthMs, resources });
        });
    });
}

async function measure(run: () => Promise<unknown>): Promise<Times> {
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    await run();
    const used = process.cpuUsage(cpu);
    return { wall: Number(process.hrtime.bigint() - started) / 1e6, cpu: (used.user + used.system) / 1000 };
}

/** Each measure's best over the runs, on its own. */
function best<T extends Times>(runs: T[]): T {
    return runs.reduce((a, b) => ({ ...a, ...(b.wall < a.wall ? { wall: b.wall } : {}), ...(b.cpu < a.cpu ? { cpu: b.cpu } : {}) }));
}

const ms = (t: number) => `${t.toFixed(0)} ms`;
const perAgent = (small: number, large: number) => `${((large - small) / EXTRA).toFixed(1)} ms`;
const verdict = (ratio: number) => `${ratio.toFixed(2)}x (goal <= ${GOAL}x): ${ratio <= GOAL ? "met" : "NOT met"}`;

/** `goal`: whether the ratio is the measure (judged against the goal) or only shown. */
function report(stack: string, small: Times, large: Times, extra: (agents: number) => string, goal: boolean): void {
    const servers = `${stack}, ${serverCount(stack)} servers`;
    console.log(`  ${servers} + ${SMALL} agents:   ${ms(small.wall)} wall, ${ms(small.cpu)} CPU${extra(SMALL)}`);
    console.log(`  ${servers} + ${LARGE} agents: ${ms(large.wall)} wall, ${ms(large.cpu)} CPU${extra(LARGE)}`);
    console.log(`  per extra agent: ${perAgent(small.wall, large.wall)} wall, ${perAgent(small.cpu, large.cpu)} CPU`);
    const judge = (ratio: number) =>
        goal ? verdict(ratio) : `${ratio.toFixed(2)}x (nothing dilutes it; the goal is set on the measure above)`;
    console.log(`  ratio ${LARGE}/${SMALL} agents, wall: ${judge(large.wall / small.wall)}`);
    console.log(`  ratio ${LARGE}/${SMALL} agents, CPU:  ${judge(large.cpu / small.cpu)}`);
}

async function asUsersRunIt(stack: string, runs: number): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-synth-"));
    try {
        const out = path.join(dir, "synth.json");
        // Warm-up: tsx's transform cache and the OS's file cache, which a user's second synth has too.
        await runProcess(stack, SMALL, out);
        const small: ProcessRun[] = [];
        const large: ProcessRun[] = [];
        for (let i = 0; i < runs; i++) {
            small.push(await runProcess(stack, SMALL, out));
            large.push(await runProcess(stack, LARGE, out));
        }
        const bestSynth = (rs: ProcessRun[]) => Math.min(...rs.map((r) => r.synth));
        console.log(
            `Synth as users run it (${stack}; the issue's measure): a fresh process per run, start-up included ` +
                `(Node, tsx, module loading, synth, synth file written; npm's own start not counted), best of ${runs}, interleaved:`,
        );
        report(
            stack,
            best(small),
            best(large),
            (agents) => {
                const rs = agents === SMALL ? small : large;
                return ` (of it the synth and its file ${ms(bestSynth(rs))}; ${rs[0].resources} resources)`;
            },
            true,
        );
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function inProcess(stack: string): Promise<void> {
    const resources = new Map<number, number>();
    const real = (agents: number) => async () => {
        const result = await synthStack(stack, { overrides: agentOverrides(stack, agents) });
        resources.set(agents, result.resources.length);
    };
    // The stand-in goes through the same synth as the stack (config, monitor, recording).
    const bare = (agents: number) => () =>
        synthesize({ stack, stacksDir: STACKS_DIR, project: PROJECT, program: bareAgentsProgram(agents) });
    await real(SMALL)(); // warm-up: module loading and JIT are not per-agent costs
    const small = best([await measure(real(SMALL)), await measure(real(SMALL))]);
    const large = best([await measure(real(LARGE)), await measure(real(LARGE))]);
    console.log(`In process, after a warm-up (no start-up: the marginal cost per agent, undiluted), best of 2:`);
    report(stack, small, large, (agents) => ` (${resources.get(agents)} resources)`, false);
    await bare(SMALL)();
    const bareSmall = best([await measure(bare(SMALL)), await measure(bare(SMALL))]);
    const bareLarge = best([await measure(bare(LARGE)), await measure(bare(LARGE))]);
    const floor = (bareLarge.cpu - bareSmall.cpu) / EXTRA;
    console.log(
        `  runtime alone (stand-in: an agent's 4 resources, no program logic): ` +
            `${perAgent(bareSmall.wall, bareLarge.wall)} wall, ${floor.toFixed(1)} ms CPU per agent`,
    );
    console.log(`  lowest in-process CPU ratio that leaves the real program: ${((small.cpu + EXTRA * floor) / small.cpu).toFixed(2)}x`);
}

async function main(): Promise<void> {
    const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: "string", default: "3" } } });
    const stack = positionals[0] ?? "prod-infra";
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number >= 1, not ${values.runs}`);
    console.log(
        `load average: ${os
            .loadavg()
            .map((l) => l.toFixed(2))
            .join(", ")} (${os.cpus().length} CPUs)`,
    );
    await asUsersRunIt(stack, runs);
    await inProcess(stack);
    console.log(
        `load average: ${os
            .loadavg()
            .map((l) => l.toFixed(2))
            .join(", ")}`,
    );
}

runMain(main);
