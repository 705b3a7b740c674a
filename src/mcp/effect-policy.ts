import type { McpCheck, McpServerConfig } from './config.js';

/** What the effects journal does with a call of this tool whose outcome a crash (or a lost answer) left unknown. */
export interface McpEffectPolicy {
  idempotent: boolean;
  approve: boolean;
  check?: McpCheck;
  /** One line for people (`agentrun mcp list`, inspect): the semantics and where they came from. */
  semantics: string;
}

/**
 * In this order: the task file's per-tool override; then the server's readOnlyHint / idempotentHint, only if the task
 * trusts the server (the MCP specification says annotations of untrusted servers must not drive decisions); else
 * non-idempotent, so an unknown outcome waits for a check or a person.
 */
export function effectPolicy(config: McpServerConfig, tool: string, annotations: { readOnlyHint?: boolean; idempotentHint?: boolean } | undefined): McpEffectPolicy {
  const override = config.effects[tool] ?? {};
  const approve = override.approve ?? false;
  const then = approve ? '; a person approves each call (task file)' : '';
  if (override.idempotent !== undefined) {
    if (override.idempotent) return { idempotent: true, approve, semantics: `idempotent: repeated after a crash (task file)${then}` };
    if (override.check === undefined) return { idempotent: false, approve, semantics: `not idempotent: after a crash a person decides (task file)${then}` };
  }
  if (override.check !== undefined) {
    return { idempotent: false, approve, check: override.check, semantics: `not idempotent: after a crash ${describeCheck(override.check)} decides (task file)${then}` };
  }
  if (config.trusted && annotations?.readOnlyHint === true) return { idempotent: true, approve, semantics: `idempotent: read-only (readOnlyHint, trusted server)${then}` };
  if (config.trusted && annotations?.idempotentHint === true) return { idempotent: true, approve, semantics: `idempotent: repeated after a crash (idempotentHint, trusted server)${then}` };
  const why = config.trusted ? 'no readOnlyHint/idempotentHint' : annotations?.readOnlyHint || annotations?.idempotentHint ? 'its hints are ignored: server not trusted' : 'default';
  return { idempotent: false, approve, semantics: `not idempotent: after a crash a person decides (${why})${then}` };
}

function describeCheck(check: McpCheck): string {
  return typeof check === 'string' ? `the check command` : `the check tool ${check.tool}`;
}
