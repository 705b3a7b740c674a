import { openStore } from '../store/open-store.js';
import type { Store } from '../store/types.js';
import { resolveDbLocation } from './db-location.js';

/** Opens the store the flags and environment name, runs `work`, and always closes it. */
export async function withStore<T>(db: string | undefined, work: (store: Store) => Promise<T>): Promise<T> {
  const { location, isDefault } = resolveDbLocation(db);
  const store = await openStore(location, { createDirectory: isDefault });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
