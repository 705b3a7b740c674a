-- agentrun SQLite schema, migration 1: tasks and their journals. Frozen: a change is the next number.
-- Times are milliseconds since the epoch; JSON is stored as text.

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
  prompt_tokens     INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  llm_requests      INTEGER NOT NULL DEFAULT 0,
  result            TEXT,
  error             TEXT,
  reason            TEXT,
  lease_owner       TEXT,
  lease_expires_at  INTEGER,
  heartbeat_at      INTEGER,
  progress          TEXT,
  cancel_requested  INTEGER NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  finished_at       INTEGER,
  expires_at        INTEGER,
  pruned_at         INTEGER
);

-- Apart from the header, which is rewritten at every step: a definition with a long fixed plan would otherwise
-- make every step's commit grow with the plan.
CREATE TABLE task_definitions (
  task_id    TEXT PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
  definition TEXT NOT NULL
);
CREATE INDEX tasks_by_status ON tasks (status, updated_at DESC);

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
  prompt_tokens     INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  llm_requests      INTEGER NOT NULL DEFAULT 0,
  started_at        INTEGER,
  finished_at       INTEGER,
  PRIMARY KEY (task_id, n)
);

CREATE TABLE notes (
  task_id    TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  seq        INTEGER NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('decision', 'discovery')),
  text       TEXT NOT NULL,
  reasoning  TEXT,
  step       INTEGER,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (task_id, seq)
) WITHOUT ROWID;

CREATE TABLE llm_turns (
  task_id           TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  phase             TEXT NOT NULL CHECK (phase IN ('plan', 'step', 'final')),
  step              INTEGER NOT NULL,
  turn              INTEGER NOT NULL,
  response          TEXT NOT NULL,
  prompt_tokens     INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  created_at        INTEGER NOT NULL,
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
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX effects_by_task ON effects (task_id, step, turn, call);
