/**
 * Event time from ISO-8601 text or an epoch number in s, ms, µs or ns. Units are told apart
 * by magnitude: any plausible date (1973..5138) lands in exactly one band, because each unit
 * is 1000x the previous one.
 */

export type TimestampResult = { ok: true; ms: number } | { ok: false; detail: string };

const SECONDS_BELOW = 1e11; // 1e11 s is year 5138; 1e11 ms is 1973
const MILLIS_BELOW = 1e14;
const MICROS_BELOW = 1e17;
/** Dates after 2200 are almost surely a unit or clock bug, and would drag the watermark. */
const MAX_MS = Date.UTC(2200, 0, 1);

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

export function epochToMs(n: number): number {
  const a = Math.abs(n);
  if (a < SECONDS_BELOW) return n * 1000;
  if (a < MILLIS_BELOW) return n;
  if (a < MICROS_BELOW) return n / 1000;
  // Epoch ns (~1.7e18) is past 2^53, so doubles hold it only to ~256 ns; round to whole µs
  // first or floor() can land one ms early (…002000000 / 1e6 = …001.9998).
  return Math.round(n / 1e3) / 1e3;
}

/** Two ASCII digits at `i` as a number, or -1. */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.fff…][Z]`, the shape nearly every shipper writes, read off the
 * character codes; anything else (space separator, offsets, short forms) goes to the
 * regular expression. Both end in the same checks (`utcOf`), so results are equal: the
 * regex, its capture strings and their Number() calls were 5.6 % of ingest (issue #16).
 */
function parseIsoFast(s: string): number | undefined {
  const n = s.length;
  if (n < 19 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  const y1 = two(s, 0);
  const y2 = two(s, 2);
  const mo = two(s, 5);
  const d = two(s, 8);
  const h = two(s, 11);
  const mi = two(s, 14);
  const sec = two(s, 17);
  if (y1 < 0 || y2 < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0) return undefined;
  let i = 19;
  let ms = 0;
  const sep = s.charCodeAt(i);
  if (sep === 46 || sep === 44) {
    // Fraction: its first three digits are the milliseconds, the rest is ignored.
    i++;
    const from = i;
    while (i < n) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      if (i - from < 3) ms += c * (i - from === 0 ? 100 : i - from === 1 ? 10 : 1);
      i++;
    }
    if (i === from) return undefined;
  }
  if (i < n) {
    const z = s.charCodeAt(i);
    if ((z !== 90 && z !== 122) || i + 1 !== n) return undefined;
  }
  return utcOf(y1 * 100 + y2, mo, d, h, mi, sec, ms, 0);
}

/** Date.UTC of the parts, or undefined when a part is out of range (a round trip catches rolled dates). */
function utcOf(y: number, mo: number, d: number, h: number, mi: number, sec: number, ms: number, offsetMs: number): number | undefined {
  const t = Date.UTC(y, mo - 1, d, h, mi, sec, ms);
  // Date.UTC silently rolls 2024-02-31 into March; a round trip catches that.
  const check = new Date(t);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1 || h > 23 || mi > 59 || sec > 60) return undefined;
  return t - offsetMs;
}

function parseIso(s: string): number | undefined {
  const fast = parseIsoFast(s);
  if (fast !== undefined) return fast;
  const m = ISO.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', zone] = m;
  const ms = Number((frac + '000').slice(0, 3));
  // Text without an offset is taken as UTC: the daemon's own zone must not change results.
  let offMs = 0;
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    offMs = sign * offMin * 60_000;
  }
  return utcOf(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(sec), ms, offMs);
}

export function parseTimestamp(v: unknown): TimestampResult {
  let ms: number | undefined;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return { ok: false, detail: 'timestamp is not a finite number' };
    ms = epochToMs(v);
  } else if (typeof v === 'string') {
    const s = v.trim();
    if (/^-?\d+(\.\d+)?$/.test(s)) ms = epochToMs(Number(s));
    else {
      ms = parseIso(s);
      if (ms === undefined) return { ok: false, detail: `timestamp (a string of ${v.length} characters) is neither ISO-8601 nor an epoch number` };
    }
  } else {
    return { ok: false, detail: `timestamp has type ${Array.isArray(v) ? 'array' : typeof v}` };
  }
  if (!(ms > 0 && ms < MAX_MS)) return { ok: false, detail: 'timestamp is outside 1970..2200' };
  return { ok: true, ms: Math.floor(ms) };
}
