/**
 * The boot-test VM image: built by image/build-image.sh from Debian packages and cached outside
 * the repository (`$DATA_PLATFORM_BOOT_CACHE`, default ~/.cache/data-platform-boot), keyed by a
 * hash of the package list, the build script and the in-VM agent, so it is rebuilt only when
 * one of them changes.
 */
import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const IMAGE_DIR = path.join(__dirname, "..", "image");
const INPUTS = ["packages.txt", "build-image.sh", "boot-test-agent.py"];

export interface BootImage {
    readonly dir: string;
    readonly kernel: string;
    readonly initrd: string;
    /** Pristine root disk; every VM boots a copy-on-write overlay of it. */
    readonly root: string;
    readonly rootUuid: string;
    /** Seconds spent building, 0 when it came from the cache. */
    readonly buildSeconds: number;
}

export function cacheDir(): string {
    return process.env.DATA_PLATFORM_BOOT_CACHE ?? path.join(os.homedir(), ".cache", "data-platform-boot");
}

export function imageKey(): string {
    const hash = createHash("sha256");
    for (const file of INPUTS) hash.update(fs.readFileSync(path.join(IMAGE_DIR, file)));
    return hash.digest("hex").slice(0, 16);
}

function describe(dir: string, buildSeconds: number): BootImage {
    return {
        dir,
        kernel: path.join(dir, "vmlinuz"),
        initrd: path.join(dir, "initrd.img"),
        root: path.join(dir, "root.img"),
        rootUuid: fs.readFileSync(path.join(dir, "root.uuid"), "utf8").trim(),
        buildSeconds,
    };
}

/** The cached image, or a fresh build (several minutes: debootstrap + apt in a chroot). */
export async function ensureImage(log: (line: string) => void): Promise<BootImage> {
    const dir = path.join(cacheDir(), `image-${imageKey()}`);
    if (fs.existsSync(path.join(dir, "root.uuid"))) return describe(dir, 0);
    fs.mkdirSync(cacheDir(), { recursive: true });
    log(`building the boot image into ${dir} (cache miss)`);
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
        const child = spawn("bash", [path.join(IMAGE_DIR, "build-image.sh"), dir], { stdio: ["ignore", "pipe", "pipe"] });
        let tail = "";
        const keep = (chunk: Buffer) => {
            tail = (tail + chunk.toString()).slice(-4000);
        };
        child.stdout.on("data", (c: Buffer) => {
            keep(c);
            for (const line of c.toString().split("\n").filter(Boolean)) log(`  ${line}`);
        });
        child.stderr.on("data", keep);
        child.on("error", reject);
        child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`build-image.sh failed (exit ${code}):\n${tail}`))));
    });
    return describe(dir, (Date.now() - started) / 1000);
}
