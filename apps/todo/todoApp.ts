/**
 * The Todo app (namespace `microservices`): nginx-served frontend, API backend on port 3001 and
 * its own PostgreSQL. One Ingress serves both: `/api/...` goes to the backend with the prefix
 * stripped, everything else to the frontend.
 */
import { SCHEMA_POLICY } from "../../lib/contracts";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { Resources, TodoConfig } from "../config";
import type { RequestItem } from "../../lib/fit";
import type { OffsiteTarget } from "../postgres";
import { k8sResources, POSTGRES_RESOURCES } from "../resources";
import { appDatabase, appNamespace, IngressArgs, ingressUrl } from "../appParts";
import type { RegistryCredential } from "../images";
import { imagePullSecrets, newPullSecret } from "../pullSecret";
import { componentType } from "../../lib/componentType";

export interface TodoAppArgs extends IngressArgs {
    readonly config: TodoConfig;
    readonly namespace: string;
    /** RWO storage class for the database volume. */
    readonly storageClass: string;
    readonly protect: boolean;
    /** Off-site dumps of the database (else they go to a PVC in the cluster). */
    readonly offsiteBackup?: OffsiteTarget;
    /** Pull credential of the own images' registry (a pull Secret in the namespace). */
    readonly pullCredential?: RegistryCredential;
}

export const TODO_RESOURCES = {
    backend: { cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" },
    frontend: { cpu: "50m", memory: "32Mi", cpuLimit: "200m", memoryLimit: "64Mi" },
} as const satisfies Record<string, Resources>;

export const BACKEND_PORT = 3001;
export const FRONTEND_PORT = 8080;

/**
 * The Ingress rules: nginx regex paths. Only the public API (`/api/todos…`) reaches the backend,
 * path unchanged (the backend serves its API under `/api`, so the paging `Link` headers it builds
 * from the request stay valid for the browser); `/metrics`, `/health` and `/livez` stay inside the
 * cluster (Prometheus and the kubelet use the pod port), so `/api/metrics` falls through to the
 * frontend's SPA fallback instead of publishing the backend's metrics. The rewrite `/$2` is the
 * identity on both paths; it is there because the annotation applies to the whole Ingress.
 */
export const TODO_API_PATH = "/()(api/todos(?:/.*)?)";
export const TODO_FRONTEND_PATH = "/()(.*)";

export function todoIngressSpec(host: string, ingressClass: string, tlsSecretName?: string): Record<string, unknown> {
    return {
        ingressClassName: ingressClass,
        // TLS terminates at the ingress controller (Secret from cert-manager or given); unset: plain HTTP.
        ...(tlsSecretName ? { tls: [{ hosts: [host], secretName: tlsSecretName }] } : {}),
        rules: [
            {
                host,
                http: {
                    paths: [
                        {
                            path: TODO_API_PATH,
                            pathType: "ImplementationSpecific",
                            backend: { service: { name: "todo-backend", port: { name: "http" } } },
                        },
                        {
                            path: TODO_FRONTEND_PATH,
                            pathType: "ImplementationSpecific",
                            backend: { service: { name: "todo-frontend", port: { name: "http" } } },
                        },
                    ],
                },
            },
        ],
    };
}

export const TODO_INGRESS_ANNOTATIONS = {
    "nginx.ingress.kubernetes.io/use-regex": "true",
    "nginx.ingress.kubernetes.io/rewrite-target": "/$2",
};

export function todoRequestItems(config: TodoConfig): RequestItem[] {
    return [
        { name: "todo backend", ...TODO_RESOURCES.backend, replicas: config.backendReplicas },
        { name: "todo frontend", ...TODO_RESOURCES.frontend, replicas: config.frontendReplicas },
        { name: "todo PostgreSQL", ...POSTGRES_RESOURCES.server },
        { name: "todo pg_dump backup", ...POSTGRES_RESOURCES.backup },
    ];
}

export class TodoApp extends pulumi.ComponentResource {
    readonly url: string;

    constructor(name: string, args: TodoAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("apps", "TodoApp"), name, {}, opts);
        const { config } = args;
        const ns = args.namespace;
        const partOf = { "app.kubernetes.io/part-of": "todo" };

        // The namespace holds the database PVC and StatefulSet: protected like them.
        const namespace = appNamespace(name, ns, partOf, { parent: this, protect: args.protect });
        const inNs = { parent: this, dependsOn: [namespace] };
        const pull = args.pullCredential ? newPullSecret(`${name}-image-pull`, args.pullCredential, ns, partOf, inNs) : undefined;
        const pullSpec = imagePullSecrets(args.pullCredential);
        const withPull = { parent: this, dependsOn: [namespace, ...(pull ? [pull] : [])] };

        const db = appDatabase(
            name,
            namespace,
            config,
            { database: "todo", storageClass: args.storageClass, protect: args.protect, offsite: args.offsiteBackup, labels: partOf },
            this,
        );

        const fromDb = (key: string) => ({ secretKeyRef: { name: db.secretName, key } });
        const service = (component: string, labels: Record<string, string>) =>
            new k8s.core.v1.Service(
                `${name}-${component}-service`,
                {
                    metadata: { name: `todo-${component}`, namespace: ns, labels },
                    spec: { selector: labels, ports: [{ name: "http", port: 80, targetPort: "http" }] },
                },
                inNs,
            );
        // At most one pod of each tier is voluntarily evicted at a time (node drains during
        // k3s node replacement), so the app stays up with two replicas.
        const pdb = (component: string, labels: Record<string, string>) =>
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-${component}-pdb`,
                {
                    metadata: { name: `todo-${component}`, namespace: ns, labels },
                    spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
                },
                inNs,
            );
        const spread = (labels: Record<string, string>) => [
            {
                maxSkew: 1,
                topologyKey: "kubernetes.io/hostname",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: labels },
            },
        ];

        // --- backend ---
        const backendLabels = { "app.kubernetes.io/name": "todo-backend", ...partOf };
        new k8s.apps.v1.Deployment(
            `${name}-backend`,
            {
                // Its migrations are expand-only (docs/apps.md): an older backend runs on the newer
                // schema, so a rollback of its image is allowed (delivery/rollback/rollback.ts).
                metadata: { name: "todo-backend", namespace: ns, labels: backendLabels, annotations: { [SCHEMA_POLICY]: "expand-only" } },
                spec: {
                    replicas: config.backendReplicas,
                    selector: { matchLabels: backendLabels },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template: {
                        metadata: { labels: backendLabels },
                        spec: {
                            topologySpreadConstraints: spread(backendLabels),
                            ...pullSpec,
                            containers: [
                                {
                                    name: "backend",
                                    // A new tag changes the pod template, which rolls the Deployment;
                                    // setting the previous tag and `pulumi up` rolls it back.
                                    image: config.backendImage,
                                    ports: [{ name: "http", containerPort: BACKEND_PORT }],
                                    env: [
                                        { name: "PORT", value: String(BACKEND_PORT) },
                                        { name: "PGHOST", valueFrom: fromDb("host") },
                                        { name: "PGPORT", valueFrom: fromDb("port") },
                                        { name: "PGDATABASE", valueFrom: fromDb("database") },
                                        { name: "PGUSER", valueFrom: fromDb("username") },
                                        { name: "PGPASSWORD", valueFrom: fromDb("password") },
                                    ],
                                    resources: k8sResources(TODO_RESOURCES.backend),
                                    // /health checks the database: the pod leaves the Service while the
                                    // database is unreachable. Liveness uses /livez (process only), so a
                                    // database outage does not restart every backend pod at once.
                                    readinessProbe: {
                                        httpGet: { path: "/health", port: "http" },
                                        periodSeconds: 5,
                                        timeoutSeconds: 3,
                                        failureThreshold: 3,
                                    },
                                    livenessProbe: {
                                        httpGet: { path: "/livez", port: "http" },
                                        initialDelaySeconds: 20,
                                        periodSeconds: 15,
                                        timeoutSeconds: 3,
                                        failureThreshold: 6,
                                    },
                                    // The image's USER 1000:1000.
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
            { parent: this, dependsOn: [namespace, db, ...(pull ? [pull] : [])] },
        );
        service("backend", backendLabels);
        pdb("backend", backendLabels);

        // --- frontend ---
        const frontendLabels = { "app.kubernetes.io/name": "todo-frontend", ...partOf };
        new k8s.apps.v1.Deployment(
            `${name}-frontend`,
            {
                metadata: { name: "todo-frontend", namespace: ns, labels: frontendLabels },
                spec: {
                    replicas: config.frontendReplicas,
                    selector: { matchLabels: frontendLabels },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template: {
                        metadata: { labels: frontendLabels },
                        spec: {
                            topologySpreadConstraints: spread(frontendLabels),
                            ...pullSpec,
                            containers: [
                                {
                                    name: "frontend",
                                    image: config.frontendImage,
                                    ports: [{ name: "http", containerPort: FRONTEND_PORT }],
                                    resources: k8sResources(TODO_RESOURCES.frontend),
                                    // nginx answers /healthz itself (apps/todo/frontend/nginx.conf).
                                    readinessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 5, timeoutSeconds: 3 },
                                    livenessProbe: {
                                        httpGet: { path: "/healthz", port: "http" },
                                        initialDelaySeconds: 10,
                                        periodSeconds: 15,
                                        timeoutSeconds: 3,
                                    },
                                    // The image's USER 101 (nginx-unprivileged); numeric so the kubelet can verify non-root.
                                    securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, runAsUser: 101 },
                                },
                            ],
                        },
                    },
                },
            },
            withPull,
        );
        service("frontend", frontendLabels);
        pdb("frontend", frontendLabels);

        new k8s.networking.v1.Ingress(
            `${name}-ingress`,
            {
                metadata: {
                    name: "todo",
                    namespace: ns,
                    labels: partOf,
                    annotations: { ...TODO_INGRESS_ANNOTATIONS, ...(args.ingressAnnotations ?? {}) },
                },
                spec: todoIngressSpec(config.host, args.ingressClass, config.tlsSecretName) as k8s.types.input.networking.v1.IngressSpec,
            },
            inNs,
        );

        this.url = ingressUrl(config.host, "/", config.tlsSecretName);
        this.registerOutputs({ url: this.url });
    }
}
