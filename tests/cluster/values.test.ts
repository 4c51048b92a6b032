/** Helm values and Strimzi specs from the pure builders, for dev- and prod-like configs (no mocks). */
import * as assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { parseClusterConfig } from "../../cluster/config";
import { clusterRequestItems } from "../../cluster/sizing";
import { splitImage } from "../../cluster/values/images";
import { ingressNginxValues } from "../../cluster/values/ingressNginx";
import {
    brokerConfig,
    heapFor,
    jmxExporterConfig,
    kafkaDashboard,
    kafkaSpec,
    nodePoolSpec,
    replicationFor,
    topicSpec,
} from "../../cluster/values/kafka";
import { grafanaAccess, monitoringValues } from "../../cluster/values/monitoring";
import { cinderCsiValues, cinderStorageClass, cloudConf, occmValues } from "../../cluster/values/storage";
import { NFS_CSI_DRIVER, nfsCsiValues, nfsStorageClass } from "../../cluster/values/nfsCsi";
import { assertFits, sumRequests } from "../../lib/fit";

const cfgFor = (values: Record<string, string>) => parseClusterConfig((k) => values[k], "data-platform", "test");
const dev = cfgFor({ environment: "dev", kafkaBrokers: "1", grafanaNodePort: "30090", kafkaBrokerMemory: "1Gi" });
const prod = cfgFor({
    environment: "prod",
    kafkaBrokers: "3",
    grafanaHost: "grafana.example.org",
    grafanaPath: "/",
    alertmanagerReplicas: "2",
});
const get = (obj: unknown, path: string): any => path.split(".").reduce<any>((o, k) => (o == null ? undefined : o[k]), obj);

describe("cluster values: Kafka replication rule", () => {
    it("3+ brokers: RF 3, min.insync 2; 2 brokers: RF 2, min.insync 1; 1 broker: RF 1, min.insync 1", () => {
        assert.deepEqual(replicationFor(5), { replicas: 3, minInsyncReplicas: 2 });
        assert.deepEqual(replicationFor(3), { replicas: 3, minInsyncReplicas: 2 });
        assert.deepEqual(replicationFor(2), { replicas: 2, minInsyncReplicas: 1 });
        assert.deepEqual(replicationFor(1), { replicas: 1, minInsyncReplicas: 1 });
        assert.throws(() => replicationFor(0), /at least one broker/);
    });

    it("topics and broker defaults follow the rule per environment", () => {
        assert.deepEqual(topicSpec(3, 3), { partitions: 3, replicas: 3, config: { "min.insync.replicas": 2, "retention.ms": 604800000 } });
        assert.deepEqual(topicSpec(3, 1), { partitions: 3, replicas: 1, config: { "min.insync.replicas": 1, "retention.ms": 604800000 } });
        assert.equal(brokerConfig(3)["offsets.topic.replication.factor"], 3);
        assert.equal(brokerConfig(3)["transaction.state.log.min.isr"], 2);
        assert.equal(brokerConfig(1)["offsets.topic.replication.factor"], 1);
        assert.equal(brokerConfig(1)["auto.create.topics.enable"], false);
    });

    it("node pool: dual-role KRaft, claims kept on delete where data is protected and deleted where not, heap half the memory", () => {
        const pool = nodePoolSpec(prod.kafka, "cinder", true);
        assert.deepEqual(pool.roles, ["controller", "broker"]);
        assert.equal(pool.replicas, 3);
        assert.deepEqual(get(pool, "storage.volumes.0"), {
            id: 0,
            type: "persistent-claim",
            size: "20Gi",
            class: "cinder",
            deleteClaim: false,
            kraftMetadata: "shared",
        });
        assert.equal(get(nodePoolSpec(dev.kafka, "cinder", false), "storage.volumes.0.deleteClaim"), true);
        assert.equal(heapFor("2Gi"), "1024m");
        assert.equal(heapFor("256Mi"), "256m");
        assert.equal(get(nodePoolSpec(dev.kafka, "local-path", false), "jvmOptions.-Xmx"), "512m");
    });

    it("Kafka spec: KRaft listeners, version, JMX metrics from the ConfigMap", () => {
        const spec = kafkaSpec(prod.kafka, "platform-kafka-metrics");
        assert.equal(get(spec, "kafka.version"), "4.3.1");
        assert.deepEqual(get(spec, "kafka.listeners.0"), {
            name: "scram",
            port: 9092,
            type: "internal",
            tls: false,
            authentication: { type: "scram-sha-512" },
            networkPolicyPeers: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "stream" } } }],
        });
        assert.equal(get(spec, "kafka.metricsConfig.valueFrom.configMapKeyRef.name"), "platform-kafka-metrics");
        const rules = parseYaml(jmxExporterConfig()).rules as { name: string }[];
        assert.ok(rules.some((r) => r.name === "kafka_server_replicamanager_$1"));
        const dashboard = JSON.stringify(kafkaDashboard(prod.kafka));
        assert.match(dashboard, /kafka_server_brokertopicmetrics_messagesin_total/);
        assert.match(dashboard, /underreplicatedpartitions/);
    });
});

describe("cluster values: storage", () => {
    const creds = {
        authUrl: "https://keystone.example.org:5000/v3",
        region: "RegionOne",
        applicationCredentialId: "id-1",
        applicationCredentialSecret: 'se"cr\\et',
    };

    it("cloud.conf authenticates with the application credential and quotes values", () => {
        const block = { nodeVolumeAttachLimit: 25 };
        const conf = cloudConf(creds, block);
        assert.match(
            conf,
            /^\[Global\]\nauth-url="https:\/\/keystone.example.org:5000\/v3"\nregion="RegionOne"\napplication-credential-id="id-1"\n/,
        );
        assert.match(conf, /application-credential-secret="se\\"cr\\\\et"/);
        assert.match(conf, /\[LoadBalancer\]\nenabled=false/);
        assert.match(conf, /\[BlockStorage\]\nignore-volume-az=true\nnode-volume-attach-limit=25\n/);
        assert.throws(() => cloudConf({ ...creds, applicationCredentialSecret: "" }, block), /application-credential-secret is empty/);
        assert.throws(() => cloudConf({ ...creds, region: "a\nb" }, block), /single line/);
    });

    it("OCCM: existing secret, k3s control-plane label, no service/route controllers", () => {
        const v = occmValues(dev.images.cloudControllerManager);
        assert.deepEqual(v.secret, { enabled: true, create: false, name: "cloud-config" });
        assert.deepEqual(v.nodeSelector, { "node-role.kubernetes.io/control-plane": "true" });
        assert.deepEqual(v.enabledControllers, ["cloud-node", "cloud-node-lifecycle"]);
        assert.deepEqual(v.image, { repository: "registry.k8s.io/provider-os/openstack-cloud-controller-manager", tag: "v1.35.0" });
    });

    it("cinder-csi: mounts the secret, leaves StorageClasses to the layer; `cinder` retains volumes", () => {
        const v = cinderCsiValues(dev.images.cinderCsiPlugin);
        assert.equal(get(v, "secret.name"), "cloud-config");
        assert.equal(get(v, "storageClass.enabled"), false);
        assert.equal(get(v, "csi.plugin.image.tag"), "v1.35.0");
        const sc = cinderStorageClass({ isDefault: true, volumeType: "ssd", protectData: true });
        assert.equal(sc.reclaimPolicy, "Retain");
        assert.equal(sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
        assert.deepEqual(sc.parameters, { type: "ssd" });
        assert.equal(
            cinderStorageClass({ isDefault: false, protectData: true }).metadata.annotations["storageclass.kubernetes.io/is-default-class"],
            "false",
        );
        assert.equal(
            cinderStorageClass({ isDefault: true, protectData: false }).reclaimPolicy,
            "Delete",
            "unprotected volumes go with their claims",
        );
        assert.equal(cinderStorageClass({ isDefault: true, protectData: true }).parameters, undefined);
    });

    it("CSI NFS driver: pinned plugin, no fsGroup chown on the root-squashed export, directories kept, the class made by the layer", () => {
        const v = nfsCsiValues("registry.example.org/sig-storage/nfsplugin:v9.9.9");
        assert.deepEqual(get(v, "image.nfs"), { repository: "registry.example.org/sig-storage/nfsplugin", tag: "v9.9.9" });
        assert.equal(get(v, "feature.enableFSGroupPolicy"), false);
        assert.equal(get(v, "controller.defaultOnDeletePolicy"), "retain");
        assert.equal(get(v, "controller.enableSnapshotter"), false);
        assert.equal(get(v, "externalSnapshotter.enabled"), false, "the layer's own snapshot-controller serves the cluster");
        assert.equal(get(v, "storageClass.create"), false);
        for (const part of [
            "controller.resources.nfs",
            "controller.resources.csiProvisioner",
            "controller.resources.csiResizer",
            "controller.resources.livenessProbe",
            "node.resources.nfs",
            "node.resources.nodeDriverRegistrar",
            "node.resources.livenessProbe",
        ]) {
            assert.ok(get(v, `${part}.requests.memory`) && get(v, `${part}.limits.memory`), part);
        }
    });

    it("CSI NFS class `nfs`: RWX directories <namespace>/<claim> on infra's export, mode 0777, retained", () => {
        const sc = nfsStorageClass({ server: "10.0.0.5", path: "/srv/nfs" });
        assert.equal(sc.metadata.name, "nfs");
        assert.equal(sc.provisioner, NFS_CSI_DRIVER);
        assert.deepEqual(sc.parameters, {
            server: "10.0.0.5",
            share: "/srv/nfs",
            subDir: "${pvc.metadata.namespace}/${pvc.metadata.name}",
            mountPermissions: "0777",
            onDelete: "retain",
        });
        assert.equal(sc.reclaimPolicy, "Retain");
        assert.equal(sc.volumeBindingMode, "Immediate");
        assert.equal(sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "false");
        assert.throws(() => nfsStorageClass({ server: "", path: "srv" }), /needs a server and an absolute path/);
    });
});

describe("cluster values: ingress-nginx", () => {
    const values = (cfg: typeof dev) =>
        ingressNginxValues({
            image: cfg.images.ingressController,
            resources: cfg.ingress.resources,
            ingressAddress: "198.51.100.7",
            monitoringNamespace: "monitoring",
        });

    it("default IngressClass nginx on ServiceLB, final controller pinned by tag and digest, metrics + ServiceMonitor", () => {
        const v = values(prod);
        assert.deepEqual(get(v, "controller.ingressClassResource"), {
            name: "nginx",
            enabled: true,
            default: true,
            controllerValue: "k8s.io/ingress-nginx",
        });
        assert.equal(get(v, "controller.service.type"), "LoadBalancer");
        assert.equal(get(v, "controller.image.tag"), "v1.15.1");
        assert.match(get(v, "controller.image.digest"), /^sha256:[0-9a-f]{64}$/);
        assert.equal(get(v, "controller.metrics.serviceMonitor.enabled"), true);
        assert.equal(get(v, "controller.extraArgs.publish-status-address"), "198.51.100.7");
        assert.equal(get(v, "controller.replicaCount"), undefined, "one controller per server, not a replica count");
    });

    it("an overridden controller image drops the digest of the default one", () => {
        const v = ingressNginxValues({
            image: "registry.k8s.io/ingress-nginx/controller:v1.14.5",
            resources: dev.ingress.resources,
            ingressAddress: "x",
            monitoringNamespace: "monitoring",
        });
        assert.equal(get(v, "controller.image.digest"), "");
        assert.deepEqual(splitImage("quay.io/strimzi/operator:1.2.0"), {
            registry: "quay.io",
            path: "strimzi/operator",
            name: "operator",
            namespace: "strimzi",
            tag: "1.2.0",
        });
    });
});

describe("cluster values: kube-prometheus-stack", () => {
    const values = (cfg: typeof dev, servers: string[], nodes: string[]) =>
        monitoringValues({
            monitoring: cfg.monitoring,
            storageClass: "cinder",
            grafanaAdminSecret: "grafana-admin",
            nodeExporterNamespace: "monitoring-node-exporter",
            grafanaAllowedCidrs: ["192.0.2.0/24"],
            ingressAddress: "198.51.100.7",
            serverAddresses: servers,
            nodeAddresses: nodes,
        });

    it("k3s: etcd scraped on the servers, kube-proxy on every node; other namespaces' monitors selected; 15s", () => {
        const v = values(prod, ["10.0.0.1", "10.0.0.2", "10.0.0.3"], ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]);
        assert.deepEqual(get(v, "kubeEtcd.endpoints"), ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
        assert.equal(get(v, "kubeEtcd.service.port"), 2381);
        assert.deepEqual(get(v, "kubeProxy.endpoints"), ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]);
        for (const key of ["serviceMonitor", "podMonitor", "rule", "probe"]) {
            assert.equal(get(v, `prometheus.prometheusSpec.${key}SelectorNilUsesHelmValues`), false, key);
        }
        assert.equal(get(v, "prometheus.prometheusSpec.scrapeInterval"), "15s");
        assert.equal(get(v, "prometheus.prometheusSpec.retention"), "10d");
        assert.equal(get(v, "prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName"), "cinder");
        assert.equal(get(v, "alertmanager.alertmanagerSpec.replicas"), 2);
        assert.deepEqual(get(v, "prometheus-node-exporter.tolerations"), [{ operator: "Exists" }]);
    });

    it("k3s' one metrics registry is not scraped twice: controller-manager and scheduler read the apiserver job, kube-proxy keeps only its own series", () => {
        const v = values(prod, ["10.0.0.1", "10.0.0.2", "10.0.0.3"], ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]);
        for (const key of ["kubeControllerManager", "kubeScheduler"]) {
            // Enabled, so the chart renders their rules and dashboards, with job="apiserver" in them ...
            assert.equal(get(v, `${key}.enabled`), true, key);
            assert.equal(get(v, `${key}.jobNameOverride`), "apiserver", key);
            // ... but no Service, Endpoints or ServiceMonitor: no second scrape of the same registry.
            assert.equal(get(v, `${key}.service.enabled`), false, key);
            assert.equal(get(v, `${key}.serviceMonitor.enabled`), false, key);
            assert.deepEqual(get(v, `${key}.endpoints`), [], key);
        }
        assert.equal(get(v, "kubeApiServer"), undefined, "the apiserver job stays as the chart ships it");
        assert.equal(get(v, "defaultRules.rules.kubeControllerManager"), true);
        assert.equal(get(v, "defaultRules.rules.kubeSchedulerRecording"), true);
        assert.equal(get(v, "kubeProxy.jobNameOverride"), undefined, "kube-proxy keeps its own job");
        assert.deepEqual(get(v, "kubeProxy.serviceMonitor.metricRelabelings"), [
            { sourceLabels: ["__name__"], regex: "kubeproxy_.*", action: "keep" },
        ]);
        const keep = new RegExp(`^(?:${get(v, "kubeProxy.serviceMonitor.metricRelabelings.0.regex")})$`);
        assert.ok(keep.test("kubeproxy_sync_proxy_rules_duration_seconds_bucket"));
        for (const shared of [
            "apiserver_request_total",
            "scheduler_pod_scheduling_attempts",
            "workqueue_depth",
            "process_resident_memory_bytes",
            "rest_client_requests_total",
        ]) {
            assert.ok(!keep.test(shared), shared);
        }
    });

    it("without addresses the etcd and kube-proxy jobs and their rules are off instead of permanently down", () => {
        const v = values(dev, [], []);
        for (const key of ["kubeEtcd", "kubeProxy"]) assert.equal(get(v, `${key}.enabled`), false, key);
        assert.equal(get(v, "defaultRules.rules.etcd"), false);
        assert.equal(get(v, "defaultRules.rules.kubeProxy"), false);
        // Controller-manager and scheduler need no addresses of their own.
        assert.equal(get(v, "kubeControllerManager.enabled"), true);
    });

    it("Grafana: admin from the existing secret (no password in values), dashboards sidecar, ingress path and NodePort", () => {
        const d = values(dev, ["10.0.0.1"], ["10.0.0.1"]);
        assert.deepEqual(get(d, "grafana.admin"), {
            existingSecret: "grafana-admin",
            userKey: "admin-user",
            passwordKey: "admin-password",
        });
        assert.doesNotMatch(JSON.stringify(d), /adminPassword/);
        assert.equal(get(d, "grafana.sidecar.dashboards.label"), "grafana_dashboard");
        assert.equal(
            get(d, "grafana.sidecar.dashboards.searchNamespace"),
            undefined,
            "its own namespace (tests/cluster/adminAccess.test.ts)",
        );
        assert.deepEqual(get(d, "grafana.ingress.hosts"), []);
        assert.equal(get(d, "grafana.ingress.path"), "/grafana");
        assert.equal(get(d, "grafana.grafana\\.ini"), undefined);
        assert.equal(get(d, "grafana")["grafana.ini"].server.serve_from_sub_path, true);
        assert.deepEqual(get(d, "grafana.service"), { type: "NodePort", nodePort: 30090 });
        const p = values(prod, ["10.0.0.1"], ["10.0.0.1"]);
        assert.deepEqual(get(p, "grafana.ingress.hosts"), ["grafana.example.org"]);
        assert.deepEqual(get(p, "grafana.service"), { type: "ClusterIP" });
    });

    it("Grafana knows its public URL: domain is the host or the ingress address (never localhost), root_url carries the sub path and no container port", () => {
        const devServer = get(values(dev, ["10.0.0.1"], ["10.0.0.1"]), "grafana")["grafana.ini"].server;
        assert.deepEqual(devServer, { domain: "198.51.100.7", root_url: "https://%(domain)s/grafana/", serve_from_sub_path: true });
        const prodServer = get(values(prod, ["10.0.0.1"], ["10.0.0.1"]), "grafana")["grafana.ini"].server;
        assert.deepEqual(prodServer, { domain: "grafana.example.org", root_url: "https://%(domain)s/" });
        // Served from /grafana/, Grafana's own /metrics moves there too.
        assert.equal(get(values(dev, [], []), "grafana.serviceMonitor.path"), "/grafana/metrics");
        assert.equal(get(values(prod, [], []), "grafana.serviceMonitor"), undefined);
    });

    it("Grafana URLs: ingress URL and NodePort URL both include the sub path", () => {
        assert.deepEqual(grafanaAccess(dev.monitoring, "198.51.100.7"), {
            domain: "198.51.100.7",
            url: "https://198.51.100.7/grafana/",
            nodePortUrl: "http://198.51.100.7:30090/grafana/",
        });
        assert.deepEqual(grafanaAccess(prod.monitoring, "198.51.100.7"), {
            domain: "grafana.example.org",
            url: "https://grafana.example.org/",
        });
        const nested = cfgFor({ environment: "dev", grafanaPath: "/ops/grafana/", grafanaNodePort: "30090" });
        assert.equal(grafanaAccess(nested.monitoring, "10.1.1.1").nodePortUrl, "http://10.1.1.1:30090/ops/grafana/");
        const rootWithPort = cfgFor({ environment: "dev", grafanaPath: "/", grafanaNodePort: "30090" });
        assert.equal(grafanaAccess(rootWithPort.monitoring, "10.1.1.1").nodePortUrl, "http://10.1.1.1:30090/");
    });
});

describe("cluster: resource fit", () => {
    const devPools = [
        { role: "server" as const, count: 1, flavor: "mb1.large", vcpus: 4, memoryMiB: 8192 },
        { role: "agent" as const, count: 2, flavor: "mb1.large", vcpus: 4, memoryMiB: 8192 },
    ];

    it("counts DaemonSet pods per node and replicas per environment", () => {
        const items = clusterRequestItems(prod, { servers: 3, agents: 3 });
        assert.equal(items.find((i) => i.name.startsWith("node-exporter"))?.replicas, 6);
        assert.equal(items.find((i) => i.name.startsWith("openstack cloud controller"))?.replicas, 3);
        assert.equal(items.find((i) => i.name.startsWith("kafka broker"))?.replicas, 3);
    });

    it("dev fits on 3x mb1.large with the configured headroom", () => {
        const report = assertFits("dev cluster layer", sumRequests(clusterRequestItems(dev, { servers: 1, agents: 2 })), devPools, 0.4);
        assert.ok(report.cpuHeadroom > 0.4 && report.memoryHeadroom > 0.4);
    });

    it("the ingress controllers count once per server, on the servers (where the ingress address lands)", () => {
        const ingress = clusterRequestItems(prod, { servers: 3, agents: 4 }).find((i) => i.name.startsWith("ingress-nginx"));
        assert.deepEqual(
            { replicas: ingress?.replicas, perNode: ingress?.perNode, controlPlane: ingress?.controlPlane },
            { replicas: 3, perNode: "servers", controlPlane: true },
        );
    });

    it("a too-small environment is refused with a message naming the shortfall and the fix", () => {
        const tiny = [{ role: "server" as const, count: 1, flavor: "mb1.small", vcpus: 1, memoryMiB: 2048 }];
        assert.throws(
            () => assertFits("The cluster layer of dev", sumRequests(clusterRequestItems(dev, { servers: 1, agents: 0 })), tiny, 0.4),
            (err: Error) =>
                /^The cluster layer of dev does not fit on 1x mb1.small \(server, 1 vCPU, 2048 MiB\):/.test(err.message) &&
                /CPU: requests \d+m of 500m allocatable/.test(err.message) &&
                /memory: requests \d+Mi of 512Mi allocatable/.test(err.message) &&
                /Use larger flavors or more agents/.test(err.message),
        );
    });
});

describe("cluster values: the metadata guard and the pods that need the metadata service", () => {
    const { guardVerdict } = require("../../infra/metadataGuard") as typeof import("../../infra/metadataGuard");
    const { HOST_NETWORK_PODS } = require("../../cluster/values/storage") as typeof import("../../cluster/values/storage");

    it("every host-network pod that needs the metadata service gets through the guard; the cloud controller (UID 1001) is dropped and needs none", () => {
        // The UIDs the values state, so the table cannot drift from what the charts are told.
        assert.equal(
            get(occmValues(dev.images.cloudControllerManager), "podSecurityContext.runAsUser"),
            HOST_NETWORK_PODS["openstack-cloud-controller-manager"].uid,
        );
        assert.equal(
            get(cinderCsiValues(dev.images.cinderCsiPlugin), "csi.plugin.nodePlugin.podSecurityContext.runAsUser"),
            HOST_NETWORK_PODS["cinder-csi node plugin"].uid,
        );
        for (const [pod, p] of Object.entries(HOST_NETWORK_PODS)) {
            const verdict = guardVerdict({ hostNetwork: true, uid: p.uid });
            if (p.needsMetadata) assert.equal(verdict, "allowed", `${pod} needs the metadata service`);
        }
        assert.equal(guardVerdict({ hostNetwork: true, uid: 1001 }), "dropped");
        assert.equal(guardVerdict({ hostNetwork: false }), "dropped");
        // The comment that explains the guard names the real UID.
        const source = require("node:fs").readFileSync(
            require("node:path").join(__dirname, "../../infra/metadataGuard.ts"),
            "utf8",
        ) as string;
        assert.match(source, /cloud controller manager also runs on the host network, but as\s+\* UID 1001/);
        assert.doesNotMatch(source, /cloud controller manager, cinder-csi node plugin\) run as root/);
    });
});
