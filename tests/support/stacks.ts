/**
 * Where tests take stack files from: their own fixtures (tests/fixtures/stacks), never the
 * repository's stacks/, which hold the user's values. Tests over stacks/ (tests/stacks.test.ts)
 * check properties only: valid, consistent, complete.
 */
import * as path from "path";

export const FIXTURE_STACKS = path.join(__dirname, "..", "fixtures", "stacks");

/** A fixture stack file's path. */
export function fixtureStackFile(stack: string): string {
    return path.join(FIXTURE_STACKS, `Pulumi.${stack}.yaml`);
}
