import { isDeepStrictEqual } from 'node:util';
import { memoryTextHash, queryTerms } from '../memory-terms.js';
import type { AddedMemory, EmbeddedMemory, MemoryBundle, MemoryHit, MemoryListQuery, MemoryRecord, MemoryStore, NewMemory } from '../memory-types.js';
import { cleanTags, decodeVector, encodeVector, MATCH_END, MATCH_START, markedWords, toMemory, toMemoryBundle } from '../memory-rows.js';
import { BUNDLE_SELECT } from './memory-bundles.js';
import type { PgPool } from './pool.js';

// The columns every read selects; `sources` is the memory's task ids as a JSON array (text), oldest first.
const COLUMNS = `m.id, m.namespace, m.kind, m.text, m.tags, m.created_at, m.confirmed_at, m.last_recalled_at, m.recall_count,
  m.useful_count, m.embedding_model,
  (SELECT COALESCE(json_agg(s.task_id ORDER BY s.added_at, s.task_id), '[]'::json)::text FROM memory_sources s WHERE s.memory_id = m.id) AS sources`;

const HEADLINE_OPTIONS = `StartSel=${MATCH_START}, StopSel=${MATCH_END}, HighlightAll=true`;

/**
 * Long-term memory in PostgreSQL (migration 2): a stored `tsvector` over text (weight A) and tags (weight B) with a
 * GIN index, ranked by `ts_rank`. The blend with recency and usefulness is `src/memory/rank.ts`, as for SQLite.
 */
export class PostgresMemoryStore implements MemoryStore {
  constructor(private readonly pool: PgPool) {}

  async add(memory: NewMemory): Promise<AddedMemory> {
    const text = memory.text.trim();
    if (text === '') throw new Error('a memory needs some text');
    const hash = memoryTextHash(text);
    const tags = cleanTags(memory.tags ?? []);
    const now = Date.now();
    return this.pool.transaction(async (client): Promise<AddedMemory> => {
      const inserted = await client.query<{ id: number }>(
        `INSERT INTO memories (namespace, kind, text, text_hash, tags, created_at, confirmed_at) VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (namespace, text_hash) DO NOTHING RETURNING id`,
        [memory.namespace, memory.kind, text, hash, JSON.stringify(tags), now],
      );
      let id = inserted.rows[0]?.id;
      const created = id !== undefined;
      if (id === undefined) {
        // Locked, so two tasks adding the same fact at once merge their tags rather than one losing its own.
        const existing = await client.query<{ id: number; tags: string }>('SELECT id, tags FROM memories WHERE namespace = $1 AND text_hash = $2 FOR UPDATE', [
          memory.namespace,
          hash,
        ]);
        id = existing.rows[0]!.id;
        const old = JSON.parse(existing.rows[0]!.tags) as string[];
        const merged = cleanTags([...old, ...tags]);
        if (merged.length !== old.length) await client.query('UPDATE memories SET tags = $2 WHERE id = $1', [id, JSON.stringify(merged)]);
      }
      // A new source (or a person adding it again) confirms the fact: recency counts from now.
      const newSource = memory.taskId
        ? (await client.query('INSERT INTO memory_sources (memory_id, task_id, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [id, memory.taskId, now])).rowCount === 1
        : true;
      if (!created && newSource) await client.query('UPDATE memories SET confirmed_at = $2 WHERE id = $1', [id, now]);
      return { id, created };
    });
  }

  async get(id: number): Promise<MemoryRecord | undefined> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM memories m WHERE m.id = $1`, [id]);
    return rows[0] ? toMemory(rows[0]) : undefined;
  }

  /**
   * Ranks every match of the namespace by `ts_rank` (then most recently confirmed, then newest id) and keeps the best
   * `limit`; only those are highlighted. The query's words become an OR of plain lexemes (letters and digits only,
   * see `queryTerms`), so no text-search operator in the text is ever read as one.
   */
  async search(namespace: string | null, query: string, limit: number): Promise<MemoryHit[]> {
    const terms = queryTerms(query);
    if (terms.length === 0 || limit <= 0) return [];
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS}, r.rank,
              ts_headline('english', m.text, r.q, $4) AS marked_text, ts_headline('english', m.tags, r.q, $4) AS marked_tags
       FROM (
         SELECT m.id, ts_rank(m.search, q) AS rank, q FROM memories m, to_tsquery('english', $2) q
         WHERE m.search @@ q AND ($1::text IS NULL OR m.namespace = $1)
         ORDER BY rank DESC, m.confirmed_at DESC, m.id DESC LIMIT $3
       ) r JOIN memories m ON m.id = r.id
       ORDER BY r.rank DESC, m.confirmed_at DESC, m.id DESC`,
      [namespace, terms.join(' | '), limit, HEADLINE_OPTIONS],
    );
    return rows.map((row) => ({
      memory: toMemory(row),
      // ts_rank is small but positive for a hit; keep it strictly positive all the same.
      score: Math.max(Number(row.rank), Number.MIN_VALUE),
      matched: markedWords(`${String(row.marked_text)} ${String(row.marked_tags)}`),
    }));
  }

  async list(query: MemoryListQuery = {}): Promise<MemoryRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS} FROM memories m WHERE ($1::text IS NULL OR m.namespace = $1) ORDER BY m.confirmed_at DESC, m.id DESC LIMIT $2`,
      [query.namespace ?? null, query.limit ?? null],
    );
    return rows.map(toMemory);
  }

  async forget(id: number): Promise<boolean> {
    return (await this.pool.query('DELETE FROM memories WHERE id = $1', [id])).rowCount === 1;
  }

  async markRecalled(ids: readonly number[], taskId: string): Promise<void> {
    if (ids.length === 0) return;
    // Through SELECT so a memory forgotten meanwhile is skipped rather than breaking the foreign key.
    await this.pool.query(
      `WITH first AS (
         INSERT INTO memory_recalls (memory_id, task_id, recalled_at) SELECT id, $2, $3 FROM memories WHERE id = ANY($1::bigint[])
         ON CONFLICT DO NOTHING RETURNING memory_id
       )
       UPDATE memories m SET recall_count = recall_count + (SELECT count(*) FROM first WHERE first.memory_id = m.id), last_recalled_at = $3
       WHERE id = ANY($1::bigint[])`,
      [ids, taskId, Date.now()],
    );
  }

  async creditTask(taskId: string): Promise<number> {
    const { rowCount } = await this.pool.query(
      `WITH credited AS (UPDATE memory_recalls SET credited = true WHERE task_id = $1 AND NOT credited RETURNING memory_id)
       UPDATE memories SET useful_count = useful_count + 1 WHERE id IN (SELECT memory_id FROM credited)`,
      [taskId],
    );
    return rowCount ?? 0;
  }

  async setEmbedding(id: number, model: string, vector: readonly number[]): Promise<void> {
    await this.pool.query('UPDATE memories SET embedding = $2, embedding_model = $3 WHERE id = $1', [id, encodeVector(vector), model]);
  }

  async listEmbedded(namespace: string | null, model: string, limit: number): Promise<EmbeddedMemory[]> {
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS}, m.embedding FROM memories m
       WHERE m.embedding_model = $1 AND m.embedding IS NOT NULL AND ($2::text IS NULL OR m.namespace = $2)
       ORDER BY m.confirmed_at DESC, m.id DESC LIMIT $3`,
      [model, namespace, limit],
    );
    return rows.map((row) => ({ memory: toMemory(row), vector: decodeVector(row.embedding as Buffer) }));
  }

  async needingEmbedding(namespace: string, model: string, limit: number): Promise<{ id: number; text: string }[]> {
    const { rows } = await this.pool.query<{ id: number; text: string }>(
      `SELECT id, text FROM memories WHERE namespace = $1 AND (embedding IS NULL OR embedding_model IS DISTINCT FROM $2)
       ORDER BY confirmed_at DESC, id DESC LIMIT $3`,
      [namespace, model, limit],
    );
    return rows;
  }

  async listBundles(): Promise<MemoryBundle[]> {
    const { rows } = await this.pool.query(`${BUNDLE_SELECT} ORDER BY m.id`);
    return rows.map(toMemoryBundle);
  }

  async removeMoved(moved: readonly MemoryBundle[]): Promise<number> {
    if (moved.length === 0) return 0;
    return this.pool.transaction(async (client) => {
      // Locked as read, so nothing changes one between the comparison and its delete.
      const { rows } = await client.query(`${BUNDLE_SELECT} WHERE m.id = ANY($1::bigint[]) FOR UPDATE OF m`, [moved.map((m) => m.id)]);
      const current = new Map(rows.map((row) => [Number(row.id), toMemoryBundle(row)]));
      const still = moved.filter((m) => current.has(m.id));
      const unchanged = still.filter((m) => isDeepStrictEqual(current.get(m.id), m)).map((m) => m.id);
      if (unchanged.length > 0) await client.query('DELETE FROM memories WHERE id = ANY($1::bigint[])', [unchanged]);
      return still.length - unchanged.length;
    });
  }
}
