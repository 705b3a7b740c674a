import { mergeMemory } from '../memory-merge.js';
import { encodeVector, toMemoryBundle } from '../memory-rows.js';
import { memoryTextHash } from '../memory-terms.js';
import type { MemoryBundle, MemoryLanding } from '../memory-types.js';
import type { Queryable } from './pool.js';

/** A whole memory per row, as `toMemoryBundle` reads it (and its `text_hash`, to find a moved memory's match). */
export const BUNDLE_SELECT = `SELECT m.id, m.namespace, m.kind, m.text, m.text_hash, m.tags, m.created_at, m.confirmed_at, m.last_recalled_at, m.recall_count,
  m.useful_count, m.embedding, m.embedding_model,
  (SELECT COALESCE(json_agg(json_build_object('taskId', s.task_id, 'addedAt', s.added_at)), '[]'::json)::text FROM memory_sources s WHERE s.memory_id = m.id) AS sources,
  (SELECT COALESCE(json_agg(json_build_object('taskId', r.task_id, 'recalledAt', r.recalled_at, 'credited', r.credited)), '[]'::json)::text
     FROM memory_recalls r WHERE r.memory_id = m.id) AS recalls
  FROM memories m`;

/** Memories per statement: each is passed as one JSON document, embeddings included. */
const CHUNK = 500;

/**
 * Inside the caller's transaction: writes moved memories, each merged into its namespace's memory with the same
 * normalized text if there is one (`mergeMemory`); one that memory holds whole already writes nothing. A few
 * statements per chunk of memories, whatever their sources and recalls, each chunk's rows passed as one JSON array.
 */
export async function writeMemoryBundles(client: Queryable, moved: readonly MemoryBundle[]): Promise<MemoryLanding[]> {
  if (moved.length === 0) return [];
  // Writers of memories (a task of this database finishing, or recalling) wait for this transaction: no memory can
  // appear or change between reading the target's and writing the merge.
  await client.query('LOCK TABLE memories IN SHARE ROW EXCLUSIVE MODE');
  const landings: MemoryLanding[] = [];
  for (let at = 0; at < moved.length; at += CHUNK) landings.push(...(await writeChunk(client, moved.slice(at, at + CHUNK))));
  return landings;
}

async function writeChunk(client: Queryable, moved: readonly MemoryBundle[]): Promise<MemoryLanding[]> {
  const keyOf = (namespace: string, hash: string) => `${namespace}\n${hash}`;
  const hashes = moved.map((m) => memoryTextHash(m.text));
  const { rows } = await client.query(
    `${BUNDLE_SELECT} JOIN unnest($1::text[], $2::text[]) AS k(namespace, text_hash) ON m.namespace = k.namespace AND m.text_hash = k.text_hash`,
    [moved.map((m) => m.namespace), hashes],
  );
  const existing = new Map(rows.map((row) => [keyOf(String(row.namespace), String(row.text_hash)), toMemoryBundle(row)]));
  const merges = moved.map((m, i) => ({ ...mergeMemory(existing.get(keyOf(m.namespace, hashes[i]!)), m), hash: hashes[i]! }));
  const header = (m: MemoryBundle) => ({
    tags: JSON.stringify(m.tags), created_at: m.createdAt, confirmed_at: m.confirmedAt, last_recalled_at: m.lastRecalledAt, recall_count: m.recallCount,
    useful_count: m.usefulCount, embedding: m.embedding && encodeVector(m.embedding.vector).toString('base64'), embedding_model: m.embedding?.model ?? null,
  });
  const HEADER = 'tags text, created_at bigint, confirmed_at bigint, last_recalled_at bigint, recall_count int, useful_count int, embedding text, embedding_model text';

  const created = merges.filter((m) => m.landing === 'created');
  const ids = new Map<string, number>();
  if (created.length > 0) {
    const inserted = await client.query<{ id: number; namespace: string; text_hash: string }>(
      `INSERT INTO memories (namespace, kind, text, text_hash, tags, created_at, confirmed_at, last_recalled_at, recall_count, useful_count, embedding, embedding_model)
       SELECT x.namespace, x.kind, x.text, x.text_hash, x.tags, x.created_at, x.confirmed_at, x.last_recalled_at, x.recall_count, x.useful_count,
              decode(x.embedding, 'base64'), x.embedding_model
       FROM jsonb_to_recordset($1::jsonb) AS x(namespace text, kind text, text text, text_hash text, ${HEADER})
       RETURNING id, namespace, text_hash`,
      [JSON.stringify(created.map(({ memory, hash }) => ({ namespace: memory.namespace, kind: memory.kind, text: memory.text, text_hash: hash, ...header(memory) })))],
    );
    for (const row of inserted.rows) ids.set(keyOf(row.namespace, row.text_hash), Number(row.id));
  }
  const merged = merges.filter((m) => m.landing === 'merged');
  if (merged.length > 0) {
    await client.query(
      `UPDATE memories m SET tags = x.tags, created_at = x.created_at, confirmed_at = x.confirmed_at, last_recalled_at = x.last_recalled_at,
         recall_count = x.recall_count, useful_count = x.useful_count, embedding = decode(x.embedding, 'base64'), embedding_model = x.embedding_model
       FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, ${HEADER}) WHERE m.id = x.id`,
      [JSON.stringify(merged.map(({ memory }) => ({ id: memory.id, ...header(memory) })))],
    );
  }
  const written = [...created, ...merged].map(({ memory, hash, landing }) => ({ memory, id: landing === 'created' ? ids.get(keyOf(memory.namespace, hash))! : memory.id }));
  const sources = written.flatMap(({ memory, id }) => memory.sources.map((s) => ({ memory_id: id, task_id: s.taskId, added_at: s.addedAt })));
  if (sources.length > 0) {
    await client.query(
      `INSERT INTO memory_sources (memory_id, task_id, added_at) SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(memory_id bigint, task_id text, added_at bigint)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(sources)],
    );
  }
  const recalls = written.flatMap(({ memory, id }) => memory.recalls.map((r) => ({ memory_id: id, task_id: r.taskId, recalled_at: r.recalledAt, credited: r.credited })));
  if (recalls.length > 0) {
    // The merged record is a superset of the target's: a credit is only ever added.
    await client.query(
      `INSERT INTO memory_recalls (memory_id, task_id, recalled_at, credited)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(memory_id bigint, task_id text, recalled_at bigint, credited boolean)
       ON CONFLICT (memory_id, task_id) DO UPDATE SET credited = excluded.credited`,
      [JSON.stringify(recalls)],
    );
  }
  return merges.map((m) => m.landing);
}
