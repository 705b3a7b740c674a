import { realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli, waitFor, type CliResult } from './support/cli.js';
import { callKind, stepOf, turnOf } from './support/llm-script.js';
import { COUNTING_SERVER, countedCalls, countsByKey, processesIn, startHttpCountingServer } from './support/mcp-servers.js';
import type { RecordedRequest, Reply } from './support/openai-server.js';
import { useScriptedWorkspace, type ScriptedWorkspace } from './support/scripted-workspace.js';
import { seededRandom } from './support/seeded-random.js';

/**
 * kill -9 of agentrun between an MCP call's intent and its outcome, many times at seeded moments, against our counting
 * server (over stdio and over streamable HTTP). The server counts calls per idempotency key, so the counts prove
 * what happened: a trusted idempotent tool is called again after a crash lost its answer; an untrusted one is never
 * called again without its check's or a person's word.
 */
const STEPS = 6;
const MIN_KILLS = 8;
/** Long enough for the test to see the call arrive and kill agentrun before the answer. */
const CALL_DELAY_MS = 300;

let ws: ScriptedWorkspace;
useScriptedWorkspace((workspace) => (ws = workspace));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

type Transport = 'stdio' | 'http';
interface Variant {
  transport: Transport;
  trusted: boolean;
  check: boolean;
}

function serverConfig(variant: Variant, countFile: string, url: string | undefined): string {
  const where =
    variant.transport === 'stdio'
      ? `    command: node
    args: ["${COUNTING_SERVER}"]
    env: { COUNT_FILE: "${countFile}", CALL_DELAY_MS: "${CALL_DELAY_MS}", OUTLIVE_CLIENT: "1" }`
      : `    url: "${url}"`;
  return `mcp:
  bank:
${where}
    trusted: ${variant.trusted}
    tools: [charge]
${variant.check ? '    effects: { charge: { check: { tool: was_charged } } }\n' : ''}`;
}

function taskFile(variant: Variant, countFile: string, url?: string): string {
  const plan = Array.from({ length: STEPS }, (_, i) => `  - name: order-${i + 1}\n    description: charge order-${i + 1}`).join('\n');
  return `goal: Charge ${STEPS} orders
plan:
${plan}
limits: { maxSteps: ${STEPS} }
retry: { maxAttempts: 3, initialDelay: 10ms, maxDelay: 50ms }
${serverConfig(variant, countFile, url)}`;
}

/** Each step charges its order, then answers. A pure function of the request, so replays and live turns agree. */
function script(request: RecordedRequest): Reply {
  if (callKind(request) === 'final') return { content: `${STEPS} orders charged` };
  const step = stepOf(request);
  return turnOf(request) === 0 ? { toolCalls: [{ name: 'bank__charge', arguments: { order: `order-${step}` } }] } : { content: `order-${step} charged` };
}

function openIntents(db: string): string[] {
  const sqlite = new Database(db, { readonly: true });
  try {
    return (sqlite.prepare("SELECT key FROM effects WHERE tool = 'bank__charge' AND status IN ('intent', 'uncertain')").all() as { key: string }[]).map((r) => r.key);
  } finally {
    sqlite.close();
  }
}

async function crashUntilDone(variant: Variant, seed: number) {
  const countFile = path.join(ws.dir, 'calls.jsonl');
  let url: string | undefined;
  if (variant.transport === 'http') {
    const http = await startHttpCountingServer(countFile, { CALL_DELAY_MS: String(CALL_DELAY_MS) });
    cleanups.push(http.close);
    url = http.url;
  }
  writeFileSync(path.join(ws.dir, 'task.yaml'), taskFile(variant, countFile, url));
  ws.server.script(script);
  const env = { OPENAI_BASE_URL: ws.server.url, OPENAI_API_KEY: 'k' };
  const cli = (args: string[], extra: Record<string, string> = {}) => spawnCli([...args, '--db', ws.db], { cwd: ws.dir, env: { ...env, ...extra } });
  const random = seededRandom(seed);

  let kills = 0;
  let runs = 0;
  let personAsked = 0;
  /** Per key: how many times a kill lost the answer of a call that had reached the server. */
  const lostAnswers = new Map<string, number>();
  const schedule: string[] = [];
  let last: CliResult | undefined;
  while (runs < 80) {
    const args = runs === 0 ? ['start', '--task', 'task.yaml', '--id', 'bank'] : ['resume', 'bank'];
    runs += 1;
    const before = countsByKey(countFile);
    let result: CliResult;
    const mode = kills >= MIN_KILLS ? 'none' : (['mid-call', 'after-intent', 'before-outcome', 'random'] as const)[Math.floor(random() * 4)]!;
    schedule.push(mode);
    if (mode === 'after-intent' || mode === 'before-outcome') {
      // The first hit may be the journaled tool list's intent (a step's call 0) or the charge's.
      result = await cli(args, { AGENTRUN_FAILPOINTS: `${mode}@${1 + Math.floor(random() * 2)}` }).done;
    } else if (mode === 'none') {
      result = await cli(args).done;
    } else {
      const run = cli(args);
      let exited = false;
      void run.done.then(() => (exited = true));
      const calls = countedCalls(countFile).length;
      if (mode === 'mid-call') await waitFor(() => exited || countedCalls(countFile).length > calls, 'a call to reach the server');
      else await new Promise((resolve) => setTimeout(resolve, 100 + Math.floor(random() * 600)));
      if (!exited) run.child.kill('SIGKILL');
      result = await run.done;
    }
    if (result.signal === 'SIGKILL') {
      kills += 1;
      // The call reached the server during this run and its outcome is not journaled: the crash lost its answer.
      const after = countsByKey(countFile);
      for (const key of openIntents(ws.db)) if ((after.get(key) ?? 0) > (before.get(key) ?? 0)) lostAnswers.set(key, (lostAnswers.get(key) ?? 0) + 1);
      continue;
    }
    if (result.code === 0) {
      last = result;
      break;
    }
    // Only an untrusted tool without a check may ask a person — and then nothing was repeated meanwhile.
    expect(result.code, `run ${runs} (${schedule.join(', ')}): ${result.stderr}`).toBe(4);
    expect(variant.trusted || variant.check, result.stderr).toBe(false);
    expect(countsByKey(countFile), 'a run that stopped for a person called nothing again').toEqual(before);
    const [key] = openIntents(ws.db);
    expect(result.stderr).toContain(`bank__charge may or may not have happened`);
    expect(result.stderr).toContain(key!);
    // The person looks at the server's records and says what happened.
    personAsked += 1;
    const answer = countsByKey(countFile).get(key!) ? '--done' : '--retry';
    const resolved = await runCli(['resolve', 'bank', key!, answer, '--db', ws.db], { cwd: ws.dir });
    expect(resolved.code, resolved.stderr).toBe(0);
  }
  expect(kills, schedule.join(', ')).toBeGreaterThanOrEqual(MIN_KILLS);
  expect(last?.code, last?.stderr).toBe(0);
  return { counts: countsByKey(countFile), lostAnswers, personAsked, schedule };
}

const keys = Array.from({ length: STEPS }, (_, i) => `bank:${i + 1}:1:1`);

describe.each(['stdio', 'http'] as const)('MCP calls under kill -9 over %s', (transport) => {
  it('a trusted idempotent tool is called again when a crash lost its answer, and only then', async () => {
    const { counts, lostAnswers, schedule } = await crashUntilDone({ transport, trusted: true, check: false }, transport === 'stdio' ? 1601 : 1602);
    expect([...counts.keys()].sort(), schedule.join(', ')).toEqual(keys);
    for (const key of keys) expect(counts.get(key), `${key}: ${schedule.join(', ')}`).toBe(1 + (lostAnswers.get(key) ?? 0));
    expect([...lostAnswers.values()].reduce((a, b) => a + b, 0), `the schedule lost no answer: ${schedule.join(', ')}`).toBeGreaterThan(0);
    if (transport === 'stdio') expect(processesIn(realpathSync(ws.dir)), 'servers left by killed runs').toEqual([]);
  });

  it('an untrusted tool without a check is never called again without a person', async () => {
    const { counts, personAsked, lostAnswers, schedule } = await crashUntilDone({ transport, trusted: false, check: false }, transport === 'stdio' ? 1603 : 1604);
    for (const key of keys) expect(counts.get(key), `${key}: ${schedule.join(', ')}`).toBe(1);
    expect(personAsked, schedule.join(', ')).toBeGreaterThan(0);
    expect(lostAnswers.size).toBeGreaterThan(0);
    if (transport === 'stdio') expect(processesIn(realpathSync(ws.dir)), 'servers left by killed runs').toEqual([]);
  });
});

describe('MCP calls under kill -9 with a check tool', () => {
  it('an untrusted tool with a check is settled by it: every charge exactly once, no person asked', async () => {
    const { counts, personAsked, lostAnswers, schedule } = await crashUntilDone({ transport: 'stdio', trusted: false, check: true }, 1605);
    for (const key of keys) expect(counts.get(key), `${key}: ${schedule.join(', ')}`).toBe(1);
    expect(personAsked).toBe(0);
    expect(lostAnswers.size, schedule.join(', ')).toBeGreaterThan(0);
    expect(processesIn(realpathSync(ws.dir))).toEqual([]);
  });
});
