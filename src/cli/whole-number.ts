import { UsageError } from '../errors.js';
import { excerpt } from '../input/excerpt.js';

/**
 * A flag's value as a whole number from 1 to `max`, or undefined when the flag was not given; anything else is a
 * one-line usage error quoting (a bounded excerpt of) what was given.
 */
export function positiveWholeNumber(value: string | undefined, flag: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? 'a positive whole number' : `a whole number from 1 to ${max}`;
    throw new UsageError(`${flag} must be ${range}, got ${excerpt(value)}`);
  }
  return n;
}
