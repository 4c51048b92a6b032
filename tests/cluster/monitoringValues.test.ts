/** kube-prometheus-stack Helm values from the pure builder: k3s scrape jobs and Grafana (no mocks). */
import * as assert from "node:assert/strict";
import { grafanaAccess, monitoringValues } from "../../cluster/values/monitoring";
import { cfgFor, dev, get, prod } from "./valuesConfigs";

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

    it(
        "k3s' one metrics registry is not scraped twice: controller-manager and " +
            "scheduler read the apiserver job, kube-proxy keeps only its own series",
        () => {
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
        },
    );

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

    it(
        "Grafana knows its public URL: domain is the host or the ingress address " +
            "(never localhost), root_url carries the sub path and no container port",
        () => {
            const devServer = get(values(dev, ["10.0.0.1"], ["10.0.0.1"]), "grafana")["grafana.ini"].server;
            assert.deepEqual(devServer, { domain: "198.51.100.7", root_url: "https://%(domain)s/grafana/", serve_from_sub_path: true });
            const prodServer = get(values(prod, ["10.0.0.1"], ["10.0.0.1"]), "grafana")["grafana.ini"].server;
            assert.deepEqual(prodServer, { domain: "grafana.example.org", root_url: "https://%(domain)s/" });
            // Served from /grafana/, Grafana's own /metrics moves there too.
            assert.equal(get(values(dev, [], []), "grafana.serviceMonitor.path"), "/grafana/metrics");
            assert.equal(get(values(prod, [], []), "grafana.serviceMonitor"), undefined);
        },
    );

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
