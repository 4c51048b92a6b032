/**
 * The STAND-IN `pulumi` on PATH (tests/support/fake-pulumi): an environment that puts it first
 * and names its scenario and call log, answered by a server in this test process so that each
 * call costs a shell start, not a Node start. The spawning code stays the real one; only what
 * the stand-in answers (fake-pulumi/model.cjs) is decided here. The process that spawns the
 * stand-in must keep its event loop free while it runs (spawn, not spawnSync): the answer comes
 * from this process.
 */
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { ROOT } from "../../delivery/synth/stacks";
import { tempDir } from "./tempDir";

const { answer } = require("./fake-pulumi/model.cjs") as {
    answer: (args: string[], env: Record<string, string>, cwd: string) => { code: number; stdout: string; stderr: string };
};

export const FAKE_DIR = path.join(ROOT, "tests", "support", "fake-pulumi");

/** Scenarios this process set up: the server answers for these only. */
const scenarios = new Set<string>();
let listening: Promise<number> | undefined;

/** Splits a request into its fields once it is complete (see the client's request format). */
function parseRequest(buf: Buffer): { cwd: string; env: Record<string, string>; args: string[] } | undefined {
    const fields = buf.toString("utf8").split("\0");
    fields.pop(); // after the last NUL: an incomplete field or ""
    let i = 4;
    if (fields.length <= i) return undefined;
    const nEnv = Number(fields[i++]);
    if (fields.length <= i + nEnv) return undefined;
    const recorded = fields.slice(i, i + nEnv);
    i += nEnv;
    const nArgs = Number(fields[i++]);
    if (fields.length < i + nArgs) return undefined;
    const env: Record<string, string> = { FAKE_PULUMI_SCENARIO: fields[1], FAKE_PULUMI_LOG: fields[2], FAKE_PULUMI_RECORD_ENV: fields[3] };
    for (const kv of recorded) env[kv.slice(0, kv.indexOf("="))] = kv.slice(kv.indexOf("=") + 1);
    return { cwd: fields[0], env, args: fields.slice(i, i + nArgs) };
}

function serve(socket: net.Socket): void {
    let buf = Buffer.alloc(0);
    socket.on("data", (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        const req = parseRequest(buf);
        if (!req) return;
        let r: { code: number; stdout: string; stderr: string };
        if (!scenarios.has(req.env.FAKE_PULUMI_SCENARIO))
            r = { code: 70, stdout: "", stderr: `error: ${req.env.FAKE_PULUMI_SCENARIO} is no scenario of this test process\n` };
        else {
            try {
                r = answer(req.args, req.env, req.cwd);
            } catch (err) {
                r = { code: 70, stdout: "", stderr: `error: the fake pulumi failed: ${(err as Error).stack}\n` };
            }
        }
        socket.end(`${r.code}\0${r.stdout}\0${r.stderr}\0`);
    });
    socket.on("error", () => undefined);
}

function port(): Promise<number> {
    listening ??= new Promise((resolve, reject) => {
        const server = net.createServer(serve);
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
        server.unref();
    });
    return listening;
}

/** `base` with the stand-in first on PATH, answering from the scenario file and logging its calls to `log`. */
export async function fakePulumiEnv(scenarioFile: string, log: string, base: NodeJS.ProcessEnv = process.env): Promise<NodeJS.ProcessEnv> {
    scenarios.add(scenarioFile);
    return {
        ...base,
        PATH: `${FAKE_DIR}${path.delimiter}${base.PATH}`,
        FAKE_PULUMI_SCENARIO: scenarioFile,
        FAKE_PULUMI_LOG: log,
        FAKE_PULUMI_PORT: String(await port()),
    };
}

/** As `fakePulumiEnv`, the scenario written to scenario.json in a new temp dir `dir`, the calls logged to `log` there. */
export async function fakePulumi(
    scenario: unknown,
    base: NodeJS.ProcessEnv = process.env,
): Promise<{ env: NodeJS.ProcessEnv; dir: string; log: string }> {
    const dir = tempDir("fake-pulumi");
    const file = path.join(dir, "scenario.json");
    fs.writeFileSync(file, JSON.stringify(scenario));
    const log = path.join(dir, "calls.log");
    return { env: await fakePulumiEnv(file, log, base), dir, log };
}

/** The calls the stand-in logged, one argument array each (a recorded environment last). */
export function loggedCalls(log: string): unknown[][] {
    return fs.existsSync(log)
        ? fs
              .readFileSync(log, "utf8")
              .trim()
              .split("\n")
              .map((l) => JSON.parse(l) as unknown[])
        : [];
}
