import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSandbox } from './support/cli.js';

/** `run:` steps are side effects too: a non-idempotent one cut off mid-way is settled by its check or a person. */
function setup(check: string | undefined) {
  const { dir, cli, lines } = cliSandbox();
  writeFileSync(
    path.join(dir, 'deploy.yaml'),
    `goal: deploy once\nplan:\n  - name: deploy\n    run: echo "deployed $AGENTRUN_IDEMPOTENCY_KEY" >> deploys.log\n    idempotent: false\n${check ? `    check: ${check}\n` : ''}`,
  );
  return { cli, deploys: () => lines('deploys.log') };
}

describe('a non-idempotent run: step cut off mid-way', () => {
  it('asks its check, and does not run it again when the check says it happened', async () => {
    const { cli, deploys } = setup('grep -q "$AGENTRUN_IDEMPOTENCY_KEY" deploys.log');
    expect((await cli(['start', '--task', 'deploy.yaml', '--id', 'd1'], { AGENTRUN_FAILPOINTS: 'before-outcome' })).signal).toBe('SIGKILL');
    expect(deploys()).toEqual(['deployed d1:1:1:0']);
    expect((await cli(['resume', 'd1'])).code).toBe(0);
    expect(deploys()).toEqual(['deployed d1:1:1:0']);
  });

  it('a check that cannot tell (exit code other than 0 or 1) stops for a person instead of guessing', async () => {
    const { cli, deploys } = setup('exit 3');
    await cli(['start', '--task', 'deploy.yaml', '--id', 'd2'], { AGENTRUN_FAILPOINTS: 'before-outcome' });
    const stuck = await cli(['resume', 'd2']);
    expect(stuck.code).toBe(4);
    expect(stuck.stderr).toContain('run may or may not have happened before the crash, and its check failed (check exited with code 3) (effect d2:1:1:0)');
    expect(deploys()).toHaveLength(1);
  });

  it('a check that errors says why, in its own words, in the message and in inspect', async () => {
    // The classic pitfall: grep on a file the first call has not created yet exits 2, not 1.
    const { cli, deploys } = setup('grep -q "$AGENTRUN_IDEMPOTENCY_KEY" deploys.log');
    expect((await cli(['start', '--task', 'deploy.yaml', '--id', 'd4'], { AGENTRUN_FAILPOINTS: 'after-intent' })).signal).toBe('SIGKILL');
    expect(deploys()).toEqual([]);
    const stuck = await cli(['resume', 'd4']);
    expect(stuck.code).toBe(4);
    const said = 'its check failed (check exited with code 2: grep: deploys.log: No such file or directory) (effect d4:1:1:0)';
    expect(stuck.stderr).toContain(`run may or may not have happened before the crash, and ${said}`);
    const doc = JSON.parse((await cli(['inspect', 'd4', '--json'])).stdout);
    expect(doc.error).toContain(said);
    expect(doc.effects[0]).toMatchObject({ status: 'uncertain', output: 'its check failed: check exited with code 2: grep: deploys.log: No such file or directory' });
    // The human view wraps long lines.
    expect((await cli(['inspect', 'd4'])).stdout.replace(/\s+/g, ' ')).toContain('grep: deploys.log: No such file or directory');
  });

  it('without a check, a person decides', async () => {
    const { cli, deploys } = setup(undefined);
    await cli(['start', '--task', 'deploy.yaml', '--id', 'd3'], { AGENTRUN_FAILPOINTS: 'after-intent' });
    expect((await cli(['resume', 'd3'])).code).toBe(4);
    expect((await cli(['resolve', 'd3', 'd3:1:1:0', '--retry'])).code).toBe(0);
    expect((await cli(['resume', 'd3'])).code).toBe(0);
    expect(deploys()).toEqual(['deployed d3:1:1:0']);
  });
});
