import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../src/store/sqlite/migrations.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { tempDir } from './support/temp-dir.js';

describe('migration 2 (memories)', () => {
  it('upgrades a version-1 database in place, keeping its tasks', async () => {
    const file = path.join(tempDir(), 'agentrun.db');
    const old = new Database(file);
    old.exec('CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    old.exec(MIGRATIONS.find((m) => m.version === 1)!.sql);
    old.prepare('INSERT INTO schema_version (version, applied_at) VALUES (1, 0)').run();
    old.prepare(
      `INSERT INTO tasks (id, agent_id, goal, workspace, namespace, status, created_at, updated_at) VALUES ('kept', 'a', 'g', '/', 'default', 'completed', 1, 1)`,
    ).run();
    old.prepare(`INSERT INTO task_definitions (task_id, definition) VALUES ('kept', '{}')`).run();
    old.close();

    const store = await SqliteStore.open(file);
    expect((await store.getTask('kept'))?.goal).toBe('g');
    const { id } = await store.memories.add({ namespace: 'default', kind: 'note', text: 'survives the upgrade', taskId: 'kept' });
    expect((await store.memories.search('default', 'upgrade', 5)).map((h) => h.memory.id)).toEqual([id]);
    await store.close();

    const db = new Database(file, { readonly: true });
    expect((db.prepare('SELECT version FROM schema_version ORDER BY version').all() as { version: number }[]).map((r) => r.version)).toEqual(
      MIGRATIONS.map((m) => m.version),
    );
    db.close();
  });

  it('keeps the full-text index in step with the table through adds, tag merges and forgets', async () => {
    const file = path.join(tempDir(), 'agentrun.db');
    const store = await SqliteStore.open(file);
    const a = await store.memories.add({ namespace: 'n', kind: 'note', text: 'alpha bravo', tags: ['one'] });
    await store.memories.add({ namespace: 'n', kind: 'note', text: 'Alpha  bravo.', tags: ['two'] });
    const b = await store.memories.add({ namespace: 'n', kind: 'note', text: 'charlie delta' });
    await store.memories.forget(b.id);
    expect((await store.memories.search('n', 'two', 5)).map((h) => h.memory.id)).toEqual([a.id]);
    expect(await store.memories.search('n', 'charlie', 5)).toEqual([]);
    await store.close();

    const db = new Database(file);
    // Raises SQLITE_CORRUPT_VTAB if the external-content index and the table disagree.
    expect(() => db.prepare(`INSERT INTO memories_fts (memories_fts, rank) VALUES ('integrity-check', 1)`).run()).not.toThrow();
    expect(db.prepare('SELECT COUNT(*) AS n FROM memory_sources').get()).toEqual({ n: 0 });
    db.close();
  });
});
