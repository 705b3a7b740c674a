-- agentrun SQLite schema, migration 8: per-queue concurrency limits. Frozen: a change is the next number.
-- A queue with a row here runs at most `max_running` of its tasks at once, across every worker; a queue without one
-- is limited only by its workers' --concurrency.

CREATE TABLE queues (
  name        TEXT PRIMARY KEY,
  max_running INTEGER NOT NULL CHECK (max_running > 0)
);
