import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, spawnCli, waitFor } from './support/cli.js';
import { dropSchema, pgUrl, schemaName } from './support/postgres.js';
import { tempDir } from './support/temp-dir.js';

const HELLO = path.join(REPO_ROOT, 'tasks/hello-offline.yaml');
const schema = schemaName('cli_crash');
afterAll(() => dropSchema(schema));

describe('on PostgreSQL: kill -9 during a step, then resume', () => {
  it('never re-runs a completed step and completes with every step once', async () => {
    const dir = tempDir();
    const db = pgUrl(schema);
    const log = path.join(dir, 'hello-offline.log');
    const lines = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);

    const first = spawnCli(['start', '--task', HELLO, '--id', 'crashy', '--db', db], { cwd: dir });
    await waitFor(() => lines().some((l) => l.startsWith('2 ')), 'step 2 to start');
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');

    const resumed = await runCli(['resume', 'crashy', '--db', db], { cwd: dir });
    expect(resumed.stderr).toContain('step 2/4 started');
    expect(resumed.stderr).not.toContain('step 1/4 started');
    expect(resumed.code).toBe(0);
    for (const n of ['1 ', '3 ', '4 ']) expect(lines().filter((l) => l.startsWith(n))).toHaveLength(1);

    const doc = JSON.parse((await runCli(['inspect', 'crashy', '--json', '--db', db], { cwd: dir })).stdout);
    expect(doc).toMatchObject({ task_id: 'crashy', status: 'completed', completed: [1, 2, 3, 4] });
    expect(doc.plan[0].attempts).toBe(1);
  });
});
