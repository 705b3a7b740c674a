import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ftsMatchExpression } from '../src/store/sqlite/fts-query.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { tempDir } from './support/temp-dir.js';

/**
 * `SqliteMemoryStore.search` ranks inside FTS5, one namespace's rowid range at a time, and reads only what it keeps.
 * These tests hold it to the plain definition: every match of the namespace joined and ordered by
 * (BM25, most recently confirmed, newest id) — the same hits, in the same order, with the same scores and words.
 */

let file: string;
let store: SqliteStore;
let db: Database.Database;

beforeEach(async () => {
  file = path.join(tempDir(), 'agentrun.db');
  store = await SqliteStore.open(file);
  db = new Database(file);
  db.pragma('busy_timeout = 5000');
});

afterEach(async () => {
  db.close();
  await store.close();
});

const MARKED = /\u0002([^\u0003]*)\u0003/g;

/** The definition `search` must match: rank every match, then cut. */
function reference(namespace: string | null, query: string, limit: number): { id: number; score: number; matched: string[] }[] {
  const match = ftsMatchExpression(query);
  if (match === undefined) return [];
  const rows = db
    .prepare(
      `SELECT m.id, -bm25(memories_fts, 1.0, 0.5) AS score,
         highlight(memories_fts, 0, char(2), char(3)) AS marked_text, highlight(memories_fts, 1, char(2), char(3)) AS marked_tags
       FROM memories_fts JOIN memories m ON m.fts_rowid = memories_fts.rowid
       WHERE memories_fts MATCH ? AND (? IS NULL OR m.namespace = ?)
       ORDER BY bm25(memories_fts, 1.0, 0.5), m.confirmed_at DESC, m.id DESC
       LIMIT ?`,
    )
    .all(match, namespace, namespace, limit) as { id: number; score: number; marked_text: string; marked_tags: string }[];
  return rows.map((row) => {
    const matched: string[] = [];
    for (const m of `${row.marked_text} ${row.marked_tags}`.matchAll(MARKED)) {
      const word = m[1]!.toLowerCase();
      if (!matched.includes(word)) matched.push(word);
    }
    return { id: row.id, score: Math.max(row.score, Number.MIN_VALUE), matched };
  });
}

async function search(namespace: string | null, query: string, limit: number) {
  return (await store.memories.search(namespace, query, limit)).map((h) => ({ id: h.memory.id, score: h.score, matched: h.matched }));
}

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let inserted = 0;

/** Rows straight into `memories`, through the schema's triggers, as the benchmark inserts them. */
function insert(rows: { namespace: string; text: string; tags?: string[]; confirmedAt: number }[]): void {
  const statement = db.prepare(
    `INSERT INTO memories (namespace, kind, text, text_hash, tags, created_at, confirmed_at) VALUES (?, 'note', ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    rows.forEach((row) => statement.run(row.namespace, row.text, `hash-${++inserted}`, JSON.stringify(row.tags ?? []), row.confirmedAt, row.confirmedAt));
  })();
}

describe('memory search', () => {
  it('returns exactly what ranking every match of the namespace would, across namespaces, limits and edits', async () => {
    const random = seeded(42);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const vocabulary = ['deploy', 'deploying', 'staging', 'vault', 'key', 'runner', 'token', 'build', 'blue', 'green', 'cache', 'lint'];
    const namespaces = ['ops', 'ops-staging', 'Ops', 'dev'];
    insert(
      Array.from({ length: 600 }, () => ({
        namespace: pick(namespaces),
        text: Array.from({ length: 1 + Math.floor(random() * 6) }, () => pick(vocabulary)).join(' '),
        tags: random() < 0.3 ? [pick(vocabulary)] : [],
        // Few distinct times, so equal scores are often broken by recency and then by id.
        confirmedAt: 1_000 + Math.floor(random() * 8),
      })),
    );
    for (let id = 1; id <= 600; id += 37) await store.memories.forget(id);
    db.prepare(`UPDATE memories SET tags = '["lint","cache"]' WHERE id % 41 = 0`).run();
    db.prepare(`UPDATE memories SET namespace = 'dev' WHERE id % 53 = 0 AND namespace <> 'dev'`).run();

    for (let q = 0; q < 150; q++) {
      const query = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(vocabulary)).join(' ');
      const namespace = random() < 0.2 ? null : pick(namespaces);
      const limit = pick([1, 3, 10, 50, 200]);
      expect(await search(namespace, query, limit), `${namespace} "${query}" ${limit}`).toEqual(reference(namespace, query, limit));
    }
  });

  it('settles a run of equal scores at the cut by recency, then by id, however far the run goes', async () => {
    // 150 one-match memories of two words: all score the same. confirmed_at neither follows nor reverses the ids.
    insert(Array.from({ length: 150 }, (_, i) => ({ namespace: 'ops', text: `deploy x${i}`, confirmedAt: 1_000 + ((i * 37) % 11) })));
    insert([{ namespace: 'ops', text: 'deploy deploy', confirmedAt: 1 }]); // scores higher: first despite its age
    const rows = db.prepare(`SELECT id, confirmed_at FROM memories WHERE namespace = 'ops'`).all() as { id: number; confirmed_at: number }[];
    const best = rows.find((r) => r.confirmed_at === 1)!.id;
    const tied = rows.filter((r) => r.id !== best).sort((a, b) => b.confirmed_at - a.confirmed_at || b.id - a.id).map((r) => r.id);

    for (const limit of [1, 10, 60, 120, 151]) {
      const hits = await search('ops', 'deploy', limit);
      expect(hits.map((h) => h.id)).toEqual([best, ...tied].slice(0, limit));
      expect(new Set(hits.slice(1).map((h) => h.score)).size).toBeLessThanOrEqual(1);
      expect(hits).toEqual(reference('ops', 'deploy', limit));
    }
  });

  it('keeps each namespace to its own part of the index, also when a memory moves to another namespace', async () => {
    const ops = await store.memories.add({ namespace: 'ops', kind: 'note', text: 'The deploy key is in vault' });
    const staging = await store.memories.add({ namespace: 'ops-staging', kind: 'note', text: 'The staging deploy key is in vault' });
    const upper = await store.memories.add({ namespace: 'Ops', kind: 'note', text: 'Deploy keys rotate monthly' });
    expect((await search('ops', 'deploy key', 10)).map((h) => h.id)).toEqual([ops.id]);
    expect((await search('ops-staging', 'deploy key', 10)).map((h) => h.id)).toEqual([staging.id]);
    expect((await search('Ops', 'deploy key', 10)).map((h) => h.id)).toEqual([upper.id]);
    expect((await search(null, 'deploy key', 10)).map((h) => h.id).sort()).toEqual([ops.id, staging.id, upper.id].sort());
    expect(await search('nowhere', 'deploy', 10)).toEqual([]);

    db.prepare(`UPDATE memories SET namespace = 'dev' WHERE id = ?`).run(ops.id);
    expect(await search('ops', 'deploy', 10)).toEqual([]);
    expect(await search('dev', 'deploy', 10)).toEqual(reference('dev', 'deploy', 10));
    expect((await search('dev', 'deploy', 10)).map((h) => h.id)).toEqual([ops.id]);
    // Raises SQLITE_CORRUPT_VTAB if the external-content index and the table disagree.
    expect(() => db.prepare(`INSERT INTO memories_fts (memories_fts, rank) VALUES ('integrity-check', 1)`).run()).not.toThrow();
  });
});
