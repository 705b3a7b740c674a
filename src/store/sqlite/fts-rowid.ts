/**
 * Where a memory sits in the `memories_fts` index: its rowid is `namespace number · 2^40 + memory id`, as the
 * triggers of migration 0002 (`migrations/sqlite/0002-memories.sql`) compute it. So each namespace is one contiguous
 * range of rowids, and a search within a namespace constrains the rowid to that range: FTS5 then ranks only that
 * namespace's matches, while every BM25 statistic stays that of the whole index.
 */
const NAMESPACE_BITS = 40n;

/** The rowids of `memories_fts` that hold namespace number `namespaceNumber`: `[first, last]`. */
export function ftsRowidRange(namespaceNumber: number): [bigint, bigint] {
  const first = BigInt(namespaceNumber) << NAMESPACE_BITS;
  return [first, first + (1n << NAMESPACE_BITS) - 1n];
}
