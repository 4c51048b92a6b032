/**
 * Kubernetes resource quantities, parsed once, exactly (`1.5Gi` × 2 is `3Gi`, not `2.5Gi`):
 * the one parser the config checks, the fit check, the derived quotas/LimitRanges and the
 * rollback's volume-size comparison use. Values are kept in thousandths of the base unit as a
 * BigInt (what Kubernetes calls milli-values), so decimal and binary suffixes mix without
 * rounding.
 */

const BINARY: Record<string, bigint> = { Ki: 2n ** 10n, Mi: 2n ** 20n, Gi: 2n ** 30n, Ti: 2n ** 40n, Pi: 2n ** 50n, Ei: 2n ** 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const SYNTAX = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

export class Quantity {
    private constructor(
        /** Thousandths of the base unit (millicores, millibytes), rounded up like Kubernetes. */
        readonly milli: bigint,
    ) {}

    static parse(text: string | number): Quantity {
        const raw = String(text).trim();
        const m = SYNTAX.exec(raw);
        if (!m) throw new Error(`not a Kubernetes quantity: ${JSON.stringify(raw)} (e.g. "250m", "1.5", "512Mi", "2Gi")`);
        const [, sign, number, suffix = ""] = m;
        const [whole, frac = ""] = number.split(".");
        // value = digits × 10^-frac.length × factor; milli = value × 1000
        let numerator = BigInt((whole || "0") + frac) * 1000n;
        let denominator = 10n ** BigInt(frac.length);
        if (suffix in BINARY) numerator *= BINARY[suffix];
        else {
            const exp = suffix.startsWith("e") || suffix.startsWith("E") ? Number(suffix.slice(1)) : DECIMAL[suffix];
            if (exp >= 0) numerator *= 10n ** BigInt(exp);
            else denominator *= 10n ** BigInt(-exp);
        }
        const milli = (numerator + denominator - 1n) / denominator;
        return new Quantity(sign === "-" ? -milli : milli);
    }

    static ofMilli(milli: bigint): Quantity {
        return new Quantity(milli);
    }

    times(factor: number): Quantity {
        if (!Number.isInteger(factor)) throw new Error(`quantities scale by whole numbers (got ${factor})`);
        return new Quantity(this.milli * BigInt(factor));
    }

    plus(other: Quantity): Quantity {
        return new Quantity(this.milli + other.milli);
    }

    compare(other: Quantity): number {
        return this.milli < other.milli ? -1 : this.milli > other.milli ? 1 : 0;
    }

    isPositive(): boolean {
        return this.milli > 0n;
    }

    /** Millicores (CPU). */
    get millicores(): number {
        return Number(this.milli);
    }

    /** Bytes (memory, storage). */
    get bytes(): number {
        return Number(this.milli) / 1000;
    }

    /** MiB (memory). */
    get mebibytes(): number {
        return this.bytes / 2 ** 20;
    }

    /** Canonical text for memory/storage: the largest binary suffix that divides exactly (`3Gi`, `1536Mi`). */
    formatBytes(): string {
        if (this.milli % 1000n !== 0n) return `${this.milli}m`;
        const bytes = this.milli / 1000n;
        for (const suffix of ["Ei", "Pi", "Ti", "Gi", "Mi", "Ki"]) {
            if (bytes !== 0n && bytes % BINARY[suffix] === 0n) return `${bytes / BINARY[suffix]}${suffix}`;
        }
        return String(bytes);
    }

    /** Text with the largest decimal suffix that divides exactly (`2G`, `1500M`). */
    formatDecimal(): string {
        if (this.milli % 1000n !== 0n) return `${this.milli}m`;
        const value = this.milli / 1000n;
        for (const [suffix, exp] of [
            ["E", 18n],
            ["P", 15n],
            ["T", 12n],
            ["G", 9n],
            ["M", 6n],
            ["k", 3n],
        ] as const) {
            if (value !== 0n && value % 10n ** exp === 0n) return `${value / 10n ** exp}${suffix}`;
        }
        return String(value);
    }

    /** Canonical text for CPU: whole cores, else millicores (`2`, `1500m`). */
    formatCpu(): string {
        return this.milli % 1000n === 0n ? String(this.milli / 1000n) : `${this.milli}m`;
    }
}

/** CPU quantity ("250m", "0.5", "2") in millicores. */
export function cpuMilli(quantity: string | number): number {
    return Quantity.parse(quantity).millicores;
}

/** Memory quantity ("512Mi", "1Gi", "1G", "1048576") in MiB. */
export function memoryMiB(quantity: string | number): number {
    return Quantity.parse(quantity).mebibytes;
}

/** A quantity times a whole number, in the same family (`1.5Gi` × 2 = `3Gi`, `500m` × 2 = `1`). */
export function scaleQuantity(text: string, factor: number, kind: "cpu" | "bytes"): string {
    const q = Quantity.parse(text).times(factor);
    if (kind === "cpu") return q.formatCpu();
    // Stay in the input's family: 1G × 2 is 2G, 1.5Gi × 2 is 3Gi.
    return /[kMGTPE]$/.test(text.trim()) ? q.formatDecimal() : q.formatBytes();
}

/** A config check: a positive quantity (zero requests make the scheduler's accounting meaningless). */
export function positiveQuantity(allowed: string): (value: string) => string | undefined {
    return (value) => {
        try {
            return Quantity.parse(value).isPositive() ? undefined : `must be more than zero; ${allowed}`;
        } catch {
            return `must be ${allowed}`;
        }
    };
}
