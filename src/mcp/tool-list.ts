import { createHash } from 'node:crypto';
import { effectPolicy, type McpEffectPolicy } from './effect-policy.js';
import { McpToolRejectedError } from './errors.js';
import type { McpPool } from './server-pool.js';

/** How the journal names the tool list of a step attempt (call 0 of its first turn: tool calls count from 1). */
export const MCP_TOOL_LIST = 'mcp:tool-list';

/**
 * One MCP tool as a step offers it to the model. The list of these is fixed when a step starts and journaled, so a
 * replayed turn sees the tools — and the effect semantics — the recorded turn saw.
 */
export interface McpToolSpec extends McpEffectPolicy {
  /** What the model calls it: `<server>__<tool>`, sanitised to what every model server accepts. */
  name: string;
  server: string;
  /** The server's own name of the tool. */
  tool: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** OpenAI, Anthropic and most compatible servers accept function names of this shape. */
const MAX_NAME_LENGTH = 64;

/** Starts every configured server (or the ones given) and lists the tools the task may use, with their semantics. */
export async function listMcpTools(pool: McpPool, servers = Object.keys(pool.servers)): Promise<McpToolSpec[]> {
  const specs: McpToolSpec[] = [];
  const byName = new Map<string, McpToolSpec>();
  for (const server of servers) {
    const config = pool.config(server);
    const offered = await pool.listTools(server);
    const allowed = config.tools ?? offered.map((tool) => tool.name);
    for (const wanted of allowed) {
      const tool = offered.find((t) => t.name === wanted);
      if (!tool) throw new McpToolRejectedError(server, wanted, `the task lists it, but the server offers only: ${offered.map((t) => t.name).join(', ') || '(no tools)'}`);
      const spec: McpToolSpec = {
        name: exposedName(server, tool.name),
        server,
        tool: tool.name,
        description: tool.description ?? tool.title ?? tool.name,
        parameters: acceptedSchema(server, tool.name, tool.inputSchema),
        ...effectPolicy(config, tool.name, tool.annotations),
      };
      const clash = byName.get(spec.name);
      if (clash) throw new McpToolRejectedError(server, tool.name, `its name becomes ${spec.name}, as does ${clash.server}'s ${clash.tool}`);
      if (typeof spec.check === 'object' && !offered.some((t) => t.name === (spec.check as { tool: string }).tool)) {
        throw new McpToolRejectedError(server, tool.name, `its check tool "${spec.check.tool}" is not offered by the server`);
      }
      byName.set(spec.name, spec);
      specs.push(spec);
    }
  }
  return specs;
}

/** `server__tool` with every character a model server might refuse replaced; too long a name keeps a hash of the whole. */
export function exposedName(server: string, tool: string): string {
  const name = `${server}__${tool}`.replace(/[^A-Za-z0-9_-]/g, '_');
  if (name.length <= MAX_NAME_LENGTH) return name;
  const hash = createHash('sha256').update(`${server}\0${tool}`).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_NAME_LENGTH - 9)}_${hash}`;
}

/** The function parameters of a model request must be a JSON Schema object of type "object". */
function acceptedSchema(server: string, tool: string, schema: unknown): Record<string, unknown> {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema) || (schema as { type?: unknown }).type !== 'object') {
    throw new McpToolRejectedError(server, tool, 'its input schema is not a JSON Schema of type "object", which model servers refuse (leave the tool out with the server\'s `tools:` list)');
  }
  const properties = (schema as { properties?: unknown }).properties;
  if (properties !== undefined && (typeof properties !== 'object' || properties === null || Array.isArray(properties))) {
    throw new McpToolRejectedError(server, tool, 'its input schema\'s "properties" is not an object, which model servers refuse');
  }
  return schema as Record<string, unknown>;
}
