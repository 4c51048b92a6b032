/** The npm scripts' one command-line reader (delivery/bin/args.ts): node's util.parseArgs with plain errors. */
import { strict as assert } from "assert";
import { parseCommandLine, UsageError } from "../../../delivery/bin/args";

const FLAGS = {
    yes: { type: "boolean", short: "y" },
    "confirm-env": { type: "string" },
    stack: { type: "string", multiple: true },
} as const;

describe("delivery: command-line flags", () => {
    it("reads switches, aliases, inline and separate values, repeated flags and positionals", () => {
        const p = parseCommandLine(["prod", "-y", "--confirm-env=prod", "--stack", "a", "--stack=b", "extra"], FLAGS);
        assert.deepEqual(p.positionals, ["prod", "extra"]);
        assert.deepEqual(p.values, { yes: true, "confirm-env": "prod", stack: ["a", "b"] });
        assert.deepEqual(parseCommandLine(["dev"], FLAGS).values, {}, "a flag not given is absent");
    });

    it("names the flag in one plain line: unknown, missing value, value for a switch", () => {
        const problem = (argv: string[]) => {
            try {
                parseCommandLine(argv, FLAGS);
            } catch (err) {
                assert.ok(err instanceof UsageError, String(err));
                return err.message;
            }
            return undefined;
        };
        assert.equal(problem(["dev", "--yes-please"]), "unknown option --yes-please");
        assert.equal(problem(["-yx"]), "unknown option -x");
        assert.equal(problem(["--"]), "unknown option --");
        assert.equal(problem(["dev", "--confirm-env"]), "--confirm-env needs a value");
        assert.equal(problem(["dev", "--confirm-env="]), "--confirm-env needs a value");
        // A separate value that looks like a flag is a forgotten value, not an environment named "--yes".
        assert.equal(problem(["dev", "--confirm-env", "--yes"]), "--confirm-env needs a value");
        assert.equal(problem(["--yes=1"]), "--yes takes no value");
        assert.equal(problem(["--confirm-env=-odd"]), undefined, "an inline value may start with a dash");
    });
});
