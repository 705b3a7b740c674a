import { isDeepStrictEqual } from 'node:util';
import { cleanTags, sortRecalls, sortSources } from './memory-rows.js';
import type { MemoryBundle, MemoryLanding } from './memory-types.js';

/**
 * A moved memory meeting the target's memory with the same normalized text in its namespace (`transfer`), the same
 * for every store: the result is what the target's memory becomes. As `MemoryStore.add` merges, sources are united
 * and tags merged; kind, text and id stay the target's. A task's recall counts once, whichever store it happened in:
 * `recall_count` grows by the recalls the target did not have, `useful_count` by the credits it did not have (a task
 * that recalled the memory in both stores is one recall, credited if either credited it). Created is the earlier,
 * confirmed and last recalled the later; the target's embedding is kept, else the moved one is taken. Merging a
 * memory the target already holds whole changes nothing (`unchanged`): moving it again never counts twice.
 */
export function mergeMemory(target: MemoryBundle | undefined, moved: MemoryBundle): { memory: MemoryBundle; landing: MemoryLanding } {
  if (!target) return { memory: { ...moved, tags: cleanTags(moved.tags) }, landing: 'created' };
  const knownSources = new Set(target.sources.map((s) => s.taskId));
  const recalls = new Map(target.recalls.map((r) => [r.taskId, r]));
  let newRecalls = 0;
  let newCredits = 0;
  for (const recall of moved.recalls) {
    const there = recalls.get(recall.taskId);
    if (!there) {
      recalls.set(recall.taskId, recall);
      newRecalls += 1;
      if (recall.credited) newCredits += 1;
    } else if (recall.credited && !there.credited) {
      recalls.set(recall.taskId, { ...there, credited: true });
      newCredits += 1;
    }
  }
  const memory: MemoryBundle = {
    ...target,
    tags: cleanTags([...target.tags, ...moved.tags]),
    sources: sortSources([...target.sources, ...moved.sources.filter((s) => !knownSources.has(s.taskId))]),
    recalls: sortRecalls([...recalls.values()]),
    createdAt: Math.min(target.createdAt, moved.createdAt),
    confirmedAt: Math.max(target.confirmedAt, moved.confirmedAt),
    lastRecalledAt: target.lastRecalledAt === null || moved.lastRecalledAt === null ? (target.lastRecalledAt ?? moved.lastRecalledAt) : Math.max(target.lastRecalledAt, moved.lastRecalledAt),
    recallCount: target.recallCount + newRecalls,
    usefulCount: target.usefulCount + newCredits,
    embedding: target.embedding ?? moved.embedding,
  };
  return { memory, landing: isDeepStrictEqual(memory, target) ? 'unchanged' : 'merged' };
}
