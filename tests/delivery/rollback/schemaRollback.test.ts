/** The rollback planner's schema blockers: Airflow chart and version downgrades, the schema-version marker, the Todo backend. */
import * as assert from "node:assert/strict";
import { AIRFLOW_VERSION_INPUTS, airflowReleases, planRollback, renderPlan, schemaBlockers } from "../../../delivery/rollback/rollback";
import type { SynthResult } from "../../../delivery/synth/synth";
import { synth } from "../../support/synth";
import { classify } from "../../../delivery/rollback/stateful";
import { apps, infra } from "../fixtures";
import { layers } from "./planLayers";

describe("delivery: rollback planner", () => {
    it("refuses an Airflow chart downgrade as a schema rollback unless forced", () => {
        const plan = planRollback({
            env: "dev",
            tag: "v1.2.0",
            layers: layers(
                { infra: infra(), apps: apps({ airflowChart: "1.16.0" }) },
                { infra: infra(), apps: apps({ airflowChart: "1.15.0" }) },
            ),
        });
        assert.deepEqual(
            plan.blockers.map((b) => [b.kind, b.stack]),
            [["schema-rollback", "dev-apps"]],
        );
        assert.match(plan.blockers[0].message, /airflow: Airflow goes back \(version 1\.16\.0 → 1\.15\.0\)/);
        assert.equal(plan.proceed, false);
        assert.match(renderPlan(plan), /- \[schema-rollback\] dev-apps: airflow: Airflow goes back/);
        assert.match(renderPlan(plan), /Re-run with --allow [a-z0-9,-]+ \(or --force for everything\)/);
        const forced = planRollback({
            env: "dev",
            tag: "v1.2.0",
            force: true,
            layers: layers({ apps: apps({ airflowChart: "1.16.0" }) }, { apps: apps({ airflowChart: "1.15.0" }) }),
        });
        assert.equal(forced.proceed, true);
        // The release itself holds no data here (metadata database outside the chart).
        assert.deepEqual(
            plan.blockers.filter((b) => b.kind === "stateful"),
            [],
        );
    });

    it("refuses an Airflow version downgrade: airflowVersion, defaultAirflowTag or images.airflow.tag", () => {
        const version = schemaBlockers("dev-apps", apps({ airflowVersion: "3.2.2" }), apps({ airflowVersion: "3.1.0" }));
        assert.deepEqual(
            version.map((b) => b.kind),
            ["schema-rollback"],
        );
        assert.match(version[0].message, /values\.airflowVersion 3\.2\.2 → 3\.1\.0, values\.defaultAirflowTag 3\.2\.2 → 3\.1\.0/);
        const tag = schemaBlockers("dev-apps", apps({ airflowTag: "3.2.2-python3.12" }), apps({ airflowTag: "3.2.1-python3.12" }));
        assert.deepEqual(
            tag.map((b) => b.kind),
            ["schema-rollback"],
        );
        assert.match(tag[0].message, /values\.defaultAirflowTag 3\.2\.2-python3\.12 → 3\.2\.1-python3\.12/);
        assert.doesNotMatch(tag[0].message, /airflowVersion/);
        const image = schemaBlockers("dev-apps", apps({ airflowImageTag: "3.2.2" }), apps({ airflowImageTag: "3.0.6" }));
        assert.deepEqual(
            image.map((b) => b.kind),
            ["schema-rollback"],
        );
        assert.match(image[0].message, /values\.images\.airflow\.tag 3\.2\.2 → 3\.0\.6/);
        // Going forward, or staying, is fine; so is a different Python build of the same Airflow.
        assert.deepEqual(
            schemaBlockers(
                "dev-apps",
                apps({ airflowVersion: "3.1.0", airflowChart: "1.15.0" }),
                apps({ airflowVersion: "3.2.2", airflowChart: "1.22.0" }),
            ),
            [],
        );
        assert.deepEqual(schemaBlockers("dev-apps", apps(), apps()), []);
        assert.deepEqual(
            schemaBlockers("dev-apps", apps({ airflowTag: "3.2.2-python3.12" }), apps({ airflowTag: "3.2.2-python3.11" })),
            [],
        );
        // Checked alongside the schema markers, not instead of them.
        const both = schemaBlockers(
            "dev-apps",
            apps({ schema: "7", airflowChart: "1.22.0" }),
            apps({ schema: "5", airflowChart: "1.16.0" }),
        );
        assert.deepEqual(both.map((b) => b.kind).sort(), ["schema-rollback", "schema-rollback"]);
    });

    it(
        "on the real dev-apps synth: each Airflow version input going " + "down is refused; the release holds no data, its database does",
        async () => {
            const current = await synth("dev-apps");
            const [airflow] = airflowReleases(current);
            assert.ok(airflow, "the apps layer installs the airflow chart");
            assert.equal(classify(airflow), undefined, "metadata database is not in the chart");
            const metadataDb = current.resources.filter(
                (r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name.startsWith("airflow-"),
            );
            assert.ok(metadataDb.length > 0 && metadataDb.every((r) => classify(r)?.category === "workload-storage"));
            /** A copy of the synth with one input of the Airflow release set. */
            const withInput = (input: string, value: string): SynthResult => {
                const copy = structuredClone(current);
                const keys = input.split(".");
                let at = airflowReleases(copy)[0].inputs;
                for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
                at[keys[keys.length - 1]] = value;
                return copy;
            };
            const values = airflow.inputs.values as Record<string, unknown>;
            for (const input of AIRFLOW_VERSION_INPUTS) {
                // images.airflow.tag is unset in the real values (defaultAirflowTag applies): set it on both sides.
                const now =
                    input === "version"
                        ? String(airflow.inputs.version)
                        : String(values[input.split(".").pop()!] ?? values.defaultAirflowTag);
                const older = now.replace(/^(\d+)\.(\d+)/, (_, major: string, minor: string) =>
                    Number(minor) > 0 ? `${major}.${Number(minor) - 1}` : `${Number(major) - 1}.${minor}`,
                );
                assert.notEqual(older, now);
                const blockers = schemaBlockers("dev-apps", withInput(input, now), withInput(input, older));
                assert.deepEqual(
                    blockers.map((b) => b.kind),
                    ["schema-rollback"],
                    input,
                );
                assert.ok(blockers[0].message.includes(`${input} ${now} → ${older}`), blockers[0].message);
                assert.deepEqual(schemaBlockers("dev-apps", withInput(input, older), withInput(input, now)), [], `${input} going up`);
            }
        },
    );

    it("refuses a schema rollback told by the schema-version marker", () => {
        const blockers = schemaBlockers("dev-apps", apps({ schema: "7", backendTag: "1.5.0" }), apps({ schema: "5", backendTag: "1.3.0" }));
        assert.deepEqual(
            blockers.map((b) => b.kind),
            ["schema-rollback"],
        );
        assert.match(blockers[0].message, /todo-backend: database schema 7 → 5/);
        assert.deepEqual(
            schemaBlockers("dev-apps", apps({ schema: "7", backendTag: "1.5.0" }), apps({ schema: "7", backendTag: "1.4.0" })),
            [],
            "same schema: an older image is fine",
        );
    });

    it("without a marker, treats a backend image downgrade as a possible schema rollback (with a note)", () => {
        const blockers = schemaBlockers("dev-apps", apps({ backendTag: "1.5.0" }), apps({ backendTag: "1.4.2" }));
        assert.deepEqual(
            blockers.map((b) => b.kind),
            ["schema-unknown"],
        );
        assert.match(blockers[0].message, /todo-backend:1\.5\.0 → .*todo-backend:1\.4\.2\. No data-platform\.io\/schema-version marker/);
        assert.deepEqual(schemaBlockers("dev-apps", apps({ backendTag: "1.4.2" }), apps({ backendTag: "1.5.0" })), []);
    });

    it("the real Todo backend (expand-only migrations, docs/apps.md) rolls back by tag without a schema blocker", async () => {
        const now = await synth("dev-apps", { "data-platform:appsImageTag": "1.5.0" });
        const then = await synth("dev-apps", { "data-platform:appsImageTag": "1.4.0" });
        assert.deepEqual(schemaBlockers("dev-apps", now, then), []);
    });
});
