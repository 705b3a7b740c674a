import type { LlmClient } from '../llm/client.js';
import type { MemoryStore } from '../store/memory-types.js';

/**
 * Optional embeddings. Only when AGENTRUN_EMBEDDINGS_MODEL names a model (served by the same OpenAI-compatible
 * endpoint as chat) do memories get an embedding and recall blend in cosine similarity; unset, memory makes no
 * network request at all. Embedding failures never fail a task: memory then works on full text alone.
 */
export function embeddingsModelFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const model = env.AGENTRUN_EMBEDDINGS_MODEL?.trim();
  return model ? model : undefined;
}

/** Memories missing an embedding for `model` are embedded at most this many per write, newest first. */
const EMBED_BATCH = 64;

/** Gives the namespace's newest memories that lack one an embedding. Returns how many were embedded (0 on failure). */
export async function embedMissing(memories: MemoryStore, namespace: string, model: string, llm: () => Promise<LlmClient>): Promise<number> {
  const missing = await memories.needingEmbedding(namespace, model, EMBED_BATCH);
  if (missing.length === 0) return 0;
  try {
    const client = await llm();
    const { vectors } = await client.embed(
      model,
      missing.map((m) => m.text),
    );
    for (const [i, memory] of missing.entries()) {
      const vector = vectors[i];
      if (vector && vector.length > 0) await memories.setEmbedding(memory.id, model, vector);
    }
    return missing.length;
  } catch {
    // Left without an embedding; the next write in this namespace tries again.
    return 0;
  }
}

/** The query's embedding, or undefined when it cannot be had (recall then ranks on full text alone). */
export async function embedQuery(query: string, model: string, llm: () => Promise<LlmClient>): Promise<number[] | undefined> {
  if (query.trim() === '') return undefined;
  try {
    const client = await llm();
    const { vectors } = await client.embed(model, [query]);
    const vector = vectors[0];
    return vector && vector.length > 0 ? vector : undefined;
  } catch {
    return undefined;
  }
}

export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}
