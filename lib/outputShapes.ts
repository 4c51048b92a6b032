/**
 * Shape checks for the lower stacks' outputs that more than one layer reads (node list, node
 * pools). A StackReference hands back `unknown`: each check says what it expected, for the one
 * error its layer raises before any resource is declared. Pure.
 */

export const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Problem with the infra output `nodes`, or undefined when it is a non-empty list of nodes. */
export function nodesProblem(nodes: unknown): string | undefined {
    const ok =
        Array.isArray(nodes) &&
        nodes.length > 0 &&
        nodes.every((n) => isObject(n) && typeof n.address === "string" && (n.role === "server" || n.role === "agent"));
    return ok ? undefined : "nodes: expected a non-empty list of {name, role, address}";
}

/** Problem with the infra output `nodePools`, or undefined when it is a non-empty list of pools. */
export function nodePoolsProblem(pools: unknown): string | undefined {
    const ok =
        Array.isArray(pools) &&
        pools.length > 0 &&
        pools.every(
            (p) =>
                isObject(p) &&
                Number.isInteger(p.count) &&
                typeof p.vcpus === "number" &&
                typeof p.memoryMiB === "number" &&
                (p.role === "server" || p.role === "agent"),
        );
    return ok ? undefined : "nodePools: expected a non-empty list of {role, count, flavor, vcpus, memoryMiB}";
}

/** `{cpuMilli, memoryMiB}` with two non-negative numbers. */
export function isRequests(v: unknown): boolean {
    return isObject(v) && typeof v.cpuMilli === "number" && v.cpuMilli >= 0 && typeof v.memoryMiB === "number" && v.memoryMiB >= 0;
}
