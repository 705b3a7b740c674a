import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderStatusTable, resumeHint } from '../src/cli/actions/status.js';
import { useColour } from '../src/cli/interactive.js';
import { confirm } from '../src/cli/prompts.js';
import { plain } from '../src/cli/render/style.js';
import type { TaskRecord } from '../src/store/types.js';
import { CLI, REPO_ROOT, runCli } from './support/cli.js';
import { tempDir } from './support/temp-dir.js';

/**
 * Without a terminal (pipes, cron, CI): no prompt, no spinner, no colour, one plain line per event on stderr.
 * The terminal view itself is driven in a real pseudo-terminal in cli.terminal-tty.test.ts.
 */

const HELLO = path.join(REPO_ROOT, 'tasks/hello-offline.yaml');
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[/;
/** The helper sets NO_COLOR for every child; these tests take it away to see that no colour comes anyway. */
const COLOUR_UNSET = { NO_COLOR: undefined, FORCE_COLOR: undefined, CI: undefined };

function quickHello(dir: string): string {
  const file = path.join(dir, 'hello.yaml');
  writeFileSync(file, readFileSync(HELLO, 'utf8').replace('THINK_SECONDS: "4"', 'THINK_SECONDS: "0"'));
  return file;
}

describe('non-interactive runs (pipes, no TTY)', () => {
  for (const [name, env] of [
    ['plain pipes', COLOUR_UNSET],
    ['CI=true', { ...COLOUR_UNSET, CI: 'true' }],
  ] as const) {
    it(`${name}: start, status and inspect print no escape codes; progress is one plain line per event`, async () => {
      const dir = tempDir();
      const db = path.join(dir, 'agentrun.db');
      const started = await runCli(['start', '--task', quickHello(dir), '--id', 'plain', '--db', db], { cwd: dir, env });
      expect(started.code).toBe(0);
      expect(started.stderr).toMatch(/^\S+Z plain step 1\/4 started: greet$/m);
      expect(started.stderr).toMatch(/^\S+Z plain step 4\/4 done: /m);
      expect(started.stdout).toContain('4 report written');
      for (const result of [
        started,
        await runCli(['status', '--db', db], { cwd: dir, env }),
        await runCli(['inspect', 'plain', '--db', db], { cwd: dir, env }),
      ]) {
        expect(result.stdout).not.toMatch(ANSI);
        expect(result.stderr).not.toMatch(ANSI);
        expect(result.stderr).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
      }
    });
  }

  it('start with no goal exits 2 at once, even with stdin left open, and writes nothing', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'agentrun.db');
    // stdin stays open: a prompt would wait forever; the command must not.
    const child = spawn(process.execPath, [CLI, 'start', '--db', db], { cwd: dir, env: { ...process.env, NO_COLOR: '', CI: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.destroy();
    expect(code).toBe(2);
    expect(stderr.trim()).toBe('agentrun: what should the task do? give a goal (agentrun start "…") or --task FILE');
    expect(existsSync(db)).toBe(false);
  });

  it('resume with no id says to give one, or --all; --no-input does the same on any terminal', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'agentrun.db');
    for (const args of [['resume'], ['resume', '--no-input']]) {
      const result = await runCli([...args, '--db', db], { cwd: dir, env: COLOUR_UNSET });
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toBe('agentrun: give a task id (see `agentrun status`), or --all');
    }
    expect(existsSync(db)).toBe(false);
  });

  it('FORCE_COLOR colours a pipe; NO_COLOR and --no-color (before or after the command) always win', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'agentrun.db');
    await runCli(['start', '--task', quickHello(dir), '--id', 'c', '--db', db], { cwd: dir });
    const forced = await runCli(['status', '--db', db], { cwd: dir, env: { ...COLOUR_UNSET, FORCE_COLOR: '1' } });
    expect(forced.stdout).toMatch(ANSI);
    expect(forced.stdout).toContain('\u001b[32mcompleted');
    for (const [args, env] of [
      [['status', '--db', db], { ...COLOUR_UNSET, FORCE_COLOR: '1', NO_COLOR: '1' }],
      [['status', '--no-color', '--db', db], { ...COLOUR_UNSET, FORCE_COLOR: '1' }],
      [['--no-color', 'status', '--db', db], { ...COLOUR_UNSET, FORCE_COLOR: '1' }],
      [['inspect', 'c', '--no-color', '--db', db], { ...COLOUR_UNSET, FORCE_COLOR: '1' }],
    ] as const) {
      const result = await runCli([...args], { cwd: dir, env });
      expect(result.code).toBe(0);
      expect(result.stdout, args.join(' ')).not.toMatch(ANSI);
      expect(result.stdout).toContain('completed');
    }
  });

  it('--version and status in a pipe never load chalk, ora or the prompts', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'agentrun.db');
    const log = path.join(dir, 'loaded.txt');
    // A module hook that records every module the CLI loads.
    writeFileSync(
      path.join(dir, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';\nexport async function resolve(specifier, context, next) {\n  const result = await next(specifier, context);\n  appendFileSync(${JSON.stringify(log)}, result.url + '\\n');\n  return result;\n}\n`,
    );
    writeFileSync(path.join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});\n`);
    const loaded = async (args: string[], env: Record<string, string | undefined> = COLOUR_UNSET) => {
      writeFileSync(log, '');
      const result = await runWith(['--import', pathToFileURL(path.join(dir, 'register.mjs')).href, CLI, ...args], dir, env);
      expect(result.code).toBe(0);
      return readFileSync(log, 'utf8');
    };
    await runCli(['start', '--task', quickHello(dir), '--id', 'one', '--db', db], { cwd: dir });
    const heavy = /node_modules\/(chalk|ora|@inquirer)\//;
    expect(await loaded(['--version'])).not.toMatch(heavy);
    const status = await loaded(['status', '--db', db]);
    expect(status).toContain('dist/cli/actions/status.js');
    expect(status).not.toMatch(heavy);
    // The control: asked for colour, status does load chalk (and still not ora or the prompts).
    const coloured = await loaded(['status', '--db', db], { ...COLOUR_UNSET, FORCE_COLOR: '1' });
    expect(coloured).toMatch(/node_modules\/chalk\//);
    expect(coloured).not.toMatch(/node_modules\/(ora|@inquirer)\//);
  });
});

describe('rendering, in process', () => {
  const task = (id: string, status: TaskRecord['status'], extra: Partial<TaskRecord> = {}): TaskRecord =>
    ({
      id,
      status,
      goal: 'Summarise every markdown file under docs/ into one short report with a line per file and a closing paragraph',
      completedCount: 1,
      stepCount: 4,
      usage: { promptTokens: 3000, completionTokens: 210, requests: 3 },
      leaseOwner: null,
      leaseExpiresAt: null,
      leaseEpoch: 0,
      updatedAt: Date.now(),
      prunedAt: null,
      ...extra,
    }) as TaskRecord;

  it('the status table fits the width, cuts long goals with an ellipsis, marks resumable tasks and stale runners', () => {
    const now = Date.now();
    const tasks = [
      task('a', 'running', { leaseOwner: 'elsewhere:1', leaseExpiresAt: now + 60_000 }),
      task('b', 'running', { leaseOwner: 'elsewhere:1', leaseExpiresAt: now - 1 }),
      task('c', 'interrupted'),
      task('d', 'completed'),
    ];
    const lines = renderStatusTable(tasks, { style: plain, width: 80, now }).split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines[0]).toMatch(/^\s+ID\s+STATUS\s+PROGRESS\s+TOKENS\s+GOAL\s+UPDATED$/);
    expect(lines[1]).toMatch(/^ {3}a\s+running\s+1\/4\s+3,210\s+Summarise.*…\s+0s ago$/);
    expect(lines[2]).toMatch(/^↻ {2}b\s+running \(stale\)\s/);
    expect(lines[3]).toMatch(/^↻ {2}c\s+interrupted\s/);
    expect(lines[4]).toMatch(/^ {3}d\s+completed\s/);
    expect(resumeHint(tasks, now)).toBe('↻ 2 tasks can be resumed: agentrun resume --all (or one: agentrun resume <id>)');
    expect(resumeHint([tasks[2]!], now)).toBe('↻ resume it with: agentrun resume c');
    expect(resumeHint([tasks[0]!, tasks[3]!], now)).toBeUndefined();
    expect(resumeHint([task('e', 'needs-attention'), task('f', 'failed')], now)).toBe(
      "↻ 2 tasks can be resumed: agentrun resume <id>\n  (1 needs a person's decision first: agentrun inspect <id> names it)",
    );
    expect(resumeHint([...tasks, task('e', 'needs-attention')], now)).toBe(
      "↻ 3 tasks can be resumed: agentrun resume <id>\n  (agentrun resume --all takes the 2 interrupted or stale ones; failed ones need their id)\n  (1 needs a person's decision first: agentrun inspect <id> names it)",
    );
    // A lone task that needs a person: the command that answers it, not `resume`, which would stop at the same question.
    expect(resumeHint([task('pay', 'needs-attention', { reason: 'effect' })], now, new Map([['pay', 'pay:1:1:1']]))).toBe(
      '↻ decide with: agentrun resolve pay pay:1:1:1 --retry|--done|--skip, then: agentrun resume pay',
    );
    expect(resumeHint([task('g', 'failed', { prunedAt: now })], now)).toBeUndefined();
  });

  it('colour only on a terminal, never with NO_COLOR, CI or --no-input', () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    const pipe = { isTTY: false } as NodeJS.WriteStream;
    expect(useColour(tty, {}, {})).toBe(true);
    expect(useColour(pipe, {}, {})).toBe(false);
    expect(useColour(tty, {}, { NO_COLOR: '1' })).toBe(false);
    expect(useColour(tty, {}, { NO_COLOR: '' })).toBe(true);
    expect(useColour(tty, {}, { CI: 'true' })).toBe(false);
    expect(useColour(tty, { input: false }, {})).toBe(false);
    expect(useColour(tty, {}, { TERM: 'dumb' })).toBe(false);
    expect(useColour(pipe, {}, { FORCE_COLOR: '1' })).toBe(true);
    expect(useColour(pipe, {}, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
  });

  it('confirm: --yes answers without asking; without a terminal it refuses and says to pass --yes', async () => {
    expect(await confirm('Cancel task x?', { yes: true })).toBe(true);
    await expect(confirm('Cancel task x?', { input: false })).rejects.toMatchObject({ exitCode: 2, message: 'Cancel task x: refusing without a terminal to confirm; pass --yes' });
  });
});

function runWith(args: string[], cwd: string, env: Record<string, string | undefined>): Promise<{ code: number | null; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[key];
    else childEnv[key] = value;
  }
  const child = spawn(process.execPath, args, { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}
