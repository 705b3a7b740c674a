import { UsageError } from '../errors.js';
import type { Store } from './types.js';

/** Opens the store a `--db` value names: a `postgres://` URL or a SQLite file path. */
export async function openStore(location: string): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(location)) {
    throw new UsageError('the PostgreSQL store is not available in this version of agentrun; use a SQLite file path');
  }
  const { SqliteStore } = await import('./sqlite/sqlite-store.js');
  return SqliteStore.open(location);
}
