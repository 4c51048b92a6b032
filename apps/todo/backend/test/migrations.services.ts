import assert from "node:assert/strict";
import { createPool } from "../src/db";
import { MIGRATIONS, migrate } from "../src/migrations";
import { sharedPostgres, type PgServer } from "./pg-harness";
import { requireDebianPackage } from "../../../../tests/support/debian";

describe("todo backend: migrations against a real PostgreSQL", function () {
    let pg: PgServer;
    before(async function () {
        requireDebianPackage(this, "postgresql");
        this.timeout(60_000);
        pg = await sharedPostgres();
    });

    const all = MIGRATIONS.map((m) => m.version);

    it("applies every migration once; a second run is a no-op", async () => {
        const pool = createPool(pg.config(await pg.createDatabase("mig")));
        try {
            assert.deepEqual(await migrate(pool), all);
            assert.deepEqual(await migrate(pool), []);
            const { rows } = await pool.query("SELECT version, name FROM schema_migrations ORDER BY version");
            assert.deepEqual(
                rows,
                MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
            );
            const cols = await pool.query(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'todos' ORDER BY ordinal_position",
            );
            assert.deepEqual(
                cols.rows.map((r) => r.column_name),
                ["id", "title", "completed", "created_at", "updated_at"],
            );
            // The database itself refuses an over-long or empty title, whatever the API does.
            await assert.rejects(pool.query("INSERT INTO todos (title) VALUES ($1)", ["x".repeat(201)]), /check constraint/);
            await assert.rejects(pool.query("INSERT INTO todos (title) VALUES ('')"), /check constraint/);
        } finally {
            await pool.end();
        }
    });

    it("is safe when several replicas start together (advisory lock): each migration applied exactly once", async () => {
        const db = await pg.createDatabase("migc");
        const pools = Array.from({ length: 4 }, () => createPool({ ...pg.config(db), max: 1 }));
        try {
            const results = await Promise.all(pools.map((p) => migrate(p)));
            assert.deepEqual(results.flat().sort(), [...all].sort(), `applied: ${JSON.stringify(results)}`);
            assert.equal(results.filter((r) => r.length > 0).length, 1);
            const { rows } = await pools[0].query("SELECT count(*)::int AS n FROM schema_migrations");
            assert.equal(rows[0].n, all.length);
            // The lock is released: nothing is left holding it.
            const locks = await pools[0].query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'");
            assert.equal(locks.rows[0].n, 0);
        } finally {
            await Promise.all(pools.map((p) => p.end()));
        }
    });

    it("rolls back a failing migration and records nothing for it", async () => {
        const pool = createPool(pg.config(await pg.createDatabase("migf")));
        try {
            const broken = [...MIGRATIONS, { version: 99, name: "broken", sql: "CREATE TABLE oops (; " }];
            await assert.rejects(migrate(pool, broken), /syntax error/);
            const { rows } = await pool.query("SELECT version FROM schema_migrations ORDER BY version");
            assert.deepEqual(
                rows.map((r) => r.version),
                all,
            );
            assert.deepEqual(await migrate(pool), []);
        } finally {
            await pool.end();
        }
    });
});
