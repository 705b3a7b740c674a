/**
 * Every limit on input that could otherwise grow without bound: memory, output, database size and the time later
 * commands take all follow from these. Checked before anything is written; docs/task-files.md and docs/cli.md list
 * them. Lengths of text are in characters (UTF-16 code units, as JavaScript counts them).
 */
export const LIMITS = {
  /** A task file is read whole and parsed; a few hundred KB is already a very large one. */
  taskFileBytes: 1024 * 1024,
  /** An exported checkpoint holds results, notes and an unfinished step's journal: larger than a task file. */
  checkpointBytes: 64 * 1024 * 1024,
  /** The goal and the instructions go into every LLM request of the task. */
  goalChars: 100_000,
  instructionsChars: 100_000,
  /** Any other single text field of a task file: a step's description, a command, a tool's description. */
  fieldChars: 20_000,
  /**
   * Steps in a plan (fixed, or `limits.maxSteps` for the LLM's). Long tasks are supported (the benchmarks run 10,000
   * steps); for a fixed plan the file size limit binds first.
   */
  planSteps: 100_000,
  /** Tools a task may define. */
  tools: 200,
  /** Tasks `resume --all` runs at once: each holds a runner, a lease heartbeat and possibly child processes. */
  concurrency: 64,
  /** A tool result kept for the LLM (`limits.toolOutputBytes`). */
  toolOutputBytes: 1024 * 1024,
  /** Timers (`timeout`, `stepTimeout`, `llmTimeout`, retry delays): Node fires longer ones at once. */
  timerMs: 2_147_483_647,
  /** How much of an input an error message quotes. */
  excerptChars: 80,
  /** Problems listed for one bad file; the rest are counted. */
  reportedProblems: 10,
} as const;
