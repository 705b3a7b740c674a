import { DatabaseUrlInvalidError } from '../../errors.js';

/** The schema the store lives in when neither `?schema=` nor AGENTRUN_PG_SCHEMA chooses one. */
export const DEFAULT_SCHEMA = 'agentrun';

// A plain identifier: it goes into `search_path` and `CREATE SCHEMA` unquoted, so nothing else is let through.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresTarget {
  /** What pg connects with: the URL without our own `schema` parameter. */
  connectionString: string;
  schema: string;
  /** The URL with its password replaced by `***`: the only form that appears in messages, `status` or exports. */
  redacted: string;
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** Reads a `postgres://` or `postgresql://` URL; the schema comes from `?schema=`, else AGENTRUN_PG_SCHEMA, else `agentrun`. */
export function parsePostgresUrl(location: string, env: NodeJS.ProcessEnv = process.env): PostgresTarget {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    // The URL itself may hold a password: say what is wrong without echoing it.
    throw new DatabaseUrlInvalidError(`not a valid PostgreSQL URL: ${redactUnparsable(location)} (expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME])`);
  }
  const redacted = redactUrl(url);
  if (!url.hostname) throw new DatabaseUrlInvalidError(`${redacted}: the URL names no host`);
  if (url.port && !(Number(url.port) > 0 && Number(url.port) < 65536)) throw new DatabaseUrlInvalidError(`${redacted}: the port is not a number from 1 to 65535`);
  const schema = url.searchParams.get('schema') ?? env.AGENTRUN_PG_SCHEMA ?? DEFAULT_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) {
    throw new DatabaseUrlInvalidError(`${redacted}: schema "${schema}" is not a plain lowercase name (letters, digits, _; at most 63)`);
  }
  const forPg = new URL(url.href);
  forPg.searchParams.delete('schema');
  // The driver lets a URL's `options` replace the ones it is given: the store's search_path goes into the URL's own,
  // after whatever the user set there, so `?options=-c work_mem=64MB` cannot send the store's tables to `public`.
  const options = forPg.searchParams.get('options');
  forPg.searchParams.set('options', `${options ? `${options} ` : ''}-c search_path=${schema}`);
  // sslmode as libpq (psql) reads it — `require` encrypts without verifying, `verify-full` verifies — rather than pg's
  // own reading (every mode verifies), which it announces with a multi-line warning on every run.
  if (forPg.searchParams.has('sslmode') && !forPg.searchParams.has('uselibpqcompat')) forPg.searchParams.set('uselibpqcompat', 'true');
  return { connectionString: forPg.href, schema, redacted };
}

function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = '***';
  return copy.href;
}

/** Best effort for a string `URL` could not read: anything between `://user:` and `@` is hidden. */
function redactUnparsable(location: string): string {
  return location.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}
