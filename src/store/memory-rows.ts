import type { MemoryBundle, MemoryKind, MemoryRecord } from './memory-types.js';

/**
 * Reading memory rows back, the same for every store: `tags` and `sources` are JSON arrays as text, the embedding
 * a float32 array as bytes.
 */
export function toMemory(row: Record<string, unknown>): MemoryRecord {
  return {
    ...commonFields(row),
    sources: JSON.parse(String(row.sources ?? '[]')) as string[],
    embeddingModel: row.embedding_model == null ? null : String(row.embedding_model),
  };
}

/** The columns a memory and a whole memory (`toMemoryBundle`) read alike. */
function commonFields(row: Record<string, unknown>) {
  return {
    id: Number(row.id),
    namespace: String(row.namespace),
    kind: String(row.kind) as MemoryKind,
    text: String(row.text),
    tags: JSON.parse(String(row.tags)) as string[],
    createdAt: Number(row.created_at),
    confirmedAt: Number(row.confirmed_at),
    lastRecalledAt: row.last_recalled_at == null ? null : Number(row.last_recalled_at),
    recallCount: Number(row.recall_count),
    usefulCount: Number(row.useful_count),
  };
}

/**
 * A whole memory read back (`listBundles`): the columns of `toMemory` plus `embedding`, and `sources` and `recalls` as
 * JSON arrays of objects. Sorted here rather than in SQL, so both stores (whatever their collation) give one order.
 */
export function toMemoryBundle(row: Record<string, unknown>): MemoryBundle {
  const sources = JSON.parse(String(row.sources)) as { taskId: unknown; addedAt: unknown }[];
  const recalls = JSON.parse(String(row.recalls)) as { taskId: unknown; recalledAt: unknown; credited: unknown }[];
  return {
    ...commonFields(row),
    sources: sortSources(sources.map((s) => ({ taskId: String(s.taskId), addedAt: Number(s.addedAt) }))),
    // SQLite stores `credited` as 0/1, PostgreSQL as a boolean.
    recalls: sortRecalls(recalls.map((r) => ({ taskId: String(r.taskId), recalledAt: Number(r.recalledAt), credited: Boolean(r.credited) }))),
    embedding: row.embedding == null || row.embedding_model == null ? null : { model: String(row.embedding_model), vector: decodeVector(row.embedding as Buffer) },
  };
}

export function sortSources(sources: MemoryBundle['sources']): MemoryBundle['sources'] {
  return sources.sort((a, b) => a.addedAt - b.addedAt || compare(a.taskId, b.taskId));
}

export function sortRecalls(recalls: MemoryBundle['recalls']): MemoryBundle['recalls'] {
  return recalls.sort((a, b) => compare(a.taskId, b.taskId));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function cleanTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter(Boolean))];
}

// Search backends wrap each matched word in these, so the words that matched can be read back (stemming included:
// "deploying" in a memory matches the query word "deploy"). Control characters never occur in memories.
export const MATCH_START = '\u0002';
export const MATCH_END = '\u0003';
const MARKED = /\u0002([^\u0003]*)\u0003/g;

/** The marked words of a highlighted text, lowercased, unique, in order. */
export function markedWords(marked: string): string[] {
  const words: string[] = [];
  for (const match of marked.matchAll(MARKED)) {
    const word = (match[1] ?? '').toLowerCase();
    if (word && !words.includes(word)) words.push(word);
  }
  return words;
}

export function encodeVector(vector: readonly number[]): Buffer {
  return Buffer.from(new Float32Array(vector).buffer);
}

export function decodeVector(blob: Buffer): number[] {
  // Copy into an aligned buffer: a Buffer from the driver may start at any byte offset.
  const bytes = Uint8Array.prototype.slice.call(blob);
  return Array.from(new Float32Array(bytes.buffer, 0, Math.floor(bytes.byteLength / 4)));
}
