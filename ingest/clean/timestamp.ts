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

function parseIso(s: string): number | undefined {
  const m = ISO.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', zone] = m;
  const ms = Number((frac + '000').slice(0, 3));
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), ms);
  // Date.UTC silently rolls 2024-02-31 into March; a round trip catches that.
  const check = new Date(t);
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1 || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 60) return undefined;
  // Text without an offset is taken as UTC: the daemon's own zone must not change results.
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    t -= sign * offMin * 60_000;
  }
  return t;
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
