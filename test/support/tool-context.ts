import type { ToolContext } from '../../src/tools/types.js';

/** What a tool is called with, for tool tests: a workspace, a step's identity and an 8 KB output bound. */
export function toolContext(workspace: string, overrides: Partial<ToolContext> = {}): ToolContext {
  return {
    workspace,
    taskId: 'task-1',
    step: 1,
    idempotencyKey: 'task-1:1:1:1',
    signal: new AbortController().signal,
    outputLimit: 8192,
    ...overrides,
  };
}
