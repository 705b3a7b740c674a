-- agentrun PostgreSQL schema, migration 1: tasks and their journals. Frozen: a change is the next number.
-- Applied inside the store's own schema (search_path), so no name here is schema-qualified.
-- Times are milliseconds since the epoch (BIGINT), as in the SQLite store; every time that decides a lease is
-- taken from the database's clock (now()), never from a worker's. JSON is stored as text, read back unchanged.

CREATE TABLE tasks (
  id                TEXT PRIMARY KEY,
  agent_id          TEXT NOT NULL,
  goal              TEXT NOT NULL,
  workspace         TEXT NOT NULL,
  namespace         TEXT NOT NULL,
  model             TEXT,
  status            TEXT NOT NULL,
  step_count        INTEGER NOT NULL DEFAULT 0,
  completed_count   INTEGER NOT NULL DEFAULT 0,
  current_step      INTEGER,
  prompt_tokens     BIGINT NOT NULL DEFAULT 0,
  completion_tokens BIGINT NOT NULL DEFAULT 0,
  llm_requests      INTEGER NOT NULL DEFAULT 0,
  result            TEXT,
  error             TEXT,
  reason            TEXT,
  lease_owner       TEXT,
  lease_expires_at  BIGINT,
  lease_epoch       BIGINT NOT NULL DEFAULT 0,
  heartbeat_at      BIGINT,
  progress          TEXT,
  cancel_requested  BOOLEAN NOT NULL DEFAULT false,
  created_at        BIGINT NOT NULL,
  updated_at        BIGINT NOT NULL,
  finished_at       BIGINT,
  expires_at        BIGINT,
  pruned_at         BIGINT
);
CREATE INDEX tasks_by_status ON tasks (status, updated_at DESC);

-- Apart from the header, which is rewritten at every step, so a long fixed plan does not grow each step's commit.
CREATE TABLE task_definitions (
  task_id    TEXT PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
  definition TEXT NOT NULL
);

CREATE TABLE steps (
  task_id           TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  n                 INTEGER NOT NULL,
  name              TEXT NOT NULL,
  description       TEXT NOT NULL,
  spec              TEXT NOT NULL,
  status            TEXT NOT NULL DEFAULT 'pending',
  result            TEXT,
  error             TEXT,
  attempts          INTEGER NOT NULL DEFAULT 0,
  first_turn        INTEGER NOT NULL DEFAULT 1,
  prompt_tokens     BIGINT NOT NULL DEFAULT 0,
  completion_tokens BIGINT NOT NULL DEFAULT 0,
  llm_requests      INTEGER NOT NULL DEFAULT 0,
  started_at        BIGINT,
  finished_at       BIGINT,
  PRIMARY KEY (task_id, n)
);

CREATE TABLE notes (
  task_id    TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  seq        INTEGER NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('decision', 'discovery')),
  text       TEXT NOT NULL,
  reasoning  TEXT,
  step       INTEGER,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (task_id, seq)
);

CREATE TABLE llm_turns (
  task_id           TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  phase             TEXT NOT NULL CHECK (phase IN ('plan', 'step', 'final')),
  step              INTEGER NOT NULL,
  turn              INTEGER NOT NULL,
  response          TEXT NOT NULL,
  prompt_tokens     BIGINT NOT NULL,
  completion_tokens BIGINT NOT NULL,
  created_at        BIGINT NOT NULL,
  PRIMARY KEY (task_id, phase, step, turn)
);

CREATE TABLE effects (
  key        TEXT PRIMARY KEY,
  task_id    TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  step       INTEGER NOT NULL,
  turn       INTEGER NOT NULL,
  call       INTEGER NOT NULL,
  tool       TEXT NOT NULL,
  args       TEXT NOT NULL,
  status     TEXT NOT NULL,
  output     TEXT,
  process    TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX effects_by_task ON effects (task_id, step, turn, call);
