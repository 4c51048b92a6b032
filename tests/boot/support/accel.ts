/**
 * Chooses QEMU's accelerator by booting the image's kernel for a moment, never by the mere
 * presence of /dev/kvm: on this kind of machine /dev/kvm opens, but nested KVM guests stall at
 * kernel start. KVM is taken when its guest reaches userspace ("Run … as init process") in time;
 * otherwise TCG (software emulation, -cpu max), which must reach it or QEMU cannot boot here.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import type { BootImage } from "./image";
import type { Accel } from "./vm";

/** The kernel hands over to userspace (rdinit=/bin/true then ends the probe with a panic). */
const MARKER = " as init process";

function probe(image: BootImage, accel: Accel, timeoutMs: number): Promise<{ ok: boolean; seconds: number; detail: string }> {
    if (accel === "kvm" && !fs.existsSync("/dev/kvm")) return Promise.resolve({ ok: false, seconds: 0, detail: "no /dev/kvm" });
    const started = Date.now();
    return new Promise((resolve) => {
        const child = spawn(
            "qemu-system-x86_64",
            [
                ...(accel === "kvm" ? ["-accel", "kvm", "-cpu", "host"] : ["-accel", "tcg", "-cpu", "max"]),
                "-m",
                "256",
                "-nographic",
                "-nodefaults",
                "-no-reboot",
                "-serial",
                "stdio",
                "-kernel",
                image.kernel,
                "-initrd",
                image.initrd,
                "-append",
                "console=ttyS0 panic=-1 rdinit=/bin/true",
            ],
            { stdio: ["ignore", "pipe", "pipe"] },
        );
        let output = "";
        let done = false;
        const finish = (ok: boolean, detail: string) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            child.kill("SIGKILL");
            resolve({ ok, seconds: (Date.now() - started) / 1000, detail });
        };
        const timer = setTimeout(() => finish(false, `no "${MARKER}" within ${timeoutMs / 1000} s`), timeoutMs);
        const onData = (c: Buffer) => {
            output += c.toString();
            if (output.includes(MARKER)) finish(true, "kernel reached init");
        };
        child.stdout.on("data", onData);
        child.stderr.on("data", onData);
        child.on("error", (err) => finish(false, err.message));
        child.on("exit", (code) => finish(false, `qemu exited ${code}: ${output.slice(-300).trim()}`));
    });
}

export async function chooseAccel(image: BootImage, log: (line: string) => void): Promise<Accel> {
    const kvm = await probe(image, "kvm", 10_000);
    log(`accelerator probe: kvm ${kvm.ok ? "boots" : `rejected (${kvm.detail})`} after ${kvm.seconds.toFixed(1)} s`);
    if (kvm.ok) return "kvm";
    const tcg = await probe(image, "tcg", 120_000);
    log(`accelerator probe: tcg ${tcg.ok ? "boots" : `fails (${tcg.detail})`} after ${tcg.seconds.toFixed(1)} s`);
    if (tcg.ok) return "tcg";
    throw new Error(`QEMU cannot boot the test image here: kvm: ${kvm.detail}; tcg: ${tcg.detail}`);
}
