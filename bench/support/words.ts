/**
 * Deterministic synthetic text for benchmarks that need a realistic full-text workload: a seeded PRNG and a
 * vocabulary of 20,000 pseudo-words drawn with a Zipf-like law (weight 1/(rank+50), i.e. the very commonest words
 * are left out as a stop-word list would), so a few words are in thousands of texts and most in a handful.
 */

export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
