/** Minimal Dockerfile reader for the tests: instructions with line continuations joined, comments dropped. */
import { readFileSync } from 'node:fs';

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

export function parseDockerfile(path: string): Instruction[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: Instruction[] = [];
  let buffer = '';
  let start = 0;
  lines.forEach((raw, i) => {
    const trimmed = raw.trim();
    if (buffer === '' && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (buffer !== '' && trimmed.startsWith('#')) return; // comment inside a continuation
    if (buffer === '') start = i + 1;
    if (trimmed.endsWith('\\')) {
      buffer += `${trimmed.slice(0, -1)} `;
      return;
    }
    buffer += trimmed;
    const match = /^(\S+)\s*(.*)$/s.exec(buffer)!;
    out.push({ keyword: match[1]!.toUpperCase(), args: match[2]!, line: start });
    buffer = '';
  });
  return out;
}

/** Shell-form RUN commands (exec-form JSON arrays are not shell and are left out). */
export function shellRuns(instructions: readonly Instruction[]): Instruction[] {
  return instructions
    .filter((i) => i.keyword === 'RUN')
    .map((i) => ({ ...i, args: i.args.replace(/^(--\S+\s+)+/, '') }))
    .filter((i) => !i.args.startsWith('['));
}
