-- agentrun SQLite schema, migration 7: queues and workers (4-6 were reserved for changes developed in parallel; a
-- database gets every migration it lacks, not only those above its highest). Frozen: a change is the next number.
-- The partial index holds only a queue's unfinished tasks, so the claim never reads finished ones.

ALTER TABLE tasks ADD COLUMN queue TEXT;
ALTER TABLE tasks ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tasks_claimable ON tasks (queue, priority DESC, created_at, id)
  WHERE queue IS NOT NULL AND status IN ('queued', 'planning', 'running', 'interrupted');

CREATE TABLE workers (
  id           TEXT PRIMARY KEY,
  queue        TEXT NOT NULL,
  concurrency  INTEGER NOT NULL,
  running      INTEGER NOT NULL,
  started_at   INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
);
