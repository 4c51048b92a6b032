/** Airflow's chart values built straight from a parsed config, and the chart's own schema to check them against. */
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { AirflowValuesArgs, airflowValues } from "../../apps/airflow/values";

export const SCHEMA_FILE = path.join(__dirname, "..", "fixtures", "airflow-chart", "values.schema.json");

export function chartValidator() {
    const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as Record<string, unknown>;
    // The chart declares draft-07 (Ajv's default); the meta-schema URI without "#" is not
    // registered in Ajv, so it is dropped rather than resolved over the network.
    delete schema.$schema;
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    return ajv.compile(schema);
}

// Stand-ins for the names of the Secrets, claims and PriorityClass the layer creates beside the release.
const SECRETS = {
    fernetKey: "f",
    apiSecretKey: "a",
    jwtSecret: "j",
    metadata: "m",
    pgbouncerConfig: "p",
    pgbouncerStats: "s",
    adminPassword: "x",
};

export const chartValues = (config: AirflowValuesArgs["config"]) =>
    airflowValues({
        config,
        releaseName: "airflow",
        ingressClass: "nginx",
        secrets: SECRETS,
        logsClaim: "airflow-logs",
        dagsClaim: "airflow-dags",
        taskPriorityClass: "airflow-task",
    });
