import { AgentrunError, ExitCode, UsageError } from '../errors.js';

/** The `mcp:` configuration cannot be used as written (a variable that is not set, a URL that is not one). */
export class McpConfigError extends UsageError {}

/**
 * An MCP server could not be used: it would not start, spoke something other than MCP, timed out starting, or kept
 * crashing. Like an unreachable LLM, the task is interrupted and `agentrun resume` continues it once the server works.
 */
export class McpServerError extends AgentrunError {
  constructor(
    readonly server: string,
    message: string,
  ) {
    super(`mcp server "${server}": ${message}`, ExitCode.interrupted);
  }
}

/** A server lists a tool the model server would not accept (bad name clash, input schema that is not an object schema). */
export class McpToolRejectedError extends AgentrunError {
  constructor(
    readonly server: string,
    readonly tool: string,
    message: string,
  ) {
    super(`mcp server "${server}", tool "${tool}": ${message}`, ExitCode.failed);
  }
}
