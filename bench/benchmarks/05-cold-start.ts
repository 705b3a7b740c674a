import path from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { formatProfile, profileNode } from '../support/cpu-profile.js';
import { CLI } from '../support/paths.js';
import { timeNodeOk } from '../support/spawn.js';
import { round, summarize } from '../support/stats.js';
import { atMost, type Benchmark } from '../support/types.js';

const RUNS = 25;
const WARMUP = 3;
const BUDGET_MS = 120;

/**
 * Whole-process start-up: `agentrun --version` and `agentrun status` on an empty (already created) database, next to
 * `node -e 0`. The three are interleaved run by run so machine drift hits them alike; the goal is on the difference
 * of medians.
 */
const benchmark: Benchmark = {
  name: '5 cold start',
  description: 'agentrun --version and agentrun status (empty database) vs node -e 0, whole process',
  async run({ dir, log }) {
    const db = path.join(dir, 'empty.db');
    await (await SqliteStore.open(db)).close();
    const commands: Record<string, string[]> = {
      'node -e 0': ['-e', '0'],
      'agentrun --version': [CLI, '--version'],
      'agentrun status': [CLI, 'status', '--db', db],
    };
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
    log(`  ${RUNS} runs of each (+${WARMUP} warm-up), interleaved`);
    for (let i = 0; i < WARMUP + RUNS; i++) {
      for (const [name, args] of Object.entries(commands)) {
        const run = await timeNodeOk(args);
        if (i >= WARMUP) samples[name]!.push(run.ms);
      }
    }
    const node = summarize(samples['node -e 0']!);
    const version = summarize(samples['agentrun --version']!);
    const status = summarize(samples['agentrun status']!);
    const goal = atMost(BUDGET_MS, `<= +${BUDGET_MS} ms`);
    const versionOver = round(version.median - node.median, 1);
    const statusOver = round(status.median - node.median, 1);
    let profile: string | undefined;
    if (versionOver > BUDGET_MS || statusOver > BUDGET_MS) {
      const worst = statusOver >= versionOver ? ['status', '--db', db] : ['--version'];
      const p = await profileNode([CLI, ...worst], path.join(dir, 'profile'));
      profile = formatProfile(`cpu profile of one \`agentrun ${worst[0]}\` run (${round(p.wallMs, 1)} ms wall; node itself: ${node.median} ms)`, p.summary);
    }
    return {
      metrics: [
        { metric: 'node -e 0 median', value: node.median, unit: 'ms' },
        { metric: 'node -e 0 p99', value: node.p99, unit: 'ms' },
        { metric: '--version median', value: version.median, unit: 'ms' },
        { metric: '--version p99', value: version.p99, unit: 'ms' },
        { metric: 'status (empty db) median', value: status.median, unit: 'ms' },
        { metric: 'status (empty db) p99', value: status.p99, unit: 'ms' },
        { metric: '--version over bare node (median)', value: versionOver, unit: 'ms', goal },
        { metric: 'status over bare node (median)', value: statusOver, unit: 'ms', goal },
      ],
      details: { runs: RUNS, warmup: WARMUP, node, version, status },
      profile,
    };
  },
};

export default benchmark;
