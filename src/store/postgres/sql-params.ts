/** Builds a statement's parameter list while its text is written: `p.add(value)` returns `$n`. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The database's clock in milliseconds since the epoch: every time that decides a lease comes from here. */
export const NOW_MS = '(extract(epoch from now()) * 1000)::bigint';
