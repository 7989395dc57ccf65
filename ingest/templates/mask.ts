import type { MaskPreset } from './presets.ts';

/**
 * Turns a message into the token list the miner clusters: the preset's regular-expression
 * rules first (if any), extra delimiters to spaces, then one pass over the characters that
 * splits on whitespace and, with the built-in classifier on, masks only tokens holding a
 * digit. Tokens without a digit (most of them) are taken as slices, never run through a
 * regular expression: that is most of the miner's speed (bench/templates-loghub.ts).
 */

export const WILDCARD = '<*>';

// Applied in this order at each position of a token that holds a digit.
const BUILTIN = new RegExp([
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/.source, // UUID
  /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\w.])/.source, // IPv4[:port]
  /\b0x[0-9a-f]+\b/.source, // hex literal
  /(?<![A-Za-z0-9])(?=[a-f]*\d)[0-9a-f]{8,}(?![A-Za-z0-9])/.source, // long hex id with a digit
  /(?<![A-Za-z0-9])[-+]?\d+(?:\.\d+)?(?![A-Za-z0-9])/.source, // number
].join('|'), 'gi');

/** Built-in masking of one token that holds a digit. */
export function maskToken(token: string): string {
  // Plain unsigned integers are most digit tokens; no regular expression for them.
  let plain = true;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c < 48 || c > 57) { plain = false; break; }
  }
  if (plain) return WILDCARD;
  const masked = token.replace(BUILTIN, WILDCARD);
  return masked === token ? token : masked;
}

export type Tokenizer = (message: string) => string[];

export interface TokenizerOptions extends Pick<MaskPreset, 'prefix' | 'suffix' | 'extraDelimiters' | 'builtin'> {
  rules: ReadonlyArray<{ pattern: string; name: string }>;
}

export function createTokenizer(opts: TokenizerOptions): Tokenizer {
  const rules = opts.rules.map((r) => {
    const mask = r.name === '*' ? WILDCARD : `${opts.prefix}${r.name}${opts.suffix}`;
    return { re: new RegExp(r.pattern, 'g'), mask: (): string => mask };
  });
  const delimiters = [...opts.extraDelimiters];
  const builtin = opts.builtin;
  return (message) => {
    let s = message;
    for (const r of rules) s = s.replace(r.re, r.mask);
    for (const d of delimiters) s = s.split(d).join(' ');
    const out: string[] = [];
    const n = s.length;
    let start = -1;
    let digit = false;
    for (let i = 0; i <= n; i++) {
      const c = i < n ? s.charCodeAt(i) : 32;
      if (c === 32 || (c >= 9 && c <= 13)) {
        if (start >= 0) {
          const tok = s.slice(start, i);
          out.push(builtin && digit ? maskToken(tok) : tok);
          start = -1;
          digit = false;
        }
      } else {
        if (start < 0) start = i;
        if (c >= 48 && c <= 57) digit = true;
      }
    }
    return out;
  };
}

const builtinOnly = createTokenizer({ rules: [], prefix: '<', suffix: '>', extraDelimiters: [], builtin: true });

/** The built-in masking of a whole message, tokens joined by one space. */
export function maskMessage(text: string): string {
  return builtinOnly(text).join(' ');
}
