import { statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DatabaseTooNewError } from '../src/errors.js';
import { LATEST_SCHEMA_VERSION } from '../src/store/sqlite/migrations.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { testStore } from './support/store-conformance.js';
import { tempDir } from './support/temp-dir.js';

testStore({ name: 'SQLite', create: () => SqliteStore.open(path.join(tempDir(), 'conformance.db')) });

describe('SQLite file', () => {
  it('is created private (0600), in WAL mode with synchronous=FULL; missing directories only when asked (the default location)', async () => {
    const file = path.join(tempDir(), 'nested', 'dir', 'agentrun.db');
    await expect(SqliteStore.open(file)).rejects.toThrow(/the directory .*nested\/dir does not exist/);
    const store = await SqliteStore.open(file, { createDirectory: true });
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    await store.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT MAX(version) AS v FROM schema_version').get()).toEqual({ v: LATEST_SCHEMA_VERSION });
    db.close();
  });

  it('migrations are safe to apply twice and data survives reopening', async () => {
    const file = path.join(tempDir(), 'agentrun.db');
    const first = await SqliteStore.open(file);
    await first.createTask({ id: 'kept', agentId: 'a', goal: 'g', definition: {} as never, workspace: '/', namespace: 'default', model: null, createdAt: 1 });
    await first.close();
    const second = await SqliteStore.open(file);
    expect((await second.getTask('kept'))?.goal).toBe('g');
    await second.close();
  });

  it('refuses a database written by a newer agentrun, and leaves it as it was', async () => {
    const file = path.join(tempDir(), 'agentrun.db');
    await (await SqliteStore.open(file)).close();
    const db = new Database(file);
    db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (99, 0)').run();
    db.close();
    const before = statSync(file).mtimeMs;
    await expect(SqliteStore.open(file)).rejects.toThrow(DatabaseTooNewError);
    await expect(SqliteStore.open(file)).rejects.toThrow(`written by a newer agentrun (schema version 99; this agentrun knows up to ${LATEST_SCHEMA_VERSION})`);
    expect(statSync(file).mtimeMs).toBe(before);
  });
});
