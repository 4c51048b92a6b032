/** Shared by the cluster values tests: dev- and prod-like configs, and a dotted-path reader for values trees. */
import { parseClusterConfig } from "../../cluster/config";

export const cfgFor = (values: Record<string, string>) => parseClusterConfig((k) => values[k], "data-platform", "test");
export const dev = cfgFor({ environment: "dev", kafkaBrokers: "1", grafanaNodePort: "30090", kafkaBrokerMemory: "1Gi" });
export const prod = cfgFor({
    environment: "prod",
    kafkaBrokers: "3",
    grafanaHost: "grafana.example.org",
    grafanaPath: "/",
    alertmanagerReplicas: "2",
});
export const get = (obj: unknown, path: string): any => path.split(".").reduce<any>((o, k) => (o == null ? undefined : o[k]), obj);
