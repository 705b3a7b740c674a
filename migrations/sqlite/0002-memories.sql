-- agentrun SQLite schema, migration 2: long-term memory. Frozen: a change is the next number.
--
-- memories: one row per fact per namespace. text_hash is the SHA-256 of the normalized text (normalizeMemoryText),
--   unique per namespace, so the same fact learned twice is one row. AUTOINCREMENT keeps forgotten ids from being
--   handed out again (`memory forget 7` must never hit a later memory).
-- memory_sources: which tasks wrote a memory (no foreign key to tasks: memories outlive task rows).
-- memory_recalls: which tasks had a memory in their context; credited turns 1 when that task completed and
--   useful_count was raised, so crediting twice is harmless.
-- memories_fts: an external-content FTS5 index over text and tags, kept in step by triggers; the porter stemmer lets
--   "deploying" find "deploy". Ranked with bm25().
-- memory_namespaces and memories.fts_rowid: a memory's row in memories_fts is not its id but
--   namespace number * 2^40 (1099511627776) + id (src/store/sqlite/fts-rowid.ts reads the same layout), so each
--   namespace is one contiguous rowid range of the index and a search ranks only its namespace's matches inside FTS5.
--   Namespaces are numbered on first use and never renumbered; the CHECKs keep ids below 2^40 and namespace numbers
--   below 2^23 (8388608), inside a 64-bit rowid.

CREATE TABLE memory_namespaces (
  id   INTEGER PRIMARY KEY CHECK (id < 8388608),
  name TEXT NOT NULL UNIQUE
);

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
CREATE INDEX memories_by_recency ON memories (namespace, confirmed_at DESC);

CREATE TABLE memory_sources (
  memory_id INTEGER NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
  task_id   TEXT NOT NULL,
  added_at  INTEGER NOT NULL,
  PRIMARY KEY (memory_id, task_id)
);
CREATE INDEX memory_sources_by_task ON memory_sources (task_id);

CREATE TABLE memory_recalls (
  memory_id   INTEGER NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
  task_id     TEXT NOT NULL,
  recalled_at INTEGER NOT NULL,
  credited    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (memory_id, task_id)
);
CREATE INDEX memory_recalls_by_task ON memory_recalls (task_id, credited);

CREATE VIRTUAL TABLE memories_fts USING fts5 (
  text, tags,
  content = 'memories', content_rowid = 'fts_rowid',
  tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
  INSERT OR IGNORE INTO memory_namespaces (name) VALUES (new.namespace);
  UPDATE memories SET fts_rowid = (SELECT id FROM memory_namespaces WHERE name = new.namespace) * 1099511627776 + new.id WHERE id = new.id;
  INSERT INTO memories_fts (rowid, text, tags) VALUES ((SELECT id FROM memory_namespaces WHERE name = new.namespace) * 1099511627776 + new.id, new.text, new.tags);
END;
CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
  INSERT INTO memories_fts (memories_fts, rowid, text, tags) VALUES ('delete', old.fts_rowid, old.text, old.tags);
END;
CREATE TRIGGER memories_fts_update AFTER UPDATE OF namespace, text, tags ON memories BEGIN
  INSERT INTO memories_fts (memories_fts, rowid, text, tags) VALUES ('delete', old.fts_rowid, old.text, old.tags);
  INSERT OR IGNORE INTO memory_namespaces (name) VALUES (new.namespace);
  UPDATE memories SET fts_rowid = (SELECT id FROM memory_namespaces WHERE name = new.namespace) * 1099511627776 + new.id WHERE id = new.id;
  INSERT INTO memories_fts (rowid, text, tags) VALUES ((SELECT id FROM memory_namespaces WHERE name = new.namespace) * 1099511627776 + new.id, new.text, new.tags);
END;
