import path from 'node:path';
import envPaths from 'env-paths';

/** `--db`, else `AGENTRUN_DB`, else agentrun.db in the user's data directory (XDG on Linux). */
export function resolveDbLocation(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? env.AGENTRUN_DB;
  if (chosen) return /^postgres(ql)?:\/\//.test(chosen) ? chosen : path.resolve(chosen);
  return path.join(envPaths('agentrun', { suffix: '' }).data, 'agentrun.db');
}
