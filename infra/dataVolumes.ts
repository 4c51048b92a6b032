/**
 * The Cinder volumes that outlive every node: the NFS export's, and a single server's datastore.
 * Both are protected (deleting them needs intent); what runs on them is nfsData.ts and datastore.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import * as openstack from "@pulumi/openstack";
import type { InfraConfig } from "./config";
import { DATASTORE_VOLUME_GB } from "./datastore";
import type { NodeSlot } from "./nodes";

/**
 * The volume behind the NFS export. It lives in server-0's zone (Cinder attaches within a zone);
 * zones added later leave an existing volume where it is (ignoreChanges: moving it would replace it).
 */
export function nfsVolume(
    name: string,
    cfg: InfraConfig,
    serverSlots: readonly NodeSlot[],
    cluster: pulumi.Resource,
): openstack.blockstorage.Volume {
    const nfsZone = serverSlots[0]?.zone;
    return new openstack.blockstorage.Volume(
        `${name}-nfs-data`,
        {
            name: `${name}-nfs-data`,
            size: cfg.nfsVolumeSizeGb,
            description: "RWX data exported over NFS by server-0",
            ...(nfsZone ? { availabilityZone: nfsZone } : {}),
        },
        { parent: cluster, protect: cfg.protectData, ...(nfsZone ? { ignoreChanges: ["availabilityZone"] } : {}) },
    );
}

/**
 * A single server's etcd, tokens and certificates outlive its VM; with several servers the
 * others hold the data, so there is none.
 */
export function datastoreVolume(name: string, cfg: InfraConfig, cluster: pulumi.Resource): openstack.blockstorage.Volume | undefined {
    if (cfg.servers.count > 1) return undefined;
    return new openstack.blockstorage.Volume(
        `${name}-server-0-datastore`,
        {
            name: `${name}-server-0-datastore`,
            size: DATASTORE_VOLUME_GB,
            description: "k3s server datastore (etcd) of the only server",
        },
        { parent: cluster, protect: true },
    );
}
