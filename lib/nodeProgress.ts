/**
 * Per-node progress of a roll: the lifecycle commands print one line per step of a node
 * (cordoned, drained, deleted on the way out; registered, Ready on the way in) with the time
 * since their command began, and `up` reads those lines out of Pulumi's output and ends with a
 * table of every node it saw. One format, written and read here.
 */
import { textTable } from "./textTable";

export const NODE_STEPS = ["cordoned", "drained", "deleted", "registered", "Ready"] as const;
export type NodeStep = (typeof NODE_STEPS)[number];

const LINE = new RegExp(`node-progress (\\S+) (${NODE_STEPS.join("|")}) after (\\d+) s`);

export function progressLine(node: string, step: NodeStep, elapsedMs: number): string {
    return `node-progress ${node} ${step} after ${Math.round(elapsedMs / 1000)} s`;
}

/** Collects progress lines (anywhere in a line: Pulumi prefixes the command's output). */
export class NodeProgress {
    private readonly nodes = new Map<string, Partial<Record<NodeStep, number>>>();

    feed(line: string): void {
        const m = LINE.exec(line);
        if (!m) return;
        const steps = this.nodes.get(m[1]) ?? {};
        steps[m[2] as NodeStep] = Number(m[3]);
        this.nodes.set(m[1], steps);
    }

    get size(): number {
        return this.nodes.size;
    }

    /** Nodes leaving first, then nodes joining; each with the seconds of every step and its total. */
    table(): string {
        const rows = [...this.nodes.entries()].map(([node, s]) => {
            const leaving = s.cordoned !== undefined || s.drained !== undefined || s.deleted !== undefined;
            const cell = (step: NodeStep) => (s[step] === undefined ? "-" : `${s[step]} s`);
            const done = leaving ? s.deleted !== undefined : s.Ready !== undefined;
            const elapsed = Math.max(...Object.values(s));
            return {
                leaving,
                cells: [
                    node,
                    leaving ? "removed" : "added",
                    cell("drained"),
                    cell("deleted"),
                    cell("registered"),
                    cell("Ready"),
                    `${elapsed} s${done ? "" : " (unfinished)"}`,
                ],
            };
        });
        rows.sort((a, b) => Number(b.leaving) - Number(a.leaving));
        return textTable(
            ["NODE", "ROLE IN ROLL", "DRAINED", "DELETED", "BOOTED", "READY", "ELAPSED"],
            rows.map((r) => r.cells),
        );
    }
}
