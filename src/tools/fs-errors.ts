import { ToolError } from './types.js';

/** File-system failures the LLM caused or can work around; anything else (EIO, ENOSPC, …) stays a crash. */
const EXPLAINED: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'name too long',
  ENOTEMPTY: 'directory not empty',
};

/** Turns a known file-system error about `requested` into a ToolError; returns any other error unchanged. */
export function asToolError(error: unknown, requested: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const explanation = code === undefined ? undefined : EXPLAINED[code];
  return explanation === undefined ? error : new ToolError(`${requested}: ${explanation}`);
}
