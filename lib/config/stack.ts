/** The running stack's config as a strict `ConfigLookup`: every key the stack file sets is checked. */
import * as pulumi from "@pulumi/pulumi";
import { ConfigLookup, strictLookup } from "./reader";

export function stackLookup(): ConfigLookup {
    const config = new pulumi.Config();
    return strictLookup((key) => config.get(key), () => Object.keys(pulumi.runtime.allConfig()), `stacks/Pulumi.${pulumi.getStack()}.yaml`);
}
