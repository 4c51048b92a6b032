/** Hand-made synth results for delivery tests: the shape `npm run synth` writes, small. */
import { NO_OPTIONS, SynthOptions, SynthResource, SynthResult } from "../../delivery/synth/synth";

export function res(
    stack: string,
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    options: Partial<SynthOptions> = {},
    custom = true,
): SynthResource {
    return {
        urn: `urn:pulumi:${stack}::data-platform::${type}::${name}`,
        type,
        name,
        custom,
        parent: null,
        provider: null,
        inputs,
        options: { ...NO_OPTIONS, ...options },
    };
}

export function result(stack: string, resources: SynthResource[], outputs: Record<string, unknown> = {}): SynthResult {
    return { project: "data-platform", stack, resources: [...resources].sort((a, b) => (a.urn < b.urn ? -1 : 1)), outputs };
}

export const INSTANCE = "openstack:compute/instance:Instance";
export const RELEASE = "kubernetes:helm.sh/v3:Release";

export function agent(stack: string, index: number, image = "Ubuntu 24.04", k3s = "v1.35.6+k3s1"): SynthResource {
    return res(
        stack,
        INSTANCE,
        `${stack.split("-")[0]}-k3s-agent-${index}`,
        {
            name: `agent-${index}-${image === "Ubuntu 24.04" ? "aaaa" : "bbbb"}`,
            imageName: image,
            flavorName: "mb1.large",
            userData: { "@secret": `#cloud-config\nimage: ${image}\n` },
            metadata: { role: "agent", "k3s-version": k3s },
        },
        { replaceOnChanges: ["flavorName", "imageName", "name", "userData"], deleteBeforeReplace: true },
    );
}

/** An infra synth: one server, two agents, a volume. */
export function infra(options: { agent1Image?: string; k3s?: string; volumeSize?: number; withVolume?: boolean } = {}): SynthResult {
    const k3s = options.k3s ?? "v1.35.6+k3s1";
    return result(
        "dev-infra",
        [
            agent("dev-infra", 0, "Ubuntu 24.04", k3s),
            agent("dev-infra", 1, options.agent1Image ?? "Ubuntu 24.04", k3s),
            res("dev-infra", "openstack:networking/secGroup:SecGroup", "dev-k3s-secgroup-agents", { name: "dev-k3s-agents" }),
            ...(options.withVolume === false
                ? []
                : [res("dev-infra", "openstack:blockstorage/volume:Volume", "dev-k3s-nfs-data", { size: options.volumeSize ?? 20 })]),
        ],
        { k3sVersion: k3s },
    );
}

export function release(stack: string, name: string, chart: string, version: string, values: Record<string, unknown> = {}): SynthResource {
    return res(stack, RELEASE, name, { name, chart, version, namespace: name, values });
}

/**
 * An apps synth: airflow (chart version, Airflow version and image tag as the apps layer sets
 * them, metadata database outside the chart), a PostgreSQL release, the todo backend with an
 * optional schema marker.
 */
export function apps(
    options: {
        airflowChart?: string;
        airflowVersion?: string;
        airflowTag?: string;
        airflowImageTag?: string;
        backendTag?: string;
        schema?: string;
        postgres?: boolean;
    } = {},
): SynthResult {
    const annotations = options.schema ? { "data-platform.io/schema-version": options.schema } : {};
    const airflowVersion = options.airflowVersion ?? "3.2.2";
    return result("dev-apps", [
        release("dev-apps", "airflow", "airflow", options.airflowChart ?? "1.15.0", {
            airflowVersion,
            defaultAirflowRepository: "apache/airflow",
            defaultAirflowTag: options.airflowTag ?? airflowVersion,
            ...(options.airflowImageTag ? { images: { airflow: { repository: "apache/airflow", tag: options.airflowImageTag } } } : {}),
            postgresql: { enabled: false },
        }),
        ...(options.postgres === false ? [] : [release("dev-apps", "todo-db", "postgresql", "16.4.1")]),
        res("dev-apps", "kubernetes:apps/v1:Deployment", "todo-backend", {
            metadata: { name: "todo-backend", namespace: "todo", annotations },
            spec: {
                template: {
                    spec: {
                        containers: [{ name: "backend", image: `registry.example.org/todo-backend:${options.backendTag ?? "1.4.0"}` }],
                    },
                },
            },
        }),
    ]);
}
