/**
 * How long a draining worker lets its running tasks finish the step they are in before cutting them off: inside the
 * 30 s a container platform (Kubernetes) waits after SIGTERM before SIGKILL. Apart from worker.ts so the CLI can
 * show it without loading the engine.
 */
export const DEFAULT_DRAIN_MS = 20_000;
