import * as assert from "node:assert/strict";
import { parseAppsConfig } from "../../apps/config";
import { dagsGitSecretManifest, DAGS_GIT_SECRETS } from "../../apps/airflow/gitCredentials";
import { strictLookup } from "../../lib/config/reader";
import { configProblems } from "../support/config";
import { byName, ofType, synth } from "../support/synth";
import { chartValues } from "./airflowChart";

const BASE: Record<string, string> = {
    environment: "dev",
    airflowHost: "airflow.example.org",
    airflowDagsRepo: "https://git.example.org/acme/dags.git",
    todoHost: "todo.example.org",
    todoBackendImage: "r/b:1.0.0",
    todoFrontendImage: "r/f:1.0.0",
    streamProducerImage: "r/p:1.0.0",
    streamProcessorImage: "r/q:1.0.0",
};
const SECRET_KEYS = ["airflowDagsGitToken", "airflowDagsGitSshKey"];
// Shaped like a private key file; not a key.
const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nc3RhbmQtaW4ga2V5IG1hdGVyaWFs\n-----END OPENSSH PRIVATE KEY-----\n";
const KNOWN_HOSTS = "git.example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

function parse(values: Record<string, string | undefined>, plain: readonly string[] = []) {
    const all = Object.fromEntries(Object.entries({ ...BASE, ...values }).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const lookup = strictLookup(
        (k) => all[k],
        () => Object.keys(all).map((k) => `data-platform:${k}`),
        "Pulumi.dev-apps.yaml",
        {
            isSecret: (k) => SECRET_KEYS.includes(k) && !plain.includes(k),
        },
    );
    return parseAppsConfig(lookup, "data-platform", "test").airflow;
}

describe("apps: private DAG repository credentials from secure config", () => {
    it("an https token becomes a Secret this layer creates, referenced by git-sync (username default git)", () => {
        const a = parse({ airflowDagsGitToken: "tok-123" });
        assert.equal(a.dagsCredentialsSecret, DAGS_GIT_SECRETS.https);
        assert.deepEqual(a.dagsGit, { kind: "https", username: "git", token: "tok-123" });
        const m = dagsGitSecretManifest(a.dagsGit!, "airflow", {});
        assert.deepEqual(m.stringData, {
            GIT_SYNC_USERNAME: "git",
            GIT_SYNC_PASSWORD: "tok-123",
            GITSYNC_USERNAME: "git",
            GITSYNC_PASSWORD: "tok-123",
        });
        assert.equal(m.metadata.namespace, "airflow");
        assert.deepEqual(parse({ airflowDagsGitToken: "t", airflowDagsGitUsername: "deploy-bot" }).dagsGit, {
            kind: "https",
            username: "deploy-bot",
            token: "t",
        });
        const values = chartValues(a) as { dags: { gitSync: Record<string, unknown> } };
        assert.equal(values.dags.gitSync.credentialsSecret, DAGS_GIT_SECRETS.https);
        assert.ok(!JSON.stringify(values).includes("tok-123"), "the token never reaches the chart values (nor the Helm release record)");
    });

    it("an SSH key (git@ or ssh:// URL) becomes a gitSshKey Secret, with the known hosts in the values", () => {
        for (const repo of ["git@git.example.org:acme/dags.git", "ssh://git@git.example.org:2222/acme/dags.git"]) {
            const a = parse({ airflowDagsRepo: repo, airflowDagsGitSshKey: KEY, airflowDagsKnownHosts: KNOWN_HOSTS });
            assert.equal(a.dagsSshKeySecret, DAGS_GIT_SECRETS.ssh);
            assert.equal(a.dagsKnownHosts, KNOWN_HOSTS);
            assert.deepEqual(dagsGitSecretManifest(a.dagsGit!, "airflow", {}).stringData, { gitSshKey: KEY });
        }
    });

    it("refuses a credential that cannot work with the repository URL, naming both keys", () => {
        const tokenOverSsh = configProblems(() =>
            parse({ airflowDagsRepo: "ssh://git.example.org/acme/dags.git", airflowDagsGitToken: "t" }),
        ).join("\n");
        assert.match(
            tokenOverSsh,
            new RegExp(
                /data-platform:airflowDagsGitToken = "\(secret\)": is set but not used:/.source +
                    / airflowDagsRepo ssh:\/\/\S+ is an SSH URL .*use airflowDagsGitSshKey/.source,
            ),
        );
        const keyOverHttps = configProblems(() => parse({ airflowDagsGitSshKey: KEY, airflowDagsKnownHosts: KNOWN_HOSTS })).join("\n");
        assert.match(
            keyOverHttps,
            new RegExp(
                /data-platform:airflowDagsGitSshKey = "\(secret\)": is set but not used:/.source +
                    / airflowDagsRepo https:\/\/\S+ is an https URL .*use airflowDagsGitToken/.source,
            ),
        );
        assert.match(keyOverHttps, /airflowDagsKnownHosts = .*only applies together with airflowDagsGitSshKey/);
    });

    it("refuses SSH without known hosts, plain-text credentials, malformed keys and two credentials at once", () => {
        const ssh = { airflowDagsRepo: "git@git.example.org:acme/dags.git" };
        assert.match(
            configProblems(() => parse({ ...ssh, airflowDagsGitSshKey: KEY })).join("\n"),
            /airflowDagsKnownHosts = \(unset\): is required with an SSH key: .*ssh-keyscan git\.example\.org/,
        );
        assert.match(
            configProblems(() => parse({ ...ssh, airflowDagsSshKeySecret: "k" })).join("\n"),
            /airflowDagsKnownHosts = \(unset\): is required with an SSH key/,
        );
        assert.match(
            configProblems(() => parse({ airflowDagsGitToken: "t" }, ["airflowDagsGitToken"])).join("\n"),
            /airflowDagsGitToken = "\(not shown\)": holds a credential .*pulumi config set --secret airflowDagsGitToken/,
        );
        assert.match(
            configProblems(() => parse({ ...ssh, airflowDagsGitSshKey: "ssh-ed25519 AAAA", airflowDagsKnownHosts: KNOWN_HOSTS })).join(
                "\n",
            ),
            /airflowDagsGitSshKey = "\(secret\)": must be a private key/,
        );
        assert.match(
            configProblems(() => parse({ ...ssh, airflowDagsGitSshKey: KEY, airflowDagsKnownHosts: "not a host line" })).join("\n"),
            /airflowDagsKnownHosts = "not a host line": line 1 must be a known_hosts line/,
        );
        assert.match(
            configProblems(() => parse({ airflowDagsGitToken: "t", airflowDagsCredentialsSecret: "mine" })).join("\n"),
            /airflowDagsCredentialsSecret = "mine": and airflowDagsGitToken are two credentials/,
        );
        assert.match(
            configProblems(() => parse({ airflowDagsGitUsername: "bot" })).join("\n"),
            /airflowDagsGitUsername = "bot": only applies together with airflowDagsGitToken/,
        );
        const leaked = configProblems(() => parse({ airflowDagsGitToken: "tok-should-not-show" }, ["airflowDagsGitToken"])).join("\n");
        assert.ok(!leaked.includes("tok-should-not-show"), "a refused token is never printed");
    });

    it("synth: the Secret is in the airflow namespace, its data secret, and the chart release depends on it", async function () {
        this.timeout(120000);
        const result = await synth("dev-apps", { "data-platform:airflowDagsGitToken": "tok-synth" }, undefined, [
            "data-platform:airflowDagsGitToken",
        ]);
        const secret = byName(result, "airflow-git-credentials");
        assert.equal((secret.inputs.metadata as { namespace: string }).namespace, "airflow");
        assert.equal((secret.inputs.metadata as { name: string }).name, DAGS_GIT_SECRETS.https);
        assert.ok(
            typeof secret.inputs.stringData === "object" && "@secret" in (secret.inputs.stringData as object),
            "stringData is a secret",
        );
        const release = ofType(result, "kubernetes:helm.sh/v3:Release").find((r) => r.name === "airflow-release")!;
        assert.ok(release.options.dependsOn.includes(secret.urn), "the chart waits for the git credential");
        assert.equal(
            (release.inputs.values as { dags: { gitSync: { credentialsSecret: string } } }).dags.gitSync.credentialsSecret,
            DAGS_GIT_SECRETS.https,
        );
        assert.ok(!JSON.stringify(result.outputs).includes("tok-synth"), "never in the stack outputs");
    });
});
