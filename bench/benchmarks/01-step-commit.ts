import { statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { LeaseFence } from '../../src/store/types.js';
import { openRawDatabase, resultText, stepNotes, storeWithPlannedTask, truncateWal, walFrames, walSize } from '../support/fixtures.js';
import { median, nowMs, round, summarize, timeInterleaved } from '../support/stats.js';
import { atMost, type Benchmark, type Metric } from '../support/types.js';

const TASK = 'bench-commit';
const RESULT_BYTES = 10 * 1024;
const WARMUP = 100;
const SAMPLES = 2000;
const CPU_SAMPLES = 500;
const PAGE_SAMPLES = 20;
const PLAN_SIZES = [20, 200, 2000];

const RAW_SCHEMA = 'CREATE TABLE results (id INTEGER PRIMARY KEY, task_id TEXT NOT NULL, n INTEGER NOT NULL, result TEXT NOT NULL)';

/**
 * Committing one completed step (SqliteStore.completeStep: the step row with a 10 KB result, two notes and the task
 * header, one transaction, synchronous=FULL) against the physical limit: a raw better-sqlite3 insert of one 10 KB row
 * with the same pragmas. The two are interleaved in one loop (alternating which goes first) so drift hits both alike.
 * The task is LLM-planned (the plan lives in the steps table); a fixed plan in the task file is measured separately.
 */
const benchmark: Benchmark = {
  name: '1 step commit',
  description: 'completeStep (10 KB result + 2 notes, durable) vs a raw single-row 10 KB insert with the same pragmas',
  async run({ dir, log }) {
    log(`  ${WARMUP} + ${SAMPLES} commits each, interleaved`);
    const durable = await commitLoop(dir, 'durable', WARMUP + SAMPLES, WARMUP, 'full');
    log(`  breakdown: ${CPU_SAMPLES} commits each without the commit fsync (synchronous=NORMAL)`);
    const cpu = await commitLoop(dir, 'nosync', WARMUP + CPU_SAMPLES, WARMUP, 'normal');
    log(`  breakdown: pages per statement of the commit`);
    const perStatement = await pagesPerStatement(dir);
    log(`  fixed plans of ${PLAN_SIZES.join(', ')} steps in the task definition`);
    const byPlan = [];
    for (const steps of PLAN_SIZES) byPlan.push({ steps, ...(await fixedPlanCommits(dir, steps)) });

    const s = summarize(durable.storeMs);
    const r = summarize(durable.rawMs);
    const cs = summarize(cpu.storeMs);
    const cr = summarize(cpu.rawMs);
    const storeCp = withoutCheckpoints(durable.storeMs, durable.storeCheckpointed);
    const rawCp = withoutCheckpoints(durable.rawMs, durable.rawCheckpointed);
    const medianRatio = s.median / r.median;
    const p99Ratio = s.p99 / r.p99;
    const goal = atMost(1.5, '<= 1.5x raw');
    const missed = medianRatio > goal.target || p99Ratio > goal.target;
    const breakdown = [
      'Breakdown of one commit (medians):',
      `  store: ${s.median} ms durable, ${cs.median} ms without the commit fsync (synchronous=NORMAL): fsync + WAL write ~${round(s.median - cs.median, 3)} ms`,
      `  raw:   ${r.median} ms durable, ${cr.median} ms without the commit fsync: fsync + WAL write ~${round(r.median - cr.median, 3)} ms`,
      `  automatic WAL checkpoints: ${storeCp.checkpointing} of ${storeCp.of} store commits (median ${storeCp.checkpointingMedian} ms), ${rawCp.checkpointing} of ${rawCp.of} raw inserts (median ${rawCp.checkpointingMedian} ms)`,
      `  p99 without the checkpointing commits: store ${storeCp.plain.p99} ms, raw ${rawCp.plain.p99} ms (${round(storeCp.plain.p99 / rawCp.plain.p99, 2)}x)`,
      `  WAL pages per commit: store ${durable.storeFrames} (${durable.storeWalBytes} B), raw ${durable.rawFrames} (${durable.rawWalBytes} B)`,
      '  pages per statement of completeStep, each committed alone (same SQL and schema):',
      ...perStatement.map((p) => `    ${p.frames.toFixed(1).padStart(5)}  ${p.part}`),
      '  with a fixed plan in the task definition (the task row is rewritten whole, definition included, on every commit):',
      ...byPlan.map((p) => `    plan of ${String(p.steps).padStart(5)} steps: definition ${p.definitionBytes} B, ${p.frames} pages/commit, ${p.ms} ms median`),
    ].join('\n');
    const planMetrics: Metric[] = byPlan.map((p) => ({ metric: `completeStep median, fixed plan of ${p.steps}`, value: p.ms, unit: 'ms' }));
    return {
      metrics: [
        { metric: 'completeStep median', value: s.median, unit: 'ms' },
        { metric: 'completeStep p99', value: s.p99, unit: 'ms' },
        { metric: 'raw 10 KB insert median', value: r.median, unit: 'ms' },
        { metric: 'raw 10 KB insert p99', value: r.p99, unit: 'ms' },
        { metric: 'ratio store/raw (median)', value: round(medianRatio, 2), unit: 'x', goal },
        { metric: 'ratio store/raw (p99)', value: round(p99Ratio, 2), unit: 'x', goal },
        { metric: 'WAL pages per commit (store / raw)', value: round(durable.storeFrames / durable.rawFrames, 2), unit: 'x' },
        ...planMetrics,
      ],
      details: {
        samples: SAMPLES,
        warmup: WARMUP,
        resultBytes: RESULT_BYTES,
        notesPerStep: 2,
        storeMs: s,
        rawMs: r,
        withoutFsync: { storeMs: cs, rawMs: cr },
        autoCheckpoints: { store: storeCp, raw: rawCp },
        walPerCommit: { storeBytes: durable.storeWalBytes, storeFrames: durable.storeFrames, rawBytes: durable.rawWalBytes, rawFrames: durable.rawFrames },
        pagesPerStatement: perStatement,
        fixedPlanInDefinition: byPlan,
      },
      profile: missed ? breakdown : undefined,
      notes: missed ? [] : [breakdown],
    };
  },
};

async function commitLoop(dir: string, label: string, total: number, warmup: number, durability: 'full' | 'normal') {
  const storeFile = path.join(dir, `store-${label}.db`);
  const rawFile = path.join(dir, `raw-${label}.db`);
  const { store, fence } = await storeWithPlannedTask(storeFile, TASK, total + PAGE_SAMPLES, dir);
  await store.setDurability(durability);
  const raw = openRawDatabase(rawFile);
  if (durability === 'normal') raw.pragma('synchronous = NORMAL');
  raw.exec(RAW_SCHEMA);
  const insert = raw.prepare('INSERT INTO results (task_id, n, result) VALUES (?, ?, ?)');

  const storeMs: number[] = [];
  const rawMs: number[] = [];
  // In WAL mode the main file is written only by checkpoints: a commit after which its mtime moved ran SQLite's
  // automatic checkpoint (every 1000 WAL pages), which is what the slowest commits are.
  const storeCheckpointed: boolean[] = [];
  const rawCheckpointed: boolean[] = [];
  const storeMtime = mtimeWatcher(storeFile);
  const rawMtime = mtimeWatcher(rawFile);
  for (let n = 1; n <= total; n++) {
    const result = resultText(RESULT_BYTES, n);
    const notes = stepNotes(n);
    await store.startStep(TASK, n, { attempts: 1, firstTurn: 1 }, fence);
    const [s, r] = await timeInterleaved(
      n,
      () => store.completeStep(TASK, n, { result, notes }, fence),
      () => insert.run(TASK, n, result),
    );
    const storeMoved = storeMtime();
    const rawMoved = rawMtime();
    if (n > warmup) {
      storeMs.push(s);
      rawMs.push(r);
      storeCheckpointed.push(storeMoved);
      rawCheckpointed.push(rawMoved);
    }
  }

  const pageSize = Number(raw.pragma('page_size', { simple: true }));
  const storeWalBytes = median(await storeCommitBytes(store, fence, storeFile, total + 1, PAGE_SAMPLES));
  const rawCheckpointer = new Database(rawFile);
  const rawBytes: number[] = [];
  for (let n = total + 1; n <= total + PAGE_SAMPLES; n++) {
    truncateWal(rawCheckpointer);
    insert.run(TASK, n, resultText(RESULT_BYTES, n));
    rawBytes.push(walSize(rawFile));
  }
  rawCheckpointer.close();
  await store.close();
  raw.close();
  const rawWalBytes = median(rawBytes);
  return {
    storeMs,
    rawMs,
    storeCheckpointed,
    rawCheckpointed,
    storeWalBytes,
    rawWalBytes,
    storeFrames: round(walFrames(storeWalBytes, pageSize, true), 1),
    rawFrames: round(walFrames(rawWalBytes, pageSize, true), 1),
  };
}

/** Returns a function telling whether the file's mtime moved since its last call. */
function mtimeWatcher(file: string): () => boolean {
  let last = statSync(file, { bigint: true }).mtimeNs;
  return () => {
    const now = statSync(file, { bigint: true }).mtimeNs;
    const moved = now !== last;
    last = now;
    return moved;
  };
}

/** Latency of the commits that did not run an automatic checkpoint, and how many did. */
function withoutCheckpoints(ms: number[], checkpointed: boolean[]) {
  const plain = ms.filter((_, i) => !checkpointed[i]);
  const with_ = ms.filter((_, i) => checkpointed[i]);
  return { checkpointing: with_.length, of: ms.length, plain: summarize(plain), checkpointingMedian: with_.length ? round(median(with_), 3) : null };
}

/** WAL bytes each of `count` completeStep calls appends, starting at step `from` (truncating the WAL before each). */
async function storeCommitBytes(store: SqliteStore, fence: LeaseFence, file: string, from: number, count: number): Promise<number[]> {
  const checkpointer = new Database(file);
  const bytes: number[] = [];
  for (let n = from; n < from + count; n++) {
    await store.startStep(TASK, n, { attempts: 1, firstTurn: 1 }, fence);
    truncateWal(checkpointer);
    await store.completeStep(TASK, n, { result: resultText(RESULT_BYTES, n), notes: stepNotes(n) }, fence);
    bytes.push(walSize(file));
  }
  checkpointer.close();
  return bytes;
}

/**
 * The statements of SqliteStore.completeStep (src/store/sqlite/sqlite-store.ts), each committed alone on the store's
 * own schema, to see which one writes the pages. Mirrors the store's SQL; if that changes, update this.
 */
async function pagesPerStatement(dir: string): Promise<{ part: string; frames: number }[]> {
  const file = path.join(dir, 'statements.db');
  const total = 200 + PAGE_SAMPLES;
  const { store, fence } = await storeWithPlannedTask(file, TASK, total, dir);
  for (let n = 1; n <= 200; n++) {
    await store.startStep(TASK, n, { attempts: 1, firstTurn: 1 }, fence);
    await store.completeStep(TASK, n, { result: resultText(RESULT_BYTES, n), notes: stepNotes(n) }, fence);
  }
  await store.close();
  const db = openRawDatabase(file);
  const checkpointer = new Database(file);
  const pageSize = Number(db.pragma('page_size', { simple: true }));
  const parts: { part: string; run: (n: number) => void }[] = [
    {
      part: "UPDATE steps SET status='completed', result=<10 KB> ... (the step row)",
      run: (n) =>
        db
          .prepare(`UPDATE steps SET status = 'completed', result = ?, error = NULL, finished_at = ? WHERE task_id = ? AND n = ?`)
          .run(resultText(RESULT_BYTES, n), Date.now(), TASK, n),
    },
    {
      part: 'SELECT MAX(seq) + 2 x INSERT INTO notes (two notes)',
      run: (n) => {
        const { next } = db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM notes WHERE task_id = ?').get(TASK) as { next: number };
        const insert = db.prepare('INSERT INTO notes (task_id, seq, kind, text, reasoning, step, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
        stepNotes(n).forEach((note, i) => insert.run(TASK, next + i, note.kind, note.text, note.reasoning, note.step, Date.now()));
      },
    },
    {
      part: 'UPDATE tasks SET completed_count+1, current_step=NULL, updated_at (task row + 2 indexes)',
      run: () => {
        db.prepare('UPDATE tasks SET current_step = 7, updated_at = ? WHERE id = ?').run(Date.now() - 1, TASK);
        truncateWal(checkpointer);
        db.prepare('UPDATE tasks SET completed_count = completed_count + 1, current_step = NULL, updated_at = ? WHERE id = ?').run(Date.now(), TASK);
      },
    },
  ];
  const result: { part: string; frames: number }[] = [];
  for (const { part, run } of parts) {
    const bytes: number[] = [];
    for (let n = 201; n <= total; n++) {
      db.prepare(`UPDATE steps SET status = 'running' WHERE task_id = ? AND n = ?`).run(TASK, n);
      truncateWal(checkpointer);
      run(n);
      bytes.push(walSize(file));
    }
    result.push({ part, frames: round(walFrames(median(bytes), pageSize, true), 1) });
    // Put the steps back to pending so every part starts from the same state.
    db.prepare(`UPDATE steps SET status = 'pending', result = NULL WHERE task_id = ? AND n > 200`).run(TASK);
  }
  checkpointer.close();
  db.close();
  return result;
}

/** Commit time and WAL pages for a task whose definition carries a fixed plan of `steps` steps. */
async function fixedPlanCommits(dir: string, steps: number): Promise<{ definitionBytes: number; frames: number; ms: number }> {
  const file = path.join(dir, `plan-${steps}.db`);
  const count = 20;
  const { store, definition, fence } = await storeWithPlannedTask(file, TASK, Math.max(steps, 3 * count), dir, { planInDefinition: true });
  const ms: number[] = [];
  for (let n = 1; n <= 2 * count; n++) {
    await store.startStep(TASK, n, { attempts: 1, firstTurn: 1 }, fence);
    const t = nowMs();
    await store.completeStep(TASK, n, { result: resultText(RESULT_BYTES, n), notes: stepNotes(n) }, fence);
    if (n > count) ms.push(nowMs() - t);
  }
  const bytes = await storeCommitBytes(store, fence, file, 2 * count + 1, count);
  await store.close();
  return { definitionBytes: JSON.stringify(definition).length, frames: round(walFrames(median(bytes), 4096, true), 1), ms: round(median(ms), 3) };
}

export default benchmark;
