/**
 * Credentials out of URLs before they are logged or printed. `ELASTICSEARCH_URL` may carry
 * `user:password@`, a webhook URL a token in its query string; both used to reach logs,
 * `foresight doctor` and `foresight config` verbatim (issue #10).
 */

export const MASK = '[redacted]';

// Scheme, optional userinfo, then everything up to whitespace, a quote or a bracket. Each
// part is a run of one character class after a fixed anchor, so matching is linear.
const URL_IN_TEXT = /\b([a-z][a-z0-9+.-]{0,31}:\/\/)(?:[^\s/?#"'<>\\]*@)?([^\s?#"'<>\\]*)(\?[^\s#"'<>\\]*)?/gi;

function maskQuery(query: string): string {
  // `?a=1&b` → `?a=[redacted]&b`: names stay (they say what was there), values go.
  return query.replace(/([?&][^=&]*)=[^&]*/g, `$1=${MASK}`);
}

/** One URL made safe to show: userinfo replaced, every query value masked. */
export function safeUrl(url: string): string {
  return url.replace(URL_IN_TEXT, (_m, scheme: string, rest: string, query: string | undefined) => scrubbed(_m, scheme, rest, query));
}

function scrubbed(match: string, scheme: string, rest: string, query: string | undefined): string {
  const hadUser = match.slice(scheme.length).split(/[/?#]/, 1)[0]?.includes('@') ?? false;
  return `${scheme}${hadUser ? `${MASK}@` : ''}${rest}${query ? maskQuery(query) : ''}`;
}

/** Every URL inside a text (a log line, an error message) made safe. */
export function scrubUrls(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(URL_IN_TEXT, (m, scheme: string, rest: string, query: string | undefined) => scrubbed(m, scheme, rest, query));
}
