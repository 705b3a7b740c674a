import path from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { TASK_STATUSES } from '../../src/store/types.js';
import { definitionFromGoal } from '../../src/task/load.js';
import { formatProfile, profileNode, profileInProcess } from '../support/cpu-profile.js';
import { openRawDatabase } from '../support/fixtures.js';
import { CLI } from '../support/paths.js';
import { timeNodeOk } from '../support/spawn.js';
import { nowMs, round, summarize } from '../support/stats.js';
import { atMost, type Benchmark } from '../support/types.js';

const TASKS = 100_000;
const QUERY_RUNS = 50;
const CLI_RUNS = 20;
const CLI_WARMUP = 2;
const QUERY_GOAL_MS = 100;
const CLI_GOAL_MS = 300;

/**
 * `agentrun status` over 100,000 tasks: the store's query (listTasks, limit 50) in process, and the whole CLI run
 * (table and --json) as spawned processes.
 */
const benchmark: Benchmark = {
  name: '4 status at scale',
  description: '`agentrun status --limit 50` (table and --json) and listTasks({limit: 50}) over 100,000 tasks',
  async run({ dir, log }) {
    const db = path.join(dir, 'tasks.db');
    log(`  inserting ${TASKS.toLocaleString('en-US')} tasks in one transaction`);
    const insertSeconds = await insertTasks(db, dir);

    const store = await SqliteStore.open(db);
    let t = nowMs();
    const firstRows = await store.listTasks({ limit: 50 });
    const firstQuery = nowMs() - t;
    if (firstRows.length !== 50) throw new Error(`bench: listTasks returned ${firstRows.length} rows`);
    const query: number[] = [];
    for (let i = 0; i < QUERY_RUNS; i++) {
      t = nowMs();
      await store.listTasks({ limit: 50 });
      query.push(nowMs() - t);
    }
    const filtered: number[] = [];
    for (let i = 0; i < QUERY_RUNS; i++) {
      t = nowMs();
      await store.listTasks({ statuses: ['interrupted', 'failed'], limit: 50 });
      filtered.push(nowMs() - t);
    }
    const f = summarize(filtered);
    let queryProfile: string | undefined;
    const q = summarize(query);
    if (q.p99 > QUERY_GOAL_MS) {
      queryProfile = formatProfile('cpu profile of 10 listTasks({limit: 50}) calls', await profileInProcess(async () => {
        for (let i = 0; i < 10; i++) await store.listTasks({ limit: 50 });
      }));
    }
    await store.close();
    const raw = openRawDatabase(db);
    const plan = (raw.prepare(`EXPLAIN QUERY PLAN SELECT * FROM tasks WHERE pruned_at IS NULL ORDER BY updated_at DESC, id LIMIT 50`).all() as { detail: string }[]).map((r) => r.detail);
    raw.close();

    log(`  ${CLI_RUNS} runs (+${CLI_WARMUP} warm-up) each of status --limit 50 and status --limit 50 --json, interleaved`);
    const table: number[] = [];
    const json: number[] = [];
    for (let i = 0; i < CLI_WARMUP + CLI_RUNS; i++) {
      const a = await timeNodeOk([CLI, 'status', '--limit', '50', '--db', db]);
      const b = await timeNodeOk([CLI, 'status', '--limit', '50', '--json', '--db', db]);
      if (i === 0 && (JSON.parse(b.stdout) as unknown[]).length !== 50) throw new Error('bench: status --json did not list 50 tasks');
      if (i >= CLI_WARMUP) {
        table.push(a.ms);
        json.push(b.ms);
      }
    }
    const tb = summarize(table);
    const js = summarize(json);
    const profiles: string[] = [];
    if (queryProfile) profiles.push(queryProfile);
    for (const [label, s, args] of [
      ['status --limit 50', tb, [] as string[]],
      ['status --limit 50 --json', js, ['--json']],
    ] as const) {
      if (s.median > CLI_GOAL_MS) {
        const p = await profileNode([CLI, 'status', '--limit', '50', ...args, '--db', db], path.join(dir, `profile-${args.length}`));
        profiles.push(formatProfile(`cpu profile of one \`agentrun ${label}\` run (${round(p.wallMs, 1)} ms wall)`, p.summary));
      }
    }
    const queryGoal = atMost(QUERY_GOAL_MS, `< ${QUERY_GOAL_MS} ms`);
    const cliGoal = atMost(CLI_GOAL_MS, `< ${CLI_GOAL_MS} ms`);
    return {
      metrics: [
        { metric: 'listTasks({limit: 50}) median', value: q.median, unit: 'ms', goal: queryGoal },
        { metric: 'listTasks({limit: 50}) p99', value: q.p99, unit: 'ms', goal: queryGoal },
        { metric: 'listTasks(interrupted,failed; 50) median', value: f.median, unit: 'ms' },
        { metric: 'status --limit 50 median', value: tb.median, unit: 'ms', goal: cliGoal },
        { metric: 'status --limit 50 p99', value: tb.p99, unit: 'ms' },
        { metric: 'status --limit 50 --json median', value: js.median, unit: 'ms', goal: cliGoal },
        { metric: 'status --limit 50 --json p99', value: js.p99, unit: 'ms' },
      ],
      details: { tasks: TASKS, insertSeconds, firstQueryMs: round(firstQuery, 3), queryMs: q, filteredQueryMs: f, queryPlan: plan, cliTableMs: tb, cliJsonMs: js, queryRuns: QUERY_RUNS, cliRuns: CLI_RUNS },
      profile: profiles.length ? profiles.join('\n') : undefined,
      notes: [`${TASKS.toLocaleString('en-US')} tasks inserted in ${insertSeconds} s; first listTasks call (statement prepare) ${round(firstQuery, 2)} ms; query plan: ${plan.join(' / ')}`],
    };
  },
};

/**
 * 100,000 tasks over the last 30 days, every status, in one transaction of raw inserts on the store's own schema
 * (the store creates and migrates the file first). Columns the benchmark does not know keep their defaults.
 */
async function insertTasks(file: string, workspace: string): Promise<number> {
  await (await SqliteStore.open(file)).close();
  const started = nowMs();
  const db = openRawDatabase(file);
  db.pragma('synchronous = NORMAL');
  const now = Date.now();
  const insert = db.prepare(
    `INSERT INTO tasks (id, agent_id, goal, workspace, namespace, model, status, step_count, completed_count,
       prompt_tokens, completion_tokens, llm_requests, created_at, updated_at, finished_at)
     VALUES (?, 'agentrun', ?, ?, 'default', 'gpt-4o-mini', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertDefinition = db.prepare('INSERT INTO task_definitions (task_id, definition) VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 0; i < TASKS; i++) {
      const goal = `Summarise the reports of batch ${i} into REPORT-${i}.md and list the open questions`;
      const definition = JSON.stringify(definitionFromGoal(goal));
      const status = TASK_STATUSES[i % TASK_STATUSES.length]!;
      const created = now - Math.floor(((TASKS - i) / TASKS) * 30 * 86_400_000);
      const updated = created + (i % 600) * 1000;
      const steps = 3 + (i % 8);
      const done = status === 'completed' ? steps : i % steps;
      const finished = status === 'completed' || status === 'failed' || status === 'cancelled' ? updated : null;
      const id = `task-${String(i).padStart(6, '0')}`;
      insert.run(id, goal, workspace, status, steps, done, 900 * done, 60 * done, done, created, updated, finished);
      insertDefinition.run(id, definition);
    }
  })();
  db.close();
  return round((nowMs() - started) / 1000, 1);
}

export default benchmark;
