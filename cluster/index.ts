/** Cluster layer: see issue 5 (placeholder until it lands). */
export async function clusterLayer(): Promise<Record<string, unknown>> {
    throw new Error("The cluster layer is not built yet");
}
