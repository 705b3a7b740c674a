-- agentrun PostgreSQL schema, migration 4: queues and workers. Frozen: a change is the next number.
-- A task with a queue is run by `agentrun worker --queue NAME`; the claim reads the partial index below, which holds
-- only a queue's unfinished tasks, so finished ones never slow it down.

ALTER TABLE tasks ADD COLUMN queue TEXT;
ALTER TABLE tasks ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tasks_claimable ON tasks (queue, priority DESC, created_at, id)
  WHERE queue IS NOT NULL AND status IN ('queued', 'planning', 'running', 'interrupted');

-- One row per live worker, refreshed by its heartbeat; `agentrun workers` lists those heard from recently.
CREATE TABLE workers (
  id           TEXT PRIMARY KEY,
  queue        TEXT NOT NULL,
  concurrency  INTEGER NOT NULL,
  running      INTEGER NOT NULL,
  started_at   BIGINT NOT NULL,
  heartbeat_at BIGINT NOT NULL
);
