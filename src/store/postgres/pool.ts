import pg from 'pg';
import type { PostgresTarget } from './connection-url.js';
import { describePgError, isConnectionError } from './pg-errors.js';

/** Connections one store keeps open at most; a worker running N tasks at a time wants N + 1 (see docs/storage.md). */
export function poolSizeFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const size = Number(env.AGENTRUN_PG_POOL);
  return Number.isInteger(size) && size > 0 ? size : 4;
}

// BIGINT columns hold times in milliseconds and counters: well inside a double, so read them as numbers.
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * A pg client that closes its socket when connecting fails. pg leaves the socket of an attempt that failed on the
 * client's side — the server asks for a password and the URL gives none — open until the server gives up on it
 * (`authentication_timeout`, 60 s by default), and an open socket keeps Node running: a command would print its
 * one-line error and then hang for a minute before it exits.
 */
class ClosingClient extends pg.Client {
  override connect(): Promise<pg.Client>;
  override connect(callback: (err: Error) => void): void;
  override connect(callback?: (err: Error) => void): Promise<pg.Client> | void {
    if (!callback) return new Promise((resolve, reject) => this.connect((error) => (error ? reject(error) : resolve(this))));
    super.connect((error: Error) => {
      if (error) void this.end().catch(() => {});
      callback(error);
    });
  }
}

export type Durability = 'full' | 'normal';
export type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * The store's connections: a pool whose connections all have `search_path` set to the store's schema (so no
 * statement names it), every error mapped to a one-line `AgentrunError` when it is the connection's fault, and
 * `synchronous_commit` following the store's durability.
 */
export class PgPool {
  private readonly pool: pg.Pool;
  private durability: Durability = 'full';
  private readonly applied = new WeakMap<pg.PoolClient, Durability>();

  constructor(readonly target: PostgresTarget, size = poolSizeFromEnv()) {
    this.pool = new pg.Pool({
      Client: ClosingClient,
      // search_path (the store's schema) is in the connection string's `options` (see connection-url.ts).
      connectionString: target.connectionString,
      max: size,
      types,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
      // Names the schema, so an operator (or a test) can tell whose connections these are in pg_stat_activity.
      application_name: `agentrun:${target.schema}`,
    });
    // An idle connection the server dropped (restart, pg_terminate_backend) is discarded by the pool, which emits
    // this; without a listener Node would end the process. The next query simply takes a new connection.
    this.pool.on('error', () => {});
    // The same for a connection in use: its statement fails (and is reported by the caller); the event must not
    // end the process.
    this.pool.on('connect', (client) => client.on('error', () => {}));
  }

  setDurability(durability: Durability): void {
    this.durability = durability;
  }

  /**
   * One statement on any connection: a single statement is its own transaction. `named` prepares it once per
   * connection and reuses the server's plan afterwards — for the statements of every step, whose parsing and planning
   * would otherwise cost as much as the write itself.
   */
  async query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params: unknown[] = [], options: { named?: boolean } = {}): Promise<pg.QueryResult<R>> {
    const name = options.named ? this.statementName(text) : undefined;
    return this.withClient((client) => (name ? client.query<R>({ name, text, values: params }) : client.query<R>(text, params)));
  }

  private readonly statementNames = new Map<string, string>();
  /** One name per statement text: the driver refuses a name reused for another text. */
  private statementName(text: string): string {
    let name = this.statementNames.get(text);
    if (!name) this.statementNames.set(text, (name = `agentrun_${this.statementNames.size + 1}`));
    return name;
  }

  /** Runs `work` inside BEGIN … COMMIT on one connection; any error rolls back. */
  async transaction<T>(work: (client: Queryable) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        if (!isConnectionError(error)) await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  }

  async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw describePgError(error, this.target.redacted, 'connecting');
    }
    let broken: Error | undefined;
    try {
      if (this.applied.get(client) !== this.durability) {
        await client.query(`SET synchronous_commit = ${this.durability === 'full' ? 'on' : 'off'}`);
        this.applied.set(client, this.durability);
      }
      return await work(client);
    } catch (error) {
      // A connection that failed is not given back to the pool for reuse.
      if (isConnectionError(error)) broken = error as Error;
      throw describePgError(error, this.target.redacted, 'working');
    } finally {
      client.release(broken);
    }
  }

  async end(): Promise<void> {
    await this.pool.end();
  }
}
