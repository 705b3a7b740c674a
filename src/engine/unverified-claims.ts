import type { EffectRecord, StepRecord } from '../store/types.js';
import { NOTE_TOOLS } from '../tools/notes.js';

/** Words of a result that says the world was changed. */
const CHANGE_WORDS = /\b(wrote|written|created|saved|updated|modified|changed|edited|deleted|removed|appended|renamed|moved|committed|sent|posted|deployed|installed)\b/i;

/** The note tools change nothing outside the task. */

export interface UnverifiedClaim {
  step: number;
  /** The sentence of the result that makes the claim. */
  text: string;
}

/**
 * LLM steps whose result says they wrote, created or changed something while the step made no tool call that
 * could have done it: a model that ignored its tools (or had none) and described work instead of doing it.
 * Derived from the factual state, so `inspect` can flag it for any task, old or new.
 */
export function unverifiedClaims(steps: StepRecord[], effects: EffectRecord[]): UnverifiedClaim[] {
  const acted = new Set(effects.filter((e) => !NOTE_TOOLS.has(e.tool)).map((e) => e.step));
  const claims: UnverifiedClaim[] = [];
  for (const step of steps) {
    if (step.status !== 'completed' || step.spec.run || acted.has(step.n) || !step.result) continue;
    const sentence = step.result.split(/(?<=[.!?])\s+|\n/).find((s) => CHANGE_WORDS.test(s));
    if (sentence) claims.push({ step: step.n, text: sentence.trim().slice(0, 200) });
  }
  return claims;
}
