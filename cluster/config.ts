/**
 * The cluster layer's configuration: read, typed and validated in one place before any resource
 * exists. `parseClusterConfig` is pure (it only needs a lookup function) and reports every
 * problem at once; `readInfra` turns the infra stack's outputs into typed values.
 */
import { ConfigLookup, ConfigReader, withSecrets } from "../lib/config/reader";
import { crossEnvironmentReference } from "../lib/config/consistency";
import * as check from "../lib/config/checks";
import { type AlertingConfig, parseAlertingConfig } from "./alertingConfig";
import { memoryMiB, positiveQuantity } from "../lib/quantity";
import { isIpAddress, withinDomains } from "../lib/tls";

import { CHART_NAMES, ChartName, ChartPin, DEFAULT_CHARTS, DEFAULT_IMAGES, ImageName, STRIMZI_KAFKA_VERSIONS } from "./pins";

// The pins have a file of their own; importers of this one keep working.
export { CHART_NAMES, DEFAULT_CHARTS, DEFAULT_IMAGES, STRIMZI_KAFKA_VERSIONS } from "./pins";
export type { ChartName, ChartPin, ImageName } from "./pins";

export interface Sizing {
    readonly cpu: string;
    readonly memory: string;
}

export interface ClusterConfig {
    readonly environment: string;
    /**
     * The same environment's infra stack. `organization` is undefined unless configured: the
     * program fills in its own organization (`infraStackRef`), which is `organization` on a DIY
     * backend and the stack's organization on Pulumi Cloud.
     */
    readonly infra: {
        readonly organization?: string;
        readonly project: string;
        readonly stack: string;
    };
    readonly charts: Record<ChartName, ChartPin>;
    readonly images: Record<ImageName, string>;
    /** Default (RWO) StorageClass: Cinder, or k3s' node-local `local-path` by explicit choice. */
    readonly defaultStorageClass: "cinder" | "local-path";
    /** Cinder volume type for the `cinder` StorageClass; the cloud's default when unset. */
    readonly cinderVolumeType?: string;
    /**
     * Cinder availability zone for new volumes (the class' `availability`); unset: the Nova zone of
     * the node that mounts it, which fails on clouds whose Cinder zones are named differently.
     */
    readonly volumeAvailabilityZone?: string;
    /** Volumes one node may have attached (cloud.conf `node-volume-attach-limit`). */
    readonly nodeVolumeAttachLimit: number;
    readonly ingress: {
        /** Requests of each controller (one per server, where the ingress address lands). */
        readonly resources: Sizing;
    };
    readonly monitoring: {
        readonly namespace: string;
        readonly retention: string;
        readonly prometheusStorageGi: number;
        readonly alertmanagerStorageGi: number;
        readonly alertmanagerReplicas: number;
        readonly prometheus: Sizing;
        /** Ingress host for Grafana; unset = any host on the ingress address. */
        readonly grafanaHost?: string;
        readonly grafanaPath: string;
        /** Also expose Grafana on this NodePort (the course used 30090). */
        readonly grafanaNodePort?: number;
        /** Addresses Grafana's Ingress admits; unset: the infra layer's `adminCidrs`. */
        readonly grafanaAllowedCidrs?: readonly string[];
    };
    readonly kafka: {
        readonly namespace: string;
        readonly clusterName: string;
        readonly version: string;
        readonly brokers: number;
        readonly storageGi: number;
        readonly broker: Sizing;
        readonly partitions: number;
        /** Namespaces whose pods may reach the Kafka listeners (Strimzi's NetworkPolicy). */
        readonly clientNamespaces: readonly string[];
    };
    readonly tls: {
        /** ACME account e-mail: enables the `letsencrypt` issuer for public DNS names. */
        readonly acmeEmail?: string;
        readonly acmeServer: string;
        /** DNS domains the platform CA may sign names under (its name constraints); none: IP only. Default: grafanaHost. */
        readonly caDomains: readonly string[];
    };
    /** Refuse resources that are expensive to lose (Kafka data) unless `pulumi state unprotect`. */
    readonly protectData: boolean;
    /** Fraction of the nodes' allocatable CPU/memory this layer must leave free for the apps. */
    readonly minHeadroom: number;
    /** Alert receivers and alert thresholds (cluster/alertingConfig.ts). */
    readonly alerting: AlertingConfig;
}

const CPU = /^(\d+m|\d+(\.\d+)?)$/;
const MEMORY = /^\d+(Mi|Gi)$/;
/** The broker's heap is half its memory and never below 256m (cluster/values/kafka.ts): less memory is an OOM kill. */
const KAFKA_BROKER_MIN_MEMORY = {
    mib: 1024,
    why:
        "the broker's JVM heap is half of it (at least 256m) and a KRaft " +
        'broker+controller needs the other half for page cache and buffers, like "2Gi"',
};
const RETENTION = /^[1-9]\d*(h|d|w)$/;

/**
 * `organization/project/stack` of the infra stack. `currentOrganization` is the running program's
 * organization (`pulumi.getOrganization()`), used when `infraOrganization` is not configured.
 */
export function infraStackRef(cfg: Pick<ClusterConfig, "infra">, currentOrganization: string): string {
    return `${cfg.infra.organization ?? currentOrganization}/${cfg.infra.project}/${cfg.infra.stack}`;
}

/**
 * `isSecret` tells which keys were set with `pulumi config set --secret` (credential keys are
 * refused otherwise); without it no key counts as secret.
 */
export function parseClusterConfig(
    lookup: ConfigLookup,
    namespace: string,
    scope: string,
    project = namespace,
    isSecret?: (key: string) => boolean,
): ClusterConfig {
    const r = new ConfigReader(namespace, isSecret ? withSecrets(lookup, isSecret) : lookup, scope);
    r.usesProviders(["random"]);
    const environment = r.environment("cluster");

    const organization = r.optionalString("infraOrganization", { pattern: /^[A-Za-z0-9_.-]+$/, allowed: "a Pulumi organization name" });
    const infraProject = r.string("infraProject", { default: project, pattern: /^[A-Za-z0-9_.-]+$/, allowed: "a Pulumi project name" });
    const infraStack = r.string("infraStack", {
        default: `${environment}-infra`,
        pattern: /^[A-Za-z0-9_.-]+$/,
        allowed: "a stack name like dev-infra",
        check: (v) => crossEnvironmentReference(v, "infra", environment),
    });

    const chartOverrides =
        r.json<Record<string, string>>("chartVersions", {
            default: {},
            expected: `a map of chart name (${CHART_NAMES.join(", ")}) to exact version`,
        }) ?? {};
    const charts = Object.fromEntries(CHART_NAMES.map((n) => [n, { ...DEFAULT_CHARTS[n] }])) as Record<ChartName, ChartPin>;
    for (const [chart, version] of Object.entries(chartOverrides)) {
        if (!(CHART_NAMES as string[]).includes(chart)) {
            r.problem(`chartVersions.${chart}`, version, `names no chart of this layer; use one of ${CHART_NAMES.join(", ")}`);
            continue;
        }
        const why =
            typeof version !== "string"
                ? "must be a string"
                : chart === "cert-manager"
                  ? /^v/.test(version)
                      ? check.exactSemver(version.slice(1))
                      : 'must be a release tag like "v1.21.1" (jetstack versions carry the v)'
                  : check.exactSemver(version);
        if (why) r.problem(`chartVersions.${chart}`, version, why);
        else charts[chart as ChartName] = { ...charts[chart as ChartName], version };
    }

    const imageOverrides =
        r.json<Record<string, string>>("images", {
            default: {},
            expected: `a map of image name (${Object.keys(DEFAULT_IMAGES).join(", ")}) to a pinned image`,
        }) ?? {};
    const images: Record<ImageName, string> = { ...DEFAULT_IMAGES };
    for (const [name, image] of Object.entries(imageOverrides)) {
        if (!(name in DEFAULT_IMAGES)) {
            r.problem(`images.${name}`, image, `names no image of this layer; use one of ${Object.keys(DEFAULT_IMAGES).join(", ")}`);
            continue;
        }
        const why = typeof image === "string" ? check.pinnedImage(image) : "must be a string";
        if (why) r.problem(`images.${name}`, image, why);
        else images[name as ImageName] = image;
    }

    const sizing = (key: string, fallback: Sizing, minMemory?: { readonly mib: number; readonly why: string }): Sizing => {
        const cpu = r.string(`${key}Cpu`, {
            default: fallback.cpu,
            pattern: CPU,
            allowed: 'a CPU quantity like "250m" or "1"',
            check: positiveQuantity('a CPU quantity like "250m" or "1"'),
        });
        const memory = r.string(`${key}Memory`, {
            default: fallback.memory,
            pattern: MEMORY,
            allowed: 'a memory quantity in Mi or Gi like "512Mi"',
            check: positiveQuantity('a memory quantity in Mi or Gi like "512Mi"'),
        });
        if (minMemory && MEMORY.test(memory) && memoryMiB(memory) < minMemory.mib)
            r.problem(`${key}Memory`, memory, `must be at least ${minMemory.mib}Mi: ${minMemory.why}`);
        return { cpu, memory };
    };

    const defaultStorageClass = r.oneOf("defaultStorageClass", ["cinder", "local-path"] as const, { default: "cinder" });
    const cinderVolumeType = r.optionalString("cinderVolumeType");
    // Zone names are free text in OpenStack, but one that cinder-csi passes on unchanged: no
    // whitespace or commas (a list is not a zone), at most 255 characters like Cinder's column.
    const volumeAvailabilityZone = r.optionalString("volumeAvailabilityZone", {
        pattern: /^[^\s,]{1,255}$/,
        allowed: 'one Cinder availability zone name as `openstack availability zone list --volume` prints it, e.g. "nova"',
    });
    const nodeVolumeAttachLimit = r.integer("nodeVolumeAttachLimit", { default: 25, min: 1, max: 256 });

    const grafanaHost = r.optionalString("grafanaHost", { check: check.dnsName });
    const grafanaPath = r.string("grafanaPath", { default: "/grafana", check: check.urlPath });
    const grafanaNodePort = r.has("grafanaNodePort") ? r.integer("grafanaNodePort", { min: 30000, max: 32767 }) : undefined;
    const grafanaAllowedCidrs = r.has("grafanaAllowedCidrs")
        ? r.stringList("grafanaAllowedCidrs", { check: check.ipv4Cidr, minItems: 1 })
        : undefined;

    const acmeEmail = r.optionalString("acmeEmail", {
        pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
        allowed: 'an e-mail address for the ACME account, e.g. "ops@example.org"',
    });
    // Unset: Grafana's own host (if a DNS name) and nothing else.
    const caDomains = r.has("platformCaDomains")
        ? r.stringList("platformCaDomains", { check: check.dnsName, minItems: 1 })
        : grafanaHost !== undefined && !isIpAddress(grafanaHost)
          ? [grafanaHost]
          : [];
    // Grafana's own host gets a platform-CA certificate without ACME: the CA must be allowed to sign it.
    if (grafanaHost !== undefined && acmeEmail === undefined && !isIpAddress(grafanaHost) && !withinDomains(grafanaHost, caDomains)) {
        r.problem(
            "platformCaDomains",
            caDomains.length > 0 ? JSON.stringify(caDomains) : undefined,
            `must include a domain of grafanaHost "${grafanaHost}" (the platform CA signs its certificate and ` +
                `may only sign names under these domains), e.g. ["${grafanaHost.split(".").slice(1).join(".")}"]`,
        );
    }
    const acmeServer = r.string("acmeServer", {
        default: "https://acme-v02.api.letsencrypt.org/directory",
        pattern: /^https:\/\/\S+$/,
        allowed: "an ACME directory https URL",
    });

    const kafkaVersion = r.oneOf("kafkaVersion", STRIMZI_KAFKA_VERSIONS, { default: "4.3.1" });
    const brokers = r.integer("kafkaBrokers", { default: 3, min: 1, max: 9 });
    if (environment === "prod" && brokers < 3) {
        r.problem("kafkaBrokers", brokers, "must be at least 3 in prod: topics need replication factor 3 with min.insync.replicas 2");
    }
    const partitions = r.integer("kafkaPartitions", { default: 3, min: 1, max: 100 });
    const kafkaClusterName = r.string("kafkaClusterName", { default: "platform" });
    const nameProblem = check.dnsLabel(kafkaClusterName);
    if (nameProblem) r.problem("kafkaClusterName", kafkaClusterName, nameProblem);

    if (r.has("ingressReplicas")) {
        r.problem(
            "ingressReplicas",
            r.string("ingressReplicas"),
            "is no longer set: one ingress controller runs on each server, " +
                "where the ingress address lands (client addresses are kept); remove the key",
        );
    }

    const retention = r.string("prometheusRetention", {
        default: "10d",
        pattern: RETENTION,
        allowed: 'a duration above zero like "10d", "72h" or "2w"',
    });
    const minHeadroomPercent = r.integer("minHeadroomPercent", { default: 40, min: 0, max: 90 });

    const config: ClusterConfig = {
        environment,
        infra: { organization, project: infraProject, stack: infraStack },
        charts,
        images,
        defaultStorageClass,
        cinderVolumeType,
        ...(volumeAvailabilityZone !== undefined ? { volumeAvailabilityZone } : {}),
        nodeVolumeAttachLimit,
        ingress: {
            resources: sizing("ingress", { cpu: "100m", memory: "128Mi" }),
        },
        monitoring: {
            namespace: "monitoring",
            retention,
            prometheusStorageGi: r.integer("prometheusStorageGi", { default: 20, min: 1, max: 10000 }),
            alertmanagerStorageGi: r.integer("alertmanagerStorageGi", { default: 2, min: 1, max: 1000 }),
            alertmanagerReplicas: r.integer("alertmanagerReplicas", { default: 1, min: 1, max: 5 }),
            prometheus: sizing("prometheus", { cpu: "300m", memory: "1Gi" }),
            grafanaHost: grafanaHost && grafanaHost.trim() !== "" ? grafanaHost : undefined,
            grafanaPath,
            grafanaNodePort,
            grafanaAllowedCidrs,
        },
        kafka: {
            namespace: "kafka",
            clusterName: kafkaClusterName,
            version: kafkaVersion,
            brokers,
            storageGi: r.integer("kafkaStorageGi", { default: 20, min: 1, max: 10000 }),
            broker: sizing("kafkaBroker", { cpu: "500m", memory: "2Gi" }, KAFKA_BROKER_MIN_MEMORY),
            partitions,
            clientNamespaces: r.stringList("kafkaClientNamespaces", { default: ["stream"], check: check.dnsLabel, minItems: 1 }),
        },
        tls: { acmeEmail, acmeServer, caDomains },
        protectData: r.boolean("protectData", { default: true }),
        minHeadroom: minHeadroomPercent / 100,
        alerting: parseAlertingConfig(r),
    };
    r.finish();
    return config;
}
