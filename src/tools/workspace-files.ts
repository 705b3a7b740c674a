import { constants } from 'node:fs';
import { lstat, open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { optionalBoolean, optionalString, requiredString } from './arguments.js';
import { writeFileAtomically } from './atomic-write.js';
import { asToolError } from './fs-errors.js';
import { truncateOutput } from './truncate.js';
import { ToolError, type Tool } from './types.js';
import { entryPath, linkTarget, locate, openEntry, relativeTo, verifyInside, walkToParent, type Located } from './workspace-path.js';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = constants;

/** Files above this are refused rather than read whole into memory only to show their first few KB. */
const MAX_READ_BYTES = 16 * 1024 * 1024;
/** A recursive listing of a large tree (node_modules, .git) would be useless to the LLM and slow to build. */
const MAX_LIST_ENTRIES = 1000;

export const readFileTool: Tool = {
  name: 'read_file',
  description: 'Read a UTF-8 text file in the workspace. The path is relative to the workspace.',
  parameters: {
    type: 'object',
    properties: { path: { type: 'string', description: 'File path relative to the workspace' } },
    required: ['path'],
    additionalProperties: false,
  },
  idempotent: true,
  approve: false,
  async run(args, ctx) {
    const requested = requiredString(args, 'path');
    const located = await locate(ctx.workspace, requested);
    try {
      const { handle } = await openEntry(located, requested, O_RDONLY);
      // Checked on the descriptor that was opened (and verified to be inside), not on the name.
      const stats = await handle.stat();
      if (stats.isDirectory()) throw new ToolError(`${requested}: is a directory (use list_files)`);
      // A FIFO or device would block or never end.
      if (!stats.isFile()) throw new ToolError(`${requested}: not a regular file`);
      if (stats.size > Math.max(MAX_READ_BYTES, ctx.outputLimit)) {
        throw new ToolError(`${requested}: file is too large to read (${stats.size} bytes)`);
      }
      return truncateOutput(await handle.readFile({ encoding: 'utf8', signal: ctx.signal }), ctx.outputLimit);
    } catch (error) {
      throw asToolError(error, requested);
    } finally {
      await located.close();
    }
  },
};

export const listFilesTool: Tool = {
  name: 'list_files',
  description:
    'List a directory in the workspace, one entry per line, directories ending in "/". ' +
    'Paths are relative to the workspace, ready for read_file. Symlinked directories are not descended into.',
  parameters: {
    type: 'object',
    properties: {
      path: { type: 'string', description: 'Directory relative to the workspace (default ".")' },
      recursive: { type: 'boolean', description: 'Include everything below it (default false)' },
    },
    additionalProperties: false,
  },
  idempotent: true,
  approve: false,
  async run(args, ctx) {
    const requested = optionalString(args, 'path', '.');
    const recursive = optionalBoolean(args, 'recursive', false);
    const located = await locate(ctx.workspace, requested);
    const lines: string[] = [];
    try {
      const { handle, at } = await openEntry(located, requested, O_RDONLY | O_DIRECTORY);
      const relative = relativeTo(at.root, await verifyInside(at.root, handle, requested));
      await listInto(lines, handle, relative, recursive);
    } catch (error) {
      throw asToolError(error, requested);
    } finally {
      await located.close();
    }
    if (lines.length === 0) return '(empty directory)';
    if (lines.length > MAX_LIST_ENTRIES) {
      lines.splice(MAX_LIST_ENTRIES, Infinity, `[listing stopped after ${MAX_LIST_ENTRIES} entries]`);
    }
    return truncateOutput(lines.join('\n'), ctx.outputLimit);
  },
};

/**
 * Appends the entries of an open directory to `lines`, sorted, depth first, stopping once there are more than
 * MAX_LIST_ENTRIES. Symlinks are listed but never followed, and each subdirectory is opened from its parent's
 * descriptor without following links, so the walk cannot leave the workspace.
 */
async function listInto(lines: string[], directory: FileHandle, relative: string, recursive: boolean): Promise<void> {
  const entries = await readdir(`/proc/self/fd/${directory.fd}`, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (lines.length > MAX_LIST_ENTRIES) return;
    const entryRelative = relative === '' ? entry.name : `${relative}/${entry.name}`;
    lines.push(entry.isDirectory() ? `${entryRelative}/` : entryRelative);
    if (!recursive || !entry.isDirectory()) continue;
    const child = await open(`/proc/self/fd/${directory.fd}/${entry.name}`, O_RDONLY | O_DIRECTORY | O_NOFOLLOW).catch(() => undefined);
    // Gone or replaced by a symlink since it was listed: nothing to descend into.
    if (!child) continue;
    try {
      await listInto(lines, child, entryRelative, recursive);
    } finally {
      await child.close();
    }
  }
}

export const writeFileTool: Tool = {
  name: 'write_file',
  description:
    'Create or replace a UTF-8 text file in the workspace with the given content, creating parent directories. ' +
    'The path is relative to the workspace.',
  parameters: {
    type: 'object',
    properties: {
      path: { type: 'string', description: 'File path relative to the workspace' },
      content: { type: 'string', description: 'The complete new content of the file' },
    },
    required: ['path', 'content'],
    additionalProperties: false,
  },
  idempotent: true,
  approve: false,
  async run(args, ctx) {
    const requested = requiredString(args, 'path');
    const content = requiredString(args, 'content');
    let at = await locate(ctx.workspace, requested, { create: true });
    try {
      const mode = await followToWritable(at, requested, (next) => (at = next));
      await writeFileAtomically(at.dir, at.name, content, mode, async () => {
        // The directory was verified when it was opened; it must still be inside when the file appears in it.
        await verifyInside(at.root, at.dir.handle, requested);
      });
    } catch (error) {
      throw asToolError(error, requested);
    } finally {
      await at.close();
    }
    return truncateOutput(`wrote ${Buffer.byteLength(content, 'utf8')} bytes to ${at.relative}`, ctx.outputLimit);
  },
};

/**
 * Settles what a write to the located name replaces, following a symlink there only while it leads to an existing
 * entry inside the workspace (a dangling one is replaced itself). Returns the mode of the file being replaced.
 */
async function followToWritable(start: Located, requested: string, moved: (next: Located) => void): Promise<number | undefined> {
  let at = start;
  for (let follows = 0; ; follows++) {
    if (at.name === '') throw new ToolError(`${requested}: is a directory`);
    const entry = entryPath(at.dir, at.name);
    const stats = await lstat(entry).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    });
    if (!stats) return undefined;
    if (stats.isDirectory()) throw new ToolError(`${requested}: is a directory`);
    if (!stats.isSymbolicLink()) return stats.mode & 0o7777;
    const dangling = await stat(entry).then(
      () => false,
      () => true,
    );
    if (dangling) return undefined;
    if (follows >= 40) throw new ToolError(`${requested}: too many levels of symbolic links`);
    const target = await linkTarget(at, requested);
    at = await walkToParent(at.root, target, requested, true, follows + 1);
    moved(at);
  }
}
