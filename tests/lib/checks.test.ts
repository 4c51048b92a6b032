import * as assert from "node:assert/strict";
import * as check from "../../lib/config/checks";
import { ConfigReader, ConfigValidationError } from "../../lib/config/reader";
import { assertFits, cpuMilli, fitReport, memoryMiB, sumRequests } from "../../lib/fit";
import { normalizeProperty, revealPlaceholders } from "../../delivery/synth/normalize";

describe("config checks", () => {
    it("accepts and refuses CIDRs", () => {
        assert.equal(check.ipv4Cidr("10.0.0.0/24"), undefined);
        assert.equal(check.ipv4Cidr("0.0.0.0/0"), undefined);
        assert.equal(check.ipv4Cidr("192.168.1.128/25"), undefined);
        assert.match(check.ipv4Cidr("192.168.1.129/25") ?? "", /did you mean 192.168.1.128\/25/);
        for (const bad of ["10.0.0.0", "10.0.0.0/", "10.0.0.0/8/1", "256.0.0.0/8", "a.b.c.d/8", "10.0.0.0/-1"]) {
            assert.ok(check.ipv4Cidr(bad), bad);
        }
    });

    it("pins images and chart versions", () => {
        assert.equal(check.pinnedImage("ghcr.io/acme/todo-backend:0.1.0"), undefined);
        assert.equal(check.pinnedImage("postgres:17.6-bookworm"), undefined);
        assert.equal(check.pinnedImage(`nginx@sha256:${"a".repeat(64)}`), undefined);
        assert.match(check.pinnedImage("ghcr.io/acme/todo-backend:latest") ?? "", /"latest" is not allowed/);
        assert.ok(check.pinnedImage("ghcr.io/acme/todo-backend"));
        assert.equal(check.exactSemver("4.15.1"), undefined);
        assert.ok(check.exactSemver("^4.15.1"));
        assert.ok(check.exactSemver("latest"));
        assert.equal(check.k3sVersion("v1.35.6+k3s1"), undefined);
        assert.ok(check.k3sVersion("v1.35.6-k3s1"));
    });

    it("checks names, hosts and paths", () => {
        assert.equal(check.dnsName("grafana.dev.example.org"), undefined);
        assert.ok(check.dnsName("Grafana.example.org"));
        // Kubernetes refuses an Ingress host that is an IP; no top-level domain is numeric.
        assert.match(check.dnsName("10.0.0.5") ?? "", /is an IP address/);
        assert.match(check.dnsName("airflow.10") ?? "", /is an IP address/);
        assert.equal(check.urlPath("/airflow"), undefined);
        assert.ok(check.urlPath("airflow"));
        assert.equal(check.dnsLabel("microservices"), undefined);
        assert.ok(check.dnsLabel("-bad"));
    });
});

describe("ConfigReader", () => {
    it("collects every problem and names the fully-qualified key", () => {
        const values: Record<string, string> = { count: "x", mode: "fast", list: "[1]" };
        const r = new ConfigReader("proj", (k) => values[k], "stack s");
        r.integer("count");
        r.oneOf("mode", ["slow", "safe"] as const);
        r.stringList("list");
        r.string("missing");
        assert.equal(r.problemCount, 4);
        assert.throws(
            () => r.finish(),
            (err: unknown) => {
                assert.ok(err instanceof ConfigValidationError);
                assert.deepEqual(
                    err.problems.map((p) => p.key),
                    ["proj:count", "proj:mode", "proj:list", "proj:missing"],
                );
                assert.match(err.message, /proj:missing = \(unset\): is required; set it with `pulumi config set proj:missing/);
                return true;
            },
        );
    });

    it("cuts long values in messages", () => {
        const r = new ConfigReader("p", () => "x".repeat(500), "s");
        r.integer("k");
        assert.throws(
            () => r.finish(),
            (err: ConfigValidationError) => err.problems[0].value.length <= 80,
        );
    });
});

describe("resource fit", () => {
    it("parses Kubernetes quantities", () => {
        assert.equal(cpuMilli("250m"), 250);
        assert.equal(cpuMilli("1.5"), 1500);
        assert.equal(cpuMilli(2), 2000);
        assert.equal(memoryMiB("512Mi"), 512);
        assert.equal(memoryMiB("2Gi"), 2048);
        assert.equal(memoryMiB("1048576Ki"), 1024);
        assert.ok(Math.abs(memoryMiB("1G") - 953.674) < 0.01);
        assert.throws(() => cpuMilli("1 core"), /not a Kubernetes quantity: "1 core"/);
        assert.throws(() => memoryMiB("1GB"), /not a Kubernetes quantity: "1GB"/);
    });

    it("sums replicas and refuses a profile without headroom, naming the shortfall", () => {
        const requested = sumRequests([
            { name: "a", cpu: "500m", memory: "1Gi", replicas: 3 },
            { name: "b", cpu: "1", memory: "512Mi" },
        ]);
        assert.deepEqual(requested, { cpuMilli: 2500, memoryMiB: 3584 });
        const pools = [{ role: "agent" as const, count: 2, flavor: "mb1.medium", vcpus: 2, memoryMiB: 4096 }];
        const report = fitReport(requested, pools);
        assert.equal(report.allocatable.cpuMilli, 3600);
        assert.throws(
            () => assertFits("dev apps", requested, pools, 0.5),
            new RegExp(
                /dev apps does not fit on 2x mb1.medium \(agent, 2 vCPU, 4096 MiB\):\n  /.source +
                    /- CPU: requests 2500m of 3600m allocatable \(31 % headroom, need 50 %\)/.source,
            ),
        );
        assert.doesNotThrow(() => assertFits("dev apps", requested, pools, 0.2));
    });
});

describe("synth normalisation", () => {
    it("marks secrets, resolves resource references and reveals placeholders for stack references", () => {
        const raw = {
            a: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "synth-placeholder-x" },
            b: { "4dabf18193072939515e22adb298388d": "5cf8f73096256a8f31e491e813e4eb8e", urn: "urn:x", id: "i" },
            c: ["04da6b54-80e4-46f7-96ec-b56ff0331ba9"],
        };
        const normal = normalizeProperty(raw);
        assert.deepEqual(normal, { a: { "@secret": "synth-placeholder-x" }, b: "urn:x", c: ["<unknown>"] });
        assert.deepEqual(revealPlaceholders(normal), { a: "synth-placeholder-x", b: "urn:x", c: ["<unknown>"] });
    });
});

describe("ConfigReader string checks", () => {
    it("applies a check to given values and defaults, not to missing or empty ones", () => {
        const values: Record<string, string> = { given: "10.0.0.1/24", empty: "" };
        const r = new ConfigReader("p", (k) => values[k], "s");
        r.string("given", { check: check.ipv4Cidr });
        r.string("defaulted", { default: "nope", check: check.ipv4Cidr });
        r.string("missing", { check: check.ipv4Cidr });
        r.string("empty", { check: check.ipv4Cidr });
        assert.throws(
            () => r.finish(),
            (err: ConfigValidationError) => {
                assert.deepEqual(
                    err.problems.map((p) => [p.key, p.message.split(" ").slice(0, 3).join(" ")]),
                    [
                        ["p:given", "must be an"],
                        ["p:defaulted", "must be an"],
                        ["p:missing", "is required; set"],
                        ["p:empty", "must not be"],
                    ],
                );
                return true;
            },
        );
    });
});
