/** A small hand-made environment synth for the report tests: its own values, not the stacks'. */
import type { SynthResult } from "../../../delivery/synth/synth";
import type { EnvironmentSynth } from "../../../delivery/report/model";
import { res, result } from "../fixtures";

const INSTANCE = "openstack:compute/instance:Instance";

function node(stack: string, name: string, role: "server" | "agent", flavor: string, extra: Record<string, unknown> = {}) {
    return res(stack, INSTANCE, `${name}-vm`, {
        name,
        flavorName: flavor,
        metadata: { role, ...(extra.metadata as object) },
        ...extra,
        userData: extra.userData ?? "",
    });
}

export interface FixtureOptions {
    readonly agents?: number;
    readonly agentFlavor?: string;
    readonly kafkaSize?: string;
}

export function environment(options: FixtureOptions = {}): EnvironmentSynth {
    const agents = options.agents ?? 2;
    const agentFlavor = options.agentFlavor ?? "f.big";
    const keepalived = {
        "@secret":
            "#cloud-config\nwrite_files:\n  - content: |\n      vrrp_instance api {\n" +
            "        virtual_ipaddress {\n          192.0.2.50/24\n        }\n",
    };
    const infra: SynthResult = result(
        "qa-infra",
        [
            ...[0, 1, 2].map((i) =>
                node("qa-infra", `qa-server-${i}`, "server", "f.small", { userData: keepalived, availabilityZone: `az-${i}` }),
            ),
            ...Array.from({ length: agents }, (_, i) =>
                node("qa-infra", `qa-agent-${i}`, "agent", agentFlavor, { metadata: { pool: "workers" } }),
            ),
            res("qa-infra", "openstack:blockstorage/volume:Volume", "qa-nfs", { name: "qa-nfs", size: 30 }),
        ],
        {
            environment: "qa",
            k3sVersion: "v1.99.1+k3s1",
            apiEndpoint: "https://203.0.113.9:6443",
            ingressAddress: "203.0.113.9",
            nodes: [
                ...[0, 1, 2].map((i) => ({ name: `qa-server-${i}`, role: "server", address: `192.0.2.${10 + i}` })),
                ...Array.from({ length: agents }, (_, i) => ({ name: `qa-agent-${i}`, role: "agent", address: `192.0.2.${100 + i}` })),
            ],
            nodePools: [
                { role: "server", count: 3, flavor: "f.small", vcpus: 2, memoryMiB: 4096, tainted: true },
                { role: "agent", count: agents, flavor: agentFlavor, vcpus: 4, memoryMiB: 8192 },
            ],
        },
    );
    const cluster = result(
        "qa-cluster",
        [
            res("qa-cluster", "data-platform:cluster:Kafka", "qa-kafka", {}, {}, false),
            res("qa-cluster", "kubernetes:kafka.strimzi.io/v1:KafkaNodePool", "pool", {
                metadata: { name: "brokers" },
                spec: { replicas: 3, storage: { type: "jbod", volumes: [{ id: 0, size: options.kafkaSize ?? "8Gi", class: "block" }] } },
            }),
            res("qa-cluster", "kubernetes:helm.sh/v3:Release", "qa-monitoring", {
                values: {
                    prometheus: {
                        prometheusSpec: {
                            replicas: 2,
                            storageSpec: {
                                volumeClaimTemplate: {
                                    spec: {
                                        storageClassName: "block",
                                        accessModes: ["ReadWriteOnce"],
                                        resources: { requests: { storage: "4Gi" } },
                                    },
                                },
                            },
                        },
                    },
                },
            }),
        ],
        {
            requests: { cpuMilli: 1000, memoryMiB: 2048 },
            daemonSets: { server: { cpuMilli: 100, memoryMiB: 128 }, agent: { cpuMilli: 50, memoryMiB: 64 } },
            storageClasses: { rwo: "block", rwx: "shared" },
            grafanaUrl: "https://grafana.qa.test/",
        },
    );
    const apps = result(
        "qa-apps",
        [
            res("qa-apps", "kubernetes:core/v1:PersistentVolumeClaim", "db", {
                metadata: { name: "db", namespace: "todo" },
                spec: { storageClassName: "block", resources: { requests: { storage: "2Gi" } } },
            }),
            res("qa-apps", "kubernetes:core/v1:PersistentVolumeClaim", "logs", {
                metadata: { name: "logs", namespace: "airflow" },
                spec: { storageClassName: "shared", resources: { requests: { storage: "6Gi" } } },
            }),
            res("qa-apps", "kubernetes:networking.k8s.io/v1:Ingress", "todo", { spec: { rules: [{ host: "todo.qa.test" }] } }),
        ],
        {
            requests: { cpuMilli: 2000, memoryMiB: 4096 },
            fit: {
                allocatable: { cpuMilli: (7600 * agents) / 2, memoryMiB: (15360 * agents) / 2 },
                requested: { cpuMilli: 3100, memoryMiB: 6272 },
            },
            todoUrl: "https://todo.qa.test/",
        },
    );
    return { infra, cluster, apps };
}
