import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, waitFor } from './support/cli.js';
import { cronEnv, npmLink, runShell, type InstalledCommand } from './support/installed-command.js';
import { tempDir } from './support/temp-dir.js';

/** The fenced block of README.md that starts with ```<lang>. */
function readmeBlock(lang: string): string {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const block = readme.match(new RegExp('```' + lang + '\\n([\\s\\S]*?)```'))?.[1];
  if (!block) throw new Error(`README.md has no \`\`\`${lang} block`);
  return block;
}

/** The crontab of the README: its variables and its jobs (the command part, with cron's \% unescaped). */
function readmeCrontab(): { vars: Record<string, string>; jobs: string[] } {
  const vars: Record<string, string> = {};
  const jobs: string[] = [];
  for (const line of readmeBlock('cron').split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const variable = line.match(/^([A-Z_]+)=(.*)$/);
    if (variable) vars[variable[1]!] = variable[2]!;
    else jobs.push(line.trim().split(/\s+/).slice(5).join(' ').replaceAll('\\%', '%'));
  }
  return { vars, jobs };
}

/** The README's systemd unit, as key → values. */
function readmeUnit(): Map<string, string[]> {
  const unit = new Map<string, string[]>();
  for (const line of readmeBlock('ini').split('\n')) {
    const entry = line.match(/^(\w+)=(.*)$/);
    if (entry) unit.set(entry[1]!, [...(unit.get(entry[1]!) ?? []), entry[2]!]);
  }
  return unit;
}

/** Two quick steps and a slow one, each appending "<task> <step>" to steps.log. */
const TASK = [
  'goal: the nightly report',
  'plan:',
  '  - name: one',
  '    run: echo "$AGENTRUN_TASK_ID 1" >> steps.log && echo "counted"',
  '  - name: two',
  '    run: echo "$AGENTRUN_TASK_ID 2" >> steps.log && sleep "${PAUSE:-0}" && echo "waited"',
  '  - name: three',
  '    run: echo "$AGENTRUN_TASK_ID 3" >> steps.log && echo "report for $AGENTRUN_TASK_ID written"',
  '',
].join('\n');

describe('installed with npm link, run from another directory', () => {
  let installed: InstalledCommand;
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'agentrun-install-'));
    installed = npmLink(home);
  }, 120_000);
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  /** The README's paths, moved: /srv/reports to a temp directory, /usr/local/bin to where npm link put agentrun. */
  function site() {
    const dir = tempDir('agentrun-srv-');
    mkdirSync(path.join(dir, 'tasks'));
    writeFileSync(path.join(dir, 'tasks', 'nightly.yaml'), TASK);
    const place = (text: string) =>
      text
        .replaceAll('/srv/reports', dir)
        .replaceAll('/usr/local/bin/agentrun', installed.bin)
        .replaceAll('/usr/local/bin', `${installed.binDir}:${path.dirname(process.execPath)}`);
    const log = () => (existsSync(path.join(dir, 'steps.log')) ? readFileSync(path.join(dir, 'steps.log'), 'utf8').split('\n').filter(Boolean) : []);
    return { dir, place, count: (line: string) => log().filter((l) => l === line).length };
  }

  it('the README crontab works as written, and a script reads agentrun\'s own exit codes', async () => {
    const { dir, place, count } = site();
    const crontab = readmeCrontab();
    const env = cronEnv(Object.fromEntries(Object.entries(crontab.vars).map(([k, v]) => [k, place(v)])));
    const [nightly, sweep, gc] = crontab.jobs.map(place);
    expect([nightly, sweep, gc].every(Boolean)).toBe(true);
    const id = `nightly-${new Date().toISOString().slice(0, 10)}`;

    // The first night: it runs; the second run of the same line finds it completed and does nothing.
    expect((await runShell(nightly!, dir, env)).code).toBe(0);
    expect((await runShell(nightly!, dir, env)).code).toBe(0);
    expect([1, 2, 3].map((n) => count(`${id} ${n}`))).toEqual([1, 1, 1]);
    expect(readFileSync(path.join(dir, 'agentrun.log'), 'utf8')).toContain(`report for ${id} written`);
    expect(existsSync(path.join(dir, 'agentrun.db'))).toBe(true);

    // A script that branches on the exit code, as the README's table documents them, with the installed command.
    const script = [
      'AGENTRUN_FAILPOINTS=after-step-commit agentrun start --task tasks/nightly.yaml --id crashed; echo "crashed=$?"',
      'agentrun resume --all; echo "sweep=$?"',
      'agentrun resume no-such-task; echo "unknown=$?"',
      'printf "goal: fails\\nplan:\\n  - name: boom\\n    run: exit 7\\n" > tasks/bad.yaml',
      'agentrun start --task tasks/bad.yaml --id bad; echo "failed=$?"',
      'agentrun strat; echo "typo=$?"',
    ].join('\n');
    const codes = await runShell(script, dir, env);
    expect(codes.stdout).toMatch(/^crashed=137$/m); // killed by the failpoint: a crash, as kill -9 would
    expect(codes.stdout).toMatch(/^sweep=0$/m);
    expect(codes.stdout).toMatch(/^unknown=2$/m);
    expect(codes.stdout).toMatch(/^failed=1$/m);
    expect(codes.stdout).toMatch(/^typo=2$/m);
    expect(codes.stderr).toContain('agentrun: no task with id "no-such-task"');
    expect(codes.stderr).toContain("agentrun: unknown command 'strat' (did you mean start?)");
    expect([1, 2, 3].map((n) => count(`crashed ${n}`))).toEqual([1, 1, 1]);

    // The weekly gc line.
    expect((await runShell(gc!, dir, env)).code).toBe(0);
  });

  it('the README systemd unit: SIGTERM reaches agentrun, which stops at a safe point with a success status', async () => {
    const { dir, place, count } = site();
    const unit = readmeUnit();
    const [execStart] = unit.get('ExecStart') ?? [];
    const [workingDirectory] = unit.get('WorkingDirectory') ?? [];
    const success = (unit.get('SuccessExitStatus') ?? []).flatMap((v) => v.split(/\s+/)).map(Number);
    expect(execStart && workingDirectory).toBeTruthy();
    const [command, ...args] = place(execStart!).split(' ');
    const env: NodeJS.ProcessEnv = {
      // systemd's default PATH for services, with the README's /usr/local/bin moved.
      PATH: place('/usr/local/bin:/usr/bin:/bin'),
      ...Object.fromEntries((unit.get('Environment') ?? []).map((e) => place(e).split('=') as [string, string])),
    };
    const cwd = place(workingDirectory!);

    // A task whose runner died in its slow step, for the sweep to pick up.
    const crashed = await runShell('agentrun start --task tasks/nightly.yaml --id slow', dir, { ...env, PAUSE: '30', AGENTRUN_FAILPOINTS: 'after-step-commit' });
    expect(crashed.code).toBe(137);

    const service = spawn(command!, args, { cwd, env: { ...env, PAUSE: '30' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    service.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const ended = new Promise<number | null>((resolve) => service.on('close', (code) => resolve(code)));
    await waitFor(() => count('slow 2') === 1, 'the sweep to reach the slow step');
    service.kill('SIGTERM'); // what `systemctl stop` sends to the main process
    const code = await ended;
    expect(code).toBe(3);
    expect(success).toContain(code);
    expect(stderr).toContain('SIGTERM received, stopping at the next safe point');
    // Nothing of it runs on in the background: the step was not finished, and the next sweep completes the task.
    expect(count('slow 3')).toBe(0);
    const next = spawn(command!, args, { cwd, env, stdio: 'ignore' });
    expect(await new Promise((resolve) => next.on('close', resolve))).toBe(0);
    expect([1, 3].map((n) => count(`slow ${n}`))).toEqual([1, 1]);
  });
});
