import * as assert from "node:assert/strict";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { tempDir } from "../support/tempDir";

const DAGS = path.join(__dirname, "..", "..", "apps", "airflow", "dags");

describe("Airflow DAG files", () => {
    const files = fs.readdirSync(DAGS).filter((f) => f.endsWith(".py"));

    it("exist", () => assert.ok(files.length > 0, `no DAG files in ${DAGS}`));

    it("compile with python3 -m py_compile (Airflow itself is not needed)", () => {
        // Compile into a temp dir so no __pycache__ lands in the repository.
        const prefix = tempDir("dags-pyc");
        try {
            execFileSync("python3", ["-m", "py_compile", ...files.map((f) => path.join(DAGS, f))], {
                env: { ...process.env, PYTHONPYCACHEPREFIX: prefix },
                stdio: "pipe",
            });
        } finally {
            fs.rmSync(prefix, { recursive: true, force: true });
        }
    });

    it("the example pipeline uses retries, per-task resources and the pod template's container", () => {
        const source = fs.readFileSync(path.join(DAGS, "sensor_daily_summary.py"), "utf8");
        assert.match(source, /"retries": 3/);
        assert.match(source, /executor_config=LARGER/);
        assert.match(source, /pod_override/);
        assert.match(source, /name="base"/, "pod_override must target the executor's main container, named base");
    });
});
