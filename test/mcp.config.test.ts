import { describe, expect, it } from 'vitest';
import { McpConfigError } from '../src/mcp/errors.js';
import { effectPolicy } from '../src/mcp/effect-policy.js';
import { resolveServer } from '../src/mcp/expand.js';
import { exposedName } from '../src/mcp/tool-list.js';
import { TaskFileSchema } from '../src/task/schema.js';

/** A server entry as a task file would give it, through the real schema (defaults filled in). */
function server(entry: Record<string, unknown>) {
  return TaskFileSchema.parse({ goal: 'g', mcp: { s: entry } }).mcp!.s!;
}

describe('the effect semantics of an MCP tool', () => {
  const readOnly = { readOnlyHint: true };
  const idempotentHint = { idempotentHint: true };

  it('an untrusted server is not idempotent whatever its annotations say', () => {
    expect(effectPolicy(server({ command: 'x' }), 't', readOnly)).toMatchObject({ idempotent: false, approve: false });
    expect(effectPolicy(server({ command: 'x' }), 't', idempotentHint).semantics).toBe('not idempotent: after a crash a person decides (its hints are ignored: server not trusted)');
  });

  it("a trusted server's readOnlyHint or idempotentHint makes a tool repeatable; no hint leaves it non-idempotent", () => {
    const trusted = server({ command: 'x', trusted: true });
    expect(effectPolicy(trusted, 't', readOnly)).toMatchObject({ idempotent: true, semantics: 'idempotent: read-only (readOnlyHint, trusted server)' });
    expect(effectPolicy(trusted, 't', idempotentHint)).toMatchObject({ idempotent: true });
    expect(effectPolicy(trusted, 't', { readOnlyHint: false, idempotentHint: false })).toMatchObject({ idempotent: false });
    expect(effectPolicy(trusted, 't', undefined)).toMatchObject({ idempotent: false });
  });

  it("the task file's override comes first, both ways", () => {
    const config = server({ command: 'x', trusted: true, effects: { pay: { idempotent: false }, list: { idempotent: true }, refund: { check: { tool: 'get_refund' } }, send: { approve: true } } });
    expect(effectPolicy(config, 'pay', readOnly)).toMatchObject({ idempotent: false, semantics: 'not idempotent: after a crash a person decides (task file)' });
    expect(effectPolicy(server({ command: 'x', effects: { list: { idempotent: true } } }), 'list', undefined)).toMatchObject({ idempotent: true });
    expect(effectPolicy(config, 'refund', readOnly)).toMatchObject({ idempotent: false, check: { tool: 'get_refund' } });
    // approve adds to whatever else decides.
    expect(effectPolicy(config, 'send', readOnly)).toMatchObject({ idempotent: true, approve: true });
  });
});

describe('${VAR} expansion', () => {
  it('expands command, args, env, cwd, url and headers, with :- defaults', () => {
    const env = { TOKEN: 'sekret', BIN: '/opt/bin', EMPTY: '' };
    expect(resolveServer('gh', server({ command: '${BIN}/gh-mcp', args: ['--token=${TOKEN}', '${MISSING:-x}'], env: { A: '${EMPTY:-fallback}', B: '${EMPTY}' }, cwd: '${MISSING:-sub}' }), env)).toEqual({
      kind: 'stdio',
      command: '/opt/bin/gh-mcp',
      args: ['--token=sekret', 'x'],
      env: { A: 'fallback', B: '' },
      cwd: 'sub',
    });
    const http = resolveServer('api', server({ url: 'https://api.example/${MISSING:-mcp}', headers: { Authorization: 'Bearer ${TOKEN}' } }), env);
    expect(http).toMatchObject({ kind: 'http', headers: { Authorization: 'Bearer sekret' } });
    expect(http.kind === 'http' && http.url.href).toBe('https://api.example/mcp');
  });

  it('a variable that is not set names the server, the variable and the field', () => {
    expect(() => resolveServer('gh', server({ command: 'x', env: { GITHUB_TOKEN: '${GITHUB_TOKEN}' } }), {})).toThrow(
      new McpConfigError('mcp server "gh": environment variable GITHUB_TOKEN is not set (used in env.GITHUB_TOKEN)'),
    );
  });

  it('a url that is not http(s) is refused', () => {
    expect(() => resolveServer('s', server({ url: 'file:///etc/passwd' }), {})).toThrow('url must be http:// or https://');
  });
});

describe('tool names as the model sees them', () => {
  it('are server__tool with anything but letters, digits, _ and - replaced', () => {
    expect(exposedName('github', 'create_issue')).toBe('github__create_issue');
    expect(exposedName('my.server', 'read file/v2')).toBe('my_server__read_file_v2');
  });

  it('longer than 64 characters: cut, ending in a hash of the whole, so two long names stay apart', () => {
    const a = exposedName('server', `${'x'.repeat(70)}a`);
    const b = exposedName('server', `${'x'.repeat(70)}b`);
    expect(a).toHaveLength(64);
    expect(a).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
  });
});

describe('the mcp: section of a task file', () => {
  it('takes the .mcp.json shape and refuses a server with neither command nor url', () => {
    expect(TaskFileSchema.safeParse({ goal: 'g', mcp: { fs: { type: 'stdio', command: 'npx', args: ['-y', 'x'] } } }).success).toBe(true);
    expect(TaskFileSchema.safeParse({ goal: 'g', mcp: { api: { type: 'http', url: 'https://x/mcp', headers: { A: 'b' } } } }).success).toBe(true);
    expect(TaskFileSchema.safeParse({ goal: 'g', mcp: { fs: { args: ['x'] } } }).success).toBe(false);
    expect(TaskFileSchema.safeParse({ goal: 'g', mcp: { 'bad name!': { command: 'x' } } }).success).toBe(false);
  });
});
