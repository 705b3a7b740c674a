import { randomBytes } from 'node:crypto';
import { UsageError } from '../errors.js';
import { excerpt } from '../input/excerpt.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID: 48 bits of milliseconds then 80 random bits, Crockford base32 — sortable by creation time. */
export function newTaskId(now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let random = '';
  for (let i = 0; i < 16; i++) random += CROCKFORD[bytes[i]! % 32];
  return time + random;
}

/** Task ids become file-system-safe keys and command arguments: keep them plain. */
export function isValidTaskId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id);
}

/** The queue a task waits on when `start --detach` names none. */
export const DEFAULT_QUEUE = 'default';

/** Queue names appear in commands, logs and NOTIFY payloads: keep them plain too. */
function isValidQueueName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name);
}

/** Refuses a queue name that is not one (a usage error quoting a bounded excerpt of it). */
export function assertQueueName(name: string): void {
  if (!isValidQueueName(name)) throw new UsageError(`invalid queue name ${excerpt(name)}: use letters, digits, ".", "_" and "-" (max 64)`);
}
