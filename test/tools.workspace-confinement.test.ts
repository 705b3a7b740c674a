import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ToolError } from '../src/tools/types.js';
import { listFilesTool, readFileTool, writeFileTool } from '../src/tools/workspace-files.js';
import { toolContext } from './support/tool-context.js';

let root: string;
let workspace: string;
let outside: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'agentrun-tools-'));
  workspace = path.join(root, 'workspace');
  outside = path.join(root, 'outside');
  fs.mkdirSync(workspace);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const context = (outputLimit = 8192) => toolContext(workspace, { outputLimit });

describe('read_file and write_file', () => {
  it('writes a file, creating parent directories, and reads it back', async () => {
    const written = await writeFileTool.run({ path: 'notes/today/plan.md', content: 'héllo\n' }, context());
    expect(written).toBe('wrote 7 bytes to notes/today/plan.md');
    expect(fs.readFileSync(path.join(workspace, 'notes/today/plan.md'), 'utf8')).toBe('héllo\n');
    expect(await readFileTool.run({ path: 'notes/today/plan.md' }, context())).toBe('héllo\n');
  });

  it('replaces a file whole, leaves no temporary file behind and keeps its mode', async () => {
    const script = path.join(workspace, 'run.sh');
    fs.writeFileSync(script, 'old');
    fs.chmodSync(script, 0o755);
    await writeFileTool.run({ path: 'run.sh', content: 'new' }, context());
    expect(fs.readFileSync(script, 'utf8')).toBe('new');
    expect(fs.statSync(script).mode & 0o777).toBe(0o755);
    expect(fs.readdirSync(workspace)).toEqual(['run.sh']);
  });

  it('truncates a long file to the output limit', async () => {
    fs.writeFileSync(path.join(workspace, 'long.txt'), 'x'.repeat(500));
    const output = await readFileTool.run({ path: 'long.txt' }, context(100));
    expect(output).toBe(`${'x'.repeat(100)}\n[output truncated: 100 of 500 bytes shown]`);
  });

  it('reports a missing file, a directory and a missing argument as tool errors', async () => {
    await expect(readFileTool.run({ path: 'nope.txt' }, context())).rejects.toThrow(
      new ToolError('nope.txt: no such file or directory'),
    );
    fs.mkdirSync(path.join(workspace, 'dir'));
    await expect(readFileTool.run({ path: 'dir' }, context())).rejects.toThrow(/is a directory/);
    await expect(writeFileTool.run({ path: 'dir', content: 'x' }, context())).rejects.toThrow(ToolError);
    await expect(readFileTool.run({}, context())).rejects.toThrow(new ToolError('argument "path" is required and must be a string'));
    await expect(writeFileTool.run({ path: 'a.txt', content: 42 }, context())).rejects.toThrow(/"content"/);
  });

  it('refuses a path that climbs out with ..', async () => {
    await expect(readFileTool.run({ path: '../outside/secret.txt' }, context())).rejects.toThrow(
      new ToolError('path escapes the workspace: ../outside/secret.txt'),
    );
    await expect(writeFileTool.run({ path: '../outside.txt', content: 'x' }, context())).rejects.toThrow(
      new ToolError('path escapes the workspace: ../outside.txt'),
    );
    await expect(writeFileTool.run({ path: 'a/../../outside.txt', content: 'x' }, context())).rejects.toThrow(ToolError);
    // Not "no such file": that answer would tell which files exist outside.
    await expect(readFileTool.run({ path: '../does-not-exist.txt' }, context())).rejects.toThrow(
      new ToolError('path escapes the workspace: ../does-not-exist.txt'),
    );
    expect(fs.existsSync(path.join(root, 'outside.txt'))).toBe(false);
  });

  it('refuses an absolute path outside the workspace but accepts one inside it', async () => {
    await expect(readFileTool.run({ path: '/etc/passwd' }, context())).rejects.toThrow(
      new ToolError('path escapes the workspace: /etc/passwd'),
    );
    await expect(writeFileTool.run({ path: path.join(outside, 'x.txt'), content: 'x' }, context())).rejects.toThrow(
      /escapes the workspace/,
    );
    await writeFileTool.run({ path: path.join(workspace, 'inside.txt'), content: 'ok' }, context());
    expect(await readFileTool.run({ path: 'inside.txt' }, context())).toBe('ok');
  });

  it('refuses a symlinked file that points outside, for reading and for writing', async () => {
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(workspace, 'link.txt'));
    await expect(readFileTool.run({ path: 'link.txt' }, context())).rejects.toThrow(
      new ToolError('path escapes the workspace: link.txt'),
    );
    await expect(writeFileTool.run({ path: 'link.txt', content: 'overwritten' }, context())).rejects.toThrow(
      /escapes the workspace/,
    );
    expect(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('secret');
  });

  it('refuses a path through a symlinked directory that points outside, and creates nothing there', async () => {
    fs.symlinkSync(outside, path.join(workspace, 'escape'));
    await expect(readFileTool.run({ path: 'escape/secret.txt' }, context())).rejects.toThrow(/escapes the workspace/);
    await expect(writeFileTool.run({ path: 'escape/new.txt', content: 'x' }, context())).rejects.toThrow(
      /escapes the workspace/,
    );
    await expect(writeFileTool.run({ path: 'escape/deep/new.txt', content: 'x' }, context())).rejects.toThrow(
      /escapes the workspace/,
    );
    await expect(listFilesTool.run({ path: 'escape' }, context())).rejects.toThrow(/escapes the workspace/);
    expect(fs.readdirSync(outside)).toEqual(['secret.txt']);
  });

  it('replaces a dangling symlink instead of writing through it', async () => {
    const target = path.join(outside, 'created-by-symlink.txt');
    fs.symlinkSync(target, path.join(workspace, 'dangling.txt'));
    await writeFileTool.run({ path: 'dangling.txt', content: 'x' }, context());
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.lstatSync(path.join(workspace, 'dangling.txt')).isFile()).toBe(true);
  });

  it('follows a symlink that stays inside the workspace', async () => {
    fs.mkdirSync(path.join(workspace, 'real'));
    fs.symlinkSync(path.join(workspace, 'real'), path.join(workspace, 'alias'));
    await writeFileTool.run({ path: 'alias/file.txt', content: 'via alias' }, context());
    expect(fs.readFileSync(path.join(workspace, 'real/file.txt'), 'utf8')).toBe('via alias');
    expect(await readFileTool.run({ path: 'alias/file.txt' }, context())).toBe('via alias');
  });

  it('refuses a path with a NUL byte as a tool error', async () => {
    await expect(readFileTool.run({ path: 'a\0b' }, context())).rejects.toThrow(ToolError);
  });
});

describe('list_files', () => {
  beforeEach(() => {
    fs.mkdirSync(path.join(workspace, 'src/lib'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'src/lib/util.ts'), '');
    fs.writeFileSync(path.join(workspace, 'src/main.ts'), '');
    fs.writeFileSync(path.join(workspace, 'README.md'), '');
    fs.symlinkSync(outside, path.join(workspace, 'zlink'));
  });

  it('lists the workspace sorted, directories marked with "/", symlinks not followed', async () => {
    expect(await listFilesTool.run({}, context())).toBe(['README.md', 'src/', 'zlink'].join('\n'));
  });

  it('lists recursively with paths relative to the workspace', async () => {
    expect(await listFilesTool.run({ path: 'src', recursive: true }, context())).toBe(
      ['src/lib/', 'src/lib/util.ts', 'src/main.ts'].join('\n'),
    );
    const everything = await listFilesTool.run({ recursive: true }, context());
    expect(everything).not.toContain('secret.txt');
  });

  it('stops a huge listing and says so', async () => {
    const many = path.join(workspace, 'many');
    fs.mkdirSync(many);
    for (let i = 0; i < 1100; i++) fs.writeFileSync(path.join(many, `f${String(i).padStart(4, '0')}`), '');
    const lines = (await listFilesTool.run({ path: 'many' }, context(1_000_000))).split('\n');
    expect(lines).toHaveLength(1001);
    expect(lines[0]).toBe('many/f0000');
    expect(lines[1000]).toBe('[listing stopped after 1000 entries]');
  });

  it('reports an empty directory, a file and bad arguments', async () => {
    fs.mkdirSync(path.join(workspace, 'empty'));
    expect(await listFilesTool.run({ path: 'empty' }, context())).toBe('(empty directory)');
    await expect(listFilesTool.run({ path: 'README.md' }, context())).rejects.toThrow(/not a directory/);
    await expect(listFilesTool.run({ path: '..' }, context())).rejects.toThrow(/escapes the workspace/);
    await expect(listFilesTool.run({ recursive: 'yes' }, context())).rejects.toThrow(/"recursive"/);
  });
});
