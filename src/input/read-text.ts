import { closeSync, openSync, readSync } from 'node:fs';
import { UsageError } from '../errors.js';

/**
 * Reads a text file the user named, refusing before it costs memory or prints garbage: at most `maxBytes` are read
 * (a FIFO or /dev/zero never ends), and the bytes must be UTF-8 text, not a binary file and not text in another
 * encoding (whose bytes would otherwise be silently replaced by U+FFFD).
 */
export function readTextFile(file: string, maxBytes: number, what: string): string {
  const bytes = readAtMost(file, maxBytes + 1, what);
  if (bytes.length > maxBytes) throw new UsageError(`${what} ${file} is larger than the limit of ${formatBytes(maxBytes)}`);
  const nul = bytes.indexOf(0);
  if (nul !== -1) throw new UsageError(`${what} ${file} is not a text file (a NUL byte on line ${lineOf(bytes, nul)})`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const lossy = bytes.toString('utf8');
    const line = lossy.slice(0, lossy.indexOf('\ufffd')).split('\n').length;
    throw new UsageError(`${what} ${file} is not UTF-8 text (an invalid byte on line ${line}); save it as UTF-8`);
  }
}

function readAtMost(file: string, limit: number, what: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    const buffer = Buffer.alloc(Math.min(limit, 64 * 1024));
    const chunks: Buffer[] = [];
    let total = 0;
    while (total < limit) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, limit - total), null);
      if (n === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, n)));
      total += n;
    }
    return Buffer.concat(chunks, total);
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  } finally {
    closeSync(fd);
  }
}

function lineOf(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(10); i !== -1 && i < offset; i = bytes.indexOf(10, i + 1)) line++;
  return line;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${n / (1024 * 1024)} MiB` : n >= 1024 ? `${n / 1024} KiB` : `${n} bytes`;
}
