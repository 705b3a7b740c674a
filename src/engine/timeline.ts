import type { EffectRecord, NoteRecord, RunEnding, RunRecord, StepRecord, TaskRecord, TurnPhase, TurnRecord } from '../store/types.js';

/**
 * A task's history as dated entries, rebuilt from what the store keeps (steps, LLM turns, effects, notes): what
 * `agentrun logs` prints. Each entry has an `id` that stays the same as the task moves on, so a follower prints
 * each entry once however often it rebuilds the timeline.
 */
export type TimelineEntry = { id: string; at: number; taskId: string } & (
  | { type: 'task-created'; goal: string }
  | { type: 'run-began'; run: number; owner: string; how: RunRecord['how'] }
  | { type: 'run-ended'; run: number; owner: string; ending: RunEnding; detail: string | null; stepsCompleted: number; turnsPaid: number; turnsReplayed: number | null; effects: number }
  | { type: 'step-started'; step: number; total: number; name: string; attempt: number }
  | { type: 'step-completed'; step: number; total: number; name: string; result: string }
  | { type: 'step-failed'; step: number; total: number; name: string; error: string }
  | { type: 'llm-turn'; phase: TurnPhase; step: number; turn: number; promptTokens: number; completionTokens: number }
  | { type: 'tool-call'; step: number; key: string; tool: string; args: string; status: EffectRecord['status']; output: string | null }
  | { type: 'note'; kind: NoteRecord['kind']; step: number | null; text: string }
  | { type: 'task-finished'; status: TaskRecord['status']; result: string | null; error: string | null }
);

export interface TimelineSources {
  task: TaskRecord;
  steps: StepRecord[];
  turns: Pick<TurnRecord, 'phase' | 'step' | 'turn' | 'promptTokens' | 'completionTokens' | 'createdAt'>[];
  effects: EffectRecord[];
  notes: NoteRecord[];
  runs: RunRecord[];
}

/**
 * Where an entry goes among entries of the same millisecond: a run begins before what it does, and ends after it
 * (after the task's own end, which it records). A task's failure and its run's end often share a millisecond.
 */
const TIE_ORDER: Partial<Record<TimelineEntry['type'], number>> = { 'task-created': -2, 'run-began': -1, 'task-finished': 1, 'run-ended': 2 };

/** The entries in time order (other ties keep the order they are listed in here: Array.sort is stable). */
export function buildTimeline({ task, steps, turns, effects, notes, runs }: TimelineSources): TimelineEntry[] {
  const taskId = task.id;
  const total = steps.length;
  const entries: TimelineEntry[] = [{ id: 'created', at: task.createdAt, taskId, type: 'task-created', goal: task.goal }];
  for (const r of runs) {
    entries.push({ id: `run-${r.seq}-began`, at: r.startedAt, taskId, type: 'run-began', run: r.seq, owner: r.owner, how: r.how });
    if (r.endedAt !== null && r.ending !== null) {
      const { ending, detail, stepsCompleted, turnsPaid, turnsReplayed, effects } = r;
      entries.push({ id: `run-${r.seq}-ended`, at: r.endedAt, taskId, type: 'run-ended', run: r.seq, owner: r.owner, ending, detail, stepsCompleted, turnsPaid, turnsReplayed, effects });
    }
  }
  for (const s of steps) {
    if (s.startedAt !== null) entries.push({ id: `step-${s.n}-started`, at: s.startedAt, taskId, type: 'step-started', step: s.n, total, name: s.name, attempt: Math.max(1, s.attempts) });
    if (s.status === 'completed' && s.finishedAt !== null) {
      entries.push({ id: `step-${s.n}-completed`, at: s.finishedAt, taskId, type: 'step-completed', step: s.n, total, name: s.name, result: s.result ?? '' });
    }
    if (s.status === 'failed' && s.finishedAt !== null) {
      entries.push({ id: `step-${s.n}-failed-${s.attempts}`, at: s.finishedAt, taskId, type: 'step-failed', step: s.n, total, name: s.name, error: s.error ?? '' });
    }
  }
  for (const t of turns) {
    entries.push({ id: `turn-${t.phase}-${t.step}-${t.turn}`, at: t.createdAt, taskId, type: 'llm-turn', phase: t.phase, step: t.step, turn: t.turn, promptTokens: t.promptTokens, completionTokens: t.completionTokens });
  }
  for (const e of effects) {
    // Only an effect's latest state is kept: an intent shows until its outcome replaces it.
    entries.push({ id: `effect-${e.key}-${e.status}`, at: e.updatedAt, taskId, type: 'tool-call', step: e.step, key: e.key, tool: e.tool, args: e.args, status: e.status, output: e.output });
  }
  for (const n of notes) entries.push({ id: `note-${n.seq}`, at: n.createdAt, taskId, type: 'note', kind: n.kind, step: n.step, text: n.text });
  // How the task stands once settled; an interruption is told by the run that was interrupted.
  if (task.status === 'completed' || task.status === 'failed' || task.status === 'cancelled' || task.status === 'needs-attention') {
    entries.push({ id: `finished-${task.status}-${task.finishedAt ?? task.updatedAt}`, at: task.finishedAt ?? task.updatedAt, taskId, type: 'task-finished', status: task.status, result: task.result, error: task.error });
  }
  return entries.sort((a, b) => a.at - b.at || (TIE_ORDER[a.type] ?? 0) - (TIE_ORDER[b.type] ?? 0));
}
