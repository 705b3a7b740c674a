import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest directory upwards holding agentrun's package.json (works from bench/ and dist-bench/). */
function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'agentrun') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('bench: cannot find the agentrun repository root');
    dir = parent;
  }
}

export const REPO_ROOT = findRepoRoot();
/** The built CLI, exactly as a user runs it. */
export const CLI = path.join(REPO_ROOT, 'bin/agentrun.js');
