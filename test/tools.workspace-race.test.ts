import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ToolError } from '../src/tools/types.js';
import { readFileTool, writeFileTool } from '../src/tools/workspace-files.js';
import { REPO_ROOT } from './support/cli.js';
import { tempDir } from './support/temp-dir.js';
import { toolContext } from './support/tool-context.js';

/**
 * The symlink-swap race: while the tools read and write `flip/…`, another process atomically exchanges `flip` (a
 * real directory inside the workspace) with a symlink to a directory outside it. A check of the path followed by
 * an open by name lets some calls through to the outside (on the old code, about 1 read in 12 and 1 write in 50);
 * opening without following links and verifying the descriptor lets none.
 */
describe('a directory swapped for a symlink to the outside while the tools use it', () => {
  it('no read returns the outside file and no write lands outside', async () => {
    const root = tempDir();
    const workspace = path.join(root, 'workspace');
    const outside = path.join(root, 'outside');
    fs.mkdirSync(path.join(workspace, 'flip'), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(workspace, 'flip', 'secret.txt'), 'inside');
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'OUTSIDE');
    fs.symlinkSync(outside, path.join(workspace, 'flop'));

    const swapper = spawn('python3', [path.join(REPO_ROOT, 'test/support/exchange-paths.py'), path.join(workspace, 'flip'), path.join(workspace, 'flop')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    onTestFinished(() => {
      swapper.kill('SIGKILL');
    });
    await new Promise<void>((resolve, reject) => {
      swapper.stdout.once('data', () => resolve());
      swapper.once('exit', (code) => reject(new Error(`the swapper exited (${code})`)));
    });

    const context = toolContext(workspace);
    const reads = { inside: 0, refused: 0, outside: 0 };
    for (let i = 0; i < 1500; i++) {
      try {
        const text = await readFileTool.run({ path: 'flip/secret.txt' }, context);
        if (text === 'OUTSIDE') reads.outside++;
        else reads.inside++;
      } catch (error) {
        if (!(error instanceof ToolError)) throw error;
        reads.refused++;
      }
    }
    let written = 0;
    for (let i = 0; i < 500; i++) {
      try {
        await writeFileTool.run({ path: `flip/written-${i}.txt`, content: 'x' }, context);
        written++;
      } catch (error) {
        if (!(error instanceof ToolError)) throw error;
      }
    }
    swapper.kill('SIGKILL');

    expect(reads.outside, JSON.stringify(reads)).toBe(0);
    expect(fs.readdirSync(outside)).toEqual(['secret.txt']);
    // The race really ran both ways: some calls met the real directory, some the symlink.
    expect(reads.inside).toBeGreaterThan(0);
    expect(reads.refused).toBeGreaterThan(0);
    expect(written).toBeGreaterThan(0);
  });
});
