import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Migration {
  version: number;
  /** The file it was read from, for messages. */
  name: string;
  sql: string;
}

/**
 * The package's `migrations/` directory: the nearest one upwards from this module, which is found from src/store/
 * (tests), dist/store/ (built and installed) and dist-bench/src/store/ (benchmarks) alike.
 */
function migrationsRoot(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'migrations', 'postgres'))) return path.join(dir, 'migrations');
    if (path.dirname(dir) === dir) throw new Error('agentrun: the migrations/ directory is missing from this installation');
  }
}

/**
 * A store's migrations: the frozen, numbered SQL files in `migrations/<store>/` (`0001-tasks.sql`, …), in order.
 * Data, not code: a released file is never edited, a change is the next number.
 */
export function readMigrations(store: 'postgres' | 'sqlite'): Migration[] {
  const dir = path.join(migrationsRoot(), store);
  return readdirSync(dir)
    .filter((name) => /^\d{4}-[a-z0-9-]+\.sql$/.test(name))
    .sort()
    .map((name, i, names) => {
      const version = Number(name.slice(0, 4));
      // Numbers may skip (SQLite's 4–6 were reserved for parallel work), never repeat.
      if (i > 0 && Number(names[i - 1]!.slice(0, 4)) === version) throw new Error(`migrations/${store}: two migrations numbered ${version}`);
      return { version, name, sql: readFileSync(path.join(dir, name), 'utf8') };
    });
}
