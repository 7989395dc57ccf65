import { HASH_SEED, hashLine, hashStep, hashString, TokenTable } from './intern.ts';
import type { MaskPreset } from './presets.ts';

/**
 * Turns a message into the token list the miner clusters: the preset's regular-expression
 * rules first (if any), extra delimiters to spaces, then one pass over the characters that
 * splits on whitespace and, with the built-in classifier on, masks only tokens holding a
 * digit. Tokens without a digit (most of them) are never run through a regular expression:
 * that is most of the miner's speed (bench/templates-loghub.ts). A token of digits alone is the
 * wildcard without a scan (every BUILTIN_PATTERN alternative that can start on a digit takes a
 * run of digits whole: the long hex id from 8 digits, the number below that), and the value
 * scanner runs only where a value may start. Memos (createTokenizer, intern.ts) hand out one
 * string per word, keep the masked form of a value token seen twice, and the tokens of a
 * whole message seen twice; the pass hashes each token's characters as it reads them, and the
 * tokenizer reports a signature of the token list for the miner's token-list cache.
 */

export const WILDCARD = '<*>';

/**
 * What the built-in classifier masks, as one regular expression (alternatives tried in this
 * order at each position). maskToken() is a hand-written scanner with exactly these matches
 * (a unit test checks them against each other): the expression ran at 104k lines/s where the
 * tokenizer without masking ran at 216k on the same machine, most tokens that hold a digit
 * being partial (`blk_<*>`, `<*>,`, `core.<*>`).
 */
export const BUILTIN_PATTERN = new RegExp([
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/.source, // UUID
  /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\w.])/.source, // IPv4[:port]
  /\b0x[0-9a-f]+\b/.source, // hex literal
  /(?<![A-Za-z0-9])(?=[a-f]*\d)[0-9a-f]{8,}(?![A-Za-z0-9])/.source, // long hex id with a digit
  /(?<![A-Za-z0-9])[-+]?\d+(?:\.\d+)?(?![A-Za-z0-9])/.source, // number
].join('|'), 'gi');

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const isAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);

// Character classes: one table lookup per character instead of range tests.
const DIGIT = 1;
const HEX = 2;
const ALNUM = 4;
const WORD = 8;
/** Where a value may start: a hex digit or a sign. */
const START = 16;
const CLASS = new Uint8Array(65536);
for (let c = 0; c < 128; c++) {
  CLASS[c] = (isDigit(c) ? DIGIT : 0) | (isHex(c) ? HEX | START : 0) | (isAlnum(c) ? ALNUM | WORD : 0) | (c === 95 ? WORD : 0) | (c === 43 || c === 45 ? START : 0);
}

/**
 * The classes of t[i] inside the token (i < n), else 0. Past the token's end there is
 * whitespace or the message's end, neither of which is in any class; reading it as 0 never
 * reads past the string (an out-of-bounds charCodeAt deoptimised valueAt six times per run).
 */
const cls = (t: Uint16Array, i: number, n: number): number => (i < n ? (CLASS[t[i] as number] as number) : 0);
const code = (t: Uint16Array, i: number, n: number): number => (i < n ? (t[i] as number) : -1);

/** Whether an IPv4 value may end at i: the token's end, or neither a word character nor a dot. */
const endsValue = (t: Uint16Array, i: number, n: number): boolean => i >= n || ((CLASS[t[i] as number] as number) & WORD) === 0 && t[i] !== 46;

/**
 * End of a value starting at p (exclusive), or -1: the BUILTIN alternatives in order, within
 * the token t[from, n) (from and n are whitespace or the message's ends).
 */
function valueAt(t: Uint16Array, p: number, from: number, n: number): number {
  const c = t[p] as number;
  const k = CLASS[c] as number;
  const before = p === from ? -1 : (t[p - 1] as number);
  const kb = before < 0 ? 0 : (CLASS[before] as number);
  const alnumBefore = (kb & ALNUM) !== 0;
  const wordBefore = (kb & WORD) !== 0;
  if ((k & HEX) !== 0 && !wordBefore) {
    // UUID 8-4-4-4-12.
    if (p + 36 <= n && (p + 36 === n || (cls(t, p + 36, n) & WORD) === 0)) {
      let ok = true;
      for (let i = 0; i < 36 && ok; i++) {
        const x = t[p + i] as number;
        ok = i === 8 || i === 13 || i === 18 || i === 23 ? x === 45 : ((CLASS[x] as number) & HEX) !== 0;
      }
      if (ok) return p + 36;
    }
  }
  if ((k & DIGIT) !== 0 && !wordBefore && before !== 46) {
    // IPv4 with an optional port.
    let q = p;
    let ok = true;
    for (let part = 0; part < 4 && ok; part++) {
      const s = q;
      while ((cls(t, q, n) & DIGIT) !== 0) q++;
      const len = q - s;
      if (len < 1 || len > 3) ok = false;
      else if (part < 3) { if (code(t, q, n) === 46) q++; else ok = false; }
    }
    if (ok) {
      if (code(t, q, n) === 58) {
        let r = q + 1;
        while ((cls(t, r, n) & DIGIT) !== 0) r++;
        if (r - q - 1 >= 1 && r - q - 1 <= 5 && endsValue(t, r, n)) return r;
      }
      if (endsValue(t, q, n)) return q;
    }
  }
  if (c === 48 && !wordBefore && (code(t, p + 1, n) === 120 || code(t, p + 1, n) === 88)) {
    // 0x hex literal.
    let q = p + 2;
    while ((cls(t, q, n) & HEX) !== 0) q++;
    if (q > p + 2 && (cls(t, q, n) & WORD) === 0) return q;
  }
  if ((k & HEX) !== 0 && !alnumBefore) {
    // Long hex id holding a digit.
    let q = p;
    let digit = 0;
    for (let x = cls(t, q, n); (x & HEX) !== 0; x = cls(t, ++q, n)) digit |= x;
    if ((digit & DIGIT) !== 0 && q - p >= 8 && (cls(t, q, n) & ALNUM) === 0) return q;
  }
  if (!alnumBefore) {
    // Number with an optional sign and decimals.
    let q = p;
    if (c === 45 || c === 43) q++;
    const s = q;
    while ((cls(t, q, n) & DIGIT) !== 0) q++;
    if (q > s) {
      if (code(t, q, n) === 46 && (cls(t, q + 1, n) & DIGIT) !== 0) {
        let r = q + 1;
        while ((cls(t, r, n) & DIGIT) !== 0) r++;
        if ((cls(t, r, n) & ALNUM) === 0) return r;
      }
      if ((cls(t, q, n) & ALNUM) === 0) return q;
    }
  }
  return -1;
}

/** Built-in masking of one token that holds a digit: BUILTIN_PATTERN's matches become `<*>`. */
export function maskToken(t: string): string {
  return maskRange(t, new CodeUnits().load(t), 0, t.length, false);
}

// Values masked in the token maskRange() is on (start, end pairs), reused between calls.
let cuts: Int32Array = new Int32Array(64);

/**
 * maskToken() of the token t[from, n) without slicing it first, and with `paths` also
 * maskPath() of the result: a token that is one value (a number, an IP, an id: most tokens
 * with a digit) is the wildcard itself, no string made.
 * valueAt() is tried only where a value may start, and never right after a letter or digit:
 * every alternative of BUILTIN_PATTERN needs a non-alphanumeric character before it, so the
 * inside of words like `attempt_…` or `blk_…` is skipped.
 *
 * The path rule is decided in the same pass from the characters outside the values (what
 * maskPath() reads of the masked string; no value holds a `/` or starts with a `.`), and the
 * masked string is built only when the token is not `<*>` as a whole. maskPath() on the built
 * string took 77 ns of the 230 per token holding a digit and part of a value (LogHub 2k
 * sets, 1.6 such tokens per line). A token with a `<` of its own (it may spell `<*>`) takes
 * maskPath() itself.
 */
function maskRange(t: string, codes: Uint16Array, from: number, n: number, paths: boolean): string {
  let values = 0;
  let afterAlnum = false;
  // What maskPath() looks at, outside the values.
  let alnum = false;
  let letter = false;
  let dots = 0;
  let host = true;
  let slash = false;
  let angle = false;
  for (let p = from; p < n;) {
    const c = codes[p] as number;
    const k = CLASS[c] as number;
    if (!afterAlnum && (k & START) !== 0) {
      const e = valueAt(codes, p, from, n);
      if (e > p) {
        if (p === from && e === n) return WILDCARD;
        if (values * 2 === cuts.length) cuts = grow(cuts);
        cuts[values * 2] = p;
        cuts[values * 2 + 1] = e;
        values++;
        p = e;
        afterAlnum = ((CLASS[codes[e - 1] as number] as number) & ALNUM) !== 0;
        continue;
      }
    }
    afterAlnum = (k & ALNUM) !== 0;
    if (afterAlnum) { alnum = true; if ((k & DIGIT) === 0) letter = true; }
    else if (c === 46) { dots++; if (p === from || (p + 1 < n && codes[p + 1] === 46)) host = false; }
    else if (c === 47) { slash = true; host = false; }
    else if (c === 60) { angle = true; host = false; }
    else if (c !== 45 && c !== 95 && !(p === n - 1 && (c === 44 || c === 58 || c === 59 || c === 41))) host = false;
    p++;
  }
  if (paths && !angle && values > 0 && ((dots >= 2 && letter && host) || (alnum && slash))) return WILDCARD;
  let out = '';
  let last = from;
  for (let v = 0; v < values; v++) {
    out += t.slice(last, cuts[v * 2]) + WILDCARD;
    last = cuts[v * 2 + 1] as number;
  }
  out = values === 0 ? t.slice(from, n) : out + t.slice(last, n);
  return paths && angle ? maskPath(t, from, n, out) : out;
}

/**
 * A reusable copy of a string's UTF-16 code units, as the scanners read them: one copy in C++
 * (Buffer.write, ~70 ns for a LogHub line), then typed-array reads instead of charCodeAt, which
 * on a string built by concatenation (the CSV loader's, a redacted message) goes through the
 * rope on every call. The character loop and the value scanner were ~40 % of the miner's CPU.
 */
class CodeUnits {
  private units = new Uint16Array(1024);
  private bytes = Buffer.from(this.units.buffer);
  /** The units load() returned last, read in pairs (its length rounded up to even). */
  pairs = new Uint32Array(this.units.buffer);

  load(s: string): Uint16Array {
    if (this.units.length < s.length) {
      this.units = new Uint16Array(Math.max(s.length + 1, this.units.length * 2) & ~1);
      this.bytes = Buffer.from(this.units.buffer);
      this.pairs = new Uint32Array(this.units.buffer);
    }
    if (ucs2Write !== undefined) ucs2Write.call(this.bytes, s, 0);
    else this.bytes.write(s, 0, 'utf16le');
    return this.units;
  }
}

/**
 * Node's own UTF-16 writer behind `Buffer.write(s, 0, 'utf16le')`, called without write()'s
 * argument handling, which had become half of the copy's cost (8 % of the CPU profile on
 * repeated lines, against 7 % for the copy itself). Not a documented API: used when Node has
 * it (Node 20 here does), write() otherwise.
 */
const ucs2Write = (Buffer.prototype as unknown as { ucs2Write?: (this: Buffer, s: string, offset: number) => number }).ucs2Write;

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * A path, URL or host name that holds a masked value is one variable as a whole:
 * `/v2/<*>/servers/detail` and `/v2/<*>/os-server-external-events` are the same slot of one
 * template, and leaving them apart makes a line of 10 tokens with 4 values fall below the
 * similarity threshold of its own event; `MSRA-SA-<*>.fareast.corp.microsoft.com` is a host
 * like `04DN8IQ.fareast.corp.microsoft.com`. Measured with the default configuration
 * (`foresight eval loghub`, README): paths OpenStack 0.481 -> 0.979, HDFS 0.940 -> 0.998, BGL
 * 0.965 -> 0.973; host names (3 or more dot-separated labels) Hadoop 0.956 -> 0.976; no set
 * lower.
 */
export function maskPath(s: string, from: number, n: number, masked: string): string {
  if (masked === WILDCARD || !masked.includes(WILDCARD)) return masked;
  // What is left besides the values: `/<*>` and `/<*>,` are one value already (and LogHub's
  // templates spell them so); `invoke.<*>` (a function and a line number) is no host.
  // A host is letters, digits, `-` and `_` in non-empty labels (one trailing `,:;)` allowed):
  // BGL's `instruction......<*>` (dot leaders) or `f(<*>._<*>.(` is no host.
  let alnum = false;
  let letter = false;
  let dots = 0;
  let host = true;
  const end = masked.length - 1;
  for (let i = 0; i <= end; i++) {
    if (masked.startsWith(WILDCARD, i)) { i += WILDCARD.length - 1; continue; }
    const c = masked.charCodeAt(i);
    if (c === 46) { dots++; if (i === 0 || masked.charCodeAt(i + 1) === 46) host = false; }
    else if (isAlnum(c)) { alnum = true; if (!isDigit(c)) letter = true; }
    else if (c !== 45 && c !== 95 && !(i === end && (c === 44 || c === 58 || c === 59 || c === 41))) host = false;
  }
  if (dots >= 2 && letter && host) return WILDCARD;
  if (!alnum) return masked;
  const slash = s.indexOf('/', from);
  return slash >= 0 && slash < n ? WILDCARD : masked;
}

/**
 * Turns a message into tokens. The returned array is the tokenizer's own, overwritten by its
 * next call: copy what you keep.
 */
export interface Tokenizer {
  /** Never write to the array: it may be a kept message's own. */
  tokens(message: string): string[];
  /**
   * A hash of the token texts tokens() returned last: equal lists have equal signatures (the
   * miner's token-list cache is keyed by it and checks the tokens themselves).
   */
  readonly signature: number;
  /** The message tokens() took last, when the whole-message memo holds it (its tokens are the array returned). */
  readonly kept: KeptMessage | undefined;
}

/** A message in the whole-message memo: its tokens and signature, and a slot for the caller. */
export interface KeptMessage {
  readonly tokens: string[];
  readonly signature: number;
  /** The caller's (the miner keeps its token-list cache entry here); undefined at first. */
  note: unknown;
}

export interface TokenizerOptions extends Pick<MaskPreset, 'prefix' | 'suffix' | 'extraDelimiters' | 'builtin'> {
  rules: ReadonlyArray<{ pattern: string; name: string }>;
  /** Memos of words, values and whole messages (default on); off, every token is made anew. */
  memo?: boolean;
}

const WILDCARD_HASH = hashString(WILDCARD);

export function createTokenizer(opts: TokenizerOptions): Tokenizer {
  const rules = opts.rules.map((r) => {
    const mask = r.name === '*' ? WILDCARD : `${opts.prefix}${r.name}${opts.suffix}`;
    return { re: new RegExp(r.pattern, 'g'), mask: (): string => mask };
  });
  const delimiters = [...opts.extraDelimiters];
  const builtin = opts.builtin;
  const rewrites = rules.length > 0 || delimiters.length > 0;
  // Output arrays reused, one per token count: the miner copies tokens only when they start a
  // cluster (per-line arrays were ~10 % of the CPU profile as garbage collection, 208k LogHub
  // lines), and one array cut to each line's length (`length = k`) was 3 % (V8 trims the
  // backing store and grows it again on the next longer line).
  const scratch: string[] = [];
  const byCount: string[][] = [];
  const units = new CodeUnits();
  // Words (no digit, or no built-in masking) and tokens holding a value, each to the string
  // handed out for it (intern.ts): no new string per token seen before, no second scan of a value.
  const memo = opts.memo ?? true;
  const words = new TokenTable(memo ? 1 << 16 : 0);
  const values = new TokenTable(memo ? 1 << 16 : 0, 1 << 19, true);
  // Whole messages seen twice (up to 1,024 characters), to their tokens and signature: services
  // repeat messages word for word (38 % of the LogHub 2k lines repeat an earlier line of their
  // set), and a message seen before costs a hash and a compare of its characters, two at a time,
  // instead of the token-by-token pass. In-process A/B on bench/templates-loghub.ts's streams
  // (medians of 3): repeated 1.89M -> 2.58M lines/s; digit-varied, where only the lines without
  // a digit repeat, 1.31M -> 1.18M (a message never seen twice pays the hash and a probe).
  // Not with rewrite rules (the Drain3 and LogHub presets), whose output the memo would need
  // the original text for.
  const lines = rewrites || !memo ? undefined : new TokenTable<KeptMessage>(1 << 15, 1 << 21, true, 1024);
  const tokenizer = {
    signature: 0,
    kept: undefined as KeptMessage | undefined,
    tokens(message: string): string[] {
      let s = message;
      let lh = 0;
      let keep = false;
      // The default preset has neither; an empty for-of still made an iterator per line (3 % of
      // the miner's CPU profile).
      if (rewrites) {
        for (const r of rules) s = s.replace(r.re, r.mask);
        for (const d of delimiters) s = s.split(d).join(' ');
      }
      const codes = units.load(s);
      const n = s.length;
      if (lines !== undefined) {
        lh = hashLine(codes, units.pairs, n);
        const seen = lines.get(codes, 0, n, lh, units.pairs);
        tokenizer.kept = seen;
        if (seen !== undefined) {
          tokenizer.signature = seen.signature;
          return seen.tokens;
        }
        keep = lines.admit(lh, n);
      }
      let k = 0;
      let sig = HASH_SEED;
      let i = 0;
      // Token by token: skip whitespace, then run to the token's end noting whether it holds a
      // digit and hashing its characters.
      while (i < n) {
        let c = codes[i] as number;
        if (c === 32 || (c >= 9 && c <= 13)) { i++; continue; }
        const start = i;
        // Digits seen, and whether every character was one (a token of digits alone is `<*>`).
        let digits = 0;
        let h = HASH_SEED;
        do {
          if (c <= 57 && c >= 48) digits++;
          h = hashStep(h, c);
          if (++i >= n) break;
          c = codes[i] as number;
        } while (c !== 32 && (c < 9 || c > 13));
        let token: string | undefined;
        let th = h;
        if (!builtin || digits === 0) {
          token = words.get(codes, start, i, h);
          if (token === undefined) { token = s.slice(start, i); if (words.admit(h, i - start)) words.set(codes, start, i, h, token, h); }
        } else if (digits === i - start) {
          token = WILDCARD;
          th = WILDCARD_HASH;
        } else {
          token = values.get(codes, start, i, h);
          if (token === undefined) {
            token = maskRange(s, codes, start, i, true);
            th = hashString(token);
            if (values.admit(h, i - start)) values.set(codes, start, i, h, token, th);
          } else th = values.hit;
        }
        scratch[k++] = token;
        sig = Math.imul(sig ^ th, 0x5bd1e995);
      }
      tokenizer.signature = sig ^ k;
      if (keep && lines !== undefined) {
        const made: KeptMessage = { tokens: scratch.slice(0, k), signature: tokenizer.signature, note: undefined };
        lines.setLine(codes, n, lh, made, made.signature);
        tokenizer.kept = made;
        return made.tokens;
      }
      let out = byCount[k];
      if (out === undefined) { out = new Array<string>(k); byCount[k] = out; }
      for (let j = 0; j < k; j++) out[j] = scratch[j] as string;
      return out;
    },
  };
  return tokenizer;
}

// No memos: maskMessage() is the plain reference (tests), and the tables would be allocated at
// every process's start for nothing.
const builtinOnly = createTokenizer({ rules: [], prefix: '<', suffix: '>', extraDelimiters: [], builtin: true, memo: false });

/** The built-in masking of a whole message, tokens joined by one space. */
export function maskMessage(text: string): string {
  return builtinOnly.tokens(text).join(' ');
}
