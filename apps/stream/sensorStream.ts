/**
 * The sensor stream (namespace `stream`): a producer writing sensor readings to the events topic
 * and a windowed-average processor (a Kafka consumer group) writing to the results topic. The
 * broker address and topic names come from the cluster stack, so a topic rename there reaches
 * the services on the next `pulumi up` of this layer.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { Resources, StreamConfig } from "../config";
import type { RequestItem } from "../../lib/fit";
import { k8sResources } from "../resources";
import { appNamespace } from "../appParts";
import type { RegistryCredential } from "../images";
import { imagePullSecrets, newPullSecret } from "../pullSecret";
import * as random from "@pulumi/random";
import { kafkaEndpoint } from "../networkPolicies";
import { kafkaUser, kafkaUserName, PASSWORD_KEY, PROCESSOR_GROUP, saslEnv, type EnvVar, type StreamService } from "./kafkaUsers";
import { componentType } from "../../lib/componentType";

export interface KafkaWiring {
    readonly bootstrap: string;
    readonly eventsTopic: string;
    readonly resultsTopic: string;
}

export interface SensorStreamArgs {
    readonly config: StreamConfig;
    readonly namespace: string;
    readonly kafka: KafkaWiring;
    /** Pull credential of the own images' registry (a pull Secret in the namespace). */
    readonly pullCredential?: RegistryCredential;
}

export const STREAM_RESOURCES = {
    producer: { cpu: "50m", memory: "96Mi", cpuLimit: "250m", memoryLimit: "192Mi" },
    processor: { cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" },
} as const satisfies Record<string, Resources>;

/**
 * Both services answer on this port: `/healthz` (recent Kafka progress; 503 during a broker
 * outage), `/livez` (process only) and `/metrics` (apps/stream/common/src/health.ts).
 */
export const HEALTH_PORT = 8080;

/** Environment of each service, named as the services read it (apps/stream/*\/src/config.ts). */
export function producerEnv(config: StreamConfig, kafka: KafkaWiring): { name: string; value: string }[] {
    return [
        { name: "KAFKA_BOOTSTRAP", value: kafka.bootstrap },
        { name: "TOPIC", value: kafka.eventsTopic },
        { name: "RATE", value: String(config.rate) },
        { name: "HEALTH_PORT", value: String(HEALTH_PORT) },
    ];
}

export function processorEnv(config: StreamConfig, kafka: KafkaWiring): { name: string; value: string }[] {
    return [
        { name: "KAFKA_BOOTSTRAP", value: kafka.bootstrap },
        { name: "INPUT_TOPIC", value: kafka.eventsTopic },
        { name: "OUTPUT_TOPIC", value: kafka.resultsTopic },
        { name: "GROUP_ID", value: PROCESSOR_GROUP },
        { name: "WINDOW_SIZE", value: String(config.windowSize) },
        { name: "HEALTH_PORT", value: String(HEALTH_PORT) },
    ];
}

export function streamRequestItems(config: StreamConfig): RequestItem[] {
    return [
        { name: "sensor producer", ...STREAM_RESOURCES.producer },
        { name: "sensor processor", ...STREAM_RESOURCES.processor, replicas: config.processorReplicas },
    ];
}

export class SensorStream extends pulumi.ComponentResource {
    constructor(name: string, args: SensorStreamArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("apps", "SensorStream"), name, {}, opts);
        const { config, kafka } = args;
        const ns = args.namespace;
        const partOf = { "app.kubernetes.io/part-of": "sensor-stream" };

        const namespace = appNamespace(name, ns, partOf, { parent: this });
        const pull = args.pullCredential
            ? newPullSecret(`${name}-image-pull`, args.pullCredential, ns, partOf, { parent: this, dependsOn: [namespace] })
            : undefined;

        // Each service logs in as its own KafkaUser (apps/stream/kafkaUsers.ts); the password is
        // generated once and kept in a Secret in Kafka's namespace (for Strimzi) and in this one.
        const logins = (["producer", "processor"] as StreamService[])
            .map((service) => {
                const user = kafkaUserName(service);
                const password = new random.RandomPassword(
                    `${name}-${service}-kafka-password`,
                    { length: 32, special: false },
                    { parent: this },
                );
                const stringData = pulumi.secret(password.result.apply((p) => ({ [PASSWORD_KEY]: p })));
                const forStrimzi = new k8s.core.v1.Secret(
                    `${name}-${service}-kafka-user-secret`,
                    {
                        metadata: { name: user, namespace: kafkaEndpoint(kafka.bootstrap).namespace, labels: partOf },
                        type: "Opaque",
                        stringData,
                    },
                    { parent: this },
                );
                const forPod = new k8s.core.v1.Secret(
                    `${name}-${service}-kafka-secret`,
                    {
                        metadata: { name: `${user}-kafka`, namespace: ns, labels: partOf },
                        type: "Opaque",
                        stringData,
                    },
                    { parent: this, dependsOn: [namespace] },
                );
                const kafkaUserResource = new k8s.apiextensions.CustomResource(
                    `${name}-${service}-kafka-user`,
                    kafkaUser(service, kafka) as k8s.apiextensions.CustomResourceArgs,
                    {
                        parent: this,
                        dependsOn: [forStrimzi],
                    },
                );
                return [forPod, kafkaUserResource];
            })
            .flat();

        const deployment = (component: StreamService, image: string, replicas: number, env: EnvVar[], resources: Resources) => {
            const labels = { "app.kubernetes.io/name": `sensor-${component}`, ...partOf };
            const deploy = new k8s.apps.v1.Deployment(
                `${name}-${component}`,
                {
                    metadata: { name: `sensor-${component}`, namespace: ns, labels },
                    spec: {
                        replicas,
                        selector: { matchLabels: labels },
                        template: {
                            metadata: { labels },
                            spec: {
                                // Both exit cleanly on SIGTERM (producer flushes, processor commits).
                                terminationGracePeriodSeconds: 30,
                                ...imagePullSecrets(args.pullCredential),
                                containers: [
                                    {
                                        name: component,
                                        image,
                                        env: [...env, ...saslEnv(component)],
                                        ports: [{ name: "health", containerPort: HEALTH_PORT }],
                                        resources: k8sResources(resources),
                                        // Readiness follows Kafka progress (/healthz); liveness is process-only
                                        // (/livez), so a broker outage does not restart every pod — the Kafka
                                        // client reconnects on its own, restarts would only add rebalances.
                                        readinessProbe: {
                                            httpGet: { path: "/healthz", port: "health" },
                                            periodSeconds: 10,
                                            timeoutSeconds: 3,
                                        },
                                        livenessProbe: {
                                            httpGet: { path: "/livez", port: "health" },
                                            initialDelaySeconds: 30,
                                            periodSeconds: 20,
                                            timeoutSeconds: 3,
                                            failureThreshold: 3,
                                        },
                                        // The images run as USER node (uid 1000 in the node base image); the
                                        // kubelet can only verify runAsNonRoot against a numeric user.
                                        securityContext: {
                                            allowPrivilegeEscalation: false,
                                            runAsNonRoot: true,
                                            runAsUser: 1000,
                                            runAsGroup: 1000,
                                        },
                                    },
                                ],
                            },
                        },
                    },
                },
                { parent: this, dependsOn: [namespace, ...logins, ...(pull ? [pull] : [])] },
            );
            new k8s.core.v1.Service(
                `${name}-${component}-service`,
                {
                    metadata: { name: `sensor-${component}`, namespace: ns, labels },
                    spec: { selector: labels, ports: [{ name: "health", port: HEALTH_PORT, targetPort: "health" }] },
                },
                { parent: this, dependsOn: [namespace] },
            );
            return deploy;
        };

        deployment("producer", config.producerImage, 1, producerEnv(config, kafka), STREAM_RESOURCES.producer);
        deployment("processor", config.processorImage, config.processorReplicas, processorEnv(config, kafka), STREAM_RESOURCES.processor);
        if (config.processorReplicas > 1) {
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-processor-pdb`,
                {
                    metadata: { name: "sensor-processor", namespace: ns, labels: partOf },
                    spec: { maxUnavailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "sensor-processor" } } },
                },
                { parent: this, dependsOn: [namespace] },
            );
        }
        this.registerOutputs({});
    }
}
