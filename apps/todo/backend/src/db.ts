import { Pool, type PoolConfig } from "pg";
import { type Logger, errorFields, silentLogger } from "./log";

/**
 * A pool that survives the database going away: an idle client's connection error is logged
 * (instead of crashing the process) and the broken client is dropped, so the next query reconnects.
 */
export function createPool(config: PoolConfig, logger: Logger = silentLogger): Pool {
    const pool = new Pool(config);
    pool.on("error", (err) => logger.error("idle database client failed", errorFields(err)));
    return pool;
}
