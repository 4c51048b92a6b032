/** Cycle finding for the import graph checked in layers.test.ts. */

/** One cycle in the graph, or undefined (depth-first search with an explicit path). */
export function findCycle(graph: Map<string, string[]>): string[] | undefined {
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (node: string): string[] | undefined => {
        state.set(node, "open");
        stack.push(node);
        for (const next of graph.get(node) ?? []) {
            if (state.get(next) === "open") return [...stack.slice(stack.indexOf(next)), next];
            if (!state.has(next)) {
                const found = visit(next);
                if (found) return found;
            }
        }
        stack.pop();
        state.set(node, "done");
        return undefined;
    };
    for (const node of graph.keys()) {
        if (!state.has(node)) {
            const found = visit(node);
            if (found) return found;
        }
    }
    return undefined;
}
