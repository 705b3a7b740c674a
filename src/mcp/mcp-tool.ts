import type { CallToolResult } from '@modelcontextprotocol/client';
import { commandCheck } from '../tools/command-tool.js';
import { truncateOutput } from '../tools/truncate.js';
import { ToolError, type Tool } from '../tools/types.js';
import type { McpPool } from './server-pool.js';
import type { McpToolSpec } from './tool-list.js';

/**
 * An MCP tool as an agentrun tool: the effects journal runs it like a command tool, and its semantics come from the
 * journaled spec, never from what the server says now.
 */
export function mcpTool(spec: McpToolSpec, pool: McpPool): Tool {
  const where = `mcp server "${spec.server}", tool "${spec.tool}"`;
  const tool: Tool = {
    name: spec.name,
    description: spec.description,
    parameters: spec.parameters,
    idempotent: spec.idempotent,
    approve: spec.approve,
    prepare: () => pool.ensureRunning(spec.server),
    async run(args, ctx) {
      const result = await pool.callTool(spec.server, spec.tool, args, { key: ctx.idempotencyKey, signal: ctx.signal, onSpawn: ctx.onSpawn });
      const text = resultText(result);
      if (result.isError) throw new ToolError(`${where} returned an error: ${text || '(no message)'}`);
      return truncateOutput(text, ctx.outputLimit);
    },
  };
  const check = spec.check;
  if (typeof check === 'string') tool.check = commandCheck(spec.name, check, pool.config(spec.server).timeout);
  else if (check) {
    // A check tool says the effect happened with structuredContent.done, or else by answering without isError.
    tool.check = async (args, ctx) => {
      const result = await pool.callTool(spec.server, check.tool, check.arguments ?? args, { key: ctx.idempotencyKey, signal: ctx.signal });
      const done = (result.structuredContent as { done?: unknown } | undefined)?.done;
      return { done: typeof done === 'boolean' ? done : !result.isError, output: truncateOutput(resultText(result), ctx.outputLimit) };
    };
  }
  return tool;
}

/** What the model sees of a result: its text, other content named, structured content if there is nothing else. */
function resultText(result: CallToolResult): string {
  const parts = (result.content ?? []).map((block) => {
    switch (block.type) {
      case 'text':
        return block.text;
      case 'resource':
        return 'text' in block.resource ? String(block.resource.text) : `[resource ${block.resource.uri}]`;
      case 'resource_link':
        return `[resource ${block.uri}]`;
      default:
        return `[${block.type} content, ${'mimeType' in block ? String(block.mimeType) : 'binary'}]`;
    }
  });
  if (parts.length === 0 && result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  return parts.join('\n').trim();
}
