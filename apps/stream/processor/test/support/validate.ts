/** The stand-ins check every call's options with @platformatic/kafka's own validators, as the real client does first. */
type Validator = ((data: unknown) => boolean) & { errors?: unknown };

export function check(validator: Validator, options: unknown, what: string): void {
    if (!validator(options))
        throw new TypeError(`${what}: options rejected by @platformatic/kafka's validator: ${JSON.stringify(validator.errors)}`);
}
