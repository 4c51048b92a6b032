/**
 * Helm releases the state does not hold (an interrupted install) or that an interrupted upgrade
 * left pending, found before the cluster/apps layer is applied: the pure rules and the recoveries
 * (over the Kubernetes API and through `npm run up`: helmOrphansApi.test.ts).
 */
import * as assert from "node:assert/strict";
import {
    findings,
    plannedReleases,
    recordsOf,
    recoveryText,
    RELEASE_TYPE,
    releaseState,
} from "../../../delivery/deploy/checks/helmOrphans";
import type { SynthResource } from "../../../delivery/synth/synth";
import { DB, managedRelease, PROVIDER, rec, STACK, stateOf, WEB } from "./helmReleases";

describe("delivery: Helm releases the state does not hold are refused before up, with their recovery", () => {
    it("the planned releases are the synth's named Releases, with parent and provider URN", () => {
        const res = (over: Partial<SynthResource>): SynthResource =>
            ({
                urn: "u",
                type: RELEASE_TYPE,
                name: "r",
                custom: true,
                parent: null,
                provider: null,
                inputs: {},
                options: {} as SynthResource["options"],
                ...over,
            }) as SynthResource;
        const planned = plannedReleases([
            res({
                urn: WEB.urn,
                name: WEB.resource,
                parent: WEB.parent!,
                provider: `${PROVIDER}::0b1d`,
                inputs: { name: "web", namespace: "web" },
            }),
            res({ name: "auto-named", inputs: { namespace: "x" } }),
            res({ type: "kubernetes:core/v1:Namespace", inputs: { name: "web" } }),
            res({ urn: "u2", name: "no-ns", inputs: { name: "plain" } }),
        ]);
        assert.deepEqual(planned, [WEB, { urn: "u2", resource: "no-ns", release: "plain", namespace: "default" }]);
    });

    it("reads the managed releases and interrupted creates from a stack export", () => {
        const state = releaseState(
            stateOf([managedRelease(DB), { urn: "x", type: "kubernetes:core/v1:Secret", outputs: { name: "web" } }], [WEB.urn]),
        );
        assert.deepEqual([...state.managed], ["data/db"]);
        assert.deepEqual([...state.pendingCreates], [WEB.urn]);
        assert.equal(releaseState("").managed.size, 0, "a stack never updated holds none");
    });

    it("records come newest first from their labels; only unmanaged or pending ones are findings", () => {
        assert.deepEqual(
            recordsOf({
                items: [
                    { metadata: { name: "sh.helm.release.v1.web.v1", labels: { version: "1", status: "superseded" } } },
                    { metadata: { name: "sh.helm.release.v1.web.v2", labels: { version: "2", status: "failed" } } },
                ],
            }),
            [rec(2, "failed"), rec(1, "superseded")],
        );
        const state = releaseState(stateOf([managedRelease(DB)]));
        const records = (web: ReturnType<typeof rec>[], db: ReturnType<typeof rec>[]) =>
            new Map([
                ["web/web", web],
                ["data/db", db],
            ]);
        assert.deepEqual(
            findings([WEB, DB], state, records([], [rec(3, "deployed", "db")])),
            [],
            "nothing in the cluster, or managed and deployed",
        );
        assert.deepEqual(
            findings([WEB, DB], state, records([rec(1, "pending-install")], [])).map((f) => [f.release.release, f.kind]),
            [["web", "orphan"]],
        );
        assert.deepEqual(
            findings([WEB, DB], state, records([rec(1, "uninstalled")], [])).map((f) => f.kind),
            ["orphan"],
            "Helm refuses the name for any record left",
        );
        assert.deepEqual(
            findings([WEB, DB], state, records([], [rec(4, "pending-upgrade", "db"), rec(3, "deployed", "db")])).map((f) => [
                f.release.release,
                f.kind,
            ]),
            [["db", "stuck"]],
        );
    });

    it(
        "recovery: an interrupted create in the state is adopted with refresh " +
            "--import-pending-creates, else pulumi import with parent and provider",
        () => {
            const pending = releaseState(stateOf([], [WEB.urn]));
            const deployed = [rec(1, "deployed")];
            const adopt = recoveryText(STACK, { release: WEB, kind: "orphan", records: deployed }, pending);
            assert.match(
                adopt,
                /^Helm release web\/web \(lab-web-release\) exists in the cluster \(v1 deployed\) but not in lab-cluster's state/,
            );
            assert.ok(
                adopt.includes(`pulumi refresh --stack lab-cluster --import-pending-creates '${WEB.urn}' --import-pending-creates web/web`),
                adopt,
            );
            assert.ok(adopt.includes("helm uninstall web -n web"));
            const imported = recoveryText(STACK, { release: WEB, kind: "orphan", records: deployed }, releaseState(stateOf([])));
            assert.ok(
                imported.includes(
                    `pulumi import --stack lab-cluster ${RELEASE_TYPE} lab-web-release web/web --parent ` +
                        `'parent=${WEB.parent}' --provider 'k8s=${PROVIDER}' --protect=false --yes`,
                ),
                imported,
            );
        },
    );

    it("recovery: an unfinished install is uninstalled (or its records deleted); a stuck upgrade loses its pending revision", () => {
        const text = recoveryText(
            STACK,
            { release: WEB, kind: "orphan", records: [rec(1, "pending-install")] },
            releaseState(stateOf([], [WEB.urn])),
        );
        assert.match(
            text,
            new RegExp(
                /remove it \(the install did not finish; up installs it anew\):\n {4}helm uninstall/.source +
                    / web -n web\n {4}then: pulumi refresh --stack lab-cluster --clear-pending-creates/.source,
            ),
        );
        assert.ok(text.includes("kubectl delete secret -n web -l owner=helm,name=web"));
        assert.ok(!text.includes("pulumi import"), "a half-installed release is not adopted");
        const stuck = recoveryText(
            STACK,
            { release: DB, kind: "stuck", records: [rec(4, "pending-upgrade", "db"), rec(3, "deployed", "db")] },
            releaseState(stateOf([managedRelease(DB)])),
        );
        assert.match(stuck, /^Helm release data\/db \(lab-db-release\) is pending-upgrade at revision 4/);
        assert.ok(stuck.includes("kubectl delete secret -n data sh.helm.release.v1.db.v4"));
        assert.ok(stuck.includes("helm rollback db 3 -n data"));
    });
});
