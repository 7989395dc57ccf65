/**
 * Variable parts of a message replaced by the wildcard before clustering, so lines that
 * differ only in ids, numbers or addresses land on the same tree path from the start.
 */

export const WILDCARD = '<*>';

const RULES: RegExp[] = [
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, // UUID
  /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\w.])/g, // IPv4[:port]
  /\b0x[0-9a-f]+\b/gi, // hex literal
  /(?<![A-Za-z0-9])(?=[a-f]*\d)[0-9a-f]{8,}(?![A-Za-z0-9])/gi, // long hex id with a digit
  /(?<![A-Za-z0-9])[-+]?\d+(?:\.\d+)?(?![A-Za-z0-9])/g, // number
];

export function maskMessage(text: string): string {
  let s = text;
  for (const re of RULES) s = s.replace(re, WILDCARD);
  return s;
}

export function tokenize(text: string): string[] {
  const s = text.trim();
  return s === '' ? [] : s.split(/\s+/);
}
