-- agentrun PostgreSQL schema, migration 5: the run history. Frozen: a change is the next number.

-- Run history: one row per process that held a task's lease (start, resume, takeover, --force), kept with the
-- task's summary (gc leaves it; delete removes it). A row with no end is a run in progress, or one whose process
-- died: the next run of the task (or resume --all) finds it and ends it as killed — or, if it died just after its
-- task's last transition, with that transition, so the hook the transition calls for still runs once.
CREATE TABLE runs (
  task_id         TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  seq             INTEGER NOT NULL,
  owner           TEXT NOT NULL,
  how             TEXT NOT NULL CHECK (how IN ('start', 'resume', 'takeover', 'force')),
  started_at      BIGINT NOT NULL,
  ended_at        BIGINT,
  ending          TEXT CHECK (ending IN ('completed', 'failed', 'cancelled', 'needs-attention', 'interrupted', 'lease-lost', 'killed', 'error')),
  detail          TEXT,
  steps_completed INTEGER NOT NULL DEFAULT 0,
  turns_paid      INTEGER NOT NULL DEFAULT 0,
  turns_replayed  INTEGER,
  effects         INTEGER NOT NULL DEFAULT 0,
  base_completed  INTEGER NOT NULL,
  base_requests   INTEGER NOT NULL,
  -- The hook (task file "on:") its ending calls for, delivered once: pending, then running, then done or failed.
  hook_command    TEXT,
  hook_status     TEXT CHECK (hook_status IN ('pending', 'running', 'done', 'failed')),
  hook_exit       INTEGER,
  hook_output     TEXT,
  hook_at         BIGINT,
  PRIMARY KEY (task_id, seq)
);
