import { createHash } from 'node:crypto';

/**
 * Text handling every memory backend shares: what counts as "the same fact" (normalized text, hashed for the
 * per-namespace unique key) and which words of a query are worth searching for.
 */

/** Lowercase, Unicode-normalized, whitespace collapsed, trailing sentence punctuation dropped. */
export function normalizeMemoryText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\s.!;,]+$/u, '');
}

/** The dedup key: two texts that normalize alike are one memory. */
export function memoryTextHash(text: string): string {
  return createHash('sha256').update(normalizeMemoryText(text)).digest('hex');
}

// Words so common they would match nearly every memory; dropping them keeps recall about the goal's subject.
const STOP_WORDS = new Set(
  `a about above after again all also an and any are as at be been before being below between both but by can could did do
  does doing done down during each every few for from further had has have having he her here hers him his how i if in into is
  it its itself just me more most my no nor not now of off on once only or other our ours out over own same she should so some
  such than that the their them then there these they this those through to too under until up very was we were what when where
  which while who whom why will with would you your yours make use using get set new task step`.split(/\s+/),
);

const MAX_TERMS = 32;

/**
 * The words of a query as plain search terms: letters and digits only (so no full-text operator, quote, `*`, `-`,
 * `:` or parenthesis survives), lowercased, stop words and duplicates dropped, at most 32.
 */
export function queryTerms(query: string): string[] {
  const words = query.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const terms: string[] = [];
  for (const word of words) {
    if (STOP_WORDS.has(word) || (word.length < 2 && !/\p{N}/u.test(word)) || terms.includes(word)) continue;
    terms.push(word);
    if (terms.length === MAX_TERMS) break;
  }
  return terms;
}
