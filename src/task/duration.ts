import { z } from 'zod';
import { excerpt } from '../input/excerpt.js';
import { LIMITS } from '../input/limits.js';

/** Durations in task files: a number of seconds, or "500ms", "30s", "5m", "2h", "7d". Returns milliseconds. */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value);
  if (!match) return undefined;
  const unit = (match[2] ?? 's') as keyof typeof UNIT_MS;
  return Number(match[1]) * UNIT_MS[unit];
}

/** A duration written as seconds (number) or "30s" / "5m" / "7d"; parsed to milliseconds. */
export const duration = z
  .union([z.number(), z.string().max(LIMITS.excerptChars)])
  .transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like 30, "30s", "5m" or "7d", got ${excerpt(value)}` });
      return z.NEVER;
    }
    return ms;
  });

/** A duration a timer waits for: Node fires a timer longer than about 24.8 days at once. */
export const timerDuration = duration.refine((ms) => ms <= LIMITS.timerMs, { message: `at most ${Math.floor(LIMITS.timerMs / 86_400_000)} days` });
