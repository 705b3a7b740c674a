import type { EndpointProfile, LlmClient } from '../llm/client.js';
import type { Store, TaskRecord, Usage } from '../store/types.js';
import type { EventListener } from './events.js';
import type { Lease } from './lease.js';

/** What a person is asked when the engine cannot decide alone. */
export interface AttentionRequest {
  kind: 'uncertain-effect' | 'approval';
  taskId: string;
  key: string;
  tool: string;
  args: string;
  step: number;
}
/** retry: run it (for an approval: approve); done: it happened, record so; skip: do not run it; abort: cancel the task. */
export type AttentionAnswer = 'retry' | 'done' | 'skip' | 'abort';
export type AskPerson = (request: AttentionRequest) => Promise<AttentionAnswer>;

/** Everything one run of one task shares: passed to the step executors and the effects journal. */
export interface RunContext {
  store: Store;
  task: TaskRecord;
  signal: AbortSignal;
  lease: Lease;
  emit: EventListener;
  /** Present only when a person can answer (a TTY, not cron). */
  ask: AskPerson | undefined;
  /** The LLM client, created on first use so offline tasks never load the SDK. */
  llm: () => Promise<LlmClient>;
  /** What the LLM endpoint accepts, as learned so far in this task (journaled with every response). */
  endpoint: EndpointProfile;
  /** Tokens used so far, including this run's; checked against `limits.maxTokens`. */
  usage: Usage;
  /** The error to throw when `signal` is aborted, saying why the run stopped. */
  stopped: () => Error;
  /** Progress line the heartbeat records for long steps. */
  setProgress: (line: string) => void;
}

export function throwIfStopped(ctx: RunContext): void {
  if (ctx.signal.aborted) throw ctx.stopped();
}
