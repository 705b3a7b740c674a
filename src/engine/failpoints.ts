/**
 * Named points in the runner where a crash test can kill the process on the spot:
 * AGENTRUN_FAILPOINTS="after-intent" kills at the first hit, "after-tool@3" at the third, comma-separated for several.
 * Read once at load; when unset, a failpoint is a single undefined check.
 */
export type FailpointName =
  | 'after-plan'
  | 'before-llm-journal'
  | 'after-llm-response'
  | 'after-intent'
  | 'before-outcome'
  | 'after-tool'
  | 'before-step-commit'
  | 'after-step-commit';

const armed = parse(process.env.AGENTRUN_FAILPOINTS);

function parse(spec: string | undefined): Map<string, number> | undefined {
  if (!spec) return undefined;
  const points = new Map<string, number>();
  for (const entry of spec.split(',')) {
    const [name, hit] = entry.trim().split('@');
    if (name) points.set(name, Number(hit ?? 1));
  }
  return points;
}

export function failpoint(name: FailpointName): void {
  if (armed === undefined) return;
  const remaining = armed.get(name);
  if (remaining === undefined) return;
  if (remaining > 1) {
    armed.set(name, remaining - 1);
    return;
  }
  process.kill(process.pid, 'SIGKILL');
}
