import { mkdir, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { optionalBoolean, optionalString, requiredString } from './arguments.js';
import { writeFileAtomically } from './atomic-write.js';
import { asToolError } from './fs-errors.js';
import { truncateOutput } from './truncate.js';
import { ToolError, type Tool } from './types.js';
import { confine, resolveExistingPath, resolveWritePath } from './workspace-path.js';

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
    const file = await resolveExistingPath(ctx.workspace, requested);
    try {
      const stats = await stat(file.real);
      if (stats.isDirectory()) throw new ToolError(`${requested}: is a directory (use list_files)`);
      // A FIFO or device would block or never end.
      if (!stats.isFile()) throw new ToolError(`${requested}: not a regular file`);
      if (stats.size > Math.max(MAX_READ_BYTES, ctx.outputLimit)) {
        throw new ToolError(`${requested}: file is too large to read (${stats.size} bytes)`);
      }
      return truncateOutput(await readFile(file.real, { encoding: 'utf8', signal: ctx.signal }), ctx.outputLimit);
    } catch (error) {
      throw asToolError(error, requested);
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
    const directory = await resolveExistingPath(ctx.workspace, requested);
    const lines: string[] = [];
    try {
      await listInto(lines, directory.real, directory.relative, recursive);
    } catch (error) {
      throw asToolError(error, requested);
    }
    if (lines.length === 0) return '(empty directory)';
    if (lines.length > MAX_LIST_ENTRIES) {
      lines.splice(MAX_LIST_ENTRIES, Infinity, `[listing stopped after ${MAX_LIST_ENTRIES} entries]`);
    }
    return truncateOutput(lines.join('\n'), ctx.outputLimit);
  },
};

/**
 * Appends the entries of `directory` to `lines`, sorted, depth first, stopping once there are more than
 * MAX_LIST_ENTRIES. Symlinks are listed but never followed, so the walk cannot leave the workspace.
 */
async function listInto(lines: string[], directory: string, relative: string, recursive: boolean): Promise<void> {
  const entries = await readdir(directory, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (lines.length > MAX_LIST_ENTRIES) return;
    const entryPath = relative === '' ? entry.name : `${relative}/${entry.name}`;
    lines.push(entry.isDirectory() ? `${entryPath}/` : entryPath);
    if (recursive && entry.isDirectory()) await listInto(lines, path.join(directory, entry.name), entryPath, recursive);
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
    const file = await resolveWritePath(ctx.workspace, requested);
    try {
      const directory = path.dirname(file.real);
      await mkdir(directory, { recursive: true });
      // Re-check what was actually created, in case the tree changed since the path was resolved.
      confine(await realpath(ctx.workspace), await realpath(directory), requested);
      await writeFileAtomically(file.real, content);
    } catch (error) {
      throw asToolError(error, requested);
    }
    return truncateOutput(`wrote ${Buffer.byteLength(content, 'utf8')} bytes to ${file.relative}`, ctx.outputLimit);
  },
};
