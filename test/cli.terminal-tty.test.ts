import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT, runCli } from './support/cli.js';
import { ledgerScript, ledgerTask } from './support/ledger-task.js';
import { callKind, planReply } from './support/llm-script.js';
import type { FakeOpenAI } from './support/openai-server.js';
import { useScriptedWorkspace } from './support/scripted-workspace.js';

/**
 * The terminal view, driven in a real pseudo-terminal: tmux runs the CLI in a detached 120x40 pane, the test types
 * with send-keys and reads the screen with capture-pane. Every wait polls the screen for expected text, bounded.
 */

/** A tmux server of our own, so a developer's sessions are never touched. */
const SOCKET = `agentrun-test-${process.pid}`;
let sessions = 0;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

interface Pane {
  /** The visible screen, as text (`escapes`: with its colour codes). */
  screen(escapes?: boolean): string;
  keys(...keys: string[]): void;
  type(text: string): void;
  /** Polls the screen until it matches; returns it. Fails with the screen shown. */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Waits for the command to end; its exit code. */
  exitCode(timeoutMs?: number): Promise<number>;
  kill(): void;
}

/**
 * Runs the CLI in a new tmux session. The environment is the test's minus anything that would change the CLI's
 * mind (CI, NO_COLOR, a database, an endpoint), plus `env`. The pane stays open after the command, with its exit code.
 */
function openPane(args: string[], options: { cwd: string; env?: Record<string, string>; node?: string[] }): Pane {
  const name = `t${++sessions}`;
  const unset = ['CI', 'NO_COLOR', 'FORCE_COLOR', 'AGENTRUN_DB', 'AGENTRUN_MODEL', 'AGENTRUN_FAILPOINTS', 'OPENAI_API_KEY', 'OPENAI_BASE_URL'];
  const env = Object.entries(options.env ?? {}).map(([k, v]) => quote(`${k}=${v}`));
  const command = [
    `cd ${quote(options.cwd)} &&`,
    'env',
    ...unset.map((v) => `-u ${v}`),
    ...env,
    quote(process.execPath),
    ...(options.node ?? [quote(CLI)]),
    ...args.map(quote),
    '; echo "[exit $?]"; sleep 600',
  ].join(' ');
  tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '40', command);
  const screen = (escapes = false) => tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', name);
  const waitFor = async (pattern: RegExp | string, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = screen();
      if (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} on the screen:\n${text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return {
    screen,
    keys: (...keys) => void tmux('send-keys', '-t', name, ...keys),
    type: (text) => void tmux('send-keys', '-t', name, '-l', text),
    waitFor,
    exitCode: async (timeoutMs) => Number(/\[exit (\d+)\]/.exec(await waitFor(/\[exit \d+\]/, timeoutMs))![1]),
    kill: () => {
      spawnSync('tmux', ['-L', SOCKET, 'kill-session', '-t', name]);
    },
  };
}

// Killing a pane's session must never leave the server without sessions: tmux then exits on its own, and the next
// new-session can reach the exiting server's socket ("server exited unexpectedly"). An idle session keeps it alive.
beforeAll(() => {
  tmux('new-session', '-d', '-s', 'keep-alive', 'sleep 3600');
});

afterAll(() => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
});

/** hello-offline with a shorter (but visible) slow step. */
function helloTask(dir: string, thinkSeconds: number): string {
  const file = path.join(dir, 'hello.yaml');
  const text = readFileSync(path.join(REPO_ROOT, 'tasks/hello-offline.yaml'), 'utf8').replace('THINK_SECONDS: "4"', `THINK_SECONDS: "${thinkSeconds}"`);
  writeFileSync(file, text);
  return file;
}

describe('in a terminal', () => {
  let server: FakeOpenAI;
  let dir: string;
  let db: string;
  useScriptedWorkspace((workspace) => ({ server, dir, db } = workspace));

  const llmEnv = () => ({ OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'test-key' });

  it('start with no goal asks for one, then runs it with a spinner showing the step, its clock and the tokens', async () => {
    server.script((request) => {
      const kind = callKind(request);
      if (kind === 'plan') return planReply(['answer']);
      if (kind === 'final') return { content: 'The answer is 42.' };
      // Slow enough to see the spinner at work.
      return { delayMs: 1500, then: { content: 'worked out: 42' } };
    });
    const pane = openPane(['start', '--db', db], { cwd: dir, env: llmEnv() });
    try {
      await pane.waitFor('What should the task do?');
      pane.type('Find the answer');
      pane.keys('Enter');
      // Planning cost 15 tokens (10 in, 5 out): the spinner counts them while the step runs.
      await pane.waitFor(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] step 1\/1 answer · \d+\.\ds · 15 tokens/);
      expect(await pane.exitCode()).toBe(0);
      const screen = pane.screen();
      expect(screen).toContain('✔ What should the task do? Find the answer');
      expect(screen).toMatch(/✓ step 1\/1 answer \(\d+(\.\d+)?m?s\) — worked out: 42/);
      expect(screen).toMatch(/✓ completed in \d+(\.\d+)?m?s · 45 tokens/);
      expect(screen).toContain('The answer is 42.');
      // No plain log lines on a terminal: the spinner view replaces them.
      expect(screen).not.toMatch(/\dZ \S+ step 1\/1 started/);
    } finally {
      pane.kill();
    }
    const tasks = JSON.parse((await runCli(['status', '--json', '--db', db], { cwd: dir })).stdout);
    expect(tasks).toMatchObject([{ goal: 'Find the answer', status: 'completed' }]);
    expect(JSON.stringify(server.chatRequests()[0]!.body.messages)).toContain('Find the answer');
  });

  it('resume with no id lists the resumable tasks and resumes the one chosen', async () => {
    const task = helloTask(dir, 2);
    // One task completed (not offered), two stopped after step 1 (kill -9 after the commit): "older", then "newer".
    expect((await runCli(['start', '--task', task, '--id', 'finished', '--db', db], { cwd: dir })).code).toBe(0);
    for (const id of ['older', 'newer']) {
      const crashed = await runCli(['start', '--task', task, '--id', id, '--db', db], { cwd: dir, env: { AGENTRUN_FAILPOINTS: 'after-step-commit' } });
      expect(crashed.signal).toBe('SIGKILL');
    }
    const pane = openPane(['resume', '--db', db], { cwd: dir });
    try {
      const picker = await pane.waitFor(/Resume which task\?[\s\S]*older/);
      expect(picker).toMatch(/ID\s+STATUS\s+STEPS\s+GOAL\s+UPDATED/);
      expect(picker).toMatch(/❯ newer\s+running \(stale\)\s+1\/4\s+Say hello/);
      expect(picker).toMatch(/ {2}older\s+running \(stale\)\s+1\/4/);
      expect(picker).not.toContain('finished');
      pane.keys('Down');
      await pane.waitFor(/❯ older/);
      pane.keys('Enter');
      await pane.waitFor(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] step 2\/4 think · \d+\.\ds/);
      expect(await pane.exitCode()).toBe(0);
      const screen = pane.screen();
      expect(screen).toContain('✔ Resume which task? older');
      expect(screen).toContain('▶ resuming older: Say hello');
      expect(screen).toContain('✓ step 1/4 greet — greeted (earlier run)');
      expect(screen).toMatch(/✓ step 4\/4 report \([\d.]+m?s\) — 1 hello from/);
    } finally {
      pane.kill();
    }
    const status = JSON.parse((await runCli(['status', '--json', '--db', db], { cwd: dir })).stdout) as { task_id: string; status: string }[];
    expect(Object.fromEntries(status.map((t) => [t.task_id, t.status]))).toEqual({ finished: 'completed', older: 'completed', newer: 'running' });
  });

  it('Ctrl-C during a step: the notice gets a line of its own, the step is shown stopped, exit 3', async () => {
    const pane = openPane(['start', '--task', helloTask(dir, 5), '--id', 'stopme', '--db', db], { cwd: dir });
    try {
      await pane.waitFor(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] step 2\/4 think · \d+\.\ds/);
      pane.keys('C-c');
      expect(await pane.exitCode()).toBe(3);
      const screen = pane.screen();
      expect(screen).toMatch(/^agentrun: SIGINT received, stopping at the next safe point/m);
      expect(screen).toMatch(/^■ step 2\/4 think — stopped \(interrupted\) after /m);
      expect(screen).toContain('continue with: agentrun resume stopme');
      expect(screen).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    } finally {
      pane.kill();
    }
  });

  it('an effect a crash left uncertain is asked about, with its tool, arguments and key; "mark done" completes the task', async () => {
    writeFileSync(path.join(dir, 'task.yaml'), ledgerTask({ steps: 1, withCheck: false }));
    server.script(ledgerScript(1));
    const crashed = await runCli(['start', '--task', 'task.yaml', '--id', 'pay', '--db', db], { cwd: dir, env: { ...llmEnv(), AGENTRUN_FAILPOINTS: 'after-intent' } });
    expect(crashed.signal).toBe('SIGKILL');

    const pane = openPane(['resume', 'pay', '--db', db], { cwd: dir, env: llmEnv() });
    try {
      const question = await pane.waitFor('What happened?');
      expect(question).toContain('The run was cut off while charge was in flight');
      expect(question).toMatch(/tool\s+charge/);
      expect(question).toMatch(/arguments\s+order: "order-1"/);
      expect(question).toMatch(/key\s+pay:1:1:1 \(task pay, step 1\)/);
      expect(question).toMatch(/❯ retry\s*\n\s+mark done\s*\n\s+skip\s*\n\s+abort/);
      pane.keys('Down');
      await pane.waitFor(/❯ mark done/);
      await pane.waitFor('it happened: record it as done, do not run it again');
      pane.keys('Enter');
      expect(await pane.exitCode()).toBe(0);
      expect(pane.screen()).toContain('✓ step 1/1 order-1');
    } finally {
      pane.kill();
    }
    // Recorded as done by a person, and not run again.
    expect(existsSync(path.join(dir, 'ledger.txt'))).toBe(false);
    const doc = JSON.parse((await runCli(['inspect', 'pay', '--json', '--db', db], { cwd: dir })).stdout);
    expect(doc.status).toBe('completed');
    expect(doc.effects.find((e: { key: string }) => e.key === 'pay:1:1:1')).toMatchObject({ status: 'done', output: 'marked done by a person' });
  });

  it('a call needing approval is asked about; Ctrl-C at the prompt leaves it for later (exit 4), approving runs it once', async () => {
    writeFileSync(path.join(dir, 'task.yaml'), ledgerTask({ steps: 1, withCheck: true, approve: true }));
    server.script(ledgerScript(1));
    const ledger = path.join(dir, 'ledger.txt');
    const first = openPane(['start', '--task', 'task.yaml', '--id', 'ap', '--db', db], { cwd: dir, env: llmEnv() });
    try {
      const question = await first.waitFor('Run it?');
      expect(question).toContain('charge needs your approval before it runs.');
      expect(question).toMatch(/❯ approve\s*\n\s+deny\s*\n\s+abort/);
      first.keys('C-c');
      expect(await first.exitCode()).toBe(4);
      expect(first.screen()).toContain('approve with: agentrun approve ap ap:1:1:1');
    } finally {
      first.kill();
    }
    expect(existsSync(ledger)).toBe(false);

    const second = openPane(['resume', 'ap', '--db', db], { cwd: dir, env: llmEnv() });
    try {
      await second.waitFor('Run it?');
      second.keys('Enter');
      expect(await second.exitCode()).toBe(0);
    } finally {
      second.kill();
    }
    expect(readFileSync(ledger, 'utf8')).toBe('ap:1:1:1 {"order":"order-1"}\n');
  });

  it('with CI set, a terminal gets no prompt: start without a goal and resume without an id exit 2 at once', async () => {
    for (const [args, message, prompt] of [
      [['start', '--db', db], 'agentrun: what should the task do?', 'What should the task do?'],
      [['resume', '--db', db], 'agentrun: give a task id (see `agentrun status`), or --all', 'Resume which task?'],
    ] as const) {
      const pane = openPane([...args], { cwd: dir, env: { CI: 'true' } });
      try {
        expect(await pane.exitCode(10_000)).toBe(2);
        expect(pane.screen()).toContain(message);
        expect(pane.screen()).not.toContain(prompt);
      } finally {
        pane.kill();
      }
    }
    expect(existsSync(db)).toBe(false);
  });

  it('status and inspect are coloured on a terminal, and not with NO_COLOR or --no-color', async () => {
    const task = helloTask(dir, 0);
    await runCli(['start', '--task', task, '--id', 'done', '--db', db], { cwd: dir });
    await runCli(['start', '--task', task, '--id', 'cut', '--db', db], { cwd: dir, env: { AGENTRUN_FAILPOINTS: 'after-step-commit' } });
    const look = async (args: string[], env: Record<string, string> = {}) => {
      const pane = openPane(args, { cwd: dir, env });
      try {
        await pane.exitCode();
        return pane.screen(true);
      } finally {
        pane.kill();
      }
    };
    const status = await look(['status', '--db', db]);
    expect(status).toMatch(/\u001b\[32mcompleted/);
    expect(status).toMatch(/\u001b\[33mrunning \(stale\)/);
    expect(status).toContain('resume it with: agentrun resume cut');
    expect(await look(['inspect', 'cut', '--db', db])).toMatch(/\u001b\[32m✓/);
    for (const [args, env] of [
      [['status', '--db', db], { NO_COLOR: '1' }],
      [['status', '--no-color', '--db', db], {}],
      [['inspect', 'cut', '--no-color', '--db', db], {}],
    ] as const) {
      const screen = await look([...args], env);
      expect(screen).toContain('cut');
      // capture-pane -e shows colour as escape codes; a plain screen has none.
      expect(screen, args.join(' ')).not.toMatch(/\u001b\[(3\d|2|1)m/);
    }
  });

  it('delete asks on a terminal: no keeps the task, yes deletes it', async () => {
    expect((await runCli(['start', '--task', helloTask(dir, 0), '--id', 'old', '--db', db], { cwd: dir })).code).toBe(0);
    const no = openPane(['delete', 'old', '--db', db], { cwd: dir });
    try {
      await no.waitFor('Delete task old (completed, 4/4 steps) and all its journals? (y/N)');
      no.keys('Enter');
      expect(await no.exitCode()).toBe(0);
    } finally {
      no.kill();
    }
    expect((await runCli(['inspect', 'old', '--db', db], { cwd: dir })).code).toBe(0);
    const yes = openPane(['delete', 'old', '--db', db], { cwd: dir });
    try {
      await yes.waitFor('(y/N)');
      yes.type('y');
      yes.keys('Enter');
      expect(await yes.exitCode()).toBe(0);
      expect(yes.screen()).toContain('deleted task old');
    } finally {
      yes.kill();
    }
    expect((await runCli(['inspect', 'old', '--db', db], { cwd: dir })).code).toBe(2);
  });

  it('confirm asks on a terminal and returns the answer', async () => {
    const script = `import('${path.join(REPO_ROOT, 'dist/cli/prompts.js')}').then(async (m) => console.log('answer:', await m.confirm('Remove 3 journals?', {})))`;
    const pane = openPane([], { cwd: dir, node: ['--input-type=module', '-e', quote(script)] });
    try {
      await pane.waitFor('Remove 3 journals? (y/N)');
      pane.type('y');
      pane.keys('Enter');
      expect(await pane.exitCode()).toBe(0);
      expect(pane.screen()).toContain('answer: true');
    } finally {
      pane.kill();
    }
  });
});
