import { readdirSync, readFileSync } from 'node:fs';

export interface Migration {
  version: number;
  /** The file it was read from, for messages. */
  name: string;
  sql: string;
}

// The repository's `migrations/` directory: three levels up from both src/store/ (tests) and dist/store/ (built).
const MIGRATIONS_ROOT = new URL('../../migrations/', import.meta.url);

/**
 * A store's migrations: the frozen, numbered SQL files in `migrations/<store>/` (`0001-tasks.sql`, …), in order.
 * Data, not code: a released file is never edited, a change is the next number.
 */
export function readMigrations(store: 'postgres' | 'sqlite'): Migration[] {
  const dir = new URL(`${store}/`, MIGRATIONS_ROOT);
  return readdirSync(dir)
    .filter((name) => /^\d{4}-[a-z0-9-]+\.sql$/.test(name))
    .sort()
    .map((name, i) => {
      const version = Number(name.slice(0, 4));
      if (version !== i + 1) throw new Error(`migrations/${store}: ${name} is out of sequence (expected ${String(i + 1).padStart(4, '0')}-…)`);
      return { version, name, sql: readFileSync(new URL(name, dir), 'utf8') };
    });
}
