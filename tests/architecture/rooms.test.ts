/**
 * The rooms stay navigable: every sub-room of delivery/ is described in delivery/README.md, and
 * every test folder under tests/delivery names a delivery room.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

function dirsUnder(rel: string): string[] {
    const out: string[] = [];
    for (const e of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
        if (!e.isDirectory()) continue;
        out.push(`${e.name}/`, ...dirsUnder(path.join(rel, e.name)).map((d) => `${e.name}/${d}`));
    }
    return out;
}

describe("architecture: rooms", () => {
    const readme = fs.readFileSync(path.join(ROOT, "delivery", "README.md"), "utf8");
    const described = new Set([...readme.matchAll(/^\| `([A-Za-z/]+\/)` \|/gm)].map((m) => m[1]));

    it("describes every room of delivery/ in its README, and no room that is gone", () => {
        const rooms = dirsUnder("delivery").filter((d) => d.split("/").length === 2 || d.startsWith("deploy/"));
        assert.deepEqual(
            rooms.filter((r) => !described.has(r)),
            [],
            "rooms without a line in delivery/README.md",
        );
        assert.deepEqual(
            [...described].filter((r) => !rooms.includes(r)),
            [],
            "README lines for rooms that do not exist",
        );
    });

    it("keeps tests/delivery's folders in step with delivery's rooms", () => {
        const testRooms = dirsUnder(path.join("tests", "delivery")).filter((d) => d.split("/").length === 2);
        assert.deepEqual(
            testRooms.filter((d) => !fs.existsSync(path.join(ROOT, "delivery", d))),
            [],
        );
    });
});
