/**
 * A small Prometheus registry (text format 0.0.4) for both services: counters, gauges (optionally labelled,
 * read at scrape time) and histograms. No dependency: the services need a dozen series, not prom-client.
 */

export type Labels = Readonly<Record<string, string>>;

/** Default latency buckets in seconds: 1 ms .. 10 s (Kafka round trips are milliseconds; stalls are seconds). */
export const LATENCY_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Family {
    readonly help: string;
    readonly type: "counter" | "gauge" | "histogram";
    render(name: string): string[];
    /** Unlabelled value (counters and plain gauges), for tests and logs. */
    value?(): number;
}

function labelText(labels: Labels): string {
    const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`);
    return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function number(value: number): string {
    if (Number.isNaN(value)) return "NaN";
    if (value === Infinity) return "+Inf";
    if (value === -Infinity) return "-Inf";
    return String(value);
}

export class Histogram {
    private readonly counts: number[];
    private sum = 0;
    private count = 0;

    constructor(readonly buckets: readonly number[] = LATENCY_BUCKETS) {
        this.counts = new Array<number>(buckets.length).fill(0);
    }

    observe(value: number): void {
        this.sum += value;
        this.count++;
        for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) this.counts[i]!++;
    }

    /** Starts a timer; calling the result observes the elapsed seconds. */
    startTimer(now: () => number = performance.now.bind(performance)): () => void {
        const start = now();
        return () => this.observe((now() - start) / 1000);
    }

    render(name: string): string[] {
        const lines = this.buckets.map((le, i) => `${name}_bucket{le="${le}"} ${this.counts[i]}`);
        lines.push(`${name}_bucket{le="+Inf"} ${this.count}`, `${name}_sum ${number(this.sum)}`, `${name}_count ${this.count}`);
        return lines;
    }
}

export class MetricsRegistry {
    private readonly families = new Map<string, Family>();

    constructor(private readonly prefix: string) {}

    private add(name: string, family: Family): void {
        if (this.families.has(name)) throw new Error(`metric ${name} registered twice`);
        this.families.set(name, family);
    }

    counter(name: string, help: string): (by?: number) => void {
        let value = 0;
        this.add(name, { help, type: "counter", render: (n) => [`${n} ${number(value)}`], value: () => value });
        return (by = 1) => {
            value += by;
        };
    }

    /** A counter kept elsewhere (read at scrape time); it must only grow. */
    counterFrom(name: string, help: string, read: () => number): void {
        this.add(name, { help, type: "counter", render: (n) => [`${n} ${number(read())}`], value: read });
    }

    /** A counter with labels; only label sets seen (or listed in `initial`) are rendered. */
    labelledCounter(name: string, help: string, initial: readonly Labels[] = []): (labels: Labels, by?: number) => void {
        const values = new Map<string, number>();
        for (const l of initial) values.set(labelText(l), 0);
        this.add(name, { help, type: "counter", render: (n) => [...values].map(([l, v]) => `${n}${l} ${number(v)}`) });
        return (labels, by = 1) => {
            const key = labelText(labels);
            values.set(key, (values.get(key) ?? 0) + by);
        };
    }

    gauge(name: string, help: string, read: () => number): void {
        this.add(name, { help, type: "gauge", render: (n) => [`${n} ${number(read())}`], value: read });
    }

    /** A gauge whose labelled samples are read at scrape time. */
    labelledGauge(name: string, help: string, read: () => Iterable<{ readonly labels: Labels; readonly value: number }>): void {
        this.add(name, { help, type: "gauge", render: (n) => [...read()].map((s) => `${n}${labelText(s.labels)} ${number(s.value)}`) });
    }

    histogram(name: string, help: string, buckets?: readonly number[]): Histogram {
        const h = new Histogram(buckets);
        this.add(name, { help, type: "histogram", render: (n) => h.render(n) });
        return h;
    }

    value(name: string): number | undefined {
        return this.families.get(name)?.value?.();
    }

    renderMetrics(): string {
        const prefix = this.prefix.replace(/[^a-zA-Z0-9_]/g, "_");
        const lines: string[] = [];
        for (const [name, family] of this.families) {
            const full = `${prefix}_${name}`;
            lines.push(`# HELP ${full} ${family.help}`, `# TYPE ${full} ${family.type}`, ...family.render(full));
        }
        return `${lines.join("\n")}\n`;
    }
}
