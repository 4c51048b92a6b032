/**
 * The apps layer's value checks that need more than a pattern: the Airflow chart versions its
 * values are written for, repository-relative paths, volume sizes and dump schedules. Pure.
 */
import * as check from "../lib/config/checks";
import { memoryMiB } from "../lib/quantity";
import { cronAtMostEvery } from "../lib/config/cron";

/** Airflow chart 1.22.0 (released 2026-06-13) is the current release; its appVersion is 3.2.2. */
export const AIRFLOW_CHART_VERSION = "1.22.0";
/** Chart versions whose values this layer writes (keys, defaults) and its tests check against the chart's schema. */
export const AIRFLOW_CHART_VERSIONS: readonly string[] = [AIRFLOW_CHART_VERSION];

export function knownAirflowChart(value: string): string | undefined {
    const shape = check.exactSemver(value);
    if (shape) return shape;
    if (AIRFLOW_CHART_VERSIONS.includes(value)) return undefined;
    return (
        `is not a chart version this layer's Airflow values are written for (known: ` +
        `${AIRFLOW_CHART_VERSIONS.join(", ")}): another chart renames and drops keys silently; move the ` +
        `chart with the project (apps/config.ts, apps/airflow/values.ts)`
    );
}

/** A PVC size: block volumes are whole GiB, and below 1Gi a database or log volume fills on its first day. */
export function volumeSize(value: string): string | undefined {
    if (!/^\d+(Mi|Gi|Ti)$/.test(value)) return 'must be a volume size like "10Gi"';
    if (memoryMiB(value) < 1024)
        return (
            `must be at least 1Gi (block volumes are whole GiB; ` +
            `a smaller claim is rounded up or refused by the storage class), like "10Gi"`
        );
    return undefined;
}

/** A repository-relative path: no absolute path and no "." or ".." component (it would leave the checkout). */
export function repoPath(value: string): string | undefined {
    const parts = value.split("/");
    if (/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(value) && !parts.some((p) => p === "." || p === "..")) return undefined;
    return 'must be a relative path inside the repository like "apps/airflow/dags" (no leading "/", no "." or ".." components)';
}

/** A database dump schedule: each run is a full pg_dump uploaded off-site, so at most hourly. */
export const backupSchedule = cronAtMostEvery(60, "database dumps (each a full pg_dump, encrypted and uploaded)");

/**
 * A database image: pinned like every image, and PostgreSQL (the apps, their migrations and the
 * pg_dump backups speak its protocol); mirrors keep the name: `registry.example.org/library/postgres:17.6`.
 */
export function postgresImage(value: string): string | undefined {
    const pinned = check.pinnedImage(value);
    if (pinned) return pinned;
    const name = value.split("@")[0].split("/").pop()!.split(":")[0];
    if (/postgres/.test(name)) return undefined;
    return (
        `is "${name}", not a PostgreSQL image: the app, its migrations and the pg_dump backups need ` +
        `PostgreSQL; use a pinned postgres image like "docker.io/library/postgres:17.6"`
    );
}
