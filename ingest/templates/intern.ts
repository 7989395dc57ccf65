/**
 * A bounded table from a token's text, read as a range of code units, to the string the
 * tokenizer hands out for it: one string per distinct word, so a word seen before costs a
 * hash (taken in the tokenizer's own pass over the characters) and a compare instead of a new
 * string, and the miner's comparisons meet the same string object (=== without reading the
 * characters). For a token holding a value it keeps the masked result, so the value scanner
 * runs once per distinct token.
 *
 * Open addressing with linear probing; a slot's length, hash, text offset and output hash lie
 * side by side in one Int32Array (one cache line per probe), and each entry's text is kept in a
 * pool of code units to compare against. The table starts small and doubles up to `maxSlots`;
 * when half of that or the pool is used it forgets everything and fills again (a stream of
 * ever-new words costs one insert per token and holds at most `maxSlots / 2` entries). With
 * `maxSlots` 0 it keeps nothing.
 */
export class TokenTable<T = string> {
  private slotMask: number;
  /** Per slot: length + 1 of its text (0: free), hash, offset in the pool, hash of the output. */
  private meta: Int32Array;
  private outs: Array<T | undefined>;
  private pool: Uint16Array;
  /** The pool read two code units at a time (get() with pairs). */
  private pool32: Uint32Array;
  private used = 0;
  private count = 0;
  /** outHash of the entry the last get() found. */
  hit = 0;
  /**
   * With `admitOnSecondSight`, a text is kept only when it comes again: one Int32 per bucket
   * remembers the hash last seen there. A stream of values that never repeat (ids, timestamps)
   * then costs a probe and one store per token and keeps no string alive (admitting every value
   * cost 5-30 % of the miner's lines/s on the LogHub lines with fresh digits: 0.78-0.99M against
   * 1.04-1.11M, three runs against two).
   */
  private readonly door: Int32Array | undefined;

  constructor(private readonly maxSlots = 1 << 16, private readonly maxPool = 1 << 19, admitOnSecondSight = false, private readonly maxLength = 256) {
    this.door = admitOnSecondSight ? new Int32Array(maxSlots) : undefined;
    this.slotMask = 0;
    this.meta = new Int32Array(0);
    this.outs = [];
    this.pool = new Uint16Array(0);
    this.pool32 = new Uint32Array(0);
    this.reset(Math.max(1, Math.min(maxSlots, 1 << 12)));
  }

  get size(): number { return this.count; }

  /**
   * The output kept for the text codes[from, to) of hash h, or undefined (then `hit` is stale).
   * With `pairs` (codes read as pairs of units, a view of the same memory) the text is a whole
   * one, from 0, kept by setLine() at an even offset of the pool: the compare takes half the steps.
   */
  get(codes: Uint16Array, from: number, to: number, h: number, pairs?: Uint32Array): T | undefined {
    const len1 = to - from + 1;
    const meta = this.meta;
    const m = this.slotMask;
    for (let i = mix(h) & m; ; i = (i + 1) & m) {
      const at = i << 2;
      const l = meta[at] as number;
      if (l === 0) return undefined;
      if (l === len1 && meta[at + 1] === h) {
        const start = meta[at + 2] as number;
        if (pairs === undefined ? this.same(codes, from, len1 - 1, start) : this.sameLine(codes, pairs, len1 - 1, start)) {
          this.hit = meta[at + 3] as number;
          return this.outs[i];
        }
      }
    }
  }

  /** set() of a whole text codes[0, n), for get() with pairs. */
  setLine(codes: Uint16Array, n: number, h: number, out: T, outHash: number): void {
    this.used += this.used & 1;
    this.set(codes, 0, n, h, out, outHash);
  }

  private sameLine(codes: Uint16Array, codes32: Uint32Array, n: number, at: number): boolean {
    const pool32 = this.pool32;
    const half = n >> 1;
    const at32 = at >> 1;
    for (let k = 0; k < half; k++) if (codes32[k] !== pool32[at32 + k]) return false;
    return (n & 1) === 0 || codes[n - 1] === this.pool[at + n - 1];
  }

  /**
   * Whether a text of hash h and length len, not in the table, is to be kept now: always,
   * without `admitOnSecondSight`; with it, when its hash was the last seen in its bucket.
   */
  admit(h: number, len: number): boolean {
    if (len > this.maxLength || this.maxSlots === 0) return false;
    if (this.door === undefined) return true;
    const d = mix(h) & (this.maxSlots - 1);
    if (this.door[d] === h) return true;
    this.door[d] = h;
    return false;
  }

  /**
   * Keeps `out` (whose hash is outHash) for the text codes[from, to) of hash h, not yet in the
   * table; call it when admit() says so.
   */
  set(codes: Uint16Array, from: number, to: number, h: number, out: T, outHash: number): void {
    const len = to - from;
    if (2 * (this.count + 1) > this.slotMask + 1) {
      if (this.slotMask + 1 < this.maxSlots) this.grow();
      else this.reset(this.slotMask + 1);
    }
    if (this.used + len > this.pool.length) {
      if (this.pool.length < this.maxPool) {
        // An even length: pool32 reads it in pairs.
        const pool = new Uint16Array(Math.min(this.maxPool, (Math.max(this.pool.length * 2, this.used + len) + 1) & ~1));
        pool.set(this.pool.subarray(0, this.used));
        this.pool = pool;
        this.pool32 = new Uint32Array(pool.buffer);
      }
      if (this.used + len > this.pool.length) this.reset(this.slotMask + 1);
    }
    const meta = this.meta;
    let i = mix(h) & this.slotMask;
    while (meta[i << 2] !== 0) i = (i + 1) & this.slotMask;
    const pool = this.pool;
    for (let k = 0, p = this.used; k < len; k++) pool[p + k] = codes[from + k] as number;
    const at = i << 2;
    meta[at] = len + 1;
    meta[at + 1] = h;
    meta[at + 2] = this.used;
    meta[at + 3] = outHash;
    this.outs[i] = out;
    this.used += len;
    this.count++;
  }

  private same(codes: Uint16Array, from: number, len: number, at: number): boolean {
    const pool = this.pool;
    for (let k = 0; k < len; k++) if (codes[from + k] !== pool[at + k]) return false;
    return true;
  }

  /** Twice the slots, the entries re-placed (their text stays where it is in the pool). */
  private grow(): void {
    const old = this.meta;
    const outs = this.outs;
    const slots = (this.slotMask + 1) * 2;
    this.meta = new Int32Array(slots * 4);
    this.outs = new Array<T | undefined>(slots).fill(undefined);
    this.slotMask = slots - 1;
    for (let j = 0; j < outs.length; j++) {
      const from = j << 2;
      if (old[from] === 0) continue;
      let i = mix(old[from + 1] as number) & this.slotMask;
      while (this.meta[i << 2] !== 0) i = (i + 1) & this.slotMask;
      this.meta.set(old.subarray(from, from + 4), i << 2);
      this.outs[i] = outs[j];
    }
  }

  private reset(slots: number): void {
    this.slotMask = slots - 1;
    this.meta = new Int32Array(slots * 4);
    this.outs = new Array<T | undefined>(slots).fill(undefined);
    if (this.pool.length === 0) {
      this.pool = new Uint16Array(Math.min(this.maxPool, 1 << 14));
      this.pool32 = new Uint32Array(this.pool.buffer);
    }
    this.used = 0;
    this.count = 0;
  }
}

/** FNV-1a over code units: the tokenizer folds each character in as it reads it. */
export const HASH_SEED = 0x811c9dc5 | 0;
export const hashStep = (h: number, c: number): number => Math.imul(h ^ c, 0x01000193);

export function hashString(s: string): number {
  let h = HASH_SEED;
  for (let i = 0; i < s.length; i++) h = hashStep(h, s.charCodeAt(i));
  return h;
}

/**
 * A hash of codes[0, n) read as pairs of units (codes32, a view of the same memory) in two
 * interleaved lanes: a quarter of the dependent multiplies of a unit-by-unit hash.
 */
export function hashLine(codes: Uint16Array, codes32: Uint32Array, n: number): number {
  let a = HASH_SEED;
  let b = n;
  const half = n >> 1;
  let k = 0;
  for (; k + 1 < half; k += 2) {
    a = Math.imul(a ^ (codes32[k] as number), 0x01000193);
    b = Math.imul(b ^ (codes32[k + 1] as number), 0x01000193);
  }
  if (k < half) a = Math.imul(a ^ (codes32[k] as number), 0x01000193);
  if ((n & 1) !== 0) b = Math.imul(b ^ (codes[n - 1] as number), 0x01000193);
  return Math.imul(a, 0x5bd1e995) ^ b;
}

/** Spreads FNV's weak low bits before they index the table. */
const mix = (h: number): number => {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  return h ^ (h >>> 15);
};
