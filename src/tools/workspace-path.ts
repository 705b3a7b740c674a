import { constants } from 'node:fs';
import { lstat, mkdir, open, readlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { asToolError } from './fs-errors.js';
import { ToolError } from './types.js';

/**
 * The one place a path the LLM gave becomes an open file or directory inside the workspace.
 *
 * Checking a path and then opening it by name is a race: between the two, another process can swap a directory on
 * the way for a symlink to somewhere else. So nothing here opens a path by name from the root. The workspace is
 * opened once; every further component is opened relative to the directory already open (through
 * /proc/self/fd/N/name, which is openat(2) for Node), without following a symlink (O_NOFOLLOW). A symlink met on the
 * way is read and followed only if its target is inside the workspace, by walking again from the workspace. Finally
 * the real path of what was opened — the kernel's answer for the descriptor, not a name — must be inside the
 * workspace. Linux only (it needs /proc/self/fd).
 */

const FOLLOW_LIMIT = 40;
const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = constants;

/** An open directory and its real path, as the kernel reports it for the descriptor. */
export interface OpenDirectory {
  handle: FileHandle;
  real: string;
}

/** The open workspace, and every descriptor opened from it for one call: all closed together by `Located.close`. */
interface Root extends OpenDirectory {
  opened: FileHandle[];
}

function track(root: Root, handle: FileHandle): FileHandle {
  root.opened.push(handle);
  return handle;
}

async function closeAll(root: Root): Promise<void> {
  // Closing a handle twice is harmless here: some were closed early, as the walk moved on.
  await Promise.all(root.opened.map((handle) => handle.close().catch(() => undefined)));
}

/** The path through which the entry `name` of an open directory is reached: openat(dir, name) for Node. */
export function entryPath(dir: OpenDirectory, name: string): string {
  return `/proc/self/fd/${dir.handle.fd}/${name}`;
}

/** The real path of an open descriptor. */
async function realPathOf(handle: FileHandle): Promise<string> {
  return readlink(`/proc/self/fd/${handle.fd}`);
}

/** Where the final component lives: its directory (open, verified inside) and its name ("" for the workspace). */
export interface Located {
  root: Root;
  dir: OpenDirectory;
  name: string;
  /** The entry relative to the workspace, for messages ("" for the workspace itself). */
  relative: string;
  /** Closes every descriptor the call opened, the entry's handle from `openEntry` included. */
  close(): Promise<void>;
}

/**
 * Opens the directory that holds `requested` (creating missing directories if `create`), following only symlinks
 * that stay inside. The caller opens the final component with `openEntry`, which follows the same rules.
 */
export async function locate(workspace: string, requested: string, options: { create?: boolean } = {}): Promise<Located> {
  const root = await openRoot(workspace, requested);
  try {
    const lexical = lexicalRelative(root.real, workspace, requested);
    return await walkToParent(root, lexical, requested, options.create ?? false, 0);
  } catch (error) {
    await closeAll(root);
    throw error;
  }
}

/**
 * Opens the final component of a located path with `flags` (never following a symlink there; a symlink inside the
 * workspace is followed by locating its target again). Returns the handle, verified to be inside the workspace,
 * and the location it was opened in; the caller closes that (which closes the handle too), also after a failure.
 */
export async function openEntry(
  located: Located,
  requested: string,
  flags: number,
  options: { create?: boolean; follows?: number } = {},
): Promise<{ handle: FileHandle; at: Located }> {
  if (located.name === '') return { handle: await reopen(located.root, located.dir), at: located };
  try {
    const handle = track(located.root, await open(entryPath(located.dir, located.name), flags | O_NOFOLLOW | O_NONBLOCK));
    await verifyInside(located.root, handle, requested);
    return { handle, at: located };
  } catch (error) {
    // A symlink there: ELOOP, or ENOTDIR when a directory was asked for.
    const code = (error as NodeJS.ErrnoException).code;
    const link = code === 'ELOOP' || (code === 'ENOTDIR' && (await isSymlink(entryPath(located.dir, located.name))));
    if (!link) throw asToolError(error, requested);
  }
  const target = await linkTarget(located, requested);
  const follows = (options.follows ?? 0) + 1;
  if (follows > FOLLOW_LIMIT) throw new ToolError(`${requested}: too many levels of symbolic links`);
  const next = await walkToParent(located.root, target, requested, options.create ?? false, follows);
  return openEntry(next, requested, flags, { ...options, follows });
}

/** A symlink's target relative to the workspace, or the refusal if it leads outside. */
export async function linkTarget(located: Located, requested: string): Promise<string> {
  const text = await readlink(entryPath(located.dir, located.name)).catch((error: unknown) => {
    // EINVAL: no longer a symlink — another process is changing the path right now.
    if ((error as NodeJS.ErrnoException).code === 'EINVAL') throw new ToolError(`${requested}: changed while it was being opened`);
    throw asToolError(error, requested);
  });
  const target = path.resolve(located.dir.real, text);
  if (!isInside(located.root.real, target)) throw escapes(requested);
  return path.relative(located.root.real, target);
}

/** Throws unless the open descriptor's real path is inside the workspace. */
export async function verifyInside(root: OpenDirectory, handle: FileHandle, requested: string): Promise<string> {
  const real = await realPathOf(handle);
  if (!isInside(root.real, real)) throw escapes(requested);
  return real;
}

export function relativeTo(root: OpenDirectory, real: string): string {
  return path.relative(root.real, real);
}

async function openRoot(workspace: string, requested: string): Promise<Root> {
  // fs calls throw a TypeError (a crash) on NUL bytes; the LLM should hear about it instead.
  if (requested.includes('\0')) throw new ToolError(`path contains a NUL byte: ${JSON.stringify(requested)}`);
  const handle = await open(workspace, O_RDONLY | O_DIRECTORY);
  try {
    return { handle, real: await realPathOf(handle), opened: [handle] };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * `requested` relative to the workspace, refused before the file system is asked anything if it climbs out with
 * `..` or is absolute elsewhere (the answer would otherwise tell whether a file outside exists).
 */
function lexicalRelative(realRoot: string, workspace: string, requested: string): string {
  const root = path.resolve(workspace);
  const target = path.resolve(root, requested);
  if (isInside(root, target)) return path.relative(root, target);
  // An absolute path may name the workspace by its real path (a workspace under a symlinked /tmp).
  if (path.isAbsolute(requested) && isInside(realRoot, target)) return path.relative(realRoot, target);
  throw escapes(requested);
}

export async function walkToParent(root: Root, relative: string, requested: string, create: boolean, follows: number): Promise<Located> {
  const components = relative.split(path.sep).filter((c) => c !== '' && c !== '.');
  const name = components.pop() ?? '';
  let dir: OpenDirectory = root;
  for (let i = 0; i < components.length; i++) {
    const next = await openSubdirectory(root, dir, components[i]!, requested, create);
    if (typeof next === 'string') {
      // A symlink inside the workspace: walk again from the workspace to its target, then on.
      if (follows + 1 > FOLLOW_LIMIT) throw new ToolError(`${requested}: too many levels of symbolic links`);
      const rest = path.join(next, ...components.slice(i + 1), name);
      return walkToParent(root, rest, requested, create, follows + 1);
    }
    if (dir !== root) await dir.handle.close();
    dir = next;
  }
  return { root, dir, name, relative: path.relative(root.real, path.join(dir.real, name)), close: () => closeAll(root) };
}

/** Opens `name` in `dir` as a directory; a symlink comes back as its target relative to the workspace. */
async function openSubdirectory(root: Root, dir: OpenDirectory, name: string, requested: string, create: boolean): Promise<OpenDirectory | string> {
  const at = entryPath(dir, name);
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = track(root, await open(at, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
      return { handle, real: await verifyInside(root, handle, requested) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP' || (code === 'ENOTDIR' && (await isSymlink(at)))) {
        return linkTarget({ root, dir, name, relative: '', close: () => closeAll(root) }, requested);
      }
      if (code === 'ENOENT' && create && attempt === 0) {
        await mkdir(at).catch((e: unknown) => {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw asToolError(e, requested);
        });
        continue;
      }
      throw asToolError(error, requested);
    }
  }
}

async function isSymlink(at: string): Promise<boolean> {
  return lstat(at).then(
    (stats) => stats.isSymbolicLink(),
    () => false,
  );
}

/** A second descriptor on an open directory: the entry handle of a call on the directory itself. */
async function reopen(root: Root, dir: OpenDirectory): Promise<FileHandle> {
  return track(root, await open(`/proc/self/fd/${dir.handle.fd}`, O_RDONLY | O_DIRECTORY));
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

function escapes(requested: string): ToolError {
  return new ToolError(`path escapes the workspace: ${requested}`);
}
