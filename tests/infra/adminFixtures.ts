/** The server and agent whose user-data the admin-access tests (bindings and revocation) render, and its parser. */
import { parse } from "yaml";
import { AgentSpec, ServerSpec } from "../../infra/cloudinit";

// What every node of the one cluster shares.
const cluster = {
    k3sVersion: "v1.35.6+k3s1",
    k3sInstall: { mode: "download" },
    labels: {},
    flannelBackend: "vxlan",
    serverUrl: "https://10.9.0.11:6443",
} as const;
export const server: ServerSpec = {
    ...cluster,
    role: "server",
    nodeName: "lab-server-0-abc123",
    nodeIp: "10.9.0.11",
    bootstrap: "metadata",
    tlsSans: ["10.9.0.11"],
    etcdSnapshotSchedule: "0 */6 * * *",
    etcdSnapshotRetention: 3,
    localPathStorage: false,
};
export const agent: AgentSpec = { ...cluster, role: "agent", nodeName: "lab-agent-0-def456", nodeIp: "10.9.0.21" };
export const secrets = { token: "t", agentToken: "a" };

export interface File {
    path: string;
    content: string;
    permissions: string;
    owner?: string;
}
export const cloudConfig = (text: string) =>
    parse(text.replace(/^#cloud-config\n/, "")) as { write_files: File[]; runcmd: (string | string[])[] };
