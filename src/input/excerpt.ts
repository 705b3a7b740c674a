import { LIMITS } from './limits.js';

/**
 * Characters that must never reach a terminal or a log line as they are: C0 and C1 controls (ESC starts the
 * sequences that set titles, write the clipboard or clear the screen), DEL, line and paragraph separators, and the
 * bidirectional overrides that make text display in another order than it reads.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[c] ?? unicodeEscape(c);
  });
}

/** A character written out visibly, as `\u001b`. */
export function unicodeEscape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * A piece of untrusted input fit to quote in an error message: at most `max` characters, on one line, in double
 * quotes, control characters escaped, and how long the whole was when it was cut.
 */
export function excerpt(value: unknown, max: number = LIMITS.excerptChars): string {
  const text = typeof value === 'string' ? value : String(JSON.stringify(value) ?? value);
  // Cut before escaping so the work stays bounded however long the input; never split a surrogate pair.
  let cut = text.length > max ? text.slice(0, max) : text;
  if (cut.length < text.length && /[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  const quoted = `"${escapeUnsafe(cut).replace(/"/g, '\\"')}"`;
  return cut.length < text.length ? `${quoted}… (${text.length} characters)` : quoted;
}

/** The longest line an error message prints, and how many lines it may have. */
const MAX_LINE_CHARS = 500;
const MAX_LINES = LIMITS.reportedProblems + 2;

/**
 * The last line of defence before an error reaches stderr: whatever an error carries (a library's message quoting
 * input, a path with an escape sequence in it), it prints as a few bounded lines of plain text.
 */
export function boundedMessage(message: string): string {
  const lines = message.slice(0, MAX_LINES * (MAX_LINE_CHARS + 1)).split('\n');
  const kept = lines.slice(0, MAX_LINES).map((line) => {
    const safe = escapeUnsafe(line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line);
    return safe;
  });
  if (lines.length > MAX_LINES) kept.push(`(message cut after ${MAX_LINES} lines)`);
  return kept.join('\n');
}
