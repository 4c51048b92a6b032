/**
 * Environment parsing with clear, collected error messages: a service reads every variable, and if any is
 * wrong it reports all problems at once and exits non-zero instead of failing later with a stack trace.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

/** Collects problems while a config object is read; `done()` throws one ConfigError listing all of them. */
export class EnvReader {
    private readonly problems: string[] = [];

    constructor(private readonly env: Env) {}

    private raw(name: string): string | undefined {
        const value = this.env[name];
        if (value === undefined) return undefined;
        const trimmed = value.trim();
        return trimmed === "" ? undefined : trimmed;
    }

    /** The value, or undefined when unset or blank. */
    optional(name: string): string | undefined {
        return this.raw(name);
    }

    string(name: string, fallback?: string): string {
        const value = this.raw(name) ?? fallback;
        if (value === undefined) {
            this.problems.push(`${name} is required but not set`);
            return "";
        }
        return value;
    }

    /** A Kafka topic name: 1-249 characters of [a-zA-Z0-9._-], not "." or "..". */
    topic(name: string, fallback: string): string {
        const value = this.string(name, fallback);
        if (value !== "" && (!/^[a-zA-Z0-9._-]{1,249}$/.test(value) || value === "." || value === "..")) {
            this.problems.push(`${name}="${value}" is not a valid Kafka topic name (1-249 of a-z A-Z 0-9 . _ -)`);
        }
        return value;
    }

    /** Comma-separated host:port list, e.g. "kafka-0.kafka:9092,kafka-1.kafka:9092". */
    brokers(name: string): string[] {
        const value = this.string(name);
        if (value === "") return [];
        const list = value
            .split(",")
            .map((s) => s.trim())
            .filter((s) => s !== "");
        const bad = list.filter((entry) => {
            const match = /^(\[[0-9a-fA-F:]+\]|[a-zA-Z0-9.-]+):(\d{1,5})$/.exec(entry);
            if (!match) return true;
            const port = Number(match[2]);
            return port < 1 || port > 65535;
        });
        if (list.length === 0 || bad.length > 0) {
            this.problems.push(`${name}="${value}" must be a comma-separated list of host:port (bad: ${bad.join(", ") || "empty list"})`);
        }
        return list;
    }

    number(name: string, fallback: number, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
        const text = this.raw(name);
        if (text === undefined) return fallback;
        const value = Number(text);
        const { min = -Infinity, max = Infinity, integer = false } = opts;
        if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
            const kind = integer ? "an integer" : "a number";
            this.problems.push(`${name}="${text}" must be ${kind} between ${min} and ${max}`);
            return fallback;
        }
        return value;
    }

    list(name: string, fallback: readonly string[]): string[] {
        const text = this.raw(name);
        if (text === undefined) return [...fallback];
        const list = text
            .split(",")
            .map((s) => s.trim())
            .filter((s) => s !== "");
        if (list.length === 0) this.problems.push(`${name} must list at least one value`);
        if (new Set(list).size !== list.length) this.problems.push(`${name}="${text}" lists a value twice`);
        return list;
    }

    /** Records a cross-field problem found by the caller. */
    problem(message: string): void {
        this.problems.push(message);
    }

    done(): void {
        if (this.problems.length > 0) throw new ConfigError(this.problems);
    }
}

/** The settings every stream service reads. */
export interface ServiceBasics {
    readonly brokers: string[];
    readonly clientId: string;
    readonly healthPort: number;
    /** /healthz turns 503 after this long without progress. */
    readonly staleAfterMs: number;
    /** SCRAM credentials of the service's Kafka user; unset: an unauthenticated listener. */
    readonly sasl?: SaslCredentials;
}

/** A Kafka user's SCRAM-SHA-512 login. Serialised (e.g. into a log line) without the password. */
export interface SaslCredentials {
    readonly mechanism: "SCRAM-SHA-512";
    readonly username: string;
    readonly password: string;
}

/** KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD, both or neither. */
export function readSasl(r: EnvReader): SaslCredentials | undefined {
    const username = r.optional("KAFKA_SASL_USERNAME");
    const password = r.optional("KAFKA_SASL_PASSWORD");
    if (username === undefined && password === undefined) return undefined;
    if (username === undefined || password === undefined) {
        r.problem(
            `KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD go together ` +
                `(${username === undefined ? "KAFKA_SASL_USERNAME" : "KAFKA_SASL_PASSWORD"} is not set)`,
        );
        return undefined;
    }
    const credentials = { mechanism: "SCRAM-SHA-512" as const, username, password };
    // Config objects are logged at start-up: the password never is.
    Object.defineProperty(credentials, "toJSON", {
        enumerable: false,
        value: () => ({ mechanism: credentials.mechanism, username, password: "(set)" }),
    });
    return credentials;
}

function optionalSasl(sasl: SaslCredentials | undefined): { sasl?: SaslCredentials } {
    return sasl === undefined ? {} : { sasl };
}

/** Reads KAFKA_BOOTSTRAP, CLIENT_ID (default $HOSTNAME, the pod name), HEALTH_PORT and HEALTH_STALE_MS. */
export function readServiceBasics(r: EnvReader, env: Env, service: string): ServiceBasics {
    return {
        brokers: r.brokers("KAFKA_BOOTSTRAP"),
        clientId: r.string("CLIENT_ID", env.HOSTNAME ?? service),
        healthPort: r.number("HEALTH_PORT", 8080, { min: 1, max: 65535, integer: true }),
        staleAfterMs: r.number("HEALTH_STALE_MS", 30000, { min: 1000, max: 600000, integer: true }),
        ...optionalSasl(readSasl(r)),
    };
}
