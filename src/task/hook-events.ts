/**
 * The transitions a task file can attach a command to (`on:`), run once when the task reaches them. Apart from the
 * schema so the runner can know them without loading zod (a resume that needs no validation stays fast).
 */
export const HOOK_EVENTS = ['completed', 'failed', 'needs-attention'] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];
