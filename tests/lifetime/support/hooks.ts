/**
 * What every lifetime scenario file shares: the boot suite's prerequisites (fail under CI, skip
 * elsewhere), the parts disk (built on a cold cache: tens of minutes of Go compilation), one
 * cloud stand-in per file, stopped afterwards (its VMs' consoles kept when a test failed).
 */
import { bootBase, requirePrerequisites } from "../../boot/support/suite";
import { LifetimeCloud } from "./cloud";
import { ensurePartsDisk } from "./parts";

let parts: Promise<string> | undefined;

export async function lifetimeCloud(ctx: Mocha.Context, label: string, versions: readonly string[]): Promise<LifetimeCloud> {
    requirePrerequisites(ctx);
    parts ??= ensurePartsDisk((line) => console.log(`    ${line}`)).then((p) => {
        if (p.seconds > 60) console.log(`    parts disk built in ${p.seconds.toFixed(0)} s`);
        return p.file;
    });
    const file = await parts;
    await bootBase();
    const cloud = new LifetimeCloud(label, versions, file);
    await cloud.start();
    return cloud;
}

/** Registers (at describe level) the cloud's stop after the file's tests; logs kept on a failure. */
export function stopCloudAfter(get: () => LifetimeCloud | undefined): void {
    let failed = false;
    afterEach(function () {
        if (this.currentTest?.state === "failed") failed = true;
    });
    after(async () => {
        const cloud = get();
        if (failed && cloud) {
            console.log(await cloud.journals().catch((e: unknown) => `(no journal: ${String(e)})`));
            console.log(await cloud.cpuTimes().catch((e: unknown) => `(no CPU times: ${String(e)})`));
            console.log(`    ${cloud.run.debugHint()}`);
        }
        await cloud?.stop(failed || process.env.LIFETIME_KEEP === "1");
    });
}
