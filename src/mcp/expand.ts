import { McpConfigError } from './errors.js';
import { isStdio, type McpServerConfig } from './config.js';

/** Where a server is reached, with every `${VAR}` replaced: built when the server starts, never stored. */
export type ResolvedServer =
  | { kind: 'stdio'; command: string; args: string[]; env: Record<string, string>; cwd: string | undefined }
  | { kind: 'http'; url: URL; headers: Record<string, string> };

/**
 * Expands `${VAR}` and `${VAR:-default}` (as Claude Code does) in the fields that reach the server: command, args,
 * env, cwd, url, headers. The task keeps the unexpanded form, so secrets stay out of the database and exports.
 */
export function resolveServer(name: string, config: McpServerConfig, env: NodeJS.ProcessEnv = process.env): ResolvedServer {
  const expand = (text: string, field: string) =>
    text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, variable: string, fallback: string | undefined) => {
      const value = env[variable];
      if (value !== undefined && (value !== '' || fallback === undefined)) return value;
      if (fallback !== undefined) return fallback;
      throw new McpConfigError(`mcp server "${name}": environment variable ${variable} is not set (used in ${field})`);
    });
  const expandAll = (record: Record<string, string>, field: string) =>
    Object.fromEntries(Object.entries(record).map(([key, value]) => [key, expand(value, `${field}.${key}`)]));

  if (isStdio(config)) {
    return {
      kind: 'stdio',
      command: expand(config.command, 'command'),
      args: config.args.map((arg, i) => expand(arg, `args[${i}]`)),
      env: expandAll(config.env, 'env'),
      cwd: config.cwd === undefined ? undefined : expand(config.cwd, 'cwd'),
    };
  }
  const text = expand(config.url, 'url');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new McpConfigError(`mcp server "${name}": url ${JSON.stringify(text)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new McpConfigError(`mcp server "${name}": url must be http:// or https://, got ${url.protocol}`);
  return { kind: 'http', url, headers: expandAll(config.headers, 'headers') };
}
