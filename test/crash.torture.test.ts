import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli, waitFor, type CliResult } from './support/cli.js';
import { ledgerScript, ledgerTask, turnKey } from './support/ledger-task.js';
import { seededRandom } from './support/seeded-random.js';
import { startOpenAIServer, type FakeOpenAI } from './support/openai-server.js';
import { tempDir } from './support/temp-dir.js';

/**
 * The product's promise, tortured: a 15-step LLM task with a non-idempotent ledger tool (with a check) and idempotent
 * file writes is killed with SIGKILL at every failpoint, at seeded random moments, and inside the check (the run after
 * a kill that left a charge's outcome unknown is killed while its check runs), resumed after each kill, until it
 * completes. Then: every charge exactly once, never a needs-attention stop, every step result once with the true step
 * count, no LLM request repeated for a journaled turn, and a final checkpoint equal to an uninterrupted run's.
 */
const STEPS = 15;
const MIN_KILLS = 25;
const FAILPOINTS = [
  'before-llm-journal',
  'after-llm-response',
  'after-intent',
  'after-spawn',
  'before-outcome',
  'after-tool',
  'before-step-commit',
  'after-step-commit',
];
/** Kills here leave an effect's outcome unknown (when they hit the charge): the next run asks the check. */
const LEAVES_INTENT = new Set(['after-intent', 'after-spawn', 'before-outcome']);


let server: FakeOpenAI;
beforeEach(async () => {
  server = await startOpenAIServer(ledgerScript(STEPS));
});
afterEach(() => server.close());

interface Workspace {
  dir: string;
  db: string;
}

function workspace(): Workspace {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'task.yaml'), ledgerTask({ steps: STEPS, withCheck: true, checkLog: true }));
  return { dir, db: path.join(dir, 'agentrun.db') };
}

function env(extra: Record<string, string> = {}) {
  return { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'k', ...extra };
}

function args(ws: Workspace, first: boolean): string[] {
  return first ? ['start', '--task', 'task.yaml', '--id', 'torture', '--db', ws.db] : ['resume', 'torture', '--db', ws.db];
}

/** The checkpoint without what legitimately differs between runs: times, the workspace path, and the run history (the kills). */
function comparable(doc: Record<string, unknown>): unknown {
  return JSON.parse(
    JSON.stringify(doc, (key, value) => (['created_at', 'updated_at', 'finished_at', 'expires_at', 'started_at', 'at', 'workspace', 'runs'].includes(key) ? undefined : value)),
  );
}

async function checkpoint(ws: Workspace) {
  const result = await runCli(['inspect', 'torture', '--json', '--db', ws.db], { cwd: ws.dir });
  return JSON.parse(result.stdout);
}

function lines(ws: Workspace, name: string): string[] {
  const file = path.join(ws.dir, name);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

const ledger = (ws: Workspace) => lines(ws, 'ledger.txt');

describe('kill -9 torture', () => {
  it(`survives ${MIN_KILLS}+ kills at failpoints, random moments and inside checks, with every effect exactly once`, async () => {
    // The reference: the same task, never interrupted.
    const reference = workspace();
    const clean = await runCli(args(reference, true), { cwd: reference.dir, env: env() });
    expect(clean.code).toBe(0);
    const expected = comparable(await checkpoint(reference));
    server.requests.length = 0;

    const ws = workspace();
    const random = seededRandom(20261124);
    let kills = 0;
    let runs = 0;
    let last: CliResult | undefined;
    let checkKills = 0;
    let previous = '';
    const schedule: string[] = [];
    while (runs < 200) {
      const first = runs === 0;
      runs += 1;
      if (kills >= MIN_KILLS) {
        last = await runCli(args(ws, first), { cwd: ws.dir, env: env() });
        schedule.push('no kill');
        break;
      }
      let result: CliResult;
      if (!first && LEAVES_INTENT.has(previous) && random() < 0.7) {
        // Inside the check: wait until this run's check has started (it logs its key), then kill at a seeded moment.
        // (If the kill had hit another effect, no check runs: then it dies at its first LLM request instead.)
        const checksBefore = lines(ws, 'checks.log').length;
        const requestsBefore = server.chatRequests().length;
        const wait = Math.floor(random() * 60);
        const child = spawnCli(args(ws, first), { cwd: ws.dir, env: env() });
        let exited = false;
        void child.done.then(() => (exited = true));
        const checking = () => lines(ws, 'checks.log').length > checksBefore;
        await waitFor(() => exited || checking() || server.chatRequests().length > requestsBefore, 'the check to start');
        const inCheck = checking();
        schedule.push(inCheck ? `inside the check (+${wait}ms)` : 'no check: at the first request');
        if (inCheck) await new Promise((r) => setTimeout(r, wait));
        if (!exited) child.child.kill('SIGKILL');
        result = await child.done;
        if (result.signal === 'SIGKILL' && inCheck) checkKills += 1;
      } else if (first || random() < 0.5) {
        // A named failpoint, at its first hit (the first run dies right after planning).
        const point = first ? 'after-plan' : FAILPOINTS[Math.floor(random() * FAILPOINTS.length)]!;
        const hit = 1;
        schedule.push(`${point}@${hit}`);
        previous = point;
        result = await runCli(args(ws, first), { cwd: ws.dir, env: env({ AGENTRUN_FAILPOINTS: `${point}@${hit}` }) });
      } else {
        // A random moment: after the run has started working, a seeded number of journal writes in.
        const requestsBefore = server.chatRequests().length;
        const wait = 1 + Math.floor(random() * 2);
        schedule.push(`random after ${wait} requests`);
        previous = 'random';
        const child = spawnCli(args(ws, first), { cwd: ws.dir, env: env() });
        let exited = false;
        void child.done.then(() => (exited = true));
        await waitFor(() => exited || server.chatRequests().length >= requestsBefore + wait, 'the run to make progress').catch(() => {});
        await new Promise((r) => setTimeout(r, Math.floor(random() * 15)));
        if (!exited) child.child.kill('SIGKILL');
        result = await child.done;
      }
      if (result.signal === 'SIGKILL') kills += 1;
      else if (result.code === 0) {
        last = result;
        break;
        // Anything else — a needs-attention stop (4) above all — breaks the promise: fail with the schedule so far.
      } else throw new Error(`run ${runs} (${schedule.at(-1)}) ended with ${result.code}: ${result.stderr}\nschedule: ${schedule.join(', ')}`);
    }

    expect(kills, `schedule: ${schedule.join(', ')}`).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(checkKills, `schedule: ${schedule.join(', ')}`).toBeGreaterThan(0);
    expect(last?.code, last?.stderr).toBe(0);

    // Every ledger entry exactly once, each under its own idempotency key.
    const entries = ledger(ws);
    expect(entries.map((e) => e.split(' ')[1]).sort()).toEqual(Array.from({ length: STEPS }, (_, i) => `{"order":"order-${i + 1}"}`).sort());
    expect(new Set(entries.map((e) => e.split(' ')[0])).size).toBe(STEPS);
    for (let i = 1; i <= STEPS; i++) expect(readFileSync(path.join(ws.dir, `out/order-${i}.txt`), 'utf8')).toBe(`order ${i} processed\n`);

    // Every step result recorded once; notes not duplicated by replays.
    const doc = await checkpoint(ws);
    expect(doc.status).toBe('completed');
    expect(doc.plan).toHaveLength(STEPS);
    expect(doc.completed).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(doc.effects.filter((e: { status: string }) => e.status !== 'done')).toEqual([]);
    expect(doc.discoveries).toHaveLength(STEPS);
    expect(doc.decisions).toHaveLength(STEPS);

    // No LLM request was sent again for a turn already in the journal.
    const db = new Database(ws.db, { readonly: true });
    const journal = new Map(
      (db.prepare('SELECT phase, step, turn, created_at FROM llm_turns').all() as { phase: string; step: number; turn: number; created_at: number }[]).map((t) => [
        `${t.phase}:${t.step}:${t.turn}`,
        t.created_at,
      ]),
    );
    db.close();
    const repeated = server.chatRequests().filter((r) => {
      const recordedAt = journal.get(turnKey(r));
      return recordedAt !== undefined && r.at > recordedAt;
    });
    expect(repeated.map(turnKey)).toEqual([]);

    // The final checkpoint is the one an uninterrupted run produces.
    expect(comparable(doc)).toEqual(expected);
    // And the run history tells the story: the kills are runs found killed (a kill before a run took the lease leaves
    // none), and the last run completed.
    const endings = (doc.runs as { ending: string }[]).map((r) => r.ending);
    expect(endings.at(-1)).toBe('completed');
    const killed = endings.filter((e) => e === 'killed').length;
    expect(killed).toBeGreaterThan(0);
    expect(killed).toBeLessThanOrEqual(kills);
  });
});
