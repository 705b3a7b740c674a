import { isDeepStrictEqual } from 'node:util';
import type Database from 'better-sqlite3';
import { memoryTextHash } from '../memory-terms.js';
import type { AddedMemory, EmbeddedMemory, MemoryBundle, MemoryHit, MemoryListQuery, MemoryRecord, MemoryStore, NewMemory } from '../memory-types.js';
import { cleanTags, decodeVector, encodeVector, markedWords, toMemory, toMemoryBundle } from '../memory-rows.js';
import { ftsMatchExpression } from './fts-query.js';
import { ftsRowidRange } from './fts-rowid.js';
import { BUNDLE_SELECT } from './memory-bundles.js';
import { preparedStatements } from './prepared.js';

type Row = Record<string, unknown>;
/** A match ranked by `search`: the memory's id and its bm25() (lower is better). */
type Ranked = { id: number; bm: number };

/**
 * Matches `search` ranks past `limit` inside FTS5, so a run of equal BM25 scores at the cut shows (the last one
 * fetched scores the same as the last one kept) and is settled by the full ordering.
 */
const RANK_MARGIN = 50;

// The columns every read selects; `sources` is the memory's task ids as a JSON array, oldest first.
const COLUMNS = `m.id, m.namespace, m.kind, m.text, m.tags, m.created_at, m.confirmed_at, m.last_recalled_at, m.recall_count,
  m.useful_count, m.embedding_model,
  (SELECT json_group_array(task_id) FROM (SELECT task_id FROM memory_sources s WHERE s.memory_id = m.id ORDER BY added_at, task_id)) AS sources`;

/**
 * Long-term memory in SQLite: rows in `memories`, BM25 ranking through the `memories_fts` FTS5 index (migration 2).
 * Synchronous underneath like the rest of the SQLite store; async to honour `MemoryStore`.
 */
export class SqliteMemoryStore implements MemoryStore {
  private readonly sql: (text: string) => Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.sql = preparedStatements(db);
  }

  async add(memory: NewMemory): Promise<AddedMemory> {
    const text = memory.text.trim();
    if (text === '') throw new Error('a memory needs some text');
    const hash = memoryTextHash(text);
    const tags = cleanTags(memory.tags ?? []);
    const now = Date.now();
    return this.db.transaction((): AddedMemory => {
      const existing = this.sql('SELECT id, tags FROM memories WHERE namespace = ? AND text_hash = ?').get(memory.namespace, hash) as
        | { id: number; tags: string }
        | undefined;
      let id: number;
      if (existing) {
        id = existing.id;
        const merged = cleanTags([...(JSON.parse(existing.tags) as string[]), ...tags]);
        if (merged.length !== (JSON.parse(existing.tags) as string[]).length) this.sql('UPDATE memories SET tags = ? WHERE id = ?').run(JSON.stringify(merged), id);
      } else {
        const info = this.sql(
          `INSERT INTO memories (namespace, kind, text, text_hash, tags, created_at, confirmed_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        ).run(memory.namespace, memory.kind, text, hash, JSON.stringify(tags), now, now);
        id = Number(info.lastInsertRowid);
      }
      // A new source (or a person adding it again) confirms the fact: recency counts from now.
      const newSource = memory.taskId
        ? this.sql('INSERT OR IGNORE INTO memory_sources (memory_id, task_id, added_at) VALUES (?, ?, ?)').run(id, memory.taskId, now).changes === 1
        : true;
      if (existing && newSource) this.sql('UPDATE memories SET confirmed_at = ? WHERE id = ?').run(now, id);
      return { id, created: !existing };
    }).immediate();
  }

  async get(id: number): Promise<MemoryRecord | undefined> {
    const row = this.sql(`SELECT ${COLUMNS} FROM memories m WHERE m.id = ?`).get(id) as Row | undefined;
    return row ? toMemory(row) : undefined;
  }

  /**
   * Ranks inside FTS5 first, then reads only what it keeps. Within a namespace the query is confined to the
   * namespace's rowid range of `memories_fts` (see migration 2), so FTS5 computes bm25() for that namespace's
   * matches only and keeps the best `limit + RANK_MARGIN` (a top-N sort, no join); those are joined to `memories`
   * and ordered by the full key (BM25, then most recently confirmed, then newest id). Should the cut fall inside a
   * run of equal BM25 scores — the tie-break needs `confirmed_at`, which FTS5 does not have — the matches at least
   * as good as the last one kept are ranked again in full. `highlight()` and `sources` are computed for the kept
   * rows only. One read transaction, so every step sees the same index. The result is what ranking every match by
   * the full key would give, score for score.
   */
  async search(namespace: string | null, query: string, limit: number): Promise<MemoryHit[]> {
    const match = ftsMatchExpression(query);
    if (match === undefined || limit <= 0) return [];
    return this.db.transaction((): MemoryHit[] => {
      const range = this.ftsRange(namespace);
      if (!range) return [];
      const where = { match, first: range[0], last: range[1] };
      const fetch = limit + RANK_MARGIN;
      let ranked = this.sql(
        `SELECT m.id, r.bm FROM (
           SELECT rowid AS fts_rowid, bm25(memories_fts, 1.0, 0.5) AS bm FROM memories_fts
           WHERE memories_fts MATCH @match AND rowid BETWEEN @first AND @last
           ORDER BY bm LIMIT @fetch
         ) r CROSS JOIN memories m ON m.fts_rowid = r.fts_rowid
         ORDER BY r.bm, m.confirmed_at DESC, m.id DESC`,
      ).all({ ...where, fetch }) as Ranked[];
      if (ranked.length === fetch && ranked[fetch - 1]!.bm === ranked[limit - 1]!.bm) {
        ranked = this.sql(
          `SELECT m.id, bm25(memories_fts, 1.0, 0.5) AS bm
           FROM memories_fts CROSS JOIN memories m ON m.fts_rowid = memories_fts.rowid
           WHERE memories_fts MATCH @match AND memories_fts.rowid BETWEEN @first AND @last AND bm25(memories_fts, 1.0, 0.5) <= @worst
           ORDER BY bm, m.confirmed_at DESC, m.id DESC
           LIMIT @limit`,
        ).all({ ...where, worst: ranked[limit - 1]!.bm, limit }) as Ranked[];
      }
      const kept = ranked.slice(0, limit);
      if (kept.length === 0) return [];
      // `+` keeps the IN list away from FTS5 (as rowid look-ups, each would start the whole query again): the
      // matches are read in one pass, and only the kept ones are joined and highlighted.
      const rows = this.sql(
        `SELECT ${COLUMNS}, highlight(memories_fts, 0, char(2), char(3)) AS marked_text, highlight(memories_fts, 1, char(2), char(3)) AS marked_tags
         FROM memories_fts CROSS JOIN memories m ON m.fts_rowid = memories_fts.rowid
         WHERE memories_fts MATCH @match AND memories_fts.rowid BETWEEN @first AND @last
           AND +memories_fts.rowid IN (SELECT fts_rowid FROM memories WHERE id IN (SELECT value FROM json_each(@ids)))`,
      ).all({ ...where, ids: JSON.stringify(kept.map((r) => r.id)) }) as Row[];
      const byId = new Map(rows.map((row) => [Number(row.id), row]));
      return kept.map(({ id, bm }) => {
        const row = byId.get(id)!;
        return {
          memory: toMemory(row),
          // bm25() is tiny in a small corpus but never 0 for a hit; keep it strictly positive all the same.
          score: Math.max(-bm, Number.MIN_VALUE),
          matched: markedWords(`${String(row.marked_text)} ${String(row.marked_tags)}`),
        };
      });
    })();
  }

  /** The rowids of `memories_fts` to search: one namespace's range, or all; undefined for a namespace never used. */
  private ftsRange(namespace: string | null): [bigint, bigint] | undefined {
    if (namespace === null) return [-(2n ** 63n), 2n ** 63n - 1n];
    const row = this.sql('SELECT id FROM memory_namespaces WHERE name = ?').get(namespace) as { id: number } | undefined;
    return row ? ftsRowidRange(row.id) : undefined;
  }

  async list(query: MemoryListQuery = {}): Promise<MemoryRecord[]> {
    const namespace = query.namespace ?? null;
    const rows = this.sql(
      `SELECT ${COLUMNS} FROM memories m WHERE (? IS NULL OR m.namespace = ?) ORDER BY m.confirmed_at DESC, m.id DESC LIMIT ?`,
    ).all(namespace, namespace, query.limit ?? -1) as Row[];
    return rows.map(toMemory);
  }

  async forget(id: number): Promise<boolean> {
    return this.sql('DELETE FROM memories WHERE id = ?').run(id).changes === 1;
  }

  async markRecalled(ids: readonly number[], taskId: string): Promise<void> {
    if (ids.length === 0) return;
    const now = Date.now();
    this.db.transaction(() => {
      for (const id of ids) {
        // Through SELECT so a memory forgotten meanwhile is skipped rather than breaking the foreign key.
        const first = this.sql('INSERT OR IGNORE INTO memory_recalls (memory_id, task_id, recalled_at) SELECT id, ?, ? FROM memories WHERE id = ?').run(taskId, now, id);
        this.sql(`UPDATE memories SET recall_count = recall_count + ?, last_recalled_at = ? WHERE id = ?`).run(first.changes, now, id);
      }
    }).immediate();
  }

  async creditTask(taskId: string): Promise<number> {
    return this.db.transaction(() => {
      const info = this.sql(
        'UPDATE memories SET useful_count = useful_count + 1 WHERE id IN (SELECT memory_id FROM memory_recalls WHERE task_id = ? AND credited = 0)',
      ).run(taskId);
      this.sql('UPDATE memory_recalls SET credited = 1 WHERE task_id = ? AND credited = 0').run(taskId);
      return info.changes;
    }).immediate();
  }

  async setEmbedding(id: number, model: string, vector: readonly number[]): Promise<void> {
    this.sql('UPDATE memories SET embedding = ?, embedding_model = ? WHERE id = ?').run(encodeVector(vector), model, id);
  }

  async listEmbedded(namespace: string | null, model: string, limit: number): Promise<EmbeddedMemory[]> {
    const rows = this.sql(
      `SELECT ${COLUMNS}, m.embedding FROM memories m
       WHERE m.embedding_model = ? AND m.embedding IS NOT NULL AND (? IS NULL OR m.namespace = ?)
       ORDER BY m.confirmed_at DESC, m.id DESC LIMIT ?`,
    ).all(model, namespace, namespace, limit) as Row[];
    return rows.map((row) => ({ memory: toMemory(row), vector: decodeVector(row.embedding as Buffer) }));
  }

  async needingEmbedding(namespace: string, model: string, limit: number): Promise<{ id: number; text: string }[]> {
    return this.sql(
      `SELECT id, text FROM memories WHERE namespace = ? AND (embedding IS NULL OR embedding_model IS NOT ?)
       ORDER BY confirmed_at DESC, id DESC LIMIT ?`,
    ).all(namespace, model, limit) as { id: number; text: string }[];
  }

  async listBundles(): Promise<MemoryBundle[]> {
    return (this.sql(`${BUNDLE_SELECT} ORDER BY m.id`).all() as Row[]).map(toMemoryBundle);
  }

  async removeMoved(moved: readonly MemoryBundle[]): Promise<number> {
    return this.db.transaction(() => {
      let kept = 0;
      for (const memory of moved) {
        const row = this.sql(`${BUNDLE_SELECT} WHERE m.id = ?`).get(memory.id) as Row | undefined;
        if (!row) continue;
        if (isDeepStrictEqual(toMemoryBundle(row), memory)) this.sql('DELETE FROM memories WHERE id = ?').run(memory.id);
        else kept += 1;
      }
      return kept;
    }).immediate();
  }
}
