import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli, type CliOptions, type CliResult } from './support/cli.js';
import { tempDir } from './support/temp-dir.js';

/**
 * Hostile and broken input, each fed to the built CLI: one line on stderr, exit 2, and the database as it was.
 * Bounded memory: the child gets a 128 MB heap, so input that is read or expanded without limit crashes it (exit
 * 134) instead of passing. Bounded time: a child still running after a minute is killed, which fails the case.
 */
const HEAP_MB = 128;
const KILL_AFTER_MS = 60_000;
const MAX_STDERR_BYTES = 1000;

async function runBounded(args: string[], options: CliOptions): Promise<CliResult> {
  const env = { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}`, ...options.env };
  const { child, done } = spawnCli(args, { ...options, env });
  const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
  try {
    return await done;
  } finally {
    clearTimeout(killer);
  }
}

/** A billion laughs: 9 levels of 9 aliases each, 387 million strings when expanded. */
const ALIAS_BOMB = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  .concat('bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`))
  .concat('goal: laugh')
  .join('\n');

interface Case {
  name: string;
  /** Files to write into the case's directory before running. */
  files?: Record<string, string | Buffer>;
  args: string[];
  env?: Record<string, string>;
  /** Use this database path instead of the populated one (for unusable paths); relative to the case directory. */
  db?: string;
  /** Run as an ordinary user (root may write anywhere). */
  asUser?: boolean;
  message: RegExp;
}

const binary = () => readFileSync(process.execPath).subarray(0, 512 * 1024);
const cases: Case[] = [
  { name: 'a YAML alias bomb', files: { 'bomb.yaml': ALIAS_BOMB }, args: ['start', '--task', 'bomb.yaml'], message: /^bomb\.yaml: invalid YAML: its aliases .* expand to too many nodes/ },
  { name: 'a binary file as the task file', files: { 'task.yaml': binary() }, args: ['start', '--task', 'task.yaml'], message: /^task file task\.yaml is not a text file \(a NUL byte on line \d+\)$/ },
  {
    name: 'a task file that is not UTF-8',
    files: { 'latin1.yaml': Buffer.from('goal: "caf\xe9 au lait"\nplan:\n  - { name: a, run: "true" }\n', 'latin1') },
    args: ['start', '--task', 'latin1.yaml'],
    message: /^task file latin1\.yaml is not UTF-8 text \(an invalid byte on line 1\); save it as UTF-8$/,
  },
  { name: 'a 50 MB task file', files: { 'huge.yaml': `goal: ${'x'.repeat(50 * 1024 * 1024)}\n` }, args: ['start', '--task', 'huge.yaml'], message: /^task file huge\.yaml is larger than the limit of 1 MiB$/ },
  {
    name: 'a goal over the limit in a task file',
    files: { 'long.yaml': `goal: ${'x'.repeat(200_000)}\nplan:\n  - { name: a, run: "true" }\n` },
    args: ['start', '--task', 'long.yaml'],
    message: /^long\.yaml: goal: longer than the limit of 100000 characters$/,
  },
  { name: 'a goal over the limit on the command line', args: ['start', 'y'.repeat(120_000)], env: { OPENAI_BASE_URL: 'http://127.0.0.1:9' }, message: /^command line: goal: longer than the limit of 100000 characters$/ },
  { name: 'resume --all --concurrency 100000000', args: ['resume', '--all', '--concurrency', '100000000'], message: /^--concurrency must be a whole number from 1 to 64, got "100000000"$/ },
  { name: 'start --on with a 30,000-character command', args: ['start', 'say hi', '--on', `completed=${'x'.repeat(30_000)}`], env: { OPENAI_BASE_URL: 'http://127.0.0.1:9' }, message: /^--on completed: longer than the limit of 20000 characters$/ },
  { name: 'worker --concurrency 100000000', args: ['worker', '--concurrency', '100000000'], message: /^--concurrency must be a whole number from 1 to 64, got "100000000"$/ },
  { name: 'worker --queue of 5,000 characters', args: ['worker', '--queue', 'q'.repeat(5000)], message: /^invalid queue name "q{80}"… \(5000 characters\): use letters/ },
  { name: 'queue --limit 0', args: ['queue', 'q', '--limit', '0'], message: /^--limit must be a whole number from 1 to 2147483647, got "0"$/ },
  { name: 'OPENAI_BASE_URL not a URL', args: ['start', 'say hello'], env: { OPENAI_BASE_URL: 'not a url' }, message: /^OPENAI_BASE_URL is not an http:\/\/ or https:\/\/ URL: "not a url"$/ },
  { name: 'OPENAI_BASE_URL a broken URL', args: ['start', 'say hello'], env: { OPENAI_BASE_URL: 'http://[::1' }, message: /^OPENAI_BASE_URL is not an http:\/\/ or https:\/\/ URL: "http:\/\/\[::1"$/ },
  { name: '--db under /proc', args: ['status'], db: '/proc/x.db', message: /^cannot use \/proc\/x\.db as the database: a file cannot be created there/ },
  { name: '--db under a regular file', files: { afile: 'notes' }, args: ['status'], db: 'afile/x.db', message: /^cannot use .*\/afile\/x\.db as the database: a part of the path is a file, not a directory/ },
  { name: '--db in a directory that does not exist (a typo)', files: { 'x.yaml': 'goal: x\nplan:\n  - { name: a, run: "true" }\n' }, args: ['start', '--task', 'x.yaml'], db: 'tpyo/x.db', message: /^cannot use .*\/tpyo\/x\.db as the database: the directory .*\/tpyo does not exist/ },
  { name: '--db in a directory the user may not write', args: ['status'], db: 'locked/x.db', asUser: true, message: /^cannot use .*\/locked\/x\.db as the database: permission denied/ },
];

describe('hostile and broken input: one line, exit 2, bounded, the database unchanged', () => {
  let populated: string;
  beforeAll(async () => {
    // A database with one finished task in it, copied for each case and compared byte for byte afterwards.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agentrun-test-'));
    populated = path.join(dir, 'agentrun.db');
    writeFileSync(path.join(dir, 'ok.yaml'), 'goal: a finished task\nplan:\n  - { name: a, run: "echo done" }\n');
    const result = await runCli(['start', '--task', 'ok.yaml', '--db', populated], { cwd: dir });
    expect(result.code).toBe(0);
  });
  afterAll(() => rmSync(path.dirname(populated), { recursive: true, force: true }));

  for (const c of cases) {
    it(c.name, async () => {
      const dir = tempDir();
      for (const [name, content] of Object.entries(c.files ?? {})) writeFileSync(path.join(dir, name), content);
      const db = path.join(dir, 'agentrun.db');
      copyFileSync(populated, db);
      let user: CliOptions['user'];
      if (c.asUser) {
        mkdirSync(path.join(dir, 'locked'), { mode: 0o555 });
        chmodSync(dir, 0o755);
        if (process.getuid?.() === 0) user = { uid: 65534, gid: 65534 };
      }
      const before = readFileSync(db);
      const listing = readdirSync(dir).sort();
      const result = await runBounded([...c.args, '--db', c.db ?? db], { cwd: dir, env: c.env, user });

      expect(result.signal, 'killed: over the time or memory bound').toBeNull();
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(Buffer.byteLength(result.stderr)).toBeLessThan(MAX_STDERR_BYTES);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines, result.stderr).toHaveLength(1);
      expect(lines[0]!.startsWith('agentrun: ')).toBe(true);
      expect(lines[0]!.slice('agentrun: '.length)).toMatch(c.message);
      expect(readFileSync(db).equals(before), 'the database changed').toBe(true);
      expect(readdirSync(dir).sort(), 'a file or directory was created').toEqual(listing);
      if (c.db && !path.isAbsolute(c.db)) expect(existsSync(path.join(dir, c.db))).toBe(false);
    });
  }
});

describe('an MCP config file (mcp list --mcp-config): read as boundedly as a task file', () => {
  it('a binary file, and one without servers: one line each, exit 2, naming the file', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'bin.mcp.json'), Buffer.from([0, 1, 2]));
    writeFileSync(path.join(dir, 'empty.mcp.json'), '{"mcpServers":{}}');
    const cases: [string, RegExp][] = [
      ['bin.mcp.json', /^agentrun: MCP config bin\.mcp\.json is not a text file \(a NUL byte on line 1\)$/],
      ['empty.mcp.json', /^agentrun: empty\.mcp\.json has no mcp: servers$/],
    ];
    for (const [file, message] of cases) {
      const result = await runCli(['mcp', 'list', '--mcp-config', file], { cwd: dir });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.trim()).toMatch(message);
    }
  });
});
