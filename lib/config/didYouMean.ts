/** Typo suggestions for config keys and namespaces. */

/** Edit distance, for did-you-mean. */
export function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const cur = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
            prev = cur;
        }
    }
    return row[b.length];
}

/** The closest candidate, when it is close enough to be a typo. */
export function didYouMean(key: string, candidates: Iterable<string>): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const c of candidates) {
        const d = editDistance(key, c);
        if (d < bestDistance) {
            best = c;
            bestDistance = d;
        }
    }
    return best !== undefined && bestDistance <= Math.max(1, Math.floor(key.length / 4)) ? best : undefined;
}
