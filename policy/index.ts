/**
 * Policy pack `data-platform-rules`: `pulumi preview --policy-pack policy` (or `up`).
 * Thin wiring: each rule of rules.ts becomes a mandatory resource policy. The analyzer sees
 * secret values unwrapped, so rules run with knowsSecrets: false (tests run them on synth, where
 * secrets are marked, with knowsSecrets: true).
 */
import { PolicyPack } from "@pulumi/policy";
import { RULES } from "./rules";

new PolicyPack("data-platform-rules", {
    enforcementLevel: "mandatory",
    policies: RULES.map((rule) => ({
        name: rule.name,
        description: rule.description,
        validateResource: (args, reportViolation) => {
            for (const message of rule.check({ type: args.type, name: args.name, inputs: args.props }, { knowsSecrets: false })) {
                reportViolation(message, args.urn);
            }
        },
    })),
});
