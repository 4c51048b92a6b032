/** Shared by the infra synth tests: resource types, and reading instances and their k3s config out of a synth. */
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { SynthResource, SynthResult } from "../../delivery/synth/synth";
import { ofType } from "../support/synth";

export const INSTANCE = "openstack:compute/instance:Instance";
export const RULE = "openstack:networking/secGroupRule:SecGroupRule";

/** The plain text of a secret-wrapped synth value. */
export function secretText(value: unknown): string {
    assert.ok(value && typeof value === "object" && "@secret" in value, `expected a secret, got ${JSON.stringify(value)}`);
    return (value as { "@secret": string })["@secret"];
}

export function k3sConfigOf(instance: SynthResource): Record<string, any> {
    const cloudConfig = parse(secretText(instance.inputs.userData).replace(/^#cloud-config\n/, "")) as {
        write_files: { path: string; content: string }[];
    };
    const file = cloudConfig.write_files.find((f) => f.path === "/etc/rancher/k3s/config.yaml");
    assert.ok(file, "user-data writes /etc/rancher/k3s/config.yaml");
    return parse(file.content);
}

export const instances = (result: SynthResult, role: "server" | "agent") =>
    ofType(result, INSTANCE)
        .filter((r) => (r.inputs.metadata as Record<string, string>).role === role)
        .sort((a, b) => a.name.localeCompare(b.name));
