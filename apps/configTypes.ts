/** The apps layer's configuration as the program uses it, once parseAppsConfig has checked it. */
import type { RegistryCredential } from "./images";
import type { DagsGitCredential } from "./airflow/gitCredentials";
import type { DagsRevision } from "./airflow/dagsRevision";
import type { Resources } from "./resources";

/**
 * Where the lower stacks live, as config states it. The fully qualified reference names
 * (`<organization>/<project>/<stack>`) come from `stackReferenceNames`, because the default
 * organization is the running stack's (`pulumi.getOrganization()`), which only the program knows.
 */
export interface StackRefs {
    /** `stackOrganization`; undefined when unset (then the current stack's organization applies). */
    readonly organization: string | undefined;
    readonly project: string;
    /** Stack names, e.g. `dev-infra`, `dev-cluster`. */
    readonly infraStack: string;
    readonly clusterStack: string;
}

/** Fully qualified StackReference names; `currentOrganization` fills an unset `stackOrganization`. */
export function stackReferenceNames(refs: StackRefs, currentOrganization: string): { infra: string; cluster: string } {
    const organization = refs.organization ?? currentOrganization;
    return {
        infra: `${organization}/${refs.project}/${refs.infraStack}`,
        cluster: `${organization}/${refs.project}/${refs.clusterStack}`,
    };
}

export interface AirflowConfig {
    readonly chartVersion: string;
    readonly chartRepo: string;
    /** `repository:tag` of the Airflow image (tasks run in the same image). */
    readonly image: string;
    readonly host: string;
    readonly path: string;
    readonly schedulerReplicas: number;
    readonly apiServerReplicas: number;
    readonly dagsRepo: string;
    readonly dagsBranch: string;
    /** The branch head (not in prod) or a pinned release tag/commit (apps/airflow/dagsRevision.ts). */
    readonly dagsRevision: DagsRevision;
    readonly dagsPath: string;
    /**
     * Private DAG repository (apps/airflow/gitCredentials.ts): the Secret git-sync reads, created
     * by this layer from `secure:` config (`dagsGit`) or existing. Unset: the repository is public.
     */
    readonly dagsCredentialsSecret?: string;
    readonly dagsSshKeySecret?: string;
    readonly dagsKnownHosts?: string;
    readonly dagsGit?: DagsGitCredential;
    /** Existing TLS Secret (in the Airflow namespace) for the UI ingress; unset: plain HTTP. */
    readonly tlsSecretName?: string;
    /** Addresses the UI's Ingress admits; unset: the infra layer's `adminCidrs` (an admin UI). */
    readonly allowedCidrs?: readonly string[];
    readonly logsSize: string;
    readonly dbImage: string;
    readonly dbSize: string;
    readonly backupSchedule: string;
    readonly backupRetentionDays: number;
    readonly backupSize: string;
    /** Default requests/limits of one task pod (a DAG may ask for more via executor_config). */
    readonly task: Resources;
    /** Ceiling for all task pods together (ResourceQuota). */
    readonly taskQuota: { readonly cpu: string; readonly memory: string; readonly pods: number };
}

export interface TodoConfig {
    readonly host: string;
    readonly backendImage: string;
    readonly frontendImage: string;
    readonly dbImage: string;
    readonly backendReplicas: number;
    readonly frontendReplicas: number;
    readonly dbSize: string;
    readonly backupSchedule: string;
    readonly backupRetentionDays: number;
    /** Backup PVC size, used only when the environment has no off-site backup store. */
    readonly backupSize: string;
    /** Existing TLS Secret (in the `microservices` namespace) for the ingress; unset: plain HTTP. */
    readonly tlsSecretName?: string;
    /** Addresses the public app's Ingress admits; unset: every address. */
    readonly allowedCidrs?: readonly string[];
}

export interface StreamConfig {
    readonly producerImage: string;
    readonly processorImage: string;
    readonly processorReplicas: number;
    /** Producer messages per second over all sensors. */
    readonly rate: number;
    /** Values per sensor in one processor window. */
    readonly windowSize: number;
}

export interface AppsConfig {
    readonly environment: string;
    readonly stacks: StackRefs;
    /** Stateful resources (PVCs, databases) are protected and retained on delete. */
    readonly protectStateful: boolean;
    /** Fraction of allocatable CPU and memory that must stay free in the whole environment. */
    readonly minHeadroom: number;
    readonly airflow: AirflowConfig;
    readonly todo: TodoConfig;
    readonly stream: StreamConfig;
    /** rclone image of the off-site dump Jobs (pinned). */
    readonly backupImage: string;
    /** Pull credential of the own images' registry (secret password), when it needs one. */
    readonly pullCredential?: RegistryCredential;
}
