import path from 'node:path';
import envPaths from 'env-paths';

export interface DbLocation {
  /** A `postgres://` URL or an absolute SQLite file path. */
  location: string;
  /** The default location: its directory is created when missing; a path the user typed never is. */
  isDefault: boolean;
}

/** `--db`, else `AGENTRUN_DB`, else agentrun.db in the user's data directory (XDG on Linux). */
export function resolveDbLocation(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): DbLocation {
  const chosen = flag ?? env.AGENTRUN_DB;
  if (chosen) return { location: /^postgres(ql)?:\/\//.test(chosen) ? chosen : path.resolve(chosen), isDefault: false };
  return { location: path.join(envPaths('agentrun', { suffix: '' }).data, 'agentrun.db'), isDefault: true };
}
