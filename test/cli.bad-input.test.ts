import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { tempDir } from './support/temp-dir.js';

/** Each bad input: exit 2, one line per problem on stderr, no stack trace, nothing written. */
function expectCleanRefusal(result: { code: number | null; stderr: string; stdout: string }) {
  expect(result.code).toBe(2);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stdout).toBe('');
}

describe('bad task files are refused before anything is written', () => {
  const cases: [string, string, string, RegExp[]][] = [
    ['YAML syntax', 'broken.yaml', 'goal: "unterminated\nplan:\n  - name: x\n', [/broken\.yaml: line \d+, column \d+: invalid YAML/]],
    ['wrong types', 'types.yaml', 'goal: 42\nlimits:\n  maxSteps: "many"\n', [/types\.yaml: goal: .*expected string/, /types\.yaml: limits\.maxSteps: .*expected number/]],
    ['unknown keys', 'keys.yaml', 'goal: hi\ngaol: typo\nplan:\n  - name: a\n    rn: echo hi\n', [/keys\.yaml: \(top level\): unknown key "gaol"/, /keys\.yaml: plan\.0: unknown key "rn"/]],
    ['invalid JSON', 'task.json', '{"goal": "x",}', [/task\.json: invalid JSON/]],
    ['a fixed plan longer than maxSteps', 'long.yaml', 'goal: x\nlimits: { maxSteps: 1 }\nplan:\n  - { name: a, run: "true" }\n  - { name: b, run: "true" }\n', [/long\.yaml: plan: the plan has 2 steps, more than limits\.maxSteps \(1\)/]],
    [
      'a misspelt command tool field',
      'tool.yaml',
      'goal: x\ntools:\n  - name: charge\n    description: c\n    comand: ./charge.sh\n',
      [/tool\.yaml: tools\.0\.command: .*expected string/, /tool\.yaml: tools\.0: unknown key "comand"/],
    ],
    ['bad duration', 'dur.yaml', 'goal: x\nplan:\n  - name: a\n    run: "true"\n    timeout: soon\n', [/dur\.yaml: plan\.0\.timeout: expected a duration/]],
  ];
  for (const [name, file, text, messages] of cases) {
    it(name, async () => {
      const dir = tempDir();
      writeFileSync(path.join(dir, file), text);
      const db = path.join(dir, 'agentrun.db');
      const result = await runCli(['start', '--task', file, '--db', db], { cwd: dir });
      expectCleanRefusal(result);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(messages.length);
      for (const pattern of messages) expect(lines.some((line) => pattern.test(line)), `${pattern} in ${lines.join(' / ')}`).toBe(true);
      expect(existsSync(db)).toBe(false);
    });
  }

  it('a task that needs an LLM, with no endpoint configured', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'agentrun.db');
    const result = await runCli(['start', 'summarise the docs', '--db', db], { cwd: dir });
    expectCleanRefusal(result);
    expect(result.stderr.trim()).toBe('agentrun: OPENAI_API_KEY is not set: export it, or point OPENAI_BASE_URL at an OpenAI-compatible server');
    expect(existsSync(db)).toBe(false);
  });

  it('a missing task file', async () => {
    const dir = tempDir();
    const result = await runCli(['start', '--task', 'nope.yaml', '--db', path.join(dir, 'a.db')], { cwd: dir });
    expectCleanRefusal(result);
    expect(result.stderr.trim()).toBe('agentrun: cannot read task file nope.yaml: ENOENT');
  });
});

describe('unknown task ids and bad options', () => {
  it('resume and inspect of an unknown id say so in one line with exit 2', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'agentrun.db');
    for (const command of [['resume', 'no-such-task'], ['inspect', 'no-such-task']]) {
      const result = await runCli([...command, '--db', db], { cwd: dir });
      expectCleanRefusal(result);
      expect(result.stderr.trim()).toBe('agentrun: no task with id "no-such-task" (see `agentrun status`)');
    }
  });

  it('an unknown status filter and a bad limit', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'agentrun.db');
    const badStatus = await runCli(['status', '--status', 'runing', '--db', db], { cwd: dir });
    expectCleanRefusal(badStatus);
    expect(badStatus.stderr.trim()).toMatch(/^agentrun: unknown status "runing": use one of planning, running/);
    const badLimit = await runCli(['status', '--limit', 'ten', '--db', db], { cwd: dir });
    expectCleanRefusal(badLimit);
  });

  it('a mistyped command or option: one line with the suggestion on it, exit 2', async () => {
    const dir = tempDir();
    const command = await runCli(['stauts'], { cwd: dir });
    expect(command.code).toBe(2);
    expect(command.stdout).toBe('');
    expect(command.stderr).toBe("agentrun: unknown command 'stauts' (did you mean status?)\n");
    const sub = await runCli(['memory', 'serch', 'x'], { cwd: dir });
    expect(sub.code).toBe(2);
    expect(sub.stderr).toBe("agentrun: unknown command 'serch' (did you mean search?)\n");
    const option = await runCli(['start', '--tsk', 'nightly.yaml'], { cwd: dir });
    expect(option.code).toBe(2);
    expect(option.stderr).toBe("agentrun: unknown option '--tsk' (did you mean --task?)\n");
    const missing = await runCli(['cancel'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("agentrun: missing required argument 'task-id'\n");
    const noValue = await runCli(['resume', '--all', '--limit'], { cwd: dir });
    expect(noValue.code).toBe(2);
    expect(noValue.stderr).toBe("agentrun: option '--limit <n>' argument missing\n");
  });
});

describe('a database file that is not ours', () => {
  it('garbage: one line, exit 2, and the bytes are unchanged', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'garbage.db');
    const garbage = Buffer.from('this is not a database, just some precious notes\n'.repeat(200));
    writeFileSync(db, garbage);
    for (const args of [['status'], ['resume', 'x'], ['inspect', 'x'], ['memory', 'list']]) {
      const result = await runCli([...args, '--db', db], { cwd: dir });
      expectCleanRefusal(result);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain('is not a SQLite database; it was left untouched');
    }
    expect(readFileSync(db).equals(garbage)).toBe(true);
    expect(existsSync(`${db}-wal`)).toBe(false);
  });

  it('a SQLite database with a corrupt body: one line, exit 2, unchanged', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'corrupt.db');
    const bytes = Buffer.alloc(8192, 0xab);
    Buffer.from('SQLite format 3\u0000', 'latin1').copy(bytes);
    writeFileSync(db, bytes);
    const result = await runCli(['status', '--db', db], { cwd: dir });
    expectCleanRefusal(result);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(db).equals(bytes)).toBe(true);
  });
});
