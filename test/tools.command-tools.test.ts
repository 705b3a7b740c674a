import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { CommandToolSchema } from '../src/task/schema.js';
import { createCommandTool } from '../src/tools/command-tool.js';
import { ToolError, type ToolContext } from '../src/tools/types.js';
import { tempDir } from './support/temp-dir.js';
import { toolContext } from './support/tool-context.js';

let workspace: string;

beforeEach(() => {
  workspace = tempDir('agentrun-command-tools-');
});

const context = (overrides: Partial<ToolContext> = {}) =>
  toolContext(workspace, { taskId: 'task-7', step: 3, idempotencyKey: 'task-7:3:2:1', ...overrides });

/** Goes through the task-file schema, so defaults (timeout, parameters, …) are the real ones. */
function commandTool(definition: Record<string, unknown>) {
  return createCommandTool(CommandToolSchema.parse({ name: 'tool', description: 'a test tool', ...definition }));
}

describe('command tools', () => {
  it('gets its arguments as JSON on stdin and the call identity in its environment, in the workspace', async () => {
    const tool = commandTool({
      command: 'printf "%s|%s|%s|%s|" "$AGENTRUN_IDEMPOTENCY_KEY" "$AGENTRUN_TASK_ID" "$AGENTRUN_STEP" "$(pwd)"; cat',
    });
    const output = await tool.run({ to: 'ops@example.com', count: 2 }, context());
    expect(output).toBe(`task-7:3:2:1|task-7|3|${fs.realpathSync(workspace)}|{"to":"ops@example.com","count":2}`);
  });

  it('carries the definition: description, parameters, idempotent, approve', () => {
    const parameters = { type: 'object', properties: { to: { type: 'string' } }, required: ['to'] };
    const tool = commandTool({ command: 'true', parameters, idempotent: true, approve: true });
    expect(tool).toMatchObject({ name: 'tool', description: 'a test tool', parameters, idempotent: true, approve: true });
    expect(tool.check).toBeUndefined();
    expect(commandTool({ command: 'true' })).toMatchObject({ idempotent: false, approve: false });
  });

  it('returns stdout trimmed', async () => {
    expect(await commandTool({ command: 'echo; echo "  sent  "; echo' }).run({}, context())).toBe('sent');
  });

  it('fails with a ToolError carrying how it exited and its stderr', async () => {
    const tool = commandTool({ command: 'echo progress; echo "mail server said no" >&2; exit 3' });
    await expect(tool.run({}, context())).rejects.toThrow(new ToolError('tool exited with code 3:\nmail server said no'));
  });

  it('falls back to stdout when a failing command wrote nothing on stderr', async () => {
    await expect(commandTool({ command: 'echo only stdout; exit 1' }).run({}, context())).rejects.toThrow(
      new ToolError('tool exited with code 1:\nonly stdout'),
    );
  });

  it('shows the tail of a long stderr, where the reason usually is', async () => {
    const tool = commandTool({ command: 'head -c 5000 /dev/zero | tr "\\0" a >&2; echo "the real reason" >&2; exit 1' });
    const error = await tool.run({}, context({ outputLimit: 100 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    const message = (error as ToolError).message;
    // 5000 a's + "the real reason" (the trailing newline is trimmed): the last 100 bytes are kept.
    expect(message).toBe(`tool exited with code 1:\n[4915 earlier bytes not shown]\n${'a'.repeat(85)}the real reason`);
  });

  it('refuses a missing required string argument before running anything', async () => {
    const tool = commandTool({
      command: 'touch ran',
      parameters: { type: 'object', properties: { to: { type: 'string' }, n: { type: 'number' } }, required: ['to', 'n'] },
    });
    await expect(tool.run({ n: 1 }, context())).rejects.toThrow(new ToolError('argument "to" is required and must be a string'));
    await expect(tool.run({ to: 5, n: 1 }, context())).rejects.toThrow(/"to"/);
    await expect(tool.run({ to: 'x' }, context())).rejects.toThrow(new ToolError('argument "n" is required'));
    expect(fs.existsSync(path.join(workspace, 'ran'))).toBe(false);
  });

  it('kills the command (and what it started) when it runs past its timeout', async () => {
    const tool = commandTool({ command: 'sleep 30 & sleep 30; wait', timeout: 1 });
    const started = Date.now();
    await expect(tool.run({}, context())).rejects.toThrow(new ToolError('tool timed out after 1s'));
    // runCommand resolves only once every holder of the output pipes is gone, so this also proves the kill.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('stops the command and rethrows when the step is aborted', async () => {
    const controller = new AbortController();
    const run = commandTool({ command: 'sleep 30' }).run({}, context({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 200);
    await expect(run).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
  });

  it('truncates output over the limit and says so', async () => {
    const tool = commandTool({ command: 'head -c 5000 /dev/zero | tr "\\0" a' });
    expect(await tool.run({}, context({ outputLimit: 100 }))).toBe(
      `${'a'.repeat(100)}\n[output truncated: 100 of 5000 bytes shown]`,
    );
  });
});

describe('command tool checks', () => {
  // A non-idempotent tool with an exactly-once ledger: the check asks whether this call's key is in it.
  const sendAndCheck = {
    command: 'echo "$AGENTRUN_IDEMPOTENCY_KEY" >> ledger.txt; echo sent',
    check: '[ -f ledger.txt ] && grep -qx "$AGENTRUN_IDEMPOTENCY_KEY" ledger.txt && printf "already sent: " && cat',
  };

  it('reports not done (exit 1), then done with its stdout (exit 0) once the effect happened', async () => {
    const tool = commandTool(sendAndCheck);
    expect(await tool.check?.({ to: 'x' }, context())).toEqual({ done: false, output: '' });
    expect(await tool.run({ to: 'x' }, context())).toBe('sent');
    expect(await tool.check?.({ to: 'x' }, context())).toEqual({ done: true, output: 'already sent: {"to":"x"}' });
    expect(await tool.check?.({ to: 'x' }, context({ idempotencyKey: 'task-7:3:2:2' }))).toEqual({
      done: false,
      output: '',
    });
  });

  it('fails with a ToolError when the check itself fails (exit 2+)', async () => {
    const tool = commandTool({ command: 'true', check: 'echo "cannot reach ledger" >&2; exit 2' });
    await expect(tool.check?.({}, context())).rejects.toThrow(
      new ToolError('check of tool exited with code 2: cannot reach ledger'),
    );
  });

  it('times the check out like the command', async () => {
    const tool = commandTool({ command: 'true', check: 'sleep 30', timeout: 1 });
    await expect(tool.check?.({}, context())).rejects.toThrow(new ToolError('check of tool timed out after 1s'));
  });
});
