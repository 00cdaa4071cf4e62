// rng.ts — a small seedable PRNG whose whole state is one number, so a checkpoint can save it and
// a resumed run draws exactly the numbers the uninterrupted run would have drawn.

/** mulberry32: uint32 outputs, identical on every JS engine; state = one uint32. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next uint32. */
  nextUint32(): number {
    const a = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }

  /** The state to save (JSON-serializable). */
  getState(): number {
    return this.state;
  }

  /** Continue from a saved state. */
  setState(state: unknown): void {
    if (typeof state !== "number" || !Number.isInteger(state) || state < 0 || state > 0xffffffff) {
      throw new Error(`bad RNG state: ${JSON.stringify(state)}`);
    }
    this.state = state;
  }
}

/** Mix integers into one uint32 seed (splitmix32-style avalanche per input), so that seeds for
 *  (seed, step, microStep) are unrelated to each other and need no stored state at all. */
export function mixSeeds(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    // Split into two 32-bit halves so steps beyond 2^32 still differ.
    for (const part of [v >>> 0, Math.floor(v / 4294967296) >>> 0]) {
      h = Math.imul(h ^ part, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
    }
  }
  return h >>> 0;
}
