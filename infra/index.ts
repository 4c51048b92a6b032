import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { parseInfraConfig } from "./config";

export async function infraLayer(): Promise<Record<string, unknown>> {
    const config = new pulumi.Config();
    const cfg = parseInfraConfig((k) => config.get(k), pulumi.getProject(), `stack ${pulumi.getStack()}`);
    const token = new random.RandomPassword("server-token", { length: 48, special: false });
    return { environment: cfg.environment, token: token.result };
}
