import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { entryPath, type OpenDirectory } from './workspace-path.js';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;

/**
 * Writes `content` as `name` in an open directory so that a crash leaves either the old file or the whole new one,
 * never half of it: the content goes to a temporary file created in that same directory (never following or reusing
 * an existing path), is flushed to disk, then renamed over `name` — within the directory, by its descriptor, so
 * neither step can be redirected elsewhere by a swapped path. Renaming replaces a symlink at `name` instead of
 * writing through it. `mode` keeps an overwritten file's mode, so rewriting a script keeps it executable.
 * `beforeRename` gets a last word (the workspace check) once the content is on disk.
 */
export async function writeFileAtomically(dir: OpenDirectory, name: string, content: string, mode: number | undefined, beforeRename: () => Promise<void>): Promise<void> {
  const temporary = `.${name}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(entryPath(dir, temporary), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode ?? 0o666);
    try {
      await handle.writeFile(content, 'utf8');
      if (mode !== undefined) await handle.chmod(mode); // open's mode is masked by the umask
      await handle.sync();
    } finally {
      await handle.close();
    }
    await beforeRename();
    await rename(entryPath(dir, temporary), entryPath(dir, name));
  } catch (error) {
    await unlink(entryPath(dir, temporary)).catch(() => {
      // Never created, or already renamed.
    });
    throw error;
  }
}
