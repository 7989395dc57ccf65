import type { RedactionConfig } from '../config.ts';

/**
 * Secret scrubbing for messages and string attributes. Each rule has a cheap guard
 * (a character that must appear) so clean lines, the common case, skip the regex.
 */

export const REDACTED = {
  email: '<email>',
  ipv4: '<ip>',
  bearer: 'Bearer <token>',
  card: '<card>',
  custom: '<redacted>',
} as const;

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`(?<![\\d.])(?:${OCTET}\\.){3}${OCTET}(?!\\.?\\d)`, 'g');
const BEARER = /\bBearer\s+[A-Za-z0-9\-._~+/]+=*/gi;
// 13..19 digits, optionally grouped by single spaces or dashes, not inside a longer number.
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])/g;

/** Luhn checksum: card numbers pass, most other long numbers (ids, timestamps) do not. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

function redactCards(s: string): string {
  return s.replace(CARD, (m) => {
    const digits = m.replace(/[ -]/g, '');
    return digits.length >= 13 && digits.length <= 19 && luhnValid(digits) ? REDACTED.card : m;
  });
}

const LOCAL = new Uint8Array(128);
const LABEL = new Uint8Array(128);
const ALPHA = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z]/.test(ch)) ALPHA[c] = 1;
  if (/[A-Za-z0-9-]/.test(ch)) LABEL[c] = 1;
  if (/[A-Za-z0-9._%+-]/.test(ch)) LOCAL[c] = 1;
}
const is = (table: Uint8Array, c: number): boolean => c < 128 && table[c] === 1;
const DOT = 0x2e;

/**
 * Replaces what `/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g` would
 * match, in linear time. That regex retries the local part from every start position, so
 * 60 KB of `a…a@` cost ~1.7 s of CPU and 100 such lines 207 s (issue #10). Here each `@`
 * is looked at once: the local part is the run of local characters before it (leftmost
 * start wins, as in the regex), the domain the longest run of labels after it whose last
 * dot is followed by two or more letters. Every character is visited a bounded number of
 * times (at most once by a local scan and once by a domain scan).
 */
export function redactEmails(s: string, replacement: string): string {
  let out = '';
  let from = 0;
  for (let at = s.indexOf('@', from); at >= 0; at = s.indexOf('@', Math.max(from, at + 1))) {
    let start = at;
    while (start > from && is(LOCAL, s.charCodeAt(start - 1))) start--;
    if (start === at) continue;
    // Domain: labels separated by single dots; remember where the match could end.
    let i = at + 1;
    let end = -1;
    while (i < s.length && is(LABEL, s.charCodeAt(i))) {
      while (i < s.length && is(LABEL, s.charCodeAt(i))) i++;
      if (s.charCodeAt(i) !== DOT || !is(LABEL, s.charCodeAt(i + 1))) break;
      let j = i + 1;
      while (j < s.length && is(ALPHA, s.charCodeAt(j))) j++;
      if (j - (i + 1) >= 2) end = j;
      i++;
    }
    if (end < 0) continue;
    out += s.slice(from, start) + replacement;
    from = end;
  }
  return from === 0 ? s : out + s.slice(from);
}

/**
 * Whether `s` holds 13 or more digits in a row, single spaces or dashes allowed between
 * them: true whenever CARD can match (a necessary condition, nothing more). The guard was
 * `/\d{4}/`, which most messages with an id or a duration pass, and each then paid for the
 * card regex (2.4 % of ingest's profile, issue #16).
 */
function mayHoldCard(s: string): boolean {
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++run >= 13) return true;
    } else if (run > 0 && (c === 32 || c === 45)) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 48 && d <= 57)) run = 0;
    } else run = 0;
  }
  return false;
}

/** Whether `s` has a digit, a dot and a digit in a row: true whenever IPV4 can match. */
function mayHoldIpv4(s: string): boolean {
  for (let i = s.indexOf('.', 1); i > 0; i = s.indexOf('.', i + 1)) {
    const a = s.charCodeAt(i - 1);
    const b = s.charCodeAt(i + 1);
    if (a >= 48 && a <= 57 && b >= 48 && b <= 57) return true;
  }
  return false;
}

export type Redactor = (text: string) => string;

export function createRedactor(cfg: RedactionConfig): Redactor {
  const custom = cfg.patterns.map((p) => new RegExp(p, 'g'));
  return (text) => {
    let s = text;
    // Bearer first: tokens may contain dots and digits the other rules would half-match.
    if (cfg.bearer && /bearer/i.test(s)) s = s.replace(BEARER, REDACTED.bearer);
    if (cfg.email && s.includes('@')) s = redactEmails(s, REDACTED.email);
    if (cfg.card && mayHoldCard(s)) s = redactCards(s);
    if (cfg.ipv4 && mayHoldIpv4(s)) s = s.replace(IPV4, REDACTED.ipv4);
    for (const re of custom) s = s.replace(re, REDACTED.custom);
    return s;
  };
}
