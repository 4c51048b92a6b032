/**
 * Airflow's metadata database over TLS: the rendered objects (certificates, flags, probe). The rendered
 * flags, pg_hba.conf, probe and PgBouncer configuration run for real in postgresTls.services.ts.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { parse as parseYaml } from "yaml";
import { postgresTlsArgs } from "../../apps/postgresTls";
import { INTERNAL_CA_DOMAINS } from "../../cluster/values/certManager";
import { revealPlaceholders } from "../../delivery/synth/normalize";
import { ofType, synth } from "../support/synth";

const CRD = path.join(__dirname, "..", "fixtures", "cert-manager-chart", "cert-manager.io_certificates.yaml");

const certificates = async (stack: string) =>
    ofType(await synth(stack), "kubernetes:cert-manager.io/v1:Certificate").map((r) => revealPlaceholders(r.inputs) as any);

describe("Airflow's metadata database over TLS (rendered)", () => {
    it("the database and PgBouncer get internal-CA certificates for their Service names, valid against the CRD", async () => {
        const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(
            parseYaml(fs.readFileSync(CRD, "utf8")).spec.versions[0].schema.openAPIV3Schema,
        );
        const certs = await certificates("dev-apps");
        for (const name of ["airflow-postgresql-tls", "airflow-pgbouncer-tls"]) {
            const cert = certs.find((c) => c.metadata.name === name);
            assert.ok(cert, `${name} in ${certs.map((c) => c.metadata.name)}`);
            assert.equal(cert.spec.issuerRef.name, "internal-ca");
            assert.ok(
                cert.spec.dnsNames.every((n: string) => INTERNAL_CA_DOMAINS.some((d) => n.endsWith(`.${d}`))),
                cert.spec.dnsNames.join(),
            );
            assert.ok(validate(cert), JSON.stringify(validate.errors));
        }
        assert.ok(!certs.some((c) => c.metadata.name.startsWith("todo-postgresql")), "the Todo database stays as it was");
    });

    it("the server runs with TLS and our pg_hba.conf; Airflow and the exporter ask for TLS", async () => {
        const result = await synth("dev-apps");
        const sts = ofType(result, "kubernetes:apps/v1:StatefulSet")
            .map((r) => revealPlaceholders(r.inputs) as any)
            .find((s) => s.metadata.name === "airflow-postgresql")!;
        const container = sts.spec.template.spec.containers[0];
        assert.deepEqual(container.args, postgresTlsArgs());
        assert.match(container.readinessProbe.exec.command[2], /select pg_reload_conf\(\)/);
        assert.deepEqual(sts.spec.template.spec.volumes.find((v: any) => v.name === "tls").secret, {
            secretName: "airflow-postgresql-tls",
            defaultMode: 0o640,
        });
        const secrets = ofType(result, "kubernetes:core/v1:Secret").map((r) => JSON.stringify(revealPlaceholders(r.inputs)));
        assert.ok(
            secrets.some((s) => s.includes("airflow-metadata?sslmode=require")),
            "metadata connection requires TLS",
        );
        assert.ok(
            secrets.some((s) => s.includes("/pgbouncer?sslmode=require")),
            "stats exporter requires TLS",
        );
        assert.ok(
            secrets.some((s) => s.includes("server_tls_sslmode = verify-full")),
            "PgBouncer verifies PostgreSQL",
        );
        const release = ofType(result, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "airflow")!;
        const pgbouncer = (release.inputs.values as any).pgbouncer;
        assert.deepEqual(pgbouncer.extraVolumeMounts, [{ name: "pgbouncer-tls", mountPath: "/etc/pgbouncer-tls", readOnly: true }]);
        assert.match(pgbouncer.podAnnotations["checksum/pgbouncer-ini"], /^[0-9a-f]{64}$/);
    });
});
