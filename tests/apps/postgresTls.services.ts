/**
 * Airflow's metadata database over TLS, for real: the rendered PostgreSQL flags, pg_hba.conf, probe and
 * PgBouncer configuration with PostgreSQL, PgBouncer and openssl (the rendered objects: postgresTls.test.ts).
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pgHbaTls, postgresProbeScript, postgresTlsArgs, serviceDnsNames } from "../../apps/postgresTls";
import { pgbouncerIni } from "../../apps/airflow/pgbouncer";
import { INTERNAL_CA_DOMAINS } from "../../cluster/values/certManager";
import { asServerUser, freePort, ownByServerUser, startPostgres, waitFor, type PgServer } from "../../apps/todo/backend/test/pg-harness";
import { OpensslPki } from "../support/opensslPki";
import { postgresBinDir, requireDebianPackage } from "../support/debian";
import { tempDir } from "../support/tempDir";
const DB_NAMES = serviceDnsNames("airflow-postgresql", "airflow");

/** A throw-away CA shaped like the internal CA (same name constraints) and leaves, made by openssl. */
function makePki(dir: string): { leaf(name: string, dnsNames: string[]): void } {
    const pki = new OpensslPki({ dir });
    const constraints = `critical,${INTERNAL_CA_DOMAINS.map((d) => `permitted;DNS:${d}`).join(",")}`;
    pki.ca("ca", {
        subject: "/CN=internal-ca",
        extensions: ["basicConstraints=critical,CA:true", "keyUsage=critical,keyCertSign", `nameConstraints=${constraints}`],
    });
    return {
        // In `dir/<name>/` as the pods mount them: tls.crt, tls.key, ca.crt.
        leaf(name, dnsNames) {
            pki.leaf(`${name}/tls`, "ca", {
                subject: `/CN=${dnsNames[0]}`,
                extensions: [`subjectAltName=${dnsNames.map((n) => `DNS:${n}`).join(",")}`, "extendedKeyUsage=serverAuth"],
            });
            fs.copyFileSync(pki.path("ca.crt"), path.join(dir, name, "ca.crt"));
        },
    };
}

describe("Airflow's metadata database over TLS (real PostgreSQL and PgBouncer)", function () {
    this.timeout(120_000);
    let pg: PgServer | undefined;
    let dir = "";
    let bouncer: ChildProcess | undefined;
    let pki: ReturnType<typeof makePki>;

    before(async function () {
        requireDebianPackage(this, "postgresql");
        requireDebianPackage(this, "openssl");
        dir = tempDir("pg-tls");
        pki = makePki(dir);
        pki.leaf("db", DB_NAMES);
        fs.mkdirSync(path.join(dir, "hba"));
        fs.writeFileSync(path.join(dir, "hba", "pg_hba.conf"), pgHbaTls());
        // As in the pod: the key readable by the server's user only.
        fs.chmodSync(path.join(dir, "db", "tls.key"), 0o600);
        fs.chmodSync(dir, 0o755);
        ownByServerUser(...["", "db", "db/tls.key", "db/tls.crt", "db/ca.crt", "hba", "hba/pg_hba.conf"].map((p) => path.join(dir, p)));
        // The image's entrypoint takes `postgres` first; the flags after it are what the server gets.
        pg = await startPostgres({
            database: "airflow",
            ssl: true,
            serverArgs: postgresTlsArgs(path.join(dir, "db"), path.join(dir, "hba")).slice(1),
        });
    });

    after(async () => {
        bouncer?.kill("SIGTERM");
        await pg?.destroy();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const psql = (conninfo: string, sql = "select ssl from pg_stat_ssl where pid = pg_backend_pid()") =>
        spawnSync("psql", [conninfo, "-Atc", sql], {
            env: { ...process.env, PGPASSWORD: pg!.password, PGCONNECT_TIMEOUT: "10" },
            encoding: "utf8",
        });
    const verified = (port: number, host = DB_NAMES[0], dbname = "airflow") =>
        `host=${host} hostaddr=127.0.0.1 port=${port} user=${pg!.user} ` +
        `dbname=${dbname} sslmode=verify-full sslrootcert=${path.join(dir, "ca.crt")}`;
    const servedSerial = () =>
        execFileSync(
            "sh",
            [
                "-c",
                `openssl s_client -starttls postgres -connect 127.0.0.1:${pg!.port} </dev/null 2>/dev/null | openssl x509 -noout -serial`,
            ],
            { encoding: "utf8" },
        ).trim();

    it("verify-full against the internal-CA-shaped chain and the Service name works; a plain connection is refused", () => {
        const ok = psql(verified(pg!.port));
        assert.equal(ok.status, 0, ok.stderr);
        assert.equal(ok.stdout.trim(), "t");
        const plain = psql(`host=127.0.0.1 port=${pg!.port} user=${pg!.user} dbname=airflow sslmode=disable`);
        assert.notEqual(plain.status, 0);
        assert.match(plain.stderr, /no pg_hba\.conf entry .*no encryption/);
    });

    it("the readiness probe reloads the server once cert-manager has renewed the certificate, and only then", () => {
        const mark = path.join(dir, "loaded");
        const probe = () =>
            spawnSync(
                ...asServerUser("sh", [
                    "-c",
                    postgresProbeScript(true, { dir: path.join(dir, "db"), mark, socketDir: path.join(pg!.dir, "sock") }),
                ]),
                {
                    env: {
                        ...process.env,
                        PATH: `${postgresBinDir()}:${process.env.PATH}`,
                        PGPORT: String(pg!.port),
                        POSTGRES_USER: pg!.user,
                        POSTGRES_DB: "airflow",
                    },
                    encoding: "utf8",
                },
            );
        fs.writeFileSync(mark, "");
        ownByServerUser(mark);
        assert.equal(probe().status, 0, "first probe: reload and record");
        const before = servedSerial();
        const recorded = fs.readFileSync(mark, "utf8");
        assert.equal(probe().status, 0);
        assert.equal(fs.readFileSync(mark, "utf8"), recorded, "nothing to do while the file is unchanged");
        pki.leaf("db", DB_NAMES); // renewal: new key and certificate in the mounted directory
        fs.chmodSync(path.join(dir, "db", "tls.key"), 0o600);
        ownByServerUser(path.join(dir, "db", "tls.key"), path.join(dir, "db", "tls.crt"));
        assert.equal(servedSerial(), before, "PostgreSQL keeps serving what it loaded");
        const renewed = probe();
        assert.equal(renewed.status, 0, renewed.stderr);
        assert.notEqual(servedSerial(), before, "after the probe the renewed certificate is served");
        assert.equal(psql(verified(pg!.port)).status, 0);
    });

    it("PgBouncer with the rendered settings verifies PostgreSQL and takes TLS clients only", async function () {
        requireDebianPackage(this, "pgbouncer");
        // PgBouncer dials the database by its Service name (verify-full checks that name): the
        // test runs it in a private mount namespace whose /etc/hosts maps the name to 127.0.0.1.
        if (spawnSync("unshare", ["-m", "true"]).status !== 0) this.skip();
        pki.leaf("bouncer", serviceDnsNames("airflow-pgbouncer", "airflow"));
        const port = await freePort();
        const ini = pgbouncerIni({ host: DB_NAMES[0], database: "airflow", user: pg!.user, tls: true, tlsDir: path.join(dir, "bouncer") })
            .replace("listen_port = 6543", `listen_port = ${port}`)
            .replace("listen_addr = *", "listen_addr = 127.0.0.1")
            .replace(
                "auth_file = /etc/pgbouncer/users.txt",
                `auth_file = ${path.join(dir, "users.txt")}\nunix_socket_dir =\nlogfile = ${path.join(dir, "pgbouncer.log")}`,
            )
            .replace("port=5432", `port=${pg!.port}`);
        fs.writeFileSync(path.join(dir, "pgbouncer.ini"), ini);
        fs.writeFileSync(path.join(dir, "users.txt"), `"${pg!.user}" "${pg!.password}"\n`);
        fs.writeFileSync(path.join(dir, "hosts"), `127.0.0.1 localhost ${DB_NAMES[0]}\n`);
        ownByServerUser(
            ...["pgbouncer.ini", "users.txt", "bouncer", "bouncer/tls.key", "bouncer/tls.crt", "bouncer/ca.crt"].map((p) =>
                path.join(dir, p),
            ),
        );
        const [cmd, args] = asServerUser("pgbouncer", [path.join(dir, "pgbouncer.ini")]);
        bouncer = spawn(
            "unshare",
            ["-m", "sh", "-c", `mount --bind ${path.join(dir, "hosts")} /etc/hosts && exec "$@"`, "sh", cmd, ...args],
            { stdio: ["ignore", "pipe", "pipe"] },
        );
        let output = "";
        bouncer.stdout!.on("data", (d) => (output += d));
        bouncer.stderr!.on("data", (d) => (output += d));
        await waitFor(
            async () => psql(verified(port, serviceDnsNames("airflow-pgbouncer", "airflow")[0], "airflow-metadata")).status === 0,
            `PgBouncer on ${port}: ${output}`,
            20_000,
            100,
        );
        const viaBouncer = psql(
            `host=127.0.0.1 port=${port} user=${pg!.user} dbname=airflow-metadata sslmode=require`,
            "select ssl from pg_stat_ssl where pid = pg_backend_pid()",
        );
        assert.equal(viaBouncer.status, 0, viaBouncer.stderr);
        assert.equal(viaBouncer.stdout.trim(), "t", "PgBouncer's connection to PostgreSQL is TLS");
        const plain = psql(`host=127.0.0.1 port=${port} user=${pg!.user} dbname=airflow-metadata sslmode=disable`);
        assert.notEqual(plain.status, 0, "a plain client is refused");
    });
});
