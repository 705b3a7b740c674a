-- agentrun PostgreSQL schema, migration 2: long-term memory. Frozen: a change is the next number.
-- The same rows as the SQLite store's migration 2; full-text search is a stored tsvector (text weighted A, tags B,
-- English stemming, so "deploying" finds "deploy") with a GIN index, ranked by ts_rank. Identity ids are never
-- handed out again, so `memory forget 7` can never hit a later memory.

CREATE TABLE memories (
  id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  namespace        TEXT NOT NULL,
  kind             TEXT NOT NULL CHECK (kind IN ('result', 'discovery', 'decision', 'note')),
  text             TEXT NOT NULL,
  text_hash        TEXT NOT NULL,
  tags             TEXT NOT NULL DEFAULT '[]',
  created_at       BIGINT NOT NULL,
  confirmed_at     BIGINT NOT NULL,
  last_recalled_at BIGINT,
  recall_count     INTEGER NOT NULL DEFAULT 0,
  useful_count     INTEGER NOT NULL DEFAULT 0,
  embedding        BYTEA,
  embedding_model  TEXT,
  search           TSVECTOR GENERATED ALWAYS AS (
                     setweight(to_tsvector('english', text), 'A') || setweight(to_tsvector('english', tags), 'B')
                   ) STORED,
  UNIQUE (namespace, text_hash)
);
CREATE INDEX memories_by_recency ON memories (namespace, confirmed_at DESC);
CREATE INDEX memories_search ON memories USING GIN (search);

CREATE TABLE memory_sources (
  memory_id BIGINT NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
  task_id   TEXT NOT NULL,
  added_at  BIGINT NOT NULL,
  PRIMARY KEY (memory_id, task_id)
);
CREATE INDEX memory_sources_by_task ON memory_sources (task_id);

CREATE TABLE memory_recalls (
  memory_id   BIGINT NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
  task_id     TEXT NOT NULL,
  recalled_at BIGINT NOT NULL,
  credited    BOOLEAN NOT NULL DEFAULT false,
  PRIMARY KEY (memory_id, task_id)
);
CREATE INDEX memory_recalls_by_task ON memory_recalls (task_id, credited);
