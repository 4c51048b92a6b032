import * as assert from "node:assert/strict";
import { cpuMilli, memoryMiB, Quantity, scaleQuantity } from "../../lib/quantity";
import { taskGuards } from "../../apps/airflow/taskResources";
import { parseClusterConfig } from "../../cluster/config";
import { configProblems } from "../support/config";

describe("quantities: one exact parser", () => {
    it("scales in the same family without rounding: 1.5Gi × 2 = 3Gi, 500m × 2 = 1, 0.5 × 3 = 1500m", () => {
        assert.equal(scaleQuantity("1.5Gi", 2, "bytes"), "3Gi");
        assert.equal(scaleQuantity("1536Mi", 2, "bytes"), "3Gi");
        assert.equal(scaleQuantity("500m", 2, "cpu"), "1");
        assert.equal(scaleQuantity("0.5", 3, "cpu"), "1500m");
        assert.equal(scaleQuantity("4Gi", 2, "bytes"), "8Gi");
        assert.equal(scaleQuantity("1G", 2, "bytes"), "2G");
    });

    it("parses every Kubernetes suffix and exponents, and refuses what Kubernetes refuses", () => {
        assert.equal(cpuMilli("250m"), 250);
        assert.equal(cpuMilli("1.5"), 1500);
        assert.equal(cpuMilli("1e3"), 1000000);
        assert.equal(memoryMiB("1.5Gi"), 1536);
        assert.equal(memoryMiB("1048576"), 1);
        assert.equal(Quantity.parse("1k").bytes, 1000);
        assert.equal(Quantity.parse("0.1m").millicores, 1, "rounded up to a millicore");
        for (const bad of ["", "1.5.1Gi", "Gi", "1 Gi", "1gi", "0x10", "ten"])
            assert.throws(() => Quantity.parse(bad), /not a Kubernetes quantity/, bad);
    });

    it("derives the Airflow task LimitRange and quota with the parser: 1.5Gi of quota gives a 3Gi cap (not 2.5Gi)", () => {
        const guards = taskGuards(
            {
                task: { cpu: "250m", memory: "512Mi", cpuLimit: "1", memoryLimit: "1Gi" },
                taskQuota: { cpu: "1.5", memory: "1.5Gi", pods: 4 },
            } as never,
            "airflow",
        );
        const limits = (guards.limitRange as any).spec.limits[0];
        assert.deepEqual(limits.max, { cpu: "3", memory: "3Gi" });
        assert.deepEqual((guards.quota as any).spec.hard["limits.memory"], "3Gi");
        assert.ok(Quantity.parse(limits.default.memory).compare(Quantity.parse(limits.max.memory)) <= 0, "default ≤ max");
    });

    it("refuses zero CPU or memory requests in the cluster layer", () => {
        const values: Record<string, string> = { environment: "dev", kafkaBrokerCpu: "0", prometheusMemory: "0Mi" };
        const found = configProblems(() => parseClusterConfig((k) => values[k], "data-platform", "stack t"));
        assert.ok(
            found.some((p) => /^data-platform:kafkaBrokerCpu = "0": must be more than zero/.test(p)),
            found.join("\n"),
        );
        assert.ok(
            found.some((p) => /^data-platform:prometheusMemory = "0Mi": must be more than zero/.test(p)),
            found.join("\n"),
        );
    });
});
