/**
 * The gate a journaled command or an MCP server waits behind: a shell that reads one line from fd 3 — written only
 * once its process group is durably recorded — then closes it and becomes `argv`. If agentrun dies or refuses first,
 * fd 3 reaches end-of-file (or the group is killed) and `argv` never begins. Spawn `sh` with these arguments, fd 3 a
 * pipe, `detached` (its own process group).
 */
export function gatedShellArgs(argv: readonly string[]): string[] {
  return ['-c', 'read -r _ <&3 || exit 125; exec 3<&-; exec "$@"', 'agentrun-gate', ...argv];
}

/** Signals every process of the group `pid` leads; a group already gone is no error. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
