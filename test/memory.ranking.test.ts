import { describe, expect, it } from 'vitest';
import { ageText, contextLine, estimateTokens, explain, fitToBudget, rankMemories, RANKING, type MemoryCandidate } from '../src/memory/rank.js';
import { memoryTextHash, normalizeMemoryText, queryTerms } from '../src/store/memory-terms.js';
import type { MemoryRecord } from '../src/store/memory-types.js';
import { ftsMatchExpression } from '../src/store/sqlite/fts-query.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 24, 12);

function memory(id: number, overrides: Partial<MemoryRecord> = {}): MemoryRecord {
  return {
    id,
    namespace: 'default',
    kind: 'discovery',
    text: `memory ${id}`,
    tags: [],
    sources: ['t1'],
    createdAt: NOW,
    confirmedAt: NOW,
    lastRecalledAt: null,
    recallCount: 0,
    usefulCount: 0,
    embeddingModel: null,
    ...overrides,
  };
}

function candidate(m: MemoryRecord, textScore: number, matched: string[] = [], similarity: number | null = null): MemoryCandidate {
  return { memory: m, textScore, matched, similarity };
}

describe('the blend', () => {
  it('is 0.60 relevance + 0.25 recency + 0.15 usefulness, relevance relative to the best hit', () => {
    const oldStrong = candidate(memory(1, { confirmedAt: NOW - 60 * DAY }), 2, ['deploy']);
    const newWeak = candidate(memory(2), 1, ['deploy']);
    const [first, second] = rankMemories([newWeak, oldStrong], { now: NOW, withEmbeddings: false });
    // 60 days is two half-lives: recency 0.25. Never recalled: usefulness (0+1)/(0+2) = 0.5.
    expect(first!.memory.id).toBe(1);
    expect(first!.parts).toEqual({ relevance: 1, similarity: null, recency: 0.25, usefulness: 0.5 });
    expect(first!.score).toBeCloseTo(0.6 * 1 + 0.25 * 0.25 + 0.15 * 0.5, 10);
    expect(second!.parts.relevance).toBe(0.5);
    expect(second!.score).toBeCloseTo(0.6 * 0.5 + 0.25 * 1 + 0.15 * 0.5, 10);
  });

  it('lets recency decide between equal matches, and usefulness between equal matches of equal age', () => {
    const ranked = rankMemories(
      [
        candidate(memory(1, { confirmedAt: NOW - 10 * DAY }), 1),
        candidate(memory(2, { recallCount: 4, usefulCount: 0 }), 1),
        candidate(memory(3, { recallCount: 4, usefulCount: 3 }), 1),
      ],
      { now: NOW, withEmbeddings: false },
    );
    expect(ranked.map((r) => r.memory.id)).toEqual([3, 2, 1]);
    expect(ranked[0]!.parts.usefulness).toBeCloseTo(4 / 6, 10);
    expect(ranked[1]!.parts.usefulness).toBeCloseTo(1 / 6, 10);
  });

  it('ranks a memory that matched no word below every hit of similar age and usefulness', () => {
    const ranked = rankMemories([candidate(memory(1), 0), candidate(memory(2, { confirmedAt: NOW - 200 * DAY }), 0.001, ['deploy'])], {
      now: NOW,
      withEmbeddings: false,
    });
    expect(ranked.map((r) => r.memory.id)).toEqual([2, 1]);
  });

  it('blends cosine similarity in when embeddings are used, negatives counting as 0', () => {
    const ranked = rankMemories([candidate(memory(1), 1, ['deploy'], -0.4), candidate(memory(2), 1, ['deploy'], 0.8)], { now: NOW, withEmbeddings: true });
    const w = RANKING.weightsWithEmbeddings;
    expect(ranked.map((r) => r.memory.id)).toEqual([2, 1]);
    expect(ranked[0]!.score).toBeCloseTo(w.relevance * 1 + w.similarity * 0.8 + w.recency * 1 + w.usefulness * 0.5, 10);
    expect(ranked[1]!.parts.similarity).toBe(0);
    expect(w.relevance + w.similarity + w.recency + w.usefulness).toBeCloseTo(1, 10);
    expect(RANKING.weights.relevance + RANKING.weights.recency + RANKING.weights.usefulness).toBeCloseTo(1, 10);
  });

  it('breaks exact ties by the more recently confirmed memory, then the newer id', () => {
    const ranked = rankMemories([candidate(memory(1), 0), candidate(memory(2), 0)], { now: NOW, withEmbeddings: false });
    expect(ranked.map((r) => r.memory.id)).toEqual([2, 1]);
  });
});

describe('reasons', () => {
  const reasonOf = (c: MemoryCandidate, withEmbeddings = false) => rankMemories([c], { now: NOW, withEmbeddings })[0]!.reason;

  it('say what matched, how old it is and how useful it has been', () => {
    expect(reasonOf(candidate(memory(1, { confirmedAt: NOW - 2 * DAY - 5000, recallCount: 4, usefulCount: 3 }), 1, ['deploy']))).toBe(
      'matched "deploy", 2 days old, useful 3 of 4 times',
    );
    expect(reasonOf(candidate(memory(1, { confirmedAt: NOW - DAY, recallCount: 1, usefulCount: 1, sources: ['a', 'b'] }), 1, ['a1', 'b2', 'c3', 'd4', 'e5']))).toBe(
      'matched "a1", "b2", "c3" and 2 more, 1 day old, useful 1 of 1 time, learned by 2 tasks',
    );
    expect(reasonOf(candidate(memory(1), 0))).toBe('recent, less than a day old, not recalled before');
    expect(reasonOf(candidate(memory(1), 0, [], 0.8234), true)).toBe('similar in meaning (0.82), less than a day old, not recalled before');
    expect(reasonOf(candidate(memory(1), 1, ['vault'], 0.5), true)).toBe('matched "vault", similar in meaning (0.50), less than a day old, not recalled before');
  });

  it('count age in whole days', () => {
    expect(ageText(0)).toBe('less than a day old');
    expect(ageText(DAY - 1)).toBe('less than a day old');
    expect(ageText(DAY)).toBe('1 day old');
    expect(ageText(45 * DAY + 10)).toBe('45 days old');
    expect(explain(candidate(memory(1), 0), { relevance: 0, similarity: null, recency: 1, usefulness: 0.5 }, NOW + 3 * DAY)).toBe(
      'recent, 3 days old, not recalled before',
    );
  });
});

describe('the budget', () => {
  const ranked = (texts: string[]) => rankMemories(texts.map((text, i) => candidate(memory(i + 1, { confirmedAt: NOW - i * DAY, text }), 0)), { now: NOW, withEmbeddings: false });

  it('keeps at most k memories, best first', () => {
    expect(fitToBudget(ranked(['a', 'b', 'c', 'd']), 2, 10_000).map((r) => r.memory.text)).toEqual(['a', 'b']);
    expect(fitToBudget(ranked(['a', 'b']), 0, 10_000)).toEqual([]);
  });

  it('estimates tokens as characters / 4 of the context line and passes over what does not fit', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcde')).toBe(2);
    const list = ranked(['short one', 'x'.repeat(400), 'another short one']);
    const lineTokens = list.map((r) => estimateTokens(contextLine({ text: r.memory.text, reason: r.reason })));
    const budget = lineTokens[0]! + lineTokens[2]!;
    const chosen = fitToBudget(list, 5, budget);
    expect(chosen.map((r) => r.memory.text)).toEqual(['short one', 'another short one']);
    expect(fitToBudget(list, 5, Math.min(...lineTokens) - 1)).toEqual([]);
  });
});

describe('query text', () => {
  it('becomes quoted terms joined by OR, so FTS5 syntax is never syntax', () => {
    expect(ftsMatchExpression('deploy* "key" NEAR(vault secret) -staging :prod AND OR NOT x')).toBe(
      '"deploy" OR "key" OR "near" OR "vault" OR "secret" OR "staging" OR "prod"',
    );
    expect(ftsMatchExpression('"')).toBeUndefined();
    expect(ftsMatchExpression('  ')).toBeUndefined();
    expect(ftsMatchExpression('the and of')).toBeUndefined();
  });

  it('drops stop words and repeats, keeps numbers, caps the count', () => {
    expect(queryTerms('Where is the staging deploy key? The KEY, the key!')).toEqual(['staging', 'deploy', 'key']);
    expect(queryTerms('Node 2 and Node 20')).toEqual(['node', '2', '20']);
    expect(queryTerms(Array.from({ length: 50 }, (_, i) => `w${i}`).join(' '))).toHaveLength(32);
  });

  it('normalizes texts so the same fact hashes alike', () => {
    expect(normalizeMemoryText('  The Key\n is  in VAULT. ')).toBe('the key is in vault');
    expect(memoryTextHash('The key is in vault')).toBe(memoryTextHash('the key  is in vault!'));
    expect(memoryTextHash('The key is in vault')).not.toBe(memoryTextHash('The key is not in vault'));
  });
});
