/**
 * A queue's unfinished tasks — what workers may claim and what `agentrun queue` counts — as SQL both stores share. It
 * is word for word the predicate of the claim's partial index (migrations: PostgreSQL 0004, SQLite 0007), so the
 * planner can use that index.
 */
export const UNFINISHED_ON_QUEUE = "status IN ('queued', 'planning', 'running', 'interrupted')";
