/**
 * The processor's metrics (contract in apps/stream/README.md, "Metrics"), fed by the adapter's hooks and read
 * from the core and the adapter at scrape time.
 */
import type { Logger } from "../../common/src/log.js";
import type { MetricsRegistry } from "../../common/src/metrics.js";
import type { AdapterHooks } from "./adapter.js";
import type { WindowCore } from "./window-core.js";

/** Buckets for window latency (event time of the newest value to the broker's ack): 10 ms .. 30 min. */
const WINDOW_LATENCY_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export class ProcessorMetrics {
    readonly records: (by?: number) => void;
    private readonly logEnd = new Map<number, bigint>();

    constructor(
        private readonly registry: MetricsRegistry,
        private readonly topic: string,
        core: WindowCore,
        /** Committed offsets of the held partitions (a getter: the adapter is built with our hooks). */
        private readonly commits: () => ReadonlyMap<number, bigint>,
    ) {
        this.records = registry.counter("records_total", "Event records received");
        registry.gauge("open_windows", "Open windows on held partitions", () =>
            core.assigned().reduce((n, p) => n + core.openWindows(p), 0),
        );
        registry.gauge("assigned_partitions", "Partitions of the input topic held by this member", () => core.assigned().length);
        registry.labelledGauge("committed_offset", "Last offset committed by this member (next offset to read)", () =>
            [...this.commits()].map(([partition, offset]) => ({ labels: this.labels(partition), value: Number(offset) })),
        );
        registry.labelledGauge("consumer_lag", "Log-end offset minus committed offset, per held partition", () =>
            [...this.commits()].flatMap(([partition, offset]) => {
                const end = this.logEnd.get(partition);
                return end === undefined ? [] : [{ labels: this.labels(partition), value: Math.max(0, Number(end - offset)) }];
            }),
        );
    }

    /** Log-end offsets per partition (index = partition), from Consumer.listOffsets. */
    setLogEnd(offsets: readonly bigint[]): void {
        offsets.forEach((o, p) => this.logEnd.set(p, o));
    }

    hooks(log: Logger): AdapterHooks {
        const r = this.registry;
        const malformed = r.counter("malformed_total", "Malformed events skipped");
        const results = r.counter("results_total", "Window results acknowledged by the broker");
        const commits = r.counter("commits_total", "Offset commits");
        const closed = r.labelledCounter(
            "windows_closed_total",
            "Windows closed, by reason (complete: WINDOW_SIZE values; idle: sensor went quiet)",
            [{ reason: "complete" }, { reason: "idle" }],
        );
        const produce = r.histogram("produce_duration_seconds", "Result produce request duration until the broker acknowledged (acks=all)");
        const commit = r.histogram("commit_duration_seconds", "Offset commit request duration");
        const latency = r.histogram(
            "window_latency_seconds",
            "From the event time of a window's newest value to the broker's ack of its result",
            WINDOW_LATENCY_BUCKETS,
        );
        return {
            log,
            onMalformed: (partition, offset, error) => {
                malformed();
                log("warn", "skipping malformed event", { partition, offset, error });
            },
            onClosed: (rs) => {
                for (const x of rs) closed({ reason: x.reason });
            },
            onAcked: (rs, seconds) => {
                results(rs.length);
                produce.observe(seconds);
                const now = Date.now();
                for (const x of rs) latency.observe(Math.max(0, now - x.result.windowEnd) / 1000);
            },
            onCommit: (_offsets, seconds) => {
                commits();
                commit.observe(seconds);
            },
        };
    }

    private labels(partition: number): { topic: string; partition: string } {
        return { topic: this.topic, partition: String(partition) };
    }
}
