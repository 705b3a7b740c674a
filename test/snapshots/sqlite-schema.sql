-- versions: 1, 2, 3, 4, 7, 8

-- index effects_by_task
CREATE INDEX effects_by_task ON effects (task_id, step, turn, call);

-- index memories_by_recency
CREATE INDEX memories_by_recency ON memories (namespace, confirmed_at DESC);

-- index memory_recalls_by_task
CREATE INDEX memory_recalls_by_task ON memory_recalls (task_id, credited);

-- index memory_sources_by_task
CREATE INDEX memory_sources_by_task ON memory_sources (task_id);

-- index tasks_by_status
CREATE INDEX tasks_by_status ON tasks (status, updated_at DESC);

-- index tasks_claimable
CREATE INDEX tasks_claimable ON tasks (queue, priority DESC, created_at, id)
  WHERE queue IS NOT NULL AND status IN ('queued', 'planning', 'running', 'interrupted');

-- table effects
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
, process_epoch INTEGER);

-- table llm_turns
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

-- table memories
CREATE TABLE memories (
  id               INTEGER PRIMARY KEY AUTOINCREMENT CHECK (id < 1099511627776),
  namespace        TEXT NOT NULL,
  kind             TEXT NOT NULL CHECK (kind IN ('result', 'discovery', 'decision', 'note')),
  text             TEXT NOT NULL,
  text_hash        TEXT NOT NULL,
  tags             TEXT NOT NULL DEFAULT '[]',
  created_at       INTEGER NOT NULL,
  confirmed_at     INTEGER NOT NULL,
  last_recalled_at INTEGER,
  recall_count     INTEGER NOT NULL DEFAULT 0,
  useful_count     INTEGER NOT NULL DEFAULT 0,
  embedding        BLOB,
  embedding_model  TEXT,
  fts_rowid        INTEGER UNIQUE,
  UNIQUE (namespace, text_hash)
);

-- table memories_fts
CREATE VIRTUAL TABLE memories_fts USING fts5 (
  text, tags,
  content = 'memories', content_rowid = 'fts_rowid',
  tokenize = 'porter unicode61 remove_diacritics 2'
);

-- table memories_fts_config
CREATE TABLE 'memories_fts_config'(k PRIMARY KEY, v) WITHOUT ROWID;

-- table memories_fts_data
CREATE TABLE 'memories_fts_data'(id INTEGER PRIMARY KEY, block BLOB);

-- table memories_fts_docsize
CREATE TABLE 'memories_fts_docsize'(id INTEGER PRIMARY KEY, sz BLOB);

-- table memories_fts_idx
CREATE TABLE 'memories_fts_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;

-- table memory_namespaces
CREATE TABLE memory_namespaces (
  id   INTEGER PRIMARY KEY CHECK (id < 8388608),
  name TEXT NOT NULL UNIQUE
);

-- table memory_recalls
CREATE TABLE memory_recalls (
  memory_id   INTEGER NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
  task_id     TEXT NOT NULL,
  recalled_at INTEGER NOT NULL,
  credited    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (memory_id, task_id)
);

-- table memory_sources
CREATE TABLE memory_sources (
  memory_id INTEGER NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
  task_id   TEXT NOT NULL,
  added_at  INTEGER NOT NULL,
  PRIMARY KEY (memory_id, task_id)
);

-- table notes
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

-- table queues
CREATE TABLE queues (
  name        TEXT PRIMARY KEY,
  max_running INTEGER NOT NULL CHECK (max_running > 0)
);

-- table runs
CREATE TABLE runs (
  task_id         TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  seq             INTEGER NOT NULL,
  owner           TEXT NOT NULL,
  how             TEXT NOT NULL CHECK (how IN ('start', 'resume', 'takeover', 'force')),
  started_at      INTEGER NOT NULL,
  ended_at        INTEGER,
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
  hook_at         INTEGER,
  PRIMARY KEY (task_id, seq)
) WITHOUT ROWID;

-- table schema_version
CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);

-- table sqlite_sequence
CREATE TABLE sqlite_sequence(name,seq);

-- table steps
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

-- table task_definitions
CREATE TABLE task_definitions (
  task_id    TEXT PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
  definition TEXT NOT NULL
);

-- table tasks
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
, lease_epoch INTEGER NOT NULL DEFAULT 0, queue TEXT, priority INTEGER NOT NULL DEFAULT 0);

-- table workers
CREATE TABLE workers (
  id           TEXT PRIMARY KEY,
  queue        TEXT NOT NULL,
  concurrency  INTEGER NOT NULL,
  running      INTEGER NOT NULL,
  started_at   INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
);

-- trigger memories_fts_delete
CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
  INSERT INTO memories_fts (memories_fts, rowid, text, tags) VALUES ('delete', old.fts_rowid, old.text, old.tags);
END;

-- trigger memories_fts_insert
CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
  INSERT OR IGNORE INTO memory_namespaces (name) VALUES (new.namespace);
  UPDATE memories SET fts_rowid = (SELECT id FROM memory_namespaces WHERE name = new.namespace) * 1099511627776 + new.id WHERE id = new.id;
  INSERT INTO memories_fts (rowid, text, tags) VALUES ((SELECT id FROM memory_namespaces WHERE name = new.namespace) * 1099511627776 + new.id, new.text, new.tags);
END;

-- trigger memories_fts_update
CREATE TRIGGER memories_fts_update AFTER UPDATE OF namespace, text, tags ON memories BEGIN
  INSERT INTO memories_fts (memories_fts, rowid, text, tags) VALUES ('delete', old.fts_rowid, old.text, old.tags);
  INSERT OR IGNORE INTO memory_namespaces (name) VALUES (new.namespace);
  UPDATE memories SET fts_rowid = (SELECT id FROM memory_namespaces WHERE name = new.namespace) * 1099511627776 + new.id WHERE id = new.id;
  INSERT INTO memories_fts (rowid, text, tags) VALUES ((SELECT id FROM memory_namespaces WHERE name = new.namespace) * 1099511627776 + new.id, new.text, new.tags);
END;
