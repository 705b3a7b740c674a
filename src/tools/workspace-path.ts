import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { asToolError } from './fs-errors.js';
import { ToolError } from './types.js';

/**
 * Maps a path the LLM gave to a real path inside the workspace, or refuses it. Checked twice: lexically first
 * (so `../x` and `/etc/x` are refused before the file system is asked anything, which would otherwise tell
 * whether a file outside exists), then on the real path (so a symlink anywhere on the way cannot lead outside).
 */

export interface ResolvedPath {
  /** Symlink-free absolute path, inside the real workspace. */
  real: string;
  /** `real` relative to the real workspace ("" for the workspace itself). */
  relative: string;
}

/** An entry that must exist: read or listed. */
export async function resolveExistingPath(workspace: string, requested: string): Promise<ResolvedPath> {
  const target = resolveLexically(workspace, requested);
  const realWorkspace = await realpath(workspace);
  const real = await realpath(target).catch((error: unknown) => {
    throw asToolError(error, requested);
  });
  return confine(realWorkspace, real, requested);
}

/**
 * Where a write to `requested` lands: the real path of its nearest existing ancestor plus the names below it that
 * do not exist yet. An existing target that is a symlink is followed, so it must lead inside as well.
 */
export async function resolveWritePath(workspace: string, requested: string): Promise<ResolvedPath> {
  const target = resolveLexically(workspace, requested);
  const realWorkspace = await realpath(workspace);
  const missing: string[] = [];
  let existing = target;
  let real = await realpathIfExists(existing, requested);
  // The workspace exists (realpath above), so this walk stops at it at the latest.
  while (real === undefined) {
    missing.unshift(path.basename(existing));
    existing = path.dirname(existing);
    real = await realpathIfExists(existing, requested);
  }
  return confine(realWorkspace, path.join(real, ...missing), requested);
}

/** Throws unless `real` (already symlink-free) is inside the real workspace. */
export function confine(realWorkspace: string, real: string, requested: string): ResolvedPath {
  if (!isInside(realWorkspace, real)) throw escapes(requested);
  return { real, relative: path.relative(realWorkspace, real) };
}

function resolveLexically(workspace: string, requested: string): string {
  // fs calls throw a TypeError (a crash) on NUL bytes; the LLM should hear about it instead.
  if (requested.includes('\0')) throw new ToolError(`path contains a NUL byte: ${JSON.stringify(requested)}`);
  const root = path.resolve(workspace);
  const target = path.resolve(root, requested);
  if (!isInside(root, target)) throw escapes(requested);
  return target;
}

async function realpathIfExists(target: string, requested: string): Promise<string | undefined> {
  try {
    return await realpath(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw asToolError(error, requested);
  }
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

function escapes(requested: string): ToolError {
  return new ToolError(`path escapes the workspace: ${requested}`);
}
