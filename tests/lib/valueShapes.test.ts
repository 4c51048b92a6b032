import { strict as assert } from "assert";
import { integerOf, isStringMap, listProblems } from "../../lib/config/valueShapes";

describe("config value shapes", () => {
    it("takes decimal integers only, and says the range", () => {
        assert.deepEqual(integerOf("7", 1, 9), { value: 7 });
        for (const raw of ["0x10", "1e3", " 7", "0b11", "7.0", "99999999999999999"]) {
            assert.deepEqual(integerOf(raw, 1, 9), { problem: "must be a decimal integer between 1 and 9" }, raw);
        }
        assert.deepEqual(integerOf("12", 1, 9), { value: 12, problem: "must be an integer between 1 and 9" });
        assert.deepEqual(integerOf("0", 1), { value: 0, problem: "must be an integer >= 1" });
    });

    it("names each refused or repeated list item by its index", () => {
        const check = (s: string) => (s.startsWith("x") ? "must not start with x" : undefined);
        assert.deepEqual(listProblems("zones", ["a", "xb", "a"], { check, minItems: 4 }), [
            { key: "zones", value: ["a", "xb", "a"], message: "must list at least 4 items" },
            { key: "zones[1]", value: "xb", message: "must not start with x" },
            { key: "zones[2]", value: "a", message: "repeats zones[0]; list each entry once" },
        ]);
        assert.deepEqual(listProblems("zones", [], {}), []);
    });

    it("knows a map of strings from arrays, null and nested values", () => {
        assert.ok(isStringMap({ a: "1" }));
        assert.ok(isStringMap({}));
        for (const v of [null, ["a"], "a", { a: 1 }, { a: { b: "c" } }]) assert.ok(!isStringMap(v), JSON.stringify(v));
    });
});
