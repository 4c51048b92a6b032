/** What an irreversible change is: the kinds, with one line each, and the resource view they are judged on. */
/** A resource as both synth and stack state show it (the shape of downgrades.ts' ResourceView). */
export interface ResourceView {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
}

export type IrreversibleKind =
    | "kafka-partitions-decrease"
    | "kafka-downgrade"
    | "operator-downgrade"
    | "postgres-downgrade"
    | "airflow-downgrade"
    | "k3s-downgrade"
    | "k3s-minor-jump"
    | "volume-shrink"
    | "server-count-decrease"
    | "ssh-key-existing-nodes"
    | "backup-credential-retired";

export interface Irreversible {
    readonly kind: IrreversibleKind;
    readonly stack: string;
    /** What changes and what would be lost. */
    readonly message: string;
}

/** One line per kind: what it is, for docs and the refusal message. */
export const IRREVERSIBLE_KINDS: Readonly<Record<IrreversibleKind, string>> = {
    "kafka-partitions-decrease": "a Kafka topic's partitions lowered (Kafka cannot remove partitions)",
    "kafka-downgrade": "Kafka or its metadata.version lowered (KRaft metadata only moves forward)",
    "operator-downgrade": "Strimzi or kube-prometheus-stack lowered (Helm never downgrades their CRDs)",
    "postgres-downgrade": "a PostgreSQL image lowered (a data directory is not readable by an older major)",
    "airflow-downgrade": "Airflow (chart or image) lowered (its metadata schema only migrates forward)",
    "k3s-downgrade": "k3s lowered (its datastore migrations only go forward)",
    "k3s-minor-jump": "k3s raised by more than one minor version (Kubernetes supports one minor at a time)",
    "volume-shrink": "a PVC or Kafka volume made smaller (volumes only grow)",
    "server-count-decrease": "fewer k3s servers in a production environment (HA and etcd quorum margin lost)",
    "ssh-key-existing-nodes": "an SSH key change, which reaches only nodes created from now on",
    "backup-credential-retired": "a backup EC2 credential deleted (retired or its owner changed): every writer still holding it fails",
};
