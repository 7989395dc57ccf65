import type { IngestConfig } from '../config.ts';
import type { DeadLetter, DeadLetterReason, LogEvent, RawInput } from '../types.ts';
import { isPlainObject } from './lookup.ts';
import { compileFields, normalize, type NormalizeOptions } from './normalize.ts';
import { createRedactor } from './redact.ts';

/** Raw line -> LogEvent or DeadLetter. Pure apart from the `now` it is given. */

export type CleanResult = { ok: true; event: LogEvent } | { ok: false; letter: DeadLetter };

export type Cleaner = (raw: RawInput, now: number) => CleanResult;

/** The first `maxBytes` bytes of a string, never splitting a UTF-8 sequence. */
export function utf8Prefix(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

export function deadLetter(raw: RawInput, reason: DeadLetterReason, detail: string, now: number, prefixBytes: number): DeadLetter {
  const kept = utf8Prefix(raw.text, prefixBytes);
  return {
    reason,
    detail,
    raw: kept,
    rawBytes: raw.bytes,
    truncated: kept.length < raw.text.length || raw.bytes > Buffer.byteLength(raw.text, 'utf8'),
    position: raw.position,
    at: now,
  };
}

export function createCleaner(cfg: Pick<IngestConfig, 'fields' | 'redaction' | 'maxLineBytes' | 'deadLetterPrefixBytes' | 'maxAttrs' | 'maxAttrChars'>): Cleaner {
  const opts: NormalizeOptions = {
    fields: compileFields(cfg.fields),
    redact: createRedactor(cfg.redaction),
    maxAttrs: cfg.maxAttrs,
    maxAttrChars: cfg.maxAttrChars,
  };
  // Rejected lines are kept whole unless huge, so an operator can replay them after a fix.
  const reject = (raw: RawInput, reason: DeadLetterReason, detail: string, now: number): CleanResult =>
    ({ ok: false, letter: deadLetter(raw, reason, detail, now, reason === 'too_large' ? cfg.deadLetterPrefixBytes : cfg.maxLineBytes) });

  return (raw, now) => {
    if (raw.bytes > cfg.maxLineBytes) return reject(raw, 'too_large', `line is ${raw.bytes} bytes, limit is ${cfg.maxLineBytes}`, now);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.text);
    } catch (err) {
      return reject(raw, 'not_json', err instanceof Error ? err.message : 'invalid JSON', now);
    }
    if (!isPlainObject(parsed)) {
      return reject(raw, 'not_object', `expected a JSON object, got ${Array.isArray(parsed) ? 'array' : parsed === null ? 'null' : typeof parsed}`, now);
    }
    const r = normalize(parsed, opts);
    return r.ok ? r : reject(raw, r.reason, r.detail, now);
  };
}
