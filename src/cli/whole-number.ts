import { UsageError } from '../errors.js';
import { excerpt } from '../input/excerpt.js';

/**
 * A flag's value as a whole number from `min` to `max`, or undefined when the flag was not given; anything else is a
 * one-line usage error quoting (a bounded excerpt of) what was given.
 */
export function wholeNumber(value: string | undefined, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be ${range(min, max)}, got ${excerpt(value)}`);
  }
  return n;
}

function range(min: number, max: number): string {
  if (max !== Number.MAX_SAFE_INTEGER) return `a whole number from ${min} to ${max}`;
  if (min === -Number.MAX_SAFE_INTEGER) return 'a whole number';
  return min === 1 ? 'a positive whole number' : `a whole number of at least ${min}`;
}

/** `wholeNumber` from 1. */
export function positiveWholeNumber(value: string | undefined, flag: string, max?: number): number | undefined {
  return wholeNumber(value, flag, 1, max);
}
