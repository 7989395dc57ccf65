import type { IngestConfig } from '../config.ts';
import type { DeadLetter, DeadLetterReason, LogEvent, RawInput } from '../types.ts';
import { isPlainObject } from './lookup.ts';
import { compileFields, normalize, type NormalizeOptions } from './normalize.ts';
import { createRedactor, type Redactor } from './redact.ts';

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

/** How dead letters keep their raw text: its first bytes, redacted or not. */
export interface RawKeeping {
  redact?: Redactor;
  /** Characters redacted at most (the rest is cut): the cap on text fed to regexes. */
  maxRedactChars?: number;
}

export function deadLetter(raw: RawInput, reason: DeadLetterReason, detail: string, now: number, prefixBytes: number, keeping: RawKeeping = {}): DeadLetter {
  let kept = utf8Prefix(raw.text, prefixBytes);
  let cut = kept.length < raw.text.length;
  if (keeping.redact) {
    const max = keeping.maxRedactChars ?? Infinity;
    if (kept.length > max) {
      const c = kept.charCodeAt(max - 1);
      kept = kept.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max);
      cut = true;
    }
    kept = keeping.redact(kept);
  }
  return {
    reason,
    detail,
    raw: kept,
    rawBytes: raw.bytes,
    truncated: cut || raw.bytes > Buffer.byteLength(raw.text, 'utf8'),
    position: raw.position,
    at: now,
  };
}

export type CleanerConfig = Pick<IngestConfig, 'fields' | 'redaction' | 'maxLineBytes' | 'deadLetterPrefixBytes' | 'maxAttrs' | 'maxAttrChars'
  | 'maxMessageChars' | 'maxLatencyMs' | 'minStatus' | 'maxStatus' | 'maxDepth' | 'maxKeys' | 'deadLetters'>;

type ShapeProblem = { reason: 'too_deep' | 'too_many_keys'; detail: string };
const TOO_DEEP = (max: number): ShapeProblem => ({ reason: 'too_deep', detail: `nesting deeper than ${max} levels` });
const TOO_MANY = (max: number): ShapeProblem => ({ reason: 'too_many_keys', detail: `more than ${max} keys` });

/** Lines shorter than this are parsed straight away: they cannot be costly to parse. */
const PRESCAN_CHARS = 2048;

/**
 * Depth and key count read off the text, before JSON.parse: parsing 10,000 nested arrays
 * or 2,000 keys costs milliseconds (bench/fuzz.ts), a scan of the same text a fraction of
 * that. Brackets and colons inside strings do not count. Exact for valid JSON; for invalid
 * JSON a problem found here is as good a reason as `not_json`.
 */
export function prescan(text: string, maxDepth: number, maxKeys: number): ShapeProblem | undefined {
  let depth = 0;
  let keys = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) { if (++depth > maxDepth) return TOO_DEEP(maxDepth); } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x3a && ++keys > maxKeys) return TOO_MANY(maxKeys);
  }
  return undefined;
}

/**
 * Whether a parsed value nests deeper than `maxDepth` or holds more than `maxKeys` keys in
 * all. Iterative, and it stops at the first excess, so a 10,000-deep line costs no stack.
 */
export function structureProblem(root: unknown, maxDepth: number, maxKeys: number): ShapeProblem | undefined {
  if (typeof root !== 'object' || root === null) return undefined;
  // Two parallel stacks instead of a [value, depth] pair and an Object.values() array per
  // node: this check runs on every line, and those allocations showed in the GC share of
  // ingest's profile (issue #16). Same visiting order as before: last pushed, first seen.
  const values: object[] = [root];
  const depths: number[] = [1];
  let keys = 0;
  while (values.length > 0) {
    const v = values.pop() as object;
    const depth = depths.pop() as number;
    if (depth > maxDepth) return TOO_DEEP(maxDepth);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'object' && x !== null) { values.push(x); depths.push(depth + 1); }
      }
      continue;
    }
    const o = v as Record<string, unknown>;
    const ks = Object.keys(o);
    if ((keys += ks.length) > maxKeys) return TOO_MANY(maxKeys);
    for (let i = 0; i < ks.length; i++) {
      const x = o[ks[i] as string];
      if (typeof x === 'object' && x !== null) { values.push(x); depths.push(depth + 1); }
    }
  }
  return undefined;
}

/** JSON.parse's message, without the excerpt of the input that V8 puts in it. */
function jsonError(err: unknown): string {
  const m = err instanceof Error ? err.message : '';
  const pos = /position (\d+)/.exec(m);
  if (/Unexpected end of JSON input/.test(m)) return 'invalid JSON: unexpected end of input';
  return pos ? `invalid JSON at position ${pos[1]}` : 'invalid JSON';
}

const BOM = 0xfeff;

export function rawKeeping(cfg: Pick<IngestConfig, 'deadLetters' | 'maxMessageChars'>, redact: Redactor): RawKeeping {
  return cfg.deadLetters.redact ? { redact, maxRedactChars: cfg.maxMessageChars } : {};
}

export function createCleaner(cfg: CleanerConfig): Cleaner {
  const opts: NormalizeOptions = {
    fields: compileFields(cfg.fields),
    redact: createRedactor(cfg.redaction),
    maxAttrs: cfg.maxAttrs,
    maxAttrChars: cfg.maxAttrChars,
    maxMessageChars: cfg.maxMessageChars,
    maxLatencyMs: cfg.maxLatencyMs,
    minStatus: cfg.minStatus,
    maxStatus: cfg.maxStatus,
  };
  const keeping = rawKeeping(cfg, opts.redact);
  // Rejected lines are kept whole unless huge (or redacted), so an operator can replay them after a fix.
  const reject = (raw: RawInput, reason: DeadLetterReason, detail: string, now: number): CleanResult =>
    ({ ok: false, letter: deadLetter(raw, reason, detail, now, reason === 'too_large' ? cfg.deadLetterPrefixBytes : cfg.maxLineBytes, keeping) });

  return (raw, now) => {
    if (raw.bytes > cfg.maxLineBytes) return reject(raw, 'too_large', `line is ${raw.bytes} bytes, limit is ${cfg.maxLineBytes}`, now);
    if (raw.invalidUtf8) return reject(raw, 'bad_encoding', 'line is not valid UTF-8', now);
    if (raw.text.length > PRESCAN_CHARS) {
      const early = prescan(raw.text, cfg.maxDepth, cfg.maxKeys);
      if (early) return reject(raw, early.reason, early.detail, now);
    }
    let parsed: unknown;
    try {
      // A byte-order mark at the start of a line (Windows tools write one) is not content.
      parsed = JSON.parse(raw.text.charCodeAt(0) === BOM ? raw.text.slice(1) : raw.text);
    } catch (err) {
      return reject(raw, 'not_json', jsonError(err), now);
    }
    if (!isPlainObject(parsed)) {
      return reject(raw, 'not_object', `expected a JSON object, got ${Array.isArray(parsed) ? 'array' : parsed === null ? 'null' : typeof parsed}`, now);
    }
    const shape = structureProblem(parsed, cfg.maxDepth, cfg.maxKeys);
    if (shape) return reject(raw, shape.reason, shape.detail, now);
    const r = normalize(parsed, opts);
    return r.ok ? r : reject(raw, r.reason, r.detail, now);
  };
}
