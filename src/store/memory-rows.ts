import type { MemoryKind, MemoryRecord } from './memory-types.js';

/**
 * Reading memory rows back, the same for every store: `tags` and `sources` are JSON arrays as text, the embedding
 * a float32 array as bytes.
 */
export function toMemory(row: Record<string, unknown>): MemoryRecord {
  return {
    id: Number(row.id),
    namespace: String(row.namespace),
    kind: String(row.kind) as MemoryKind,
    text: String(row.text),
    tags: JSON.parse(String(row.tags)) as string[],
    sources: JSON.parse(String(row.sources ?? '[]')) as string[],
    createdAt: Number(row.created_at),
    confirmedAt: Number(row.confirmed_at),
    lastRecalledAt: row.last_recalled_at == null ? null : Number(row.last_recalled_at),
    recallCount: Number(row.recall_count),
    usefulCount: Number(row.useful_count),
    embeddingModel: row.embedding_model == null ? null : String(row.embedding_model),
  };
}

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
