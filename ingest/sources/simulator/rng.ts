/**
 * A small seeded PRNG (mulberry32) with the few distributions the simulator draws from.
 * Math.random cannot be seeded, and the evaluation compares arms run on the same seed, so
 * every random draw in the simulator goes through one of these.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller; the spare value is kept for the next call). */
  normal(): number;
  /** 32 random hex digits, e.g. for trace ids. */
  hex32(): string;
}

/** Mixes a seed and a label into a 32-bit stream seed, so each stream is independent. */
export function deriveSeed(seed: number, label: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h = Math.imul(h ^ label.charCodeAt(i), 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
  }
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  let spare: number | undefined;
  const u32 = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = (): number => u32() / 4294967296;
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal() {
      if (spare !== undefined) { const s = spare; spare = undefined; return s; }
      // 1 - next() keeps the log argument in (0, 1].
      const r = Math.sqrt(-2 * Math.log(1 - next()));
      const th = 2 * Math.PI * next();
      spare = r * Math.sin(th);
      return r * Math.cos(th);
    },
    hex32() {
      let s = '';
      for (let i = 0; i < 4; i++) s += u32().toString(16).padStart(8, '0');
      return s;
    },
  };
}
