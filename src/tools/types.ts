export interface ToolContext {
  /** Absolute path of the task's workspace directory. */
  workspace: string;
  taskId: string;
  /** 1-based step number. */
  step: number;
  /** "<task-id>:<step>:<turn>:<call>" */
  idempotencyKey: string;
  /** Abort => stop the tool's process. */
  signal: AbortSignal;
  /** Bytes; the output a tool returns is cut to this with truncateOutput(). */
  outputLimit: number;
  /**
   * Called with the pid of a process the tool starts (its own process group), so the runner can journal it; the
   * process does not begin its work before the returned promise resolves (see runCommand).
   */
  onSpawn?: (pid: number) => Promise<void>;
}

export interface Tool {
  name: string;
  description: string;
  /** JSON schema of the arguments object, sent to the LLM. */
  parameters: Record<string, unknown>;
  /** True = safe to simply run again if a crash left its outcome unknown. */
  idempotent: boolean;
  /** True = a person must approve each call before it runs. */
  approve: boolean;
  /**
   * Gets ready to run (starts a server); called before the intent is journaled, so a failure here is known not to
   * have caused the effect.
   */
  prepare?(): Promise<void>;
  /** Returns the output the LLM sees. */
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<string>;
  /** Only for non-idempotent tools that declare one: did the effect with ctx.idempotencyKey already happen? */
  check?(args: Record<string, unknown>, ctx: ToolContext): Promise<{ done: boolean; output: string }>;
}

/** A tool call that failed in a way the LLM should be told about (bad path, command failed, HTTP error). Not a crash. */
export class ToolError extends Error {
  override readonly name = 'ToolError';
}

/**
 * The tool may or may not have done its effect: the request went out and no answer came back (a timeout, a server
 * that died mid-call). The effects journal settles it like an intent a crash left: by the tool's kind, its check,
 * or a person.
 */
export class ToolOutcomeUnknownError extends Error {
  override readonly name = 'ToolOutcomeUnknownError';
}
