/**
 * The policy pack loads the way the Pulumi engine loads it: the Node.js language host resolves
 * `@pulumi/pulumi/cmd/run-policy-pack` from the pack's folder and runs it with that folder as the
 * working directory; the runner registers ts-node (type-checking, the pack's tsconfig.json) and
 * requires the folder (package.json `main`); `new PolicyPack` reads the version from
 * `./package.json` and serves the analyzer over gRPC, printing its port. The test then speaks to
 * it as the engine does: GetAnalyzerInfo, then Analyze on one resource.
 */
import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { RULES } from "../../policy/rules";
import { ROOT } from "../../delivery/synth/stacks";

const PACK = path.join(ROOT, "policy");

describe("policy pack: loaded from its own folder like the engine does", function () {
    this.timeout(90000);
    let child: ChildProcess | undefined;
    let client: any;
    let stderr = "";

    before(async () => {
        const yaml = parse(fs.readFileSync(path.join(PACK, "PulumiPolicy.yaml"), "utf8")) as { runtime: string };
        assert.equal(yaml.runtime, "nodejs");
        const pkg = JSON.parse(fs.readFileSync(path.join(PACK, "package.json"), "utf8")) as {
            main: string;
            version: string;
            dependencies: Record<string, string>;
        };
        assert.ok(fs.existsSync(path.join(PACK, pkg.main)), `package.json main ${pkg.main} exists`);
        const root = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
        assert.equal(pkg.dependencies["@pulumi/pulumi"], root.dependencies["@pulumi/pulumi"], "the pack runs on the program's SDK version");
        // Resolved from the pack's folder, as the language host does.
        const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [PACK] });
        child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: PACK, stdio: ["ignore", "pipe", "pipe"] });
        child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            child!.stdout!.on("data", (d: Buffer) => {
                out += d.toString();
                const m = /^(\d+)\s*$/m.exec(out);
                if (m) resolve(Number(m[1]));
            });
            child!.on("exit", (code) => reject(new Error(`policy pack exited ${code} before serving:\n${stderr}`)));
        });
        const grpc = require("@grpc/grpc-js");
        const { AnalyzerClient } = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
        client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        child?.kill();
    });

    const call = <T>(method: string, request: unknown): Promise<T> =>
        new Promise((resolve, reject) => client[method](request, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));

    it("reports its name, version and every rule as mandatory", async () => {
        const empty = new (require("google-protobuf/google/protobuf/empty_pb").Empty)();
        const info: any = await call("getAnalyzerInfo", empty);
        assert.equal(info.getName(), "data-platform-rules");
        assert.equal(info.getVersion(), "0.1.0");
        const policies = info.getPoliciesList().map((p: any) => [p.getName(), p.getEnforcementlevel()]);
        assert.deepEqual(policies.map((p: any) => p[0]).sort(), RULES.map((r) => r.name).sort());
        assert.ok(
            policies.every((p: any) => p[1] === 1),
            "MANDATORY (1) for every rule",
        );
    });

    it("analyzes resources: SSH open to the world is a violation, the admin CIDR is not", async () => {
        const { AnalyzeRequest, AnalyzerResourceOptions } = require("@pulumi/pulumi/proto/analyzer_pb");
        const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
        const analyze = async (remoteIpPrefix: string) => {
            const req = new AnalyzeRequest();
            req.setType("openstack:networking/secGroupRule:SecGroupRule");
            req.setName("ssh");
            req.setUrn("urn:pulumi:dev-infra::data-platform::openstack:networking/secGroupRule:SecGroupRule::ssh");
            req.setOptions(new AnalyzerResourceOptions());
            req.setProperties(
                Struct.fromJavaScript({
                    direction: "ingress",
                    ethertype: "IPv4",
                    protocol: "tcp",
                    portRangeMin: 22,
                    portRangeMax: 22,
                    remoteIpPrefix,
                }),
            );
            const res: any = await call("analyze", req);
            return res.getDiagnosticsList().map((d: any) => `${d.getPolicyname()}: ${d.getMessage()}`);
        };
        const open = await analyze("0.0.0.0/0");
        assert.equal(open.length, 1, stderr);
        assert.match(open[0], /^no-world-open-admin-ports: [\s\S]*SSH \(22\/tcp\) is open to 0\.0\.0\.0\/0/);
        assert.deepEqual(await analyze("203.0.113.0/24"), []);
    });
});
