import pg from 'pg';
import type { PostgresTarget } from './connection-url.js';

/** The NOTIFY channel of a store's schema; the payload is the queue's name. */
export function queueChannel(schema: string): string {
  return `agentrun_${schema}`;
}

/** How often the listening connection is checked with a query: a listener that died silently is replaced. */
const CHECK_MS = 10_000;
const RETRY_MS = 1_000;

/**
 * LISTEN on its own connection (a pooled one would be handed to others), used only as a hint: workers poll anyway,
 * so a notification lost while the connection was down delays work by one poll at most. On any failure — an
 * error, the server closing the connection, a check query that fails — it reconnects and calls `onWork` once, since
 * something may have been queued meanwhile.
 */
export class QueueListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  /** Connections already given up on: their 'error' and 'end' both arrive, and only the first counts. */
  private readonly replaced = new WeakSet<pg.Client>();

  private constructor(
    private readonly target: PostgresTarget,
    private readonly channel: string,
    private readonly queue: string,
    private readonly onWork: () => void,
  ) {}

  static async start(target: PostgresTarget, channel: string, queue: string, onWork: () => void): Promise<() => Promise<void>> {
    const listener = new QueueListener(target, channel, queue, onWork);
    await listener.connect();
    listener.timer = setInterval(() => void listener.check(), CHECK_MS);
    listener.timer.unref();
    return () => listener.stop();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.target.connectionString, keepAlive: true, connectionTimeoutMillis: 10_000, application_name: `agentrun:${this.target.schema}:listener` });
    client.on('error', () => this.replace(client));
    client.on('end', () => this.replace(client));
    client.on('notification', (message) => {
      if (message.payload === this.queue) this.onWork();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      this.client = client;
    } catch {
      this.replace(client);
    }
  }

  private replace(broken: pg.Client): void {
    if (this.replaced.has(broken)) return;
    this.replaced.add(broken);
    if (this.client === broken) this.client = undefined;
    void broken.end().catch(() => {});
    if (this.stopped) return;
    setTimeout(() => {
      void this.connect().then(() => {
        if (this.client) this.onWork();
      });
    }, RETRY_MS).unref();
  }

  private async check(): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      await client.query('SELECT 1');
    } catch {
      this.replace(client);
    }
  }

  private async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.client?.end().catch(() => {});
  }
}
