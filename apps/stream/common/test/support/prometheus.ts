/** Reads a live /metrics endpoint and parses its Prometheus text: samples by series and TYPE by family. */
import assert from "node:assert/strict";

export interface Scrape {
    readonly types: ReadonlyMap<string, string>;
    /** Value of a series written as in the exposition, e.g. `x_total` or `x{reason="idle"}`. */
    value(series: string): number | undefined;
    readonly text: string;
}

export function parseMetrics(text: string): Scrape {
    const types = new Map<string, string>();
    const samples = new Map<string, number>();
    for (const line of text.split("\n")) {
        if (line === "") continue;
        const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
        if (type) {
            assert.ok(!types.has(type[1]!), `family ${type[1]} declared twice`);
            types.set(type[1]!, type[2]!);
            continue;
        }
        if (line.startsWith("# HELP ")) continue;
        const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
        assert.ok(sample, `not a Prometheus sample line: ${line}`);
        assert.ok(!samples.has(sample[1]!), `series ${sample[1]} twice`);
        samples.set(sample[1]!, Number(sample[2] === "+Inf" ? Infinity : sample[2]));
    }
    return { types, value: (s) => samples.get(s), text };
}

export async function scrape(base: string): Promise<Scrape> {
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    return parseMetrics(await res.text());
}
