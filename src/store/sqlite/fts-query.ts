import { queryTerms } from '../memory-terms.js';

/**
 * Turns user or goal text into an FTS5 MATCH expression that cannot be misread as FTS5 syntax: each search term
 * becomes a double-quoted string (`"deploy" OR "staging"`), so quotes, `*`, `NEAR`, `-`, `:`, parentheses and
 * `AND`/`OR`/`NOT` in the text are never operators. `queryTerms` keeps only letters and digits; the quote
 * doubling below is a second guard, not the first. Undefined when there is nothing to search for.
 */
export function ftsMatchExpression(query: string): string | undefined {
  const terms = queryTerms(query);
  if (terms.length === 0) return undefined;
  return terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' OR ');
}
