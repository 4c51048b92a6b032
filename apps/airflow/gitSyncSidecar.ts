/**
 * The one git-sync of the platform: a sidecar of the dag-processor writing the DAG repository
 * into the RWX DAG claim that every other Airflow pod mounts read-only. The chart (1.22.0) runs
 * its own git-sync in no component once `dags.persistence` is on and the dag-processor is
 * enabled (Airflow 3), so this sidecar is declared here, in the chart's own conventions: root
 * `/git`, link `repo` (the chart's DAG folder is `<dags>/repo/<subPath>`), the chart's
 * credential Secret or SSH key volume and `known_hosts` from its ConfigMap. Pure.
 */
import type { AirflowConfig } from "../config";
import { AIRFLOW_RESOURCES, k8sResources } from "../resources";
import { gitSyncRevisionValues } from "./dagsRevision";

/** The chart's own git-sync image (1.22.0 `images.gitSync`). */
export const GIT_SYNC_IMAGE = "registry.k8s.io/git-sync/git-sync:v4.4.2";
/** The chart's git-sync user. */
export const GIT_SYNC_UID = 65533;

type Config = Pick<AirflowConfig, "dagsRepo" | "dagsRevision" | "dagsCredentialsSecret" | "dagsSshKeySecret" | "dagsKnownHosts">;

export function gitSyncSidecar(config: Config): Record<string, unknown> {
    const ssh = config.dagsSshKeySecret !== undefined;
    const env = [
        { name: "GITSYNC_REPO", value: config.dagsRepo },
        { name: "GITSYNC_REF", value: gitSyncRevisionValues(config.dagsRevision).ref },
        { name: "GITSYNC_DEPTH", value: "1" },
        { name: "GITSYNC_ROOT", value: "/git" },
        { name: "GITSYNC_LINK", value: "repo" },
        { name: "GITSYNC_PERIOD", value: "60s" },
        { name: "GITSYNC_ADD_USER", value: "true" },
        ...(ssh
            ? [
                  { name: "GITSYNC_SSH_KEY_FILE", value: "/etc/git-secret/ssh" },
                  { name: "GITSYNC_SSH_KNOWN_HOSTS", value: "true" },
                  { name: "GITSYNC_SSH_KNOWN_HOSTS_FILE", value: "/etc/git-secret/known_hosts" },
              ]
            : []),
    ];
    return {
        name: "git-sync",
        image: GIT_SYNC_IMAGE,
        env,
        // The https credential Secret holds GITSYNC_USERNAME/GITSYNC_PASSWORD (gitCredentials.ts).
        ...(!ssh && config.dagsCredentialsSecret ? { envFrom: [{ secretRef: { name: config.dagsCredentialsSecret } }] } : {}),
        resources: k8sResources(AIRFLOW_RESOURCES.gitSync),
        securityContext: {
            runAsUser: GIT_SYNC_UID,
            runAsGroup: 0,
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
        },
        volumeMounts: [
            // The DAG claim (the chart's `dags` volume once persistence is on), writable here only.
            { name: "dags", mountPath: "/git" },
            ...(ssh
                ? [
                      { name: "git-sync-ssh-key", mountPath: "/etc/git-secret/ssh", subPath: "gitSshKey", readOnly: true },
                      { name: "config", mountPath: "/etc/git-secret/known_hosts", subPath: "known_hosts", readOnly: true },
                  ]
                : []),
        ],
    };
}
