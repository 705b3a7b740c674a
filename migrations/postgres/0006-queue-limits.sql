-- agentrun PostgreSQL schema, migration 6: per-queue concurrency limits. Frozen: a change is the next number.
-- A queue with a row here runs at most `max_running` of its tasks at once, across every worker; a queue without one
-- is limited only by its workers' --concurrency. A claim on a limited queue locks its row first, so two workers
-- cannot both take the last free place.

CREATE TABLE queues (
  name        TEXT PRIMARY KEY,
  max_running INTEGER NOT NULL CHECK (max_running > 0)
);
