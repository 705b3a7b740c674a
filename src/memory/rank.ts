import type { MemoryRecord } from '../store/memory-types.js';

/**
 * How recall orders memories — pure functions, the same for every store backend.
 *
 *   score = 0.60 · relevance + 0.25 · recency + 0.15 · usefulness                      (no embeddings)
 *   score = 0.35 · relevance + 0.30 · similarity + 0.20 · recency + 0.15 · usefulness   (AGENTRUN_EMBEDDINGS_MODEL set)
 *
 *   relevance  = the memory's BM25 score ÷ the best BM25 score among this query's hits (1 for the best match,
 *                0 for a memory that matched no word)
 *   similarity = cosine similarity of the query's and the memory's embeddings, negatives counted as 0
 *   recency    = 0.5 ^ (days since a task last wrote the memory ÷ 30): a half-life of 30 days
 *   usefulness = (times useful + 1) ÷ (times recalled + 2): "useful" = recalled by a task that then completed;
 *                a never-recalled memory starts at 0.5, and the score moves as evidence accumulates
 *
 * Ties go to the more recently confirmed memory. Then the top ones are kept while they fit both `k` and the token
 * budget (tokens estimated as characters ÷ 4 of the line the context shows).
 */
export const RANKING = {
  recencyHalfLifeDays: 30,
  weights: { relevance: 0.6, similarity: 0, recency: 0.25, usefulness: 0.15 },
  weightsWithEmbeddings: { relevance: 0.35, similarity: 0.3, recency: 0.2, usefulness: 0.15 },
} as const;

const DAY_MS = 86_400_000;

export interface MemoryCandidate {
  memory: MemoryRecord;
  /** The backend's full-text score: > 0 for a hit, 0 for a memory that matched no word of the query. */
  textScore: number;
  /** The memory's words that matched the query. */
  matched: string[];
  /** Cosine similarity with the query, or null when embeddings are not in use. */
  similarity: number | null;
}

export interface ScoreParts {
  relevance: number;
  similarity: number | null;
  recency: number;
  usefulness: number;
}

export interface RankedMemory extends MemoryCandidate {
  score: number;
  parts: ScoreParts;
  /** Why it was chosen, for a person and for the model: `matched "deploy", 2 days old, useful 3 of 4 times`. */
  reason: string;
}

export function recencyOf(memory: MemoryRecord, now: number): number {
  const days = Math.max(0, now - memory.confirmedAt) / DAY_MS;
  return 0.5 ** (days / RANKING.recencyHalfLifeDays);
}

export function usefulnessOf(memory: MemoryRecord): number {
  return (memory.usefulCount + 1) / (memory.recallCount + 2);
}

/** Scores and sorts candidates, best first. `withEmbeddings` selects the weights that include similarity. */
export function rankMemories(candidates: readonly MemoryCandidate[], options: { now: number; withEmbeddings: boolean }): RankedMemory[] {
  const best = Math.max(0, ...candidates.map((c) => c.textScore));
  const weights = options.withEmbeddings ? RANKING.weightsWithEmbeddings : RANKING.weights;
  return candidates
    .map((candidate): RankedMemory => {
      const parts: ScoreParts = {
        relevance: best > 0 ? candidate.textScore / best : 0,
        similarity: options.withEmbeddings ? Math.max(0, candidate.similarity ?? 0) : null,
        recency: recencyOf(candidate.memory, options.now),
        usefulness: usefulnessOf(candidate.memory),
      };
      const score =
        weights.relevance * parts.relevance +
        weights.similarity * (parts.similarity ?? 0) +
        weights.recency * parts.recency +
        weights.usefulness * parts.usefulness;
      return { ...candidate, score, parts, reason: explain(candidate, parts, options.now) };
    })
    .sort((a, b) => b.score - a.score || b.memory.confirmedAt - a.memory.confirmedAt || b.memory.id - a.memory.id);
}

/** The short, human reason a memory was recalled. */
export function explain(candidate: MemoryCandidate, parts: ScoreParts, now: number): string {
  const { memory, matched } = candidate;
  const reasons: string[] = [];
  if (matched.length > 0) {
    const shown = matched.slice(0, 3).map((w) => `"${w}"`).join(', ');
    reasons.push(`matched ${shown}${matched.length > 3 ? ` and ${matched.length - 3} more` : ''}`);
  }
  if (parts.similarity !== null && parts.similarity > 0) reasons.push(`similar in meaning (${parts.similarity.toFixed(2)})`);
  if (reasons.length === 0) reasons.push('recent');
  reasons.push(ageText(now - memory.confirmedAt));
  reasons.push(memory.recallCount === 0 ? 'not recalled before' : `useful ${memory.usefulCount} of ${memory.recallCount} ${memory.recallCount === 1 ? 'time' : 'times'}`);
  if (memory.sources.length > 1) reasons.push(`learned by ${memory.sources.length} tasks`);
  return reasons.join(', ');
}

export function ageText(ms: number): string {
  const days = Math.floor(Math.max(0, ms) / DAY_MS);
  if (days === 0) return 'less than a day old';
  return days === 1 ? '1 day old' : `${days} days old`;
}

/** Tokens a text is estimated to cost: characters ÷ 4, rounded up. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The line the context shows for a memory (see `resumeContext`): what the budget is counted on. */
export function contextLine(memory: { text: string; reason: string }): string {
  return `- ${memory.text} [${memory.reason}]`;
}

/**
 * The best memories that fit: at most `k`, and together at most `tokenBudget` estimated tokens. A memory too long
 * for what is left of the budget is passed over for the next, shorter one.
 */
export function fitToBudget(ranked: readonly RankedMemory[], k: number, tokenBudget: number): RankedMemory[] {
  const chosen: RankedMemory[] = [];
  let left = tokenBudget;
  for (const memory of ranked) {
    if (chosen.length >= k) break;
    const cost = estimateTokens(contextLine({ text: memory.memory.text, reason: memory.reason }));
    if (cost > left) continue;
    chosen.push(memory);
    left -= cost;
  }
  return chosen;
}
