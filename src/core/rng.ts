// Seeded, portable randomness: the same seed gives the same data and weights on every machine.

/** mulberry32: small, fast, good enough for data sampling and init; state is one uint32. */
export class Rng {
  private s: number;
  private spare: number | null = null;
  constructor(seed: number) { this.s = (seed >>> 0) ^ 0x9e3779b9; this.next(); }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Uniform integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.next() * xs.length)]; }
  /** Standard normal (Box–Muller, untruncated like PyTorch's normal_). */
  normal(): number {
    if (this.spare !== null) { const s = this.spare; this.spare = null; return s; }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  /** Fisher–Yates shuffle of indices 0..n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) { const j = Math.floor(this.next() * (i + 1)); const t = p[i]; p[i] = p[j]; p[j] = t; }
    return p;
  }
}

/** Independent streams derived from one run seed, so changing e.g. the data size never changes the init. */
export function streamSeed(seed: number, stream: 'data' | 'test' | 'init' | 'shuffle' | 'eval'): number {
  const salt = { data: 0x1234567, test: 0x56789ab, init: 0x2345678, shuffle: 0x3456789, eval: 0x456789a }[stream];
  let h = (seed ^ salt) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
