import { terminalSafe } from './render/terminal-text.js';

/**
 * Where a command writes: results and JSON to stdout, progress and messages to stderr (so pipes get only results).
 * Text for people is made terminal-safe (no escape sequences from LLM, tool or imported text); JSON is raw.
 */
export const output = {
  result(text: string): void {
    const safe = terminalSafe(text);
    process.stdout.write(safe.endsWith('\n') ? safe : `${safe}\n`);
  },
  json(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  },
  info(text: string): void {
    process.stderr.write(`${terminalSafe(text)}\n`);
  },
};
