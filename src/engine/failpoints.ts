/**
 * Named points in the runner (and in `transfer`) where a crash test can kill — or freeze — the process on the spot:
 * AGENTRUN_FAILPOINTS="after-intent" kills at the first hit, "after-tool@3" at the third, comma-separated for several;
 * a ":stop" suffix ("after-intent:stop") freezes the process with SIGSTOP instead (a paused laptop, a frozen VM), so a
 * test can let another runner take over and then wake it with SIGCONT.
 * Read once at load; when unset, a failpoint is a single undefined check.
 */
export type FailpointName =
  | 'after-lease'
  | 'after-plan'
  | 'before-llm-journal'
  | 'after-llm-response'
  | 'after-intent'
  | 'after-spawn'
  | 'before-outcome'
  | 'after-tool'
  | 'before-step-commit'
  | 'after-step-commit'
  | 'after-finish'
  /** `transfer`: the target committed, nothing removed from the source yet. */
  | 'after-transfer-commit';

interface Armed {
  remaining: number;
  action: 'SIGKILL' | 'SIGSTOP';
}

const armed = parse(process.env.AGENTRUN_FAILPOINTS);

function parse(spec: string | undefined): Map<string, Armed> | undefined {
  if (!spec) return undefined;
  const points = new Map<string, Armed>();
  for (const entry of spec.split(',')) {
    const [point, action] = entry.trim().split(':');
    const [name, hit] = (point ?? '').split('@');
    if (name) points.set(name, { remaining: Number(hit ?? 1), action: action === 'stop' ? 'SIGSTOP' : 'SIGKILL' });
  }
  return points;
}

export function failpoint(name: FailpointName): void {
  if (armed === undefined) return;
  const point = armed.get(name);
  if (point === undefined || point.remaining === 0) return;
  point.remaining -= 1;
  if (point.remaining === 0) process.kill(process.pid, point.action);
}
