import { UsageError } from '../../errors.js';
import { createLlmClient, type LlmClient } from '../../llm/client.js';
import { embeddingsModelFromEnv, embedMissing } from '../../memory/embeddings.js';
import type { RankedMemory } from '../../memory/rank.js';
import { rankForQuery } from '../../memory/recall.js';
import { MEMORY_KINDS, type MemoryKind, type MemoryRecord } from '../../store/memory-types.js';
import { LimitsSchema, RetrySchema } from '../../task/schema.js';
import { output } from '../output.js';
import { oneLine } from '../render/event-line.js';
import { renderTable } from '../render/table.js';
import { ago } from '../render/time.js';
import { withStore } from '../with-store.js';
import type { MemorySearchOptions, MemoryListOptions, MemoryAddOptions, MemoryForgetOptions } from '../commands/memory.js';
import { positiveWholeNumber } from '../whole-number.js';

/** `memory search <query>`: memories ranked exactly as recall ranks them, with each one's score and reason. */
export async function search(options: MemorySearchOptions): Promise<number> {
  const limit = positiveWholeNumber(options.limit, '--limit') ?? 10;
  const namespace = parseNamespace(options.namespace);
  const embeddingsModel = embeddingsModelFromEnv();
  return withStore(options.db, async (store) => {
    const ranked = (
      await rankForQuery(store.memories, { namespace: namespace ?? null, query: options.query, embeddingsModel, llm: embeddingsModel ? llmClient : undefined })
    ).slice(0, limit);
    if (options.json) {
      output.json(ranked.map(rankedJson));
      return 0;
    }
    if (ranked.length === 0) {
      output.info(`no memories match "${oneLine(options.query, 80)}"${namespace ? ` in namespace "${namespace}"` : ''}`);
      return 0;
    }
    output.result(ranked.map(renderRanked).join('\n\n'));
    return 0;
  });
}

/** `memory list`: the most recently confirmed memories first. */
export async function list(options: MemoryListOptions): Promise<number> {
  const limit = positiveWholeNumber(options.limit, '--limit') ?? 20;
  const namespace = parseNamespace(options.namespace);
  return withStore(options.db, async (store) => {
    const memories = await store.memories.list({ namespace, limit });
    if (options.json) {
      output.json(memories.map(memoryJson));
      return 0;
    }
    if (memories.length === 0) {
      output.info(`no memories yet${namespace ? ` in namespace "${namespace}"` : ''}: tasks write them when they complete, or add one with \`agentrun memory add "<text>"\``);
      return 0;
    }
    const rows = memories.map((m) => [String(m.id), m.namespace, m.kind, `${m.usefulCount}/${m.recallCount}`, String(m.sources.length), m.text.replace(/\s+/g, ' '), ago(m.confirmedAt)]);
    output.result(renderTable(['ID', 'NAMESPACE', 'KIND', 'USEFUL', 'SOURCES', 'TEXT', 'UPDATED'], rows, { flex: 5, width: process.stdout.columns ?? 120 }));
    return 0;
  });
}

/** `memory add <text>`: a fact a person wants later tasks to know. The same text again adds nothing new. */
export async function add(options: MemoryAddOptions): Promise<number> {
  const text = options.text.trim();
  if (!text) throw new UsageError('memory add needs the text to remember, e.g. agentrun memory add "Builds need Node 20"');
  const namespace = parseNamespace(options.namespace) ?? 'default';
  const kind = parseKind(options.kind);
  const tags = (options.tag ?? []).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
  const embeddingsModel = embeddingsModelFromEnv();
  return withStore(options.db, async (store) => {
    const { id, created } = await store.memories.add({ namespace, kind, text, tags, taskId: null });
    if (embeddingsModel) await embedMissing(store.memories, namespace, embeddingsModel, llmClient);
    if (options.json) output.json({ id, created, namespace });
    else output.result(created ? `added memory ${id} to namespace "${namespace}"` : `memory ${id} in namespace "${namespace}" already says this; kept it`);
    return 0;
  });
}

/** `memory forget <id>`: later tasks no longer recall it. */
export async function forget(options: MemoryForgetOptions): Promise<number> {
  const id = parseId(options.id);
  return withStore(options.db, async (store) => {
    if (!(await store.memories.forget(id))) throw new UsageError(`no memory with id ${id} (see \`agentrun memory list\`)`);
    if (options.json) output.json({ id, forgotten: true });
    else output.result(`forgot memory ${id}`);
    return 0;
  });
}

/** The client for embeddings outside a task: the task-file defaults for retries and timeout. */
function llmClient(): Promise<LlmClient> {
  const limits = LimitsSchema.parse({});
  return createLlmClient({ retry: RetrySchema.parse({}), timeoutMs: limits.llmTimeout });
}

function renderRanked(r: RankedMemory): string {
  const m = r.memory;
  return [`#${m.id}  ${m.kind}  ${m.namespace}  score ${r.score.toFixed(2)}`, `    ${oneLine(m.text, 300)}`, `    ${r.reason}`].join('\n');
}

function memoryJson(m: MemoryRecord) {
  return {
    id: m.id,
    namespace: m.namespace,
    kind: m.kind,
    text: m.text,
    tags: m.tags,
    sources: m.sources,
    recall_count: m.recallCount,
    useful_count: m.usefulCount,
    created_at: new Date(m.createdAt).toISOString(),
    confirmed_at: new Date(m.confirmedAt).toISOString(),
    last_recalled_at: m.lastRecalledAt === null ? null : new Date(m.lastRecalledAt).toISOString(),
    embedding_model: m.embeddingModel,
  };
}

function rankedJson(r: RankedMemory) {
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    ...memoryJson(r.memory),
    score: round(r.score),
    reason: r.reason,
    matched: r.matched,
    parts: {
      relevance: round(r.parts.relevance),
      similarity: r.parts.similarity === null ? null : round(r.parts.similarity),
      recency: round(r.parts.recency),
      usefulness: round(r.parts.usefulness),
    },
  };
}

function parseNamespace(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!value.trim()) throw new UsageError('--namespace must not be empty');
  return value;
}

function parseKind(value: string | undefined): MemoryKind {
  if (value === undefined) return 'note';
  if (!(MEMORY_KINDS as readonly string[]).includes(value)) throw new UsageError(`unknown kind "${value}": use one of ${MEMORY_KINDS.join(', ')}`);
  return value as MemoryKind;
}

function parseId(value: string): number {
  const id = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(id) || id < 1) throw new UsageError(`a memory id is a positive whole number (see \`agentrun memory list\`), got "${value}"`);
  return id;
}
