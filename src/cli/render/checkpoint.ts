import type { CheckpointDocument } from '../../engine/checkpoint.js';
import { deadlineAt } from '../../engine/deadline.js';
import type { TaskDefinition } from '../../task/schema.js';
import { oneLine, withoutStepPrefix } from './event-line.js';
import { count, paintStatus, plain, type Style } from './style.js';
import type { McpServers } from '../../mcp/config.js';
import { MCP_TOOL_LIST, type McpToolSpec } from '../../mcp/tool-list.js';
import { renderTable } from './table.js';
import { ago, duration } from './time.js';

type PlanStep = CheckpointDocument['plan'][number];
type Run = NonNullable<CheckpointDocument['runs']>[number];
type Effect = CheckpointDocument['effects'][number];

export interface CheckpointView {
  style?: Style;
  /** Terminal columns; long lines are cut to fit. */
  width?: number;
  now?: number;
  /** The status as a person should read it ("running (stale)"), when the caller knows the lease. */
  statusLabel?: string;
  /** Whether the task can be resumed now: its first unfinished step is marked "resumes here". */
  resumable?: boolean;
  /** The runner holding the task now, if one does: its run has no end yet and is still going. */
  liveOwner?: string | null;
  /** For a task whose journals gc removed: when, and how far it had got (the summary row keeps the counts). */
  pruned?: { at: number; completed: number; steps: number };
}

/** `inspect`'s human view: header, the plan as a checklist with results, notes, effects, the result. */
export function renderCheckpoint(doc: CheckpointDocument, view: CheckpointView = {}): string {
  const style = view.style ?? plain;
  const width = view.width ?? 120;
  const now = view.now ?? Date.now();
  const label = (text: string) => style.dim(text.padEnd(9));
  const fit = (text: string, indent: number) => oneLine(text, Math.max(20, width - indent));
  const lines: string[] = [];

  const statusText = paintStatus(style, doc.status, view.statusLabel ?? doc.status, (view.statusLabel ?? doc.status) !== doc.status);
  lines.push(`${label('Task')}${style.bold(doc.task_id)}`);
  lines.push(...wrap(doc.goal, width - 9).map((l, i) => `${i === 0 ? label('Goal') : ' '.repeat(9)}${l}`));
  lines.push(`${label('Status')}${statusText}`);
  // Why it stopped, whole: it may end in the effect key a person needs.
  if (doc.error) lines.push(...wrap(doc.error, width - 9).map((l, i) => `${i === 0 ? label(doc.status === 'failed' ? 'Error' : 'Reason') : ' '.repeat(9)}${l}`));
  const tokens = doc.usage.prompt_tokens + doc.usage.completion_tokens;
  const spans = runSpans(doc.runs ?? [], now, view.liveOwner ?? null);
  const stepTime = doc.plan.reduce((sum, s) => sum + (stepMs(s, spans) ?? 0), 0);
  lines.push(
    `${label('Usage')}${count(tokens)} tokens (${count(doc.usage.prompt_tokens)} in / ${count(doc.usage.completion_tokens)} out, ${doc.usage.requests} requests)` +
      `${stepTime > 0 ? ` · ${duration(stepTime)} in steps` : ''}${doc.usage.requests > 0 ? ` · model ${doc.model ?? 'default'}` : ''}`,
  );
  const times = [`created ${shortIso(doc.created_at)}`, `updated ${ago(Date.parse(doc.updated_at), now)}`];
  if (doc.finished_at) times.push(`finished ${shortIso(doc.finished_at)}`);
  const due = deadlineAt({ createdAt: Date.parse(doc.created_at), definition: doc.definition as unknown as TaskDefinition });
  if (due !== undefined) times.push(`deadline ${shortIso(new Date(due).toISOString())}`);
  lines.push(`${label('Time')}${style.dim(times.join(' · '))}`);

  if (view.pruned) {
    const { at, completed, steps } = view.pruned;
    lines.push('', `${style.bold('Plan')} ${style.dim(`${completed}/${steps} done`)}`);
    lines.push(style.dim(`  (its steps, notes and journals were removed by gc on ${shortIso(new Date(at).toISOString())}; the result and totals above remain)`));
  } else {
    lines.push('', `${style.bold('Plan')} ${style.dim(`${doc.completed.length}/${doc.plan.length} done`)}`);
    if (doc.plan.length === 0) lines.push(style.dim('  (not planned yet)'));
  }
  const resumesAt = view.resumable ? doc.plan.find((s) => s.status !== 'completed')?.step : undefined;
  for (const step of doc.plan) {
    const facts = stepFacts(step, now, doc.status === 'running' && view.resumable !== true, spans);
    const here = step.step === resumesAt ? style.yellow('  ← resumes here') : '';
    lines.push(`  ${mark(style, step.status)} ${step.step}. ${step.name}  ${style.dim(facts)}${here}`);
    const result = doc.results[String(step.step)];
    if (result) for (const line of firstLines(result, 3)) lines.push(`       ${fit(line, 7)}`);
    if (step.status === 'failed' && step.error) lines.push(`       ${style.red(fit(withoutStepPrefix(step.error), 7))}`);
  }

  if (doc.runs && doc.runs.length > 0) {
    lines.push('', `${style.bold('Runs')} ${style.dim('(each process that ran the task)')}`);
    const rows = doc.runs.map((r, i) => [String(r.run), r.how, r.owner, shortIso(r.started_at), runTook(r, spans[i]), paintEnding(style, r), style.dim(runDid(r))]);
    const table = renderTable(['RUN', 'HOW', 'WHO', 'BEGAN', 'TOOK', 'ENDED', 'DID'].map((h) => style.dim(h)), rows, { flex: 5, width: width - 2 });
    lines.push(...table.split('\n').map((l) => `  ${l}`));
  }
  if (doc.decisions.length > 0) {
    lines.push('', style.bold('Decisions'));
    for (const d of doc.decisions) {
      lines.push(`  • ${d.text}${style.dim(stepRef(d.step))}`);
      if (d.reasoning) lines.push(`    ${style.dim('because')} ${fit(d.reasoning, 12)}`);
    }
  }
  if (doc.discoveries.length > 0) {
    lines.push('', style.bold('Discoveries'));
    for (const d of doc.discoveries) lines.push(`  • ${d.text}${style.dim(stepRef(d.step))}`);
  }
  if (doc.unverified_claims.length > 0) {
    lines.push('', `${style.bold(style.yellow('Unverified'))} ${style.dim('(the step says it changed something, but made no tool call)')}`);
    for (const c of doc.unverified_claims) lines.push(`  ! ${fit(c.text, 4)}${style.dim(stepRef(c.step))}`);
  }
  lines.push(...mcpSection(doc, style, width));
  if (doc.effects.length > 0) {
    lines.push('', `${style.bold('Effects')} ${style.dim('(side effects, by idempotency key)')}`);
    const rows = doc.effects.map((e) => [paintEffect(style, e.status), e.tool, e.key, argsSummary(e.args)]);
    const table = renderTable(['STATUS', 'TOOL', 'KEY', 'ARGUMENTS'].map((h) => style.dim(h)), rows, { flex: 3, width: width - 2 });
    lines.push(...table.split('\n').map((l) => `  ${l}`));
  }
  if (doc.result) lines.push('', style.bold('Result'), ...doc.result.split('\n').map((l) => `  ${l}`));
  return lines.join('\n');
}

/** The task's MCP servers as configured (unexpanded), and the tools the latest step was given, with their semantics. */
function mcpSection(doc: CheckpointDocument, style: Style, width: number): string[] {
  const servers = Object.entries((doc.definition as { mcp?: McpServers }).mcp ?? {});
  if (servers.length === 0) return [];
  const lines = ['', style.bold('MCP servers')];
  for (const [name, config] of servers) {
    const where = 'command' in config ? `stdio: ${[config.command, ...config.args].join(' ')}` : `http: ${config.url}`;
    lines.push(`  ${name}  ${style.dim(oneLine(where, Math.max(10, width - name.length - 16)))}${config.trusted ? '  trusted' : ''}`);
  }
  const listed = doc.effects.filter((e) => e.tool === MCP_TOOL_LIST && e.status === 'done' && e.output).at(-1);
  if (listed) {
    const tools = JSON.parse(listed.output!) as McpToolSpec[];
    lines.push(`  ${style.dim(`tools as listed at the start of step ${listed.step}:`)}`);
    const table = renderTable(['TOOL', 'AFTER A CRASH'].map((h) => style.dim(h)), tools.map((t) => [t.name, t.semantics]), { flex: 1, width: width - 4 });
    lines.push(...table.split('\n').map((l) => `    ${l}`));
  }
  return lines;
}

function mark(style: Style, status: string): string {
  switch (status) {
    case 'completed':
      return style.green('✓');
    case 'running':
      return style.cyan('▶');
    case 'failed':
      return style.red('✗');
    default:
      return style.dim('·');
  }
}

function paintEffect(style: Style, status: Effect['status']): string {
  switch (status) {
    case 'done':
      return style.green(status);
    case 'failed':
      return style.red(status);
    case 'uncertain':
    case 'awaiting-approval':
    case 'intent':
      return style.yellow(status);
    case 'skipped':
      return style.dim(status);
    default:
      return style.cyan(status);
  }
}

/** "run · 1.2s · 3,210 tokens · 2 attempts". A step still running shows how long it has been going. */
function stepFacts(step: PlanStep, now: number, live: boolean, spans: Span[]): string {
  const facts: string[] = [step.kind];
  const took = stepMs(step, spans);
  if (took !== undefined) facts.push(duration(took));
  else if (step.status === 'running' && step.started_at) facts.push(live ? `running for ${duration(now - Date.parse(step.started_at))}` : `started ${ago(Date.parse(step.started_at), now)}`);
  const tokens = step.tokens.prompt + step.tokens.completion;
  if (tokens > 0) facts.push(`${count(tokens)} tokens`);
  if (step.attempts > 1) facts.push(`${step.attempts} attempts`);
  return facts.join(' · ');
}

/** When a process was running the task: each run from its start to its end (or its last sign of life, if killed). */
type Span = { from: number; to: number };

function runSpans(runs: Run[], now: number, liveOwner: string | null): Span[] {
  return runs.map((r) => {
    const from = Date.parse(r.started_at);
    // No end yet: the live holder's run goes on until now; a dead one not yet noticed showed no life after it began.
    const to = r.ended_at ? Date.parse(r.ended_at) : r.owner === liveOwner ? now : from;
    return { from, to };
  });
}

/**
 * Time actually spent on a step: from its start to its end, counting only while some run was alive. A step killed
 * mid-way and resumed later does not count the time nothing ran. Without a run history (an imported task), the
 * plain difference.
 */
function stepMs(step: PlanStep, spans: Span[]): number | undefined {
  if (!step.started_at || !step.finished_at || step.status === 'running') return undefined;
  const from = Date.parse(step.started_at);
  const to = Date.parse(step.finished_at);
  if (spans.length === 0) return Math.max(0, to - from);
  return spans.reduce((sum, s) => sum + Math.max(0, Math.min(to, s.to) - Math.max(from, s.from)), 0);
}

function runTook(run: Run, span: Span | undefined): string {
  if (!span || (!run.ended_at && span.to === span.from)) return '';
  return `${run.ended_at ? '' : '≥'}${duration(span.to - span.from)}`;
}

function paintEnding(style: Style, run: Run): string {
  if (!run.ending) return style.cyan('running');
  const text = run.ending === 'interrupted' && run.detail?.startsWith('SIG') ? `interrupted (${run.detail})` : run.ending;
  if (run.ending === 'completed') return style.green(text);
  if (run.ending === 'failed' || run.ending === 'killed' || run.ending === 'error') return style.red(text);
  return style.yellow(text);
}

const HOOK_STATE: Record<NonNullable<Run['hook']>['status'], (hook: NonNullable<Run['hook']>) => string> = {
  pending: () => 'hook pending',
  running: () => 'hook started, outcome unknown',
  done: () => 'hook ran',
  failed: (hook) => `hook failed (${hook.output ?? `exit ${hook.exit_code}`})`,
};

function runDid(run: Run): string {
  const parts = [`${run.steps_completed} ${run.steps_completed === 1 ? 'step' : 'steps'}`];
  if (run.turns_paid > 0 || (run.turns_replayed ?? 0) > 0) parts.push(`${run.turns_paid} turns paid${run.turns_replayed ? `, ${run.turns_replayed} replayed` : ''}`);
  if (run.effects > 0) parts.push(`${run.effects} ${run.effects === 1 ? 'effect' : 'effects'}`);
  if (run.hook) parts.push(HOOK_STATE[run.hook.status](run.hook));
  return parts.join(' · ');
}

function stepRef(step: number | null): string {
  return step === null ? '' : `  (step ${step})`;
}

function firstLines(text: string, n: number): string[] {
  const all = text.split('\n').filter((l) => l.trim() !== '');
  return all.length > n ? [...all.slice(0, n), `… ${all.length - n} more lines`] : all;
}

/** Tool arguments on one line: `order: "order-1", path: "out/a.txt"` for an object, the raw text otherwise. */
export function argsSummary(args: string): string {
  try {
    const parsed: unknown = JSON.parse(args);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return Object.entries(parsed)
        .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
        .join(', ');
    }
  } catch {
    // Not JSON: show it as it is.
  }
  return args.replace(/\s+/g, ' ');
}

/** Words onto lines of at most `width` columns (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.replace(/\s+/g, ' ').trim().split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line];
}

/** 2026-11-24T05:54:40.143Z → 2026-11-24 05:54:40Z */
function shortIso(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
