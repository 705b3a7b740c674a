import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes `content` to `file` so that a crash leaves either the old file or the whole new one, never half of it:
 * the content goes to a temporary file in the same directory, is flushed to disk, then renamed over `file`.
 * Renaming replaces a symlink at `file` instead of writing through it. An overwritten file keeps its mode,
 * so rewriting a script keeps it executable.
 */
export async function writeFileAtomically(file: string, content: string): Promise<void> {
  const mode = await stat(file).then(
    (existing) => existing.mode & 0o7777,
    () => undefined,
  );
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    // "wx": never reuse (or follow a symlink at) an existing path.
    const handle = await open(temporary, 'wx', mode);
    try {
      await handle.writeFile(content, 'utf8');
      if (mode !== undefined) await handle.chmod(mode); // open's mode is masked by the umask
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => {
      // Never created, or already renamed.
    });
    throw error;
  }
}
