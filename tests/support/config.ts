import * as assert from "node:assert/strict";
import { ConfigValidationError } from "../../lib/config/reader";

/** The problems a config parse reports, as "key = value: message" lines; fails if it accepts. */
export function configProblems(parse: () => unknown): string[] {
    try {
        parse();
    } catch (err) {
        assert.ok(err instanceof ConfigValidationError, `expected ConfigValidationError, got ${err}`);
        return err.problems.map((p) => `${p.key} = ${p.value}: ${p.message}`);
    }
    assert.fail("expected the configuration to be refused");
}
