import type { RecalledMemory } from '../engine/context.js';
import type { MemoryHooks } from '../engine/runner.js';
import { createLlmClient, type LlmClient } from '../llm/client.js';
import type { Store, TaskRecord } from '../store/types.js';
import { cosineSimilarity, embeddingsModelFromEnv, embedQuery } from './embeddings.js';
import { fitToBudget, rankMemories, type MemoryCandidate, type RankedMemory } from './rank.js';
import { rememberTask } from './remember.js';
import { queryTerms } from '../store/memory-terms.js';
import type { MemoryStore } from '../store/memory-types.js';

/** Full-text hits (and, with embeddings, nearest neighbours) considered before ranking. */
const CANDIDATES = 50;
/** Memories compared by embedding per recall, newest first. */
const EMBEDDED_SCAN = 2000;
/** A memory no query word matched joins the candidates on meaning alone above this cosine similarity. */
export const MIN_SIMILARITY = 0.3;

export interface RankQuery {
  /** null: every namespace (`memory search` without --namespace). */
  namespace: string | null;
  query: string;
  embeddingsModel?: string;
  llm?: () => Promise<LlmClient>;
  now?: number;
}

/**
 * Every memory that may be relevant to `query`, ranked best first (formula in rank.ts): full-text hits, plus —
 * with embeddings — memories close in meaning. A query with no searchable word (empty, or only stop words) falls
 * back to the most recent memories, ranked by recency and usefulness; a query whose words match nothing finds nothing.
 */
export async function rankForQuery(memories: MemoryStore, query: RankQuery): Promise<RankedMemory[]> {
  const now = query.now ?? Date.now();
  const candidates = new Map<number, MemoryCandidate>();
  for (const hit of await memories.search(query.namespace, query.query, CANDIDATES)) {
    candidates.set(hit.memory.id, { memory: hit.memory, textScore: hit.score, matched: hit.matched, similarity: null });
  }

  let withEmbeddings = false;
  const queryVector = query.embeddingsModel && query.llm ? await embedQuery(query.query, query.embeddingsModel, query.llm) : undefined;
  if (queryVector && query.embeddingsModel) {
    withEmbeddings = true;
    const near = (await memories.listEmbedded(query.namespace, query.embeddingsModel, EMBEDDED_SCAN))
      .map((e) => ({ memory: e.memory, similarity: cosineSimilarity(queryVector, e.vector) }))
      .sort((a, b) => b.similarity - a.similarity);
    for (const { memory, similarity } of near) {
      const hit = candidates.get(memory.id);
      if (hit) hit.similarity = similarity;
      else if (similarity >= MIN_SIMILARITY && candidates.size < 2 * CANDIDATES) candidates.set(memory.id, { memory, textScore: 0, matched: [], similarity });
    }
  }

  if (candidates.size === 0 && queryTerms(query.query).length === 0) {
    for (const memory of await memories.list({ namespace: query.namespace ?? undefined, limit: CANDIDATES })) {
      candidates.set(memory.id, { memory, textScore: 0, matched: [], similarity: null });
    }
  }
  return rankMemories([...candidates.values()], { now, withEmbeddings });
}

/** What recall searches with: the goal, and the name and description of the LLM step about to run. */
export async function recallQuery(store: Store, task: TaskRecord): Promise<string> {
  const steps = await store.getSteps(task.id);
  const step = steps.find((s) => s.status !== 'completed' && !s.spec.run);
  return [task.goal, step?.name, step?.description].filter((part): part is string => Boolean(part?.trim())).join('\n');
}

export interface RecallOptions {
  /** Record the recall (the runner does; `inspect --context` only looks). */
  mark: boolean;
  llm?: () => Promise<LlmClient>;
  /** Default: AGENTRUN_EMBEDDINGS_MODEL. */
  embeddingsModel?: string;
  now?: number;
}

/**
 * The memories a task's next LLM step sees: the best-ranked of its namespace, at most `memory.k` of them and within
 * `memory.tokenBudget` estimated tokens, each with the reason it was chosen.
 */
export async function recallMemories(store: Store, task: TaskRecord, options: RecallOptions): Promise<RecalledMemory[]> {
  const settings = task.definition.memory;
  if (!settings.recall || settings.k === 0) return [];
  const embeddingsModel = options.embeddingsModel ?? embeddingsModelFromEnv();
  const llm =
    options.llm ??
    (() => createLlmClient({ retry: task.definition.retry, timeoutMs: task.definition.limits.llmTimeout }));
  const ranked = await rankForQuery(store.memories, {
    namespace: task.namespace,
    query: await recallQuery(store, task),
    embeddingsModel,
    llm: embeddingsModel ? llm : undefined,
    now: options.now,
  });
  const chosen = fitToBudget(ranked, settings.k, settings.tokenBudget);
  if (options.mark) await store.memories.markRecalled(chosen.map((c) => c.memory.id), task.id);
  return chosen.map((c) => ({ id: c.memory.id, text: c.memory.text, reason: c.reason }));
}

/** The runner's memory: recall before the first LLM step, remember (and credit what was recalled) on completion. */
export function createMemoryHooks(store: Store, options: { embeddingsModel?: string } = {}): MemoryHooks {
  const embeddingsModel = options.embeddingsModel ?? embeddingsModelFromEnv();
  return {
    recall: (task, llm) => recallMemories(store, task, { mark: true, llm, embeddingsModel }),
    remember: (task, llm) => rememberTask(store, task, { llm, embeddingsModel }),
  };
}
