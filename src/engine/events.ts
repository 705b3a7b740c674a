import type { TaskStatus, TurnPhase } from '../store/types.js';

/** What the engine reports while it works. The CLI renders these; tests and library users may listen too. */
export type RunEvent =
  | { type: 'task-started'; taskId: string; resumed: boolean; goal: string }
  | { type: 'planned'; taskId: string; steps: { n: number; name: string }[]; byLlm: boolean }
  | { type: 'step-started'; taskId: string; n: number; total: number; name: string; attempt: number }
  | { type: 'step-completed'; taskId: string; n: number; total: number; name: string; result: string }
  | { type: 'step-failed'; taskId: string; n: number; name: string; error: string }
  | { type: 'llm-request'; taskId: string; phase: TurnPhase; step: number; turn: number; replayed: boolean; tokens: number; estimated?: boolean }
  | { type: 'tool-call'; taskId: string; step: number; key: string; tool: string; outcome: string }
  /** The LLM's answer was not usable as it stood (empty, cut off, a bad tool call): what the engine does about it. */
  | { type: 'llm-answer-rejected'; taskId: string; phase: TurnPhase; step: number; turn: number; reason: string; action: string }
  | { type: 'retrying'; taskId: string; attempt: number; delayMs: number; reason: string }
  | { type: 'memory-recalled'; taskId: string; count: number }
  | { type: 'warning'; taskId: string; message: string }
  | { type: 'hook'; taskId: string; event: string; command: string; ok: boolean; exitCode: number | null; output: string }
  | { type: 'task-finished'; taskId: string; status: TaskStatus; result: string | null; error: string | null };

export type EventListener = (event: RunEvent) => void;
