/**
 * `npm run backup-check`: whether the store enforces what `backupStore.pruning` promises, with
 * the writers' own key. It puts a small probe object, reads it back and tries to delete it:
 * with `pruning: store` the delete must be refused (the bucket's policy is applied), with
 * `writers` it must succeed (k3s and the dump Jobs prune with that key). The verdict is pure;
 * the probe's I/O goes through `StoreProbe` (s3Probe over the S3 API, or a test's own).
 */
import { S3Access, signRequest } from "../restore/s3List";

export type DeleteOutcome = "deleted" | "refused";

export interface StoreProbe {
    put(key: string, body: string): Promise<void>;
    get(key: string): Promise<string>;
    del(key: string): Promise<DeleteOutcome>;
}

export interface WriterCheckResult {
    readonly ok: boolean;
    readonly lines: string[];
}

/** Where the probe goes: beside the environment's backups, named by time so runs never collide. */
export function probeKey(environment: string, now: Date): string {
    return `${environment}/writer-check/probe-${now
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d{3}/, "")}`;
}

/** What a delete outcome means under a pruning mode. Pure. */
export function deleteVerdict(pruning: "writers" | "store", outcome: DeleteOutcome): WriterCheckResult {
    if (pruning === "store") {
        return outcome === "refused"
            ? {
                  ok: true,
                  lines: [
                      "ok: the store refused the writer's delete; pruning is the bucket's (its lifecycle rule also expires this probe)",
                  ],
              }
            : {
                  ok: false,
                  lines: [
                      'FAIL: the writer deleted the probe, but pruning is "store": the bucket policy from the infra output ' +
                          'backupStoreRules is not applied (docs/security.md, "Writers that cannot delete")',
                  ],
              };
    }
    return outcome === "deleted"
        ? { ok: true, lines: ['ok: the writer can delete, as pruning "writers" needs (k3s and the dump Jobs prune with this key)'] }
        : {
              ok: false,
              lines: [
                  'FAIL: the store refuses the writer\'s delete, but pruning is "writers": nothing prunes and the ' +
                      'bucket only grows; set backupStore.pruning "store" with ' +
                      "expireAfterDays and apply backupStoreRules, or lift the deny",
              ],
          };
}

/** Put, read back, try to delete; a failing put or read is a failure of its own. */
export async function checkWriter(probe: StoreProbe, key: string, pruning: "writers" | "store"): Promise<WriterCheckResult> {
    const body = `writer check ${key}`;
    try {
        await probe.put(key, body);
    } catch (err) {
        return { ok: false, lines: [`FAIL: the writer cannot put ${key}: ${(err as Error).message}`] };
    }
    const back = await probe.get(key).catch((err: Error) => `(${err.message})`);
    if (back !== body)
        return {
            ok: false,
            lines: [
                `FAIL: reading ${key} back gave ${JSON.stringify(back.slice(0, 80))}: the writer must read what it ` +
                    `wrote (k3s lists, the dump Job verifies its upload)`,
            ],
        };
    const outcome = await probe.del(key);
    const verdict = deleteVerdict(pruning, outcome);
    return { ok: verdict.ok, lines: [`put and read back ${key}: ok`, `delete ${key}: ${outcome}`, ...verdict.lines] };
}

/** The probe over the S3 API (SigV4, path style), with the writers' credential. */
export function s3Probe(access: S3Access): StoreProbe {
    const call = async (method: "PUT" | "GET" | "DELETE", key: string, body = "") => {
        const req = signRequest(access, method, key, {}, Buffer.from(body), new Date());
        return fetch(req.url, { method, headers: req.headers, ...(method === "PUT" ? { body } : {}), signal: AbortSignal.timeout(30_000) });
    };
    const fail = async (res: Response, what: string) =>
        new Error(`${what}: HTTP ${res.status} ${(/<Code>([^<]*)<\/Code>/.exec(await res.text()) ?? [])[1] ?? res.statusText}`);
    return {
        async put(key, body) {
            const res = await call("PUT", key, body);
            if (!res.ok) throw await fail(res, "PUT");
            await res.text();
        },
        async get(key) {
            const res = await call("GET", key);
            if (!res.ok) throw await fail(res, "GET");
            return res.text();
        },
        async del(key) {
            const res = await call("DELETE", key);
            await res.text();
            if (res.status === 403) return "refused";
            if (res.ok) return "deleted";
            throw new Error(`DELETE ${key}: HTTP ${res.status} (neither done nor refused)`);
        },
    };
}
