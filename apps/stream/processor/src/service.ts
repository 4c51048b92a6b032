/**
 * The processor's consume loop, on the slices of @platformatic/kafka's interfaces in ./kafka.ts: group
 * assignment -> adapter, stream of records -> adapter (pipelined), idle-window timer, lag polling, and an
 * orderly stop (drain the pipeline, then close consumer and producer). main.ts runs it on the real client;
 * tests and the benchmark run it on a stand-in.
 */
import type { Health } from "../../common/src/health.js";
import type { ProducerPort } from "../../common/src/kafka.js";
import type { Logger } from "../../common/src/log.js";
import { StreamProcessor, type PipelineOptions } from "./adapter.js";
import type { ProcessorConfig } from "./config.js";
import { committer, consumeOptions, partitionsOf, resultSink, toInbound, type ConsumedStream, type ConsumerPort } from "./kafka.js";
import { ProcessorMetrics } from "./metrics.js";
import { WindowCore, type CoreStats } from "./window-core.js";

export type LoopConfig = Pick<
    ProcessorConfig,
    "inputTopic" | "outputTopic" | "windowSize" | "windowMaxSpan" | "windowIdleMs" | "lagPollMs"
>;

export interface ProcessorRuntime {
    readonly consumer: ConsumerPort;
    readonly producer: ProducerPort;
    readonly config: LoopConfig;
    readonly health: Health;
    readonly log: Logger;
    /** Aborting stops the loop after the record in hand; queued results are still sent and committed. */
    readonly signal: AbortSignal;
    readonly pipeline?: PipelineOptions;
}

export async function runProcessor(rt: ProcessorRuntime): Promise<CoreStats> {
    const { consumer, producer, config, health, log, signal } = rt;
    const topic = config.inputTopic;
    const core = new WindowCore({ windowSize: config.windowSize, maxSpan: config.windowMaxSpan });
    // Read at scrape time only, after proc exists.
    const metrics: ProcessorMetrics = new ProcessorMetrics(health, topic, core, (): ReadonlyMap<number, bigint> => proc.commits());
    const stopConsuming = new AbortController();
    const proc: StreamProcessor = new StreamProcessor(
        core,
        resultSink(producer, config.outputTopic),
        committer(consumer, topic),
        // A failed send ends the loop at once (not at the next record, which may never come); drain() rethrows it.
        { ...metrics.hooks(log), onFailure: () => stopConsuming.abort() },
        rt.pipeline,
    );

    // Registered before consume(): our handler sees the new assignment before the stream re-reads offsets.
    consumer.on("consumer:group:join", (payload) => {
        proc.onAssignment(partitionsOf(payload.assignments ?? consumer.assignments, topic));
        health.beat();
    });
    consumer.on("consumer:heartbeat:end", () => health.beat());

    let polling = false;
    const pollLag = async (): Promise<void> => {
        if (polling) return;
        polling = true;
        try {
            metrics.setLogEnd((await consumer.listOffsets({ topics: [topic] })).get(topic) ?? []);
        } catch (error) {
            log("warn", "reading log-end offsets for consumer_lag failed", { error: (error as Error).message });
        } finally {
            polling = false;
        }
    };
    const idleTimer = setInterval(() => proc.flushIdle(config.windowIdleMs), Math.max(50, Math.floor(config.windowIdleMs / 4)));
    const lagTimer = setInterval(() => void pollLag(), config.lagPollMs);

    // Until consume() resolves, the client is still looking for the group's coordinator, which it retries for
    // many seconds while no broker answers; a stop then closes the consumer, which ends those retries at once.
    let consuming = false;
    const abandonConnect = (): void => {
        if (!consuming) void consumer.close().catch(() => undefined);
    };
    try {
        if (signal.aborted) return core.stats;
        signal.addEventListener("abort", abandonConnect, { once: true });
        let stream: ConsumedStream;
        try {
            stream = await consumer.consume(consumeOptions(topic));
        } catch (error) {
            // The consume failed because we closed the client on purpose: a stop, not a failure.
            if (signal.aborted) {
                log("info", "stopped before consuming (no broker had answered yet)", { error: (error as Error).message });
                return core.stats;
            }
            throw error;
        } finally {
            consuming = true;
            signal.removeEventListener("abort", abandonConnect);
        }
        log("info", "consuming", { topic });
        // Ends the for-await loop below after the record in hand.
        const stop = (): void => void stream.close();
        for (const s of [signal, stopConsuming.signal]) {
            if (s.aborted) stop();
            else s.addEventListener("abort", stop, { once: true });
        }
        for await (const message of stream) {
            metrics.records();
            await proc.handle([toInbound(message)]);
            if (signal.aborted || stopConsuming.signal.aborted) break;
        }
        // Open windows are dropped: the next owner replays them from the committed offset.
        await proc.drain();
        return core.stats;
    } finally {
        clearInterval(idleTimer);
        clearInterval(lagTimer);
        await consumer.close().catch((e: Error) => log("warn", "consumer close failed", { error: e.message }));
        await producer.close().catch((e: Error) => log("warn", "producer close failed", { error: e.message }));
    }
}
