import type { ChildProcess } from 'node:child_process';
import { spawnCli, type CliResult } from './cli.js';

/**
 * A task whose first step charges once — not idempotent; its check tells whether the charge happened — and then
 * takes two seconds, so a worker can be killed or paused mid-step; the second step ships.
 */
export const CHARGE_ONCE = `goal: charge the customer once
plan:
  - name: charge
    run: echo "charged $AGENTRUN_IDEMPOTENCY_KEY" >> ledger.txt && sleep 2 && echo charged
    idempotent: false
    check: grep -q "charged $AGENTRUN_IDEMPOTENCY_KEY" ledger.txt && echo charged
  - name: ship
    run: echo shipped >> ledger.txt && echo shipped
`;

/** Lease timings for worker tests: a dead worker's task is taken over about a second later. */
export const FAST_LEASES = { AGENTRUN_LEASE_MS: '1200', AGENTRUN_HEARTBEAT_MS: '200' };

/** A spawned `agentrun worker` with its stderr readable while it runs. */
export interface WorkerProcess {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** Everything it wrote to stderr so far. */
  log(): string;
  /** The tasks it claimed so far, in order. */
  claimed(): string[];
}

export function spawnWorker(args: string[], options: { cwd: string; env?: Record<string, string | undefined> }): WorkerProcess {
  let stderr = '';
  const spawned = spawnCli(['worker', ...args], { cwd: options.cwd, env: { ...FAST_LEASES, ...options.env } });
  spawned.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return {
    ...spawned,
    log: () => stderr,
    claimed: () => [...stderr.matchAll(/ claimed (\S+)/g)].map((m) => m[1]!),
  };
}
