/** Shared by the CI runner tests (tests/infra/ciRunner*.test.ts): the dev-infra stack with a runner configured. */
import * as fs from "fs";
import { parse } from "yaml";
import { ConfigLookup, strictLookup } from "../../lib/config/reader";
import { fixtureStackFile } from "./stacks";

/** The dev-infra stack file as a lookup, with overrides (keys without namespace). */
export function devInfra(overrides: Record<string, string>): ConfigLookup {
    const doc = parse(fs.readFileSync(fixtureStackFile("dev-infra"), "utf8")) as { config: Record<string, unknown> };
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(doc.config))
        values[k.replace("data-platform:", "")] = typeof v === "string" ? v : JSON.stringify(v);
    Object.assign(values, overrides);
    return strictLookup(
        (key) => values[key],
        () => Object.keys(values),
        "Pulumi.dev-infra.yaml",
        { isSecret: (k) => k === "ciRunnerGithubToken" },
    );
}
export const plain = (o: Record<string, string>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace("data-platform:", ""), v]));

export const SHA = "a".repeat(64);
export const RUNNER = {
    "data-platform:ciRunnerRepository": "example-org/data-platform",
    "data-platform:ciRunnerGithubToken": "github_pat_STANDIN0123456789",
};
export const RULE = "openstack:networking/secGroupRule:SecGroupRule";
export const secretText = (v: unknown) => (v as { "@secret": string })["@secret"];
