/**
 * dev's single server through its life: created by the plan, a marker written through the API,
 * then a k3s patch bump that replaces the only server (`dev-upgrade`): the replacement restarts
 * the same etcd member from the datastore volume, so the marker and the cluster survive. The
 * negative case forces the old behaviour on a replacement (started with cluster-init on an
 * empty datastore) and the same checks must report the loss.
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { stackK3sVersion } from "../boot/support/cluster";
import { writeMarker, clusterId, nodeNames } from "./support/access";
import { LifetimeEnvironment } from "./support/environment";
import { lifetimeCloud, stopCloudAfter } from "./support/hooks";
import { metadataOf, nodesOf } from "./support/plan";
import { lossOf, nextPatch, scenario } from "./support/scenario";

const STACK = "dev-infra";
const MINUTES = 60_000;

describe("lifetime: dev (one server, datastore on a volume)", function () {
    const from = stackK3sVersion(STACK);
    const to = nextPatch(from);
    let env: LifetimeEnvironment;
    let marker = "";
    let id = "";

    before(async function () {
        this.timeout(30 * MINUTES);
        const cloud = await lifetimeCloud(this, "dev", [from, to]);
        // The lifecycle commands' deadline: under TCG on a loaded 2-core machine a server can take
        // longer than the stack's default 20 min to a ready API.
        env = new LifetimeEnvironment(
            {
                stack: STACK,
                plan: { cidr: "10.0.0.0/24", servers: ["10.0.0.11"], agents: [] },
                agents: 0,
                datastore: true,
                settings: { readinessTimeoutMinutes: "45" },
            },
            cloud,
        );
    });
    stopCloudAfter(() => env?.cloud);

    scenario("dev-upgrade", 45 * MINUTES, async (s) => {
        const created = await env.up(env.config(from), s);
        assert.deepEqual(
            created.groups.flat().map((g) => `${g.kind} ${g.slot}`),
            ["create server-0"],
        );
        s.step("write the marker through the API");
        marker = randomBytes(12).toString("hex");
        await writeMarker(env.target, marker);
        id = await clusterId(env.target);
        const upgraded = await env.up(env.config(to), s);
        assert.deepEqual(
            upgraded.groups.flat().map((g) => `${g.kind} ${g.slot}`),
            ["replace server-0"],
            "a patch bump replaces the only server",
        );
        s.step("the marker and the cluster survive");
        assert.equal(await lossOf(env.target, marker, id), undefined);
        const server = upgraded.groups[0][0];
        assert.deepEqual(await nodeNames(env.target), [server.newName]);
        assert.match(
            await env.cloud.vm("server-0").sh("/usr/local/bin/k3s --version"),
            new RegExp(`^k3s version ${to.replace("+", "\\+")} `),
        );
    });

    scenario(
        "dev-upgrade, negative: a replacement started with cluster-init on an empty datastore loses the cluster",
        45 * MINUTES,
        async (s) => {
            assert.ok(marker, "dev-upgrade ran first");
            const component = [...nodesOf(env.deployed!).values()].find(
                (v) => v.instance.inputs.name && metadataOf(v.instance).slot === "server-0",
            )!.component.name;
            // The old behaviour: the replacement initialises a cluster on an empty data directory
            // (the infra layer no longer renders a single server without its datastore volume).
            env.cloud.dropVolume("datastore");
            await env.up(env.config(to), { ...s, force: { bootstrap: "cluster-init" } }, { replace: [component] });
            s.step("the checks report the loss");
            const loss = await lossOf(env.target, marker, id);
            assert.ok(loss, "the forced old behaviour must lose the marker, and the checks must say so");
            console.log(`    loss reported: ${loss}`);
        },
    );
});
