/** Apps layer: see issue 6 (placeholder until it lands). */
export async function appsLayer(): Promise<Record<string, unknown>> {
    throw new Error("The apps layer is not built yet");
}
