/**
 * A private directory that lives only as long as this command: removed when the process exits,
 * and also when it is interrupted (Ctrl-C, a CI cancel, a closed terminal), where Node would
 * otherwise end without running its exit handlers.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export function scratchDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    const remove = () => fs.rmSync(dir, { recursive: true, force: true });
    process.once("exit", remove);
    for (const signal of SIGNALS) {
        process.once(signal, () => {
            remove();
            // Ending by the same signal keeps what the caller sees (exit status 128+n), unless
            // another part of the program handles it too and decides itself.
            if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
        });
    }
    return dir;
}
