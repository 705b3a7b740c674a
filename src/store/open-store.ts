import type { Store } from './types.js';

/**
 * Opens the store a `--db` value names: a `postgres://` or `postgresql://` URL, or a SQLite file path.
 * `createDirectory`: make the SQLite file's missing parent directories (only for the default location).
 */
export async function openStore(location: string, options: { createDirectory?: boolean } = {}): Promise<Store> {
  // Each driver is loaded only when its store is used: a SQLite user never loads pg, nor a PostgreSQL user SQLite.
  if (/^postgres(ql)?:\/\//i.test(location)) {
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    return PostgresStore.open(location);
  }
  const { SqliteStore } = await import('./sqlite/sqlite-store.js');
  return SqliteStore.open(location, options);
}
