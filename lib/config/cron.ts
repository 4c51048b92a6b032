/**
 * Five-field cron schedules (minute hour day-of-month month day-of-week), parsed for real: field
 * ranges, month and weekday names, steps, ranges and lists — and schedules that can never fire
 * (30 February). Both k3s' etcd snapshot schedule and Kubernetes CronJobs use this dialect.
 */

interface Field {
    readonly name: string;
    readonly min: number;
    readonly max: number;
    readonly names?: readonly string[];
}

const FIELDS: readonly Field[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
    // 7 is Sunday as well as 0.
    { name: "day of week", min: 0, max: 7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

/** Days in each month, February counted with its leap day (a schedule on 29 Feb does fire, every 4 years). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export const CRON_ALLOWED =
    'a 5-field cron schedule "minute hour day-of-month month day-of-week", e.g. "0 */6 * * *" (minute ' +
    "0-59, hour 0-23, day 1-31, month 1-12 or jan-dec, weekday 0-7 or sun-sat; *, a-b, */n, a-b/n and lists a,b)";

function atom(text: string, field: Field): number | string {
    const lower = text.toLowerCase();
    const named = field.names?.indexOf(lower) ?? -1;
    if (named >= 0) return named + (field.name === "month" ? 1 : 0);
    if (!/^\d+$/.test(text)) return `"${text}" is not a number${field.names ? ` or a ${field.name} name (${field.names.join(", ")})` : ""}`;
    const n = Number(text);
    if (n < field.min || n > field.max) return `${n} is outside ${field.min}-${field.max}`;
    return n;
}

/** The values one field selects, or what is wrong with it. */
export function cronField(text: string, field: Field): Set<number> | string {
    const out = new Set<number>();
    for (const part of text.split(",")) {
        const [body, stepText, ...extra] = part.split("/");
        if (extra.length > 0 || body === "") return `"${part}" is not a value, range or step`;
        let step = 1;
        if (stepText !== undefined) {
            if (!/^\d+$/.test(stepText) || Number(stepText) < 1) return `step "/${stepText}" must be a whole number >= 1`;
            step = Number(stepText);
            if (step > field.max) return `step /${step} is larger than the ${field.name} range ${field.min}-${field.max}`;
        }
        let lo: number;
        let hi: number;
        if (body === "*") {
            [lo, hi] = [field.min, field.max];
        } else {
            const [a, b, ...more] = body.split("-");
            if (more.length > 0) return `"${body}" is not a range a-b`;
            const first = atom(a, field);
            if (typeof first === "string") return first;
            lo = first;
            hi = first;
            if (b !== undefined) {
                const last = atom(b, field);
                if (typeof last === "string") return last;
                if (last < first) return `range ${body} runs backwards`;
                hi = last;
            } else if (stepText !== undefined) {
                hi = field.max;
            }
        }
        for (let v = lo; v <= hi; v += step) out.add(field.name === "day of week" && v === 7 ? 0 : v);
    }
    return out;
}

/** The five fields' selected values, or what is wrong with the schedule. */
function parseSchedule(value: string): { parts: string[]; sets: Set<number>[] } | string {
    const parts = value.trim().split(/\s+/);
    if (parts.length !== 5 || value.trim() === "") {
        return `must be ${CRON_ALLOWED}; got ${parts.filter(Boolean).length} field(s)`;
    }
    const sets: Set<number>[] = [];
    for (let i = 0; i < 5; i++) {
        const parsed = cronField(parts[i], FIELDS[i]);
        if (typeof parsed === "string") return `${FIELDS[i].name} field "${parts[i]}": ${parsed}; must be ${CRON_ALLOWED}`;
        sets.push(parsed);
    }
    return { parts, sets };
}

/** Undefined when `value` is a valid schedule that fires; else what is wrong, naming the field. */
export function cronSchedule(value: string): string | undefined {
    const parsed = parseSchedule(value);
    if (typeof parsed === "string") return parsed;
    const { parts, sets } = parsed;
    // With both day fields restricted cron fires on either; with only the day of month restricted
    // it must exist in one of the chosen months.
    const domRestricted = parts[2] !== "*";
    const dowRestricted = parts[4] !== "*";
    if (domRestricted && !dowRestricted) {
        const fires = [...sets[3]].some((month) => [...sets[2]].some((day) => day <= MONTH_DAYS[month - 1]));
        if (!fires)
            return (
                `never fires: day ${[...sets[2]].join(",")} does not exist in ` +
                `month ${[...sets[3]].join(",")}; pick a day every chosen month has`
            );
    }
    return undefined;
}

/**
 * How often a valid schedule fires on a day it fires: the shortest gap between two runs (the
 * wrap to the next day included) and the runs per day.
 */
export function cronCadence(value: string): { minGapMinutes: number; perDay: number } | undefined {
    const parsed = parseSchedule(value);
    if (typeof parsed === "string") return undefined;
    const [minutes, hours] = parsed.sets;
    const times = [...hours].flatMap((h) => [...minutes].map((m) => h * 60 + m)).sort((a, b) => a - b);
    const gaps = times.map((t, i) => (i + 1 < times.length ? times[i + 1] - t : 1440 - t + times[0]));
    return { minGapMinutes: Math.min(...gaps), perDay: times.length };
}

/**
 * A check for schedules of work that must not run back to back (snapshots, dumps): a valid
 * schedule whose runs are at least `minutes` apart; `what` says why in the refusal.
 */
export function cronAtMostEvery(minutes: number, what: string): (value: string) => string | undefined {
    return (value) => {
        const invalid = cronSchedule(value);
        if (invalid) return invalid;
        const cadence = cronCadence(value)!;
        if (cadence.minGapMinutes >= minutes) return undefined;
        return (
            `fires ${cadence.minGapMinutes} minute(s) after a previous run (${cadence.perDay} runs a day); ` +
            `${what} must be at least ${minutes} minutes apart, e.g. "0 */6 * * *" (every 6 hours)`
        );
    };
}
