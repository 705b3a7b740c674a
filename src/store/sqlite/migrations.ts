import { readMigrations } from '../migration-files.js';

/**
 * The SQLite store's migrations: the frozen SQL files in `migrations/sqlite/`, applied in order, each in its own
 * transaction together with its row in `schema_version`. Never edit a released file: add the next number.
 */
export const MIGRATIONS = readMigrations('sqlite');

export const LATEST_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));
