/**
 * The apps layer's synth, dev and prod: valid objects through the one provider, routing and TLS,
 * replicas, probes, the services' wiring and image tags. Quotas, protection, backups, monitoring
 * objects and secrets: stateful.test.ts.
 */
import * as assert from "node:assert/strict";
import { SynthResource, SynthResult } from "../../delivery/synth/synth";
import { byName, ofType } from "../support/synth";
import { clusterOutputsOf, reveal, synthApps } from "./support";
import type { ClusterOutputs } from "../../lib/contracts";
import { kubernetesClusterIdentifier } from "../../lib/naming";

const MODEL_MODULES: Record<string, string> = {
    v1: "kubernetes-models/v1",
    "apps/v1": "kubernetes-models/apps/v1",
    "batch/v1": "kubernetes-models/batch/v1",
    "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
    "policy/v1": "kubernetes-models/policy/v1",
    "scheduling.k8s.io/v1": "kubernetes-models/scheduling.k8s.io/v1",
};

const plainObjects = (result: SynthResult) =>
    result.resources.filter(
        (r) =>
            r.custom &&
            r.type.startsWith("kubernetes:") &&
            !r.type.startsWith("kubernetes:helm.sh") &&
            typeof r.inputs.kind === "string" &&
            (r.inputs.apiVersion as string) in MODEL_MODULES,
    );

function podSpec(r: SynthResource): Record<string, any> {
    const spec = r.inputs.spec as Record<string, any>;
    return r.inputs.kind === "CronJob" ? spec.jobTemplate.spec.template.spec : spec.template.spec;
}

describe("apps synth", () => {
    let dev: SynthResult;
    let prod: SynthResult;
    let clusterOutputs: ClusterOutputs;
    before(async () => {
        dev = await synthApps("dev");
        prod = await synthApps("prod");
        clusterOutputs = await clusterOutputsOf("dev");
    });

    it("every plain Kubernetes object is valid against kubernetes-models", () => {
        for (const result of [dev, prod]) {
            const objects = plainObjects(result);
            assert.ok(objects.length >= 30, `only ${objects.length} objects`);
            for (const r of objects) {
                // eslint-disable-next-line @typescript-eslint/no-var-requires
                const models = require(MODEL_MODULES[r.inputs.apiVersion as string]) as Record<
                    string,
                    new (o: unknown) => { validate(): void }
                >;
                const Model = models[r.inputs.kind as string];
                assert.ok(Model, `no kubernetes-models class for ${r.inputs.apiVersion} ${r.inputs.kind}`);
                assert.doesNotThrow(() => new Model(reveal(r.inputs)).validate(), `${result.stack} ${r.name}`);
            }
        }
    });

    it('references the lower stacks in the program\'s organization (synth: DIY "organization")', () => {
        for (const [env, result] of [
            ["dev", dev],
            ["prod", prod],
        ] as const) {
            const refs = result.resources
                .filter((r) => r.type === "pulumi:pulumi:StackReference")
                .map((r) => r.inputs.name)
                .sort();
            assert.deepEqual(refs, [`organization/data-platform/${env}-cluster`, `organization/data-platform/${env}-infra`]);
        }
    });

    it("sends every Kubernetes object through the one explicit provider", () => {
        for (const result of [dev, prod]) {
            const providers = ofType(result, "pulumi:providers:kubernetes");
            assert.equal(providers.length, 1);
            assert.equal(
                providers[0].inputs.kubeconfig &&
                    typeof providers[0].inputs.kubeconfig === "object" &&
                    "@secret" in (providers[0].inputs.kubeconfig as object),
                true,
                "kubeconfig from infra, as a secret",
            );
            const k8sObjects = result.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
            for (const r of k8sObjects) assert.equal(r.provider, providers[0].urn, r.name);
            const env = result.stack.replace(/-apps$/, "");
            assert.equal(
                providers[0].inputs.clusterIdentifier,
                kubernetesClusterIdentifier(env),
                "the cluster layer's identifier: a kubeconfig change replaces nothing",
            );
        }
    });

    it("routes the public API (/api/todos…) to the backend unchanged, everything else to the frontend", () => {
        const ingress = byName(dev, "todo-ingress").inputs as Record<string, any>;
        assert.equal(ingress.metadata.namespace, "microservices");
        assert.equal(ingress.spec.ingressClassName, "nginx");
        assert.equal(ingress.metadata.annotations["nginx.ingress.kubernetes.io/rewrite-target"], "/$2");
        assert.equal(ingress.metadata.annotations["nginx.ingress.kubernetes.io/use-regex"], "true");
        const paths = ingress.spec.rules[0].http.paths.map((p: any) => [p.path, p.backend.service.name]);
        assert.deepEqual(paths, [
            ["/()(api/todos(?:/.*)?)", "todo-backend"],
            ["/()(.*)", "todo-frontend"],
        ]);
        // What nginx does with these: the rewrite target applied to sample requests.
        const route = (uri: string) => {
            for (const [p, service] of paths) {
                const m = new RegExp(`^${p}`).exec(uri);
                if (m) return [service, "/" + m[2]];
            }
            return undefined;
        };
        assert.deepEqual(route("/api/todos/7"), ["todo-backend", "/api/todos/7"]);
        assert.deepEqual(route("/api/todos"), ["todo-backend", "/api/todos"]);
        // The backend's operational endpoints are not published: they fall through to the SPA.
        for (const internal of ["/api/metrics", "/api/health", "/api/livez", "/api"])
            assert.equal(route(internal)?.[0], "todo-frontend", internal);
        assert.deepEqual(route("/assets/app.js"), ["todo-frontend", "/assets/app.js"]);
        assert.deepEqual(route("/"), ["todo-frontend", "/"]);
    });

    it("serves Todo and Airflow over HTTPS by default: cert-manager issues <app>-tls through the cluster's issuer", () => {
        const ingress = byName(dev, "todo-ingress").inputs as any;
        assert.deepEqual(ingress.spec.tls, [{ hosts: ["todo.dev.example.org"], secretName: "todo-tls" }]);
        assert.equal(ingress.metadata.annotations["cert-manager.io/cluster-issuer"], "platform-ca", "dev: no ACME e-mail, platform CA");
        assert.equal(dev.outputs.todoUrl, "https://todo.dev.example.org/");
        assert.equal(dev.outputs.airflowUrl, "https://airflow.dev.example.org/");
        const [release] = ofType(dev, "kubernetes:helm.sh/v3:Release");
        const apiServer = (release.inputs.values as any).ingress.apiServer;
        assert.deepEqual(apiServer.hosts[0].tls, { enabled: true, secretName: "airflow-tls" });
        assert.equal(apiServer.annotations["cert-manager.io/cluster-issuer"], "platform-ca");
    });

    it("an existing TLS Secret wins over cert-manager", async () => {
        const tls = await synthApps("dev", {
            overrides: { "data-platform:todoTlsSecretName": "my-todo-cert", "data-platform:airflowTlsSecretName": "my-airflow-cert" },
        });
        const ingress = byName(tls, "todo-ingress");
        assert.deepEqual((ingress.inputs.spec as any).tls, [{ hosts: ["todo.dev.example.org"], secretName: "my-todo-cert" }]);
        assert.equal((ingress.inputs.metadata as any).annotations["cert-manager.io/cluster-issuer"], undefined);
        const { Ingress } = require("kubernetes-models/networking.k8s.io/v1");
        assert.doesNotThrow(() => new Ingress(ingress.inputs).validate());
        assert.equal(tls.outputs.todoUrl, "https://todo.dev.example.org/");
        const [release] = ofType(tls, "kubernetes:helm.sh/v3:Release");
        assert.deepEqual((release.inputs.values as any).ingress.apiServer.hosts[0].tls, { enabled: true, secretName: "my-airflow-cert" });
        assert.equal((release.inputs.values as any).ingress.apiServer.annotations["cert-manager.io/cluster-issuer"], undefined);
    });

    it("sets replicas per environment", () => {
        const replicas = (result: SynthResult, name: string) => (byName(result, name).inputs.spec as { replicas: number }).replicas;
        for (const result of [dev, prod]) {
            assert.equal(replicas(result, "todo-backend"), 2);
            assert.equal(replicas(result, "todo-frontend"), 2);
            assert.equal(replicas(result, "todo-postgresql-statefulset"), 1);
            assert.equal(replicas(result, "sensor-stream-producer"), 1);
        }
        assert.equal(replicas(dev, "sensor-stream-processor"), 1);
        assert.equal(replicas(prod, "sensor-stream-processor"), 3);
        const values = (result: SynthResult) => ofType(result, "kubernetes:helm.sh/v3:Release")[0].inputs.values as Record<string, any>;
        assert.equal(values(dev).scheduler.replicas, 1);
        assert.equal(values(prod).scheduler.replicas, 2);
        assert.equal(values(prod).apiServer.replicas, 2);
    });

    it("has readiness and liveness probes and requests on every long-running container", () => {
        for (const r of [...ofType(dev, "kubernetes:apps/v1:Deployment"), ...ofType(dev, "kubernetes:apps/v1:StatefulSet")]) {
            for (const c of podSpec(r).containers) {
                assert.ok(c.readinessProbe, `${r.name}/${c.name} readiness`);
                assert.ok(c.livenessProbe, `${r.name}/${c.name} liveness`);
                assert.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory, `${r.name}/${c.name} requests`);
            }
        }
        const backend = podSpec(byName(dev, "todo-backend")).containers[0];
        assert.deepEqual(backend.readinessProbe.httpGet, { path: "/health", port: "http" });
        // Liveness must not depend on the database (the backend's /livez), or an outage restarts every pod.
        assert.deepEqual(backend.livenessProbe.httpGet, { path: "/livez", port: "http" });
        assert.equal(backend.ports[0].containerPort, 3001);
        // Same for the stream services: /healthz turns 503 when Kafka heartbeats are stale, so it
        // is readiness only; liveness is the process-only /livez.
        for (const name of ["sensor-stream-producer", "sensor-stream-processor"]) {
            const c = podSpec(byName(dev, name)).containers[0];
            assert.deepEqual(c.readinessProbe.httpGet, { path: "/healthz", port: "health" }, name);
            assert.deepEqual(c.livenessProbe.httpGet, { path: "/livez", port: "health" }, name);
        }
        assert.equal(podSpec(byName(dev, "todo-frontend")).containers[0].ports[0].containerPort, 8080);
    });

    it("puts the Todo app in microservices with Services, PDBs and a database secret", () => {
        const inNs = (type: string) =>
            ofType(dev, type)
                .filter((r) => (r.inputs.metadata as any).namespace === "microservices")
                .map((r) => (r.inputs.metadata as any).name)
                .sort();
        assert.deepEqual(inNs("kubernetes:core/v1:Service"), ["todo-backend", "todo-frontend", "todo-postgresql"]);
        assert.deepEqual(inNs("kubernetes:policy/v1:PodDisruptionBudget"), ["todo-backend", "todo-frontend"]);
        const env = podSpec(byName(dev, "todo-backend")).containers[0].env as any[];
        assert.deepEqual(env.find((e) => e.name === "PGPASSWORD").valueFrom, {
            secretKeyRef: { name: "todo-postgresql-credentials", key: "password" },
        });
    });

    it("wires the stream services to the cluster's Kafka bootstrap and topics", () => {
        const env = (name: string) =>
            Object.fromEntries((podSpec(byName(dev, name)).containers[0].env as any[]).map((e) => [e.name, e.value]));
        const bootstrap = clusterOutputs.kafkaBootstrap;
        const topics = clusterOutputs.kafkaTopics;
        // KAFKA_SASL_PASSWORD comes from a Secret (tests/apps/kafkaUsers.test.ts), so it has no value here.
        assert.deepEqual(env("sensor-stream-producer"), {
            KAFKA_BOOTSTRAP: bootstrap,
            TOPIC: topics.events,
            RATE: "10",
            HEALTH_PORT: "8080",
            KAFKA_SASL_USERNAME: "sensor-producer",
            KAFKA_SASL_PASSWORD: undefined,
        });
        const processor = env("sensor-stream-processor");
        assert.equal(processor.KAFKA_BOOTSTRAP, bootstrap);
        assert.equal(processor.INPUT_TOPIC, topics.events);
        assert.equal(processor.OUTPUT_TOPIC, topics.results);
        assert.equal(processor.WINDOW_SIZE, "20");
        assert.equal((byName(dev, "sensor-stream-processor").inputs.metadata as any).namespace, "stream");
    });

    it("rolls forward and back by tag: the image in the pod template follows config", async () => {
        const image = (result: SynthResult) => podSpec(byName(result, "todo-backend")).containers[0].image;
        assert.equal(image(dev), "ghcr.io/example-org/todo-backend:0.1.0", "the synth stand-in repository owner's GHCR, appsImageTag");
        const forward = await synthApps("dev", { overrides: { "data-platform:todoBackendImage": "ghcr.io/acme/todo-backend:0.2.0" } });
        assert.equal(image(forward), "ghcr.io/acme/todo-backend:0.2.0");
        await assert.rejects(
            synthApps("dev", { overrides: { "data-platform:todoBackendImage": "ghcr.io/acme/todo-backend:latest" } }),
            /data-platform:todoBackendImage = "ghcr.io\/acme\/todo-backend:latest": must pin a version tag/,
        );
    });

    it("refuses more processors than partitions before creating anything", async () => {
        await assert.rejects(
            synthApps("prod", { cluster: { kafkaPartitions: 2 } }),
            /data-platform:streamProcessorReplicas = 3: must be at most the partition count of topic "events" \(2\)/,
        );
    });
});
