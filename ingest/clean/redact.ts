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

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
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

export type Redactor = (text: string) => string;

export function createRedactor(cfg: RedactionConfig): Redactor {
  const custom = cfg.patterns.map((p) => new RegExp(p, 'g'));
  return (text) => {
    let s = text;
    // Bearer first: tokens may contain dots and digits the other rules would half-match.
    if (cfg.bearer && /bearer/i.test(s)) s = s.replace(BEARER, REDACTED.bearer);
    if (cfg.email && s.includes('@')) s = s.replace(EMAIL, REDACTED.email);
    if (cfg.card && /\d{4}/.test(s)) s = redactCards(s);
    if (cfg.ipv4 && s.includes('.')) s = s.replace(IPV4, REDACTED.ipv4);
    for (const re of custom) s = s.replace(re, REDACTED.custom);
    return s;
  };
}
