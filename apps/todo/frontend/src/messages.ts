/**
 * What the user reads when something fails: plain words and what to do next, never the backend's
 * developer-facing message (that stays in the ApiError for the console and tests).
 */
import { ApiError } from "./api";

export const MESSAGES = {
    offline: "Can't reach the server. Check your connection and try again.",
    emptyTitle: "Please type a todo before adding it.",
    longTitle: "That todo is too long. Please keep it to 200 characters.",
    badCharacters: "That todo contains characters that can't be saved. Please remove them and try again.",
    badInput: "That didn't work. Please check what you typed and try again.",
    gone: "That todo no longer exists. The list has been refreshed.",
    unavailable: "The todo list is temporarily unavailable. Please try again in a moment.",
    unexpected: "Something went wrong on our side. Please try again.",
} as const;

export function friendlyMessage(err: unknown): string {
    if (!(err instanceof ApiError)) return MESSAGES.unexpected;
    const { status, message } = err;
    if (status === 0) return MESSAGES.offline;
    if (status === 404) return MESSAGES.gone;
    if (status === 400) {
        if (/must not be empty|is required/.test(message)) return MESSAGES.emptyTitle;
        if (/at most \d+ characters/.test(message)) return MESSAGES.longTitle;
        if (/NUL|Unicode|UTF-8|surrogate/.test(message)) return MESSAGES.badCharacters;
    }
    if (status === 413) return MESSAGES.longTitle;
    if (status >= 400 && status < 500) return MESSAGES.badInput;
    if (status === 502 || status === 503 || status === 504) return MESSAGES.unavailable;
    return MESSAGES.unexpected;
}
