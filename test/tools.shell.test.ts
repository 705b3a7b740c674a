import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { shellTool } from '../src/tools/shell.js';
import { ToolError, type ToolContext } from '../src/tools/types.js';
import { tempDir } from './support/temp-dir.js';
import { toolContext } from './support/tool-context.js';

let workspace: string;

beforeEach(() => {
  workspace = tempDir('agentrun-shell-');
});

const context = (overrides: Partial<ToolContext> = {}) => toolContext(workspace, overrides);

describe('shell', () => {
  it('is not idempotent', () => {
    expect(shellTool.idempotent).toBe(false);
  });

  it('runs in the workspace and returns how it ended with stdout', async () => {
    fs.writeFileSync(path.join(workspace, 'marker.txt'), '');
    expect(await shellTool.run({ command: 'ls' }, context())).toBe('exited with code 0\n--- stdout ---\nmarker.txt\n');
  });

  it('returns a failing command as output, with its stderr, rather than throwing', async () => {
    const output = await shellTool.run({ command: 'echo partial; echo "bad thing" >&2; exit 2' }, context());
    expect(output).toBe('exited with code 2\n--- stdout ---\npartial\n\n--- stderr ---\nbad thing\n');
  });

  it('keeps stderr visible when stdout floods, and stays within the limit', async () => {
    const output = await shellTool.run(
      { command: 'head -c 100000 /dev/zero | tr "\\0" a; echo "the error" >&2; exit 1' },
      context({ outputLimit: 1000 }),
    );
    expect(Buffer.byteLength(output)).toBeLessThanOrEqual(1000);
    expect(output).toContain('[output truncated: 400 of 100000 bytes shown]');
    expect(output).toContain('--- stderr ---\nthe error');
  });

  it('refuses a missing command', async () => {
    await expect(shellTool.run({}, context())).rejects.toThrow(ToolError);
  });

  it('kills the command and rethrows when the step is aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const run = shellTool.run({ command: 'sleep 30' }, context({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 200);
    await expect(run).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
