import type Database from 'better-sqlite3';
import { mergeMemory } from '../memory-merge.js';
import { encodeVector, toMemoryBundle } from '../memory-rows.js';
import { memoryTextHash } from '../memory-terms.js';
import type { MemoryBundle, MemoryLanding } from '../memory-types.js';

type Sql = (text: string) => Database.Statement;

/** A whole memory per row, as `toMemoryBundle` reads it. */
export const BUNDLE_SELECT = `SELECT m.id, m.namespace, m.kind, m.text, m.tags, m.created_at, m.confirmed_at, m.last_recalled_at, m.recall_count,
  m.useful_count, m.embedding, m.embedding_model,
  (SELECT json_group_array(json_object('taskId', task_id, 'addedAt', added_at)) FROM memory_sources s WHERE s.memory_id = m.id) AS sources,
  (SELECT json_group_array(json_object('taskId', task_id, 'recalledAt', recalled_at, 'credited', credited)) FROM memory_recalls r WHERE r.memory_id = m.id) AS recalls
  FROM memories m`;

/**
 * Inside the caller's write transaction: writes a moved memory, merged into the namespace's memory with the same
 * normalized text if there is one (`mergeMemory`). Nothing is written when that memory holds all of it already.
 */
export function writeMemoryBundle(sql: Sql, moved: MemoryBundle): MemoryLanding {
  const hash = memoryTextHash(moved.text);
  const row = sql(`${BUNDLE_SELECT} WHERE m.namespace = ? AND m.text_hash = ?`).get(moved.namespace, hash) as Record<string, unknown> | undefined;
  const { memory, landing } = mergeMemory(row && toMemoryBundle(row), moved);
  if (landing === 'unchanged') return landing;
  const header = [
    JSON.stringify(memory.tags), memory.createdAt, memory.confirmedAt, memory.lastRecalledAt, memory.recallCount, memory.usefulCount,
    memory.embedding && encodeVector(memory.embedding.vector), memory.embedding?.model ?? null,
  ];
  let id = memory.id;
  if (landing === 'created') {
    id = Number(
      sql(
        `INSERT INTO memories (namespace, kind, text, text_hash, tags, created_at, confirmed_at, last_recalled_at, recall_count, useful_count, embedding, embedding_model)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(memory.namespace, memory.kind, memory.text, hash, ...header).lastInsertRowid,
    );
  } else {
    sql(
      `UPDATE memories SET tags = ?, created_at = ?, confirmed_at = ?, last_recalled_at = ?, recall_count = ?, useful_count = ?, embedding = ?, embedding_model = ?
       WHERE id = ?`,
    ).run(...header, id);
  }
  const source = sql('INSERT INTO memory_sources (memory_id, task_id, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
  for (const s of memory.sources) source.run(id, s.taskId, s.addedAt);
  // The merged record is a superset of the target's: a credit is only ever added.
  const recall = sql(
    `INSERT INTO memory_recalls (memory_id, task_id, recalled_at, credited) VALUES (?, ?, ?, ?)
     ON CONFLICT (memory_id, task_id) DO UPDATE SET credited = excluded.credited`,
  );
  for (const r of memory.recalls) recall.run(id, r.taskId, r.recalledAt, Number(r.credited));
  return landing;
}
