/** ingress-nginx Helm values from the pure builder (no mocks). */
import * as assert from "node:assert/strict";
import { splitImage } from "../../cluster/values/images";
import { ingressNginxValues } from "../../cluster/values/ingressNginx";
import { dev, get, prod } from "./valuesConfigs";

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
