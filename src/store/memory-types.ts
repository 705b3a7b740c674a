/**
 * Long-term memory: facts that outlive the task that learned them, recalled into the context of later tasks in the
 * same namespace. Part of the store port: every backend (SQLite with FTS5, PostgreSQL with tsvector) implements
 * `MemoryStore`; the policy over it — what to remember, what to recall, and the ranking that blends relevance, recency
 * and usefulness — lives in `src/memory/` and is the same for all of them.
 */

export const MEMORY_KINDS = ['result', 'discovery', 'decision', 'note'] as const;
export type MemoryKind = (typeof MEMORY_KINDS)[number];

export interface NewMemory {
  namespace: string;
  kind: MemoryKind;
  text: string;
  tags?: readonly string[];
  /** The task that learned it; absent for memories a person added with `agentrun memory add`. */
  taskId?: string | null;
}

export interface MemoryRecord {
  id: number;
  namespace: string;
  kind: MemoryKind;
  text: string;
  tags: string[];
  /** The tasks that wrote this memory, oldest first (the same fact from two tasks is one memory, two sources). */
  sources: string[];
  createdAt: number;
  /** The last time a task (or a person) wrote it again: recency counts from here. */
  confirmedAt: number;
  lastRecalledAt: number | null;
  /** How many distinct tasks had it recalled into their context. */
  recallCount: number;
  /** How many of those tasks then completed. */
  usefulCount: number;
  /** The model its embedding was computed with, if it has one. */
  embeddingModel: string | null;
}

export interface AddedMemory {
  id: number;
  /** false when a memory with the same normalized text already existed in the namespace (a source was added). */
  created: boolean;
}

/** A full-text hit. */
export interface MemoryHit {
  memory: MemoryRecord;
  /** The backend's text relevance, higher is better and always > 0 (SQLite: -bm25()). Comparable within one search only. */
  score: number;
  /** The words of the memory that matched the query, as they appear in it (lowercased, unique). */
  matched: string[];
}

export interface MemoryListQuery {
  /** Every namespace when absent. */
  namespace?: string;
  limit?: number;
}

export interface EmbeddedMemory {
  memory: MemoryRecord;
  vector: number[];
}

/**
 * Everything a memory is, as stored: what `agentrun transfer` moves to another store. `id` is the store's own: the
 * store it moves to gives it another. Sources and recalls are sorted (by time then task, and by task), so two
 * bundles of the same memory compare equal.
 */
export interface MemoryBundle {
  id: number;
  namespace: string;
  kind: MemoryKind;
  text: string;
  tags: string[];
  sources: { taskId: string; addedAt: number }[];
  /** Each task that had it in its context; `credited` once that task completed (and useful_count counted it). */
  recalls: { taskId: string; recalledAt: number; credited: boolean }[];
  createdAt: number;
  confirmedAt: number;
  lastRecalledAt: number | null;
  recallCount: number;
  usefulCount: number;
  embedding: { model: string; vector: number[] } | null;
}

/**
 * How a moved memory landed in the target: `created`; `merged` into the memory with the same normalized text the
 * target's namespace already held; or `unchanged`, that memory holding all of it already (moved by an earlier
 * transfer that was cut short, or learned there too).
 */
export type MemoryLanding = 'created' | 'merged' | 'unchanged';

export interface MemoryStore {
  /**
   * Adds a memory, or — when the namespace already holds the same normalized text — returns the existing one's id,
   * records `taskId` as another source and merges the tags.
   */
  add(memory: NewMemory): Promise<AddedMemory>;
  get(id: number): Promise<MemoryRecord | undefined>;
  /**
   * Full-text search, best first, at most `limit` hits; `namespace` null searches every namespace. The query is plain
   * text: any full-text syntax in it is taken literally. A query without words finds nothing.
   */
  search(namespace: string | null, query: string, limit: number): Promise<MemoryHit[]>;
  /** Most recently confirmed first. */
  list(query?: MemoryListQuery): Promise<MemoryRecord[]>;
  /** Deletes the memory with its sources and recall records; false if there is none with that id. */
  forget(id: number): Promise<boolean>;
  /** Records that `taskId` had these memories in its context; a task counts once per memory however often it resumes. */
  markRecalled(ids: readonly number[], taskId: string): Promise<void>;
  /** The task completed: every memory it recalled and that was not yet credited for it gets useful_count + 1. Returns how many. */
  creditTask(taskId: string): Promise<number>;
  setEmbedding(id: number, model: string, vector: readonly number[]): Promise<void>;
  /** Memories with an embedding from `model`, most recently confirmed first. */
  listEmbedded(namespace: string | null, model: string, limit: number): Promise<EmbeddedMemory[]>;
  /** Memories of the namespace without an embedding from `model` (none yet, or another model's), newest first. */
  needingEmbedding(namespace: string, model: string, limit: number): Promise<{ id: number; text: string }[]>;
  /** Every memory of every namespace, whole (for `transfer`), oldest id first. */
  listBundles(): Promise<MemoryBundle[]>;
  /**
   * After a transfer committed them to another store: deletes each of these memories that is still exactly as it
   * was read, in one transaction. One that changed since (a task wrote or recalled it meanwhile) is kept, so that
   * change is not lost; the next transfer moves it. Returns how many were kept so.
   */
  removeMoved(moved: readonly MemoryBundle[]): Promise<number>;
}
