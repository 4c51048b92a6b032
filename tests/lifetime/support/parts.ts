/**
 * The lifetime suite's "k3s made of upstream parts": the programs (parts/build.sh, cached by
 * version outside the repository) on a read-only parts disk (parts/disk.sh), and the wrapper
 * script the k3s mirror serves in place of the k3s binary (parts/wrapper/k3s).
 */
import { spawn } from "node:child_process";
import * as path from "node:path";

const PARTS_DIR = path.join(__dirname, "..", "parts");
/** What the mirror serves as `k3s`: the wrapper (a stand-in for k3s, made of upstream parts). */
export const K3S_WRAPPER = path.join(PARTS_DIR, "wrapper", "k3s");
/** The serial the wrapper looks for (/dev/disk/by-id/virtio-k3s-parts). */
export const PARTS_SERIAL = "k3s-parts";

export interface PartsDisk {
    readonly file: string;
    /** Seconds spent building programs and disk; ~0 when both were cached. */
    readonly seconds: number;
}

/** Builds (first time: tens of minutes of Go compilation) or finds the parts disk. */
export async function ensurePartsDisk(log: (line: string) => void): Promise<PartsDisk> {
    const started = Date.now();
    const file = await new Promise<string>((resolve, reject) => {
        const child = spawn("nice", ["-n", "10", "bash", path.join(PARTS_DIR, "disk.sh")], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let tail = "";
        child.stdout.on("data", (c: Buffer) => (out += c.toString()));
        child.stderr.on("data", (c: Buffer) => {
            tail = (tail + c.toString()).slice(-4000);
            for (const line of c
                .toString()
                .split("\n")
                .filter((l) => l.startsWith("build.sh:")))
                log(line);
        });
        child.on("error", reject);
        child.on("exit", (code) =>
            code === 0 ? resolve(out.trim().split("\n").pop()!) : reject(new Error(`parts/disk.sh failed (exit ${code}):\n${tail}`)),
        );
    });
    return { file, seconds: (Date.now() - started) / 1000 };
}
