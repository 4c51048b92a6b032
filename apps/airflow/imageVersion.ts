/**
 * The Airflow image's version, read from its tag: the chart's `airflowVersion` comes from it, and
 * this layer configures Airflow 3 (api-server, dag-processor, JWT). Checked by the config reader
 * (key `airflowImage`), so a 2.x image or a tag without the version is refused with the others.
 */

/** `apache/airflow:3.2.2` → repository and tag; the Airflow version is the tag's leading X.Y.Z. */
export function splitAirflowImage(image: string): { repository: string; tag: string; version?: string } {
    const cut = image.lastIndexOf(":");
    const tag = image.slice(cut + 1).split("@")[0];
    return { repository: image.slice(0, cut), tag, version: /^(\d+\.\d+\.\d+)/.exec(tag)?.[1] };
}

/** What is wrong with an Airflow image for this layer, or undefined. */
export function airflowImageProblem(image: string): string | undefined {
    const { tag, version } = splitAirflowImage(image);
    if (!version) return `has tag "${tag}", which does not start with the Airflow version: use a tag like "3.2.2" or "3.2.2-python3.12"`;
    if (Number(version.split(".")[0]) < 3)
        return (
            `is Airflow ${version}; this layer configures Airflow 3 (api-server, ` +
            `dag-processor, JWT): use a 3.x image like "apache/airflow:3.2.2"`
        );
    return undefined;
}
