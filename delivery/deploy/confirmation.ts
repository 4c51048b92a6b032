/**
 * Who may apply what without being asked twice: production environments need `--confirm-env`,
 * and a run off a terminal needs `--yes`, checked before anything runs (up, down, rollback and
 * restore share these rules).
 */
import * as readline from "readline";

/** Environments that need `--confirm-env <env>` on top of the usual confirmation. */
export const PRODUCTION_ENV = /^prod(uction)?(-.*)?$/;

export interface ConfirmationInput {
    readonly env: string;
    readonly action: string;
    readonly isTTY: boolean;
    readonly yes: boolean;
    readonly confirmEnv?: string;
    readonly previewOnly: boolean;
}

/** Why the command must not go on as asked (checked before anything runs), or undefined. */
export function confirmationProblem(c: ConfirmationInput): string | undefined {
    if (c.previewOnly) return undefined;
    const verb = c.action === "destroy" ? "down" : c.action;
    if (PRODUCTION_ENV.test(c.env) && c.confirmEnv !== c.env) {
        return (
            `${c.env} is a production environment: ${verb} needs the second confirmation --confirm-env ${c.env} ` +
            `(e.g. npm run ${verb === "up" ? "up" : verb} -- ${c.env} --confirm-env ${c.env}).`
        );
    }
    if (!c.isTTY && !c.yes) {
        return (
            `Not on a terminal, so nobody can answer the confirmation: ` +
            `pass --yes to apply the preview this command shows (or --preview-only to only look).`
        );
    }
    return undefined;
}

/** A y/N prompt on the terminal. */
export function terminalConfirm(question: string): Promise<boolean> {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    return new Promise((resolve) =>
        rl.question(question, (answer) => {
            rl.close();
            resolve(/^y(es)?$/i.test(answer.trim()));
        }),
    );
}
