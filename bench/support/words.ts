/**
 * Deterministic synthetic text for benchmarks that need a realistic full-text workload: a seeded PRNG and a
 * vocabulary of 20,000 pseudo-words drawn with a Zipf-like law (weight 1/(rank+50), i.e. the very commonest words
 * are left out as a stop-word list would), so a few words are in thousands of texts and most in a handful.
 */
import { seededRandom } from '../../test/support/seeded-random.js';

export { seededRandom };

const CONSONANTS = 'bcdfghjklmnprstvz';
const VOWELS = 'aeiou';
const SYLLABLES = [...CONSONANTS].flatMap((c) => [...VOWELS].map((v) => c + v));

/** The word of a vocabulary rank: three syllables, unique per rank. */
export function word(rank: number): string {
  const n = SYLLABLES.length;
  return SYLLABLES[rank % n]! + SYLLABLES[Math.floor(rank / n) % n]! + SYLLABLES[Math.floor(rank / (n * n)) % n]!;
}

export class Vocabulary {
  private readonly cumulative: Float64Array;

  constructor(
    private readonly random: () => number,
    readonly size = 20_000,
  ) {
    this.cumulative = new Float64Array(size);
    let sum = 0;
    for (let r = 0; r < size; r++) {
      sum += 1 / (r + 51);
      this.cumulative[r] = sum;
    }
  }

  /** One word, common ones more often. */
  pick(): string {
    const target = this.random() * this.cumulative[this.size - 1]!;
    let lo = 0;
    let hi = this.size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return word(lo);
  }

  sentence(min: number, max: number): string {
    const count = min + Math.floor(this.random() * (max - min + 1));
    return Array.from({ length: count }, () => this.pick()).join(' ');
  }
}
