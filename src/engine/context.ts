import type { NoteRecord, StepRecord, TaskRecord } from '../store/types.js';

/** A memory recalled for the context, with why it was chosen. */
export interface RecalledMemory {
  id: number;
  text: string;
  reason: string;
}

export interface FactualState {
  task: TaskRecord;
  steps: StepRecord[];
  notes: NoteRecord[];
  memories: RecalledMemory[];
}

const STEP_SYSTEM_PROMPT = `You are agentrun, an agent that carries out one step of a plan at a time.
Work only on the current step. Use the tools you are given; when you make a choice that matters later, call
record_decision with your reasoning, and when you learn a fact about the environment, call record_discovery.
When the step is done, reply with its result as plain text (no tool call): that reply is the step's result.`;

/** For servers that refused tools: the plain-text form of notes the step executor reads from the answer. */
const NOTES_AS_TEXT = `This server cannot call tools. Instead of record_decision, write a line "DECISION: <decision> (because: <reasoning>)";
instead of record_discovery, write a line "DISCOVERY: <fact>". Those lines are taken out of the result.`;

/** The system message of a step: agentrun's rules, then the task's own instructions. */
export function stepSystemPrompt(task: TaskRecord, endpoint: { toolCalls: boolean } = { toolCalls: true }): string {
  const rules = endpoint.toolCalls ? STEP_SYSTEM_PROMPT : `${STEP_SYSTEM_PROMPT}\n${NOTES_AS_TEXT}`;
  const instructions = task.definition.instructions?.trim();
  return instructions ? `${rules}\n\nInstructions for this task:\n${instructions}` : rules;
}

/**
 * The context an LLM step starts from, rebuilt from factual state only — goal, plan with status, completed
 * results, decisions, discoveries, recalled memories — never the earlier conversation. Same text whether this
 * is a fresh step or a resume after a crash, so a restart changes nothing the model sees.
 */
export function resumeContext(state: FactualState, nextStep: number): string {
  const { task, steps, notes, memories } = state;
  const lines: string[] = [];
  const anyDone = steps.some((s) => s.status === 'completed');
  lines.push(anyDone ? 'You are resuming a task.' : 'You are starting a task.', '', `Goal: ${task.goal}`, '', 'Plan:');
  for (const step of steps) {
    const mark = step.status === 'completed' ? 'x' : ' ';
    lines.push(`${step.n}. [${mark}] ${step.name}${step.description ? ` — ${step.description}` : ''}`);
  }
  const completed = steps.filter((s) => s.status === 'completed');
  if (completed.length > 0) {
    lines.push('', 'Completed so far:');
    for (const step of completed) lines.push(`Step ${step.n} (${step.name}): ${step.result ?? ''}`);
  }
  const decisions = notes.filter((n) => n.kind === 'decision');
  if (decisions.length > 0) {
    lines.push('', 'Key decisions:');
    for (const d of decisions) lines.push(`- ${d.text}${d.reasoning ? ` (because: ${d.reasoning})` : ''}`);
  }
  const discoveries = notes.filter((n) => n.kind === 'discovery');
  if (discoveries.length > 0) {
    lines.push('', 'Key discoveries:');
    for (const d of discoveries) lines.push(`- ${d.text}`);
  }
  if (memories.length > 0) {
    lines.push('', 'Relevant memories from earlier tasks:');
    for (const m of memories) lines.push(`- ${m.text} [${m.reason}]`);
  }
  const step = steps.find((s) => s.n === nextStep);
  if (step) {
    lines.push('', `Continue from step ${step.n}: ${step.name}`);
    if (step.description) lines.push(step.description);
    if (step.spec.doneWhen) lines.push(`Done when: ${step.spec.doneWhen}`);
  }
  return lines.join('\n');
}
