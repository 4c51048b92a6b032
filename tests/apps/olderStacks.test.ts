/**
 * The apps layer against lower stacks from before the security work: an infra stack without a
 * backup store keeps the dumps on an in-cluster PVC, a cluster stack without cert-manager keeps
 * the ingresses on plain HTTP, and no policy opens a door to an object store that does not exist.
 */
import * as assert from "node:assert/strict";
import type { SynthResult } from "../../delivery/synth/synth";
import { byName, ofType } from "../support/synth";
import { synthApps } from "./support";

describe("apps layer on older lower stacks (no backupStore, no tlsIssuers)", () => {
    let old: SynthResult;
    before(async function () {
        this.timeout(60_000);
        old = await synthApps("prod", { infra: { backupStore: undefined }, cluster: { tlsIssuers: undefined } });
    });

    it("dumps both databases to a protected in-cluster PVC with the shared dump script and prunes by age", () => {
        for (const [db, days] of [
            ["airflow", 14],
            ["todo", 7],
        ] as const) {
            const claim = byName(old, `${db}-postgresql-backups`);
            assert.equal(claim.options.protect, true);
            const pod = (byName(old, `${db}-postgresql-backup`).inputs.spec as any).jobTemplate.spec.template.spec;
            const script = pod.containers[0].command[2] as string;
            assert.match(script, /pg_dump --format=custom --no-owner --no-privileges/);
            assert.ok(script.includes('mv "$tmp" "/backups/${PGDATABASE}-${stamp}.dump"'), script);
            assert.match(script, new RegExp(`-mtime \\+${days} -print -delete`));
            assert.deepEqual(pod.volumes, [{ name: "backups", persistentVolumeClaim: { claimName: `${db}-postgresql-backups` } }]);
        }
        assert.equal(ofType(old, "kubernetes:core/v1:Secret").filter((s) => s.name.endsWith("-backup-store")).length, 0);
        const policies = ofType(old, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((p) => (p.inputs.metadata as any).name);
        assert.ok(!policies.includes("backup-egress"), "no egress to a store that does not exist");
        assert.ok(policies.includes("default-deny"));
    });

    it("keeps the ingresses on plain HTTP without cert-manager issuers", () => {
        assert.equal((byName(old, "todo-ingress").inputs.spec as any).tls, undefined);
        assert.equal(old.outputs.todoUrl, `http://${(byName(old, "todo-ingress").inputs.spec as any).rules[0].host}/`);
        assert.match(String(old.outputs.airflowUrl), /^http:\/\//);
    });

    it("keeps Airflow's database connections as they were without the internal CA issuer", () => {
        assert.equal(ofType(old, "kubernetes:cert-manager.io/v1:Certificate").length, 0);
        assert.equal((byName(old, "airflow-postgresql-statefulset").inputs.spec as any).template.spec.containers[0].args, undefined);
        const ini = JSON.stringify(byName(old, "airflow-pgbouncer-config").inputs);
        assert.match(ini, /server_tls_sslmode = prefer/);
        assert.doesNotMatch(ini, /client_tls/);
    });
});
