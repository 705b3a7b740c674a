import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Client,
  ProtocolError,
  SdkError,
  SdkErrorCode,
  StreamableHTTPClientTransport,
  type CallToolResult,
} from '@modelcontextprotocol/client';
import { z } from 'zod';
import { ToolError, ToolOutcomeUnknownError } from '../tools/types.js';
import type { McpServerConfig, McpServers } from './config.js';
import { McpServerError } from './errors.js';
import { resolveServer } from './expand.js';
import type { ServerProcesses } from './server-processes.js';
import { ProcessGroupStdioTransport } from './stdio-transport.js';

/**
 * The `_meta` field of every `tools/call` agentrun sends, holding the call's idempotency key
 * (`<task>:<step>:<turn>:<call>`, the same after a crash): a server that can deduplicate does it by this key.
 */
export const IDEMPOTENCY_META_KEY = 'io.agentrun/idempotency-key';

/** A server that dies mid-task is started again at its next use, at most this many times per run. */
const MAX_RESTARTS = 3;
const FIRST_RESTART_DELAY_MS = 250;

/** A server listing more is either broken or paging forever; no model takes that many tools anyway. */
const MAX_TOOLS = 1000;

const ToolPageSchema = z.looseObject({
  tools: z.array(
    z.looseObject({
      name: z.string().min(1),
      title: z.string().optional(),
      description: z.string().optional(),
      inputSchema: z.unknown(),
      annotations: z.looseObject({ readOnlyHint: z.boolean().optional(), idempotentHint: z.boolean().optional() }).optional(),
    }),
  ),
  nextCursor: z.string().optional(),
});
export type ListedTool = z.infer<typeof ToolPageSchema>['tools'][number];

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

interface Connection {
  client: Client;
  transport: ProcessGroupStdioTransport | StreamableHTTPClientTransport;
  pid: number | undefined;
  alive: boolean;
}

export interface PoolOptions {
  /** Stdio servers run here unless their `cwd` says otherwise (relative to it). */
  workspace: string;
  /** Where stdio servers' process groups are recorded for the next run to stop after a `kill -9`. */
  processes?: ServerProcesses;
  env?: NodeJS.ProcessEnv;
}

export interface CallOptions {
  key: string;
  signal?: AbortSignal;
  /** Told the pid of the stdio server the call goes to, so the journal can stop it if the runner dies mid-call. */
  onSpawn?: (pid: number) => Promise<void> | void;
}

/**
 * The MCP servers of one run: each started on first use, started again (with backoff) if it died, and all shut down
 * by `close()` when the run ends. Every failure says which server and what happened.
 */
export class McpPool {
  private readonly connections = new Map<string, Promise<Connection>>();
  private readonly restarts = new Map<string, number>();
  private leftoversStopped = false;

  constructor(
    readonly servers: McpServers,
    private readonly options: PoolOptions,
  ) {}

  config(server: string): McpServerConfig {
    const config = this.servers[server];
    if (!config) throw new McpServerError(server, 'is not configured');
    return config;
  }

  /**
   * The server's tools, as it lists them now (every page). Validated loosely here — a name per tool — so that one
   * tool the model server would refuse is reported by name (tool-list.ts) rather than failing the whole list.
   */
  async listTools(server: string): Promise<ListedTool[]> {
    const { client } = await this.connection(server);
    const tools: ListedTool[] = [];
    let cursor: string | undefined;
    try {
      do {
        const page = await client.request({ method: 'tools/list', params: cursor ? { cursor } : {} }, ToolPageSchema, { timeout: this.config(server).startupTimeout });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor && tools.length < MAX_TOOLS);
    } catch (error) {
      throw new McpServerError(server, `could not list its tools: ${this.describe(server, error)}`);
    }
    return tools;
  }

  /** Starts the server if it is not running; throws McpServerError if it cannot be. */
  async ensureRunning(server: string): Promise<void> {
    await this.connection(server);
  }

  /**
   * One `tools/call`, with the idempotency key in `_meta`. A server's error answer is a ToolError (it answered: the
   * outcome is known); no answer — a timeout, a server that died mid-call — is a ToolOutcomeUnknownError.
   */
  async callTool(server: string, tool: string, args: Record<string, unknown>, options: CallOptions): Promise<CallToolResult> {
    const connection = await this.connection(server);
    // Journaled (fenced) before the request goes out: a runner that lost its lease sends nothing.
    if (connection.pid !== undefined) await options.onSpawn?.(connection.pid);
    const where = `mcp server "${server}", tool "${tool}"`;
    try {
      return (await connection.client.callTool(
        { name: tool, arguments: args, _meta: { [IDEMPOTENCY_META_KEY]: options.key } },
        { timeout: this.config(server).timeout, signal: options.signal },
      )) as CallToolResult;
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (error instanceof ProtocolError) throw new ToolError(`${where} refused the call: ${firstLine(error.message)}`);
      if (error instanceof SdkError && error.code === SdkErrorCode.NotConnected) throw new ToolError(`${where}: the server was not running; the call was not sent`);
      const what = connection.alive ? this.describe(server, error) : `the server ${this.exitReason(connection)} during the call`;
      throw new ToolOutcomeUnknownError(`${where}: ${what}; whether the call took effect is unknown`);
    }
  }

  /** Stops the servers a `kill -9`ed run of the task left (once per pool; before any server of ours starts). */
  async stopLeftovers(): Promise<void> {
    if (this.leftoversStopped) return;
    this.leftoversStopped = true;
    await this.options.processes?.stopLeftovers();
  }

  /** Shuts every server down (stdin closed, then signals to its process group). */
  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(
      all.map(async (pending) => {
        const connection = await pending.catch(() => undefined);
        if (connection) await this.shutDown(connection);
      }),
    );
  }

  private async connection(server: string): Promise<Connection> {
    const current = this.connections.get(server);
    if (current) {
      const connection = await current.catch(() => undefined);
      if (connection?.alive) return connection;
      if (connection) await this.shutDown(connection);
      const restarts = (this.restarts.get(server) ?? 0) + 1;
      const reason = connection ? this.exitReason(connection) : 'it did not start';
      if (restarts > MAX_RESTARTS) throw new McpServerError(server, `stopped ${restarts} times during this run; giving up (last: ${reason})`);
      this.restarts.set(server, restarts);
      await sleep(FIRST_RESTART_DELAY_MS * 2 ** (restarts - 1));
    }
    const started = this.start(server);
    this.connections.set(server, started);
    return started;
  }

  private async start(server: string): Promise<Connection> {
    const config = this.config(server);
    await this.stopLeftovers();
    const resolved = resolveServer(server, config, this.options.env);
    const transport =
      resolved.kind === 'stdio'
        ? new ProcessGroupStdioTransport({
            command: resolved.command,
            args: resolved.args,
            env: resolved.env,
            cwd: path.resolve(this.options.workspace, resolved.cwd ?? '.'),
            onSpawn: (pid) => this.options.processes?.add(pid),
          })
        : new StreamableHTTPClientTransport(resolved.url, { requestInit: { headers: resolved.headers } });
    const client = new Client({ name: 'agentrun', version });
    const connection: Connection = { client, transport, pid: undefined, alive: true };
    client.onclose = () => {
      connection.alive = false;
    };
    try {
      await client.connect(transport, { timeout: config.startupTimeout });
    } catch (error) {
      const why = transport instanceof ProcessGroupStdioTransport && !transport.running ? transport.exitReason : this.describe(server, error, 'startupTimeout');
      await this.shutDown(connection);
      throw new McpServerError(server, `would not start: ${why}`);
    }
    connection.pid = transport instanceof ProcessGroupStdioTransport ? transport.pid : undefined;
    return connection;
  }

  private async shutDown(connection: Connection): Promise<void> {
    connection.alive = false;
    await connection.client.close().catch(() => {});
    if (connection.transport instanceof ProcessGroupStdioTransport) {
      await connection.transport.close();
      const pid = connection.transport.pid;
      if (pid !== undefined) this.options.processes?.remove(pid);
    }
  }

  private exitReason(connection: Connection): string {
    return connection.transport instanceof ProcessGroupStdioTransport ? connection.transport.exitReason : 'closed the connection';
  }

  /** One line for a failed request: a timeout names the setting to raise; a dead stdio server says how it died. */
  private describe(server: string, error: unknown, timeoutSetting: 'timeout' | 'startupTimeout' = 'timeout'): string {
    const config = this.config(server);
    if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout) {
      return `no answer within ${config[timeoutSetting] / 1000}s (${timeoutSetting})`;
    }
    if (error instanceof SdkError && error.code === SdkErrorCode.ConnectionClosed) return 'the connection closed';
    return firstLine((error as Error)?.message ?? String(error));
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
