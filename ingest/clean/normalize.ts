import type { FieldsConfig, LatencyUnit } from '../config.ts';
import type { AttrValue, DeadLetterReason, LogEvent, LogLevel } from '../types.ts';
import type { JsonObject } from './lookup.ts';
import { AliasIndex, compilePath, isPlainObject, type SlottedPath } from './lookup.ts';
import { levelFromStatus, parseLevel } from './level.ts';
import type { Redactor } from './redact.ts';
import { parseTimestamp } from './timestamp.ts';

/** Turns one parsed JSON object into a LogEvent, or says precisely why it cannot. */

type Alias = SlottedPath;
interface LatencyAlias extends Alias { toMs: number }

export interface CompiledFields {
  time: Alias[];
  service: Alias[];
  level: Alias[];
  message: Alias[];
  latency: LatencyAlias[];
  status: Alias[];
  host: Alias[];
  traceId: Alias[];
  route: Alias[];
  context: Alias[];
  /** Every alias above, for the one pass over a line's keys. */
  index: AliasIndex;
}

const UNIT_TO_MS: Record<LatencyUnit, number> = { s: 1000, ms: 1, us: 1e-3, ns: 1e-6 };

export function compileFields(cfg: FieldsConfig): CompiledFields {
  const all: Alias[] = [];
  const slotted = <A extends Omit<Alias, 'slot'>>(a: A): A & Alias => {
    const s = { ...a, slot: all.length };
    all.push(s);
    return s;
  };
  const compile = (list: string[]): Alias[] => list.map((a) => slotted(compilePath(a)));
  const fields = {
    time: compile(cfg.time),
    service: compile(cfg.service),
    level: compile(cfg.level),
    message: compile(cfg.message),
    latency: cfg.latency.map((l) => {
      const field = typeof l === 'string' ? l : l.field;
      const unit = typeof l === 'string' ? 'ms' : l.unit;
      return slotted({ ...compilePath(field), toMs: UNIT_TO_MS[unit] });
    }),
    status: compile(cfg.status),
    host: compile(cfg.host),
    traceId: compile(cfg.traceId),
    route: compile(cfg.route),
    context: compile(cfg.context),
  };
  return { ...fields, index: new AliasIndex(all) };
}

export interface NormalizeOptions {
  fields: CompiledFields;
  redact: Redactor;
  maxAttrs: number;
  maxAttrChars: number;
  maxMessageChars: number;
  maxLatencyMs: number;
  minStatus: number;
  maxStatus: number;
}

export type NormalizeResult =
  | { ok: true; event: LogEvent }
  | { ok: false; reason: DeadLetterReason; detail: string };

const MAX_SERVICE_CHARS = 200;
const ATTR_DEPTH = 3;

const typeName = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
/**
 * What a bad value was, without repeating it: details end up in dead letters and logs,
 * and a field's value may be a secret or personal data.
 */
export const describe = (v: unknown): string =>
  typeof v === 'string' ? `a string of ${v.length} characters` : typeof v === 'number' ? (Number.isFinite(v) ? 'a number out of range' : 'a non-finite number') : typeName(v);
const fail = (reason: DeadLetterReason, detail: string): NormalizeResult => ({ ok: false, reason, detail });

/**
 * A finite number from a JSON number or a decimal string. `Number("1000…0")` of 400 digits
 * is Infinity, which once crashed the latency sketch (issue #10), hence the finiteness check
 * after conversion too.
 */
function numeric(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.length <= 64 && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Cut at `max` characters, never between the halves of a surrogate pair, marked with `…`. */
function cutText(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max - 1;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return s.slice(0, end) + '…';
}

/** Optional short text field (host, route, trace id): strings and numbers accepted. */
function shortText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/**
 * The first alias of `aliases` whose value is present and not a plain object (as `resolve`
 * in lookup.ts), recorded in `used`; its value is left in `found`. A module-level slot
 * instead of a `{alias, value}` object per field: normalize runs once per line, and its
 * per-call closures and small objects were 7.7 % of ingest's CPU profile (issue #16).
 */
let found: unknown;
function take(obj: JsonObject, index: AliasIndex, aliases: readonly Alias[], used: string[]): Alias | undefined {
  for (let i = 0; i < aliases.length; i++) {
    const a = aliases[i] as Alias;
    const v = index.get(obj, a);
    if (v === undefined || v === null || isPlainObject(v)) continue;
    found = v;
    used.push(a.alias);
    return a;
  }
  found = undefined;
  return undefined;
}

export function normalize(obj: JsonObject, opts: NormalizeOptions): NormalizeResult {
  const f = opts.fields;
  const ix = f.index;
  const keys = Object.keys(obj);
  ix.scan(obj, keys);
  // A handful of entries: an array beats a Set here (bench/ingest.ts).
  const used: string[] = [];

  const time = take(obj, ix, f.time, used);
  if (!time) return fail('no_timestamp', `none of the time fields (${f.time.map((a) => a.alias).join(', ')}) is present`);
  const ts = parseTimestamp(found);
  if (!ts.ok) return fail('bad_timestamp', `${time.alias}: ${ts.detail}`);

  const svc = take(obj, ix, f.service, used);
  if (!svc) return fail('no_service', `none of the service fields (${f.service.map((a) => a.alias).join(', ')}) is present`);
  if (typeof found !== 'string') return fail('bad_field_type', `${svc.alias} must be a string, got ${typeName(found)}`);
  const service = found.trim();
  if (service === '') return fail('no_service', `${svc.alias} is empty`);
  if (service.length > MAX_SERVICE_CHARS) return fail('bad_field_type', `${svc.alias} is longer than ${MAX_SERVICE_CHARS} characters`);

  let status: number | undefined;
  const st = take(obj, ix, f.status, used);
  if (st) {
    const n = numeric(found);
    if (n === undefined || !Number.isInteger(n) || n < opts.minStatus || n > opts.maxStatus) return fail('bad_field_type', `${st.alias} must be an HTTP status ${opts.minStatus}..${opts.maxStatus}, got ${describe(found)}`);
    status = n;
  } else {
    const o = objectAt(obj, ix, f.status);
    if (o) return fail('bad_field_type', `${o} must be an HTTP status, got object`);
  }

  let level: LogLevel;
  const lv = take(obj, ix, f.level, used);
  if (lv) {
    const l = parseLevel(found);
    if (!l.ok) return fail('bad_field_type', `${lv.alias}: ${l.detail}`);
    level = l.level;
  } else {
    level = levelFromStatus(status);
  }

  let latencyMs: number | undefined;
  let latAlias: LatencyAlias | undefined;
  let raw: unknown;
  for (const a of f.latency) {
    raw = ix.get(obj, a);
    if (raw !== undefined && raw !== null && !isPlainObject(raw)) { latAlias = a; break; }
  }
  if (latAlias) {
    used.push(latAlias.alias);
    const n = numeric(raw);
    const ms = n === undefined ? NaN : n * latAlias.toMs;
    if (!(ms >= 0 && ms <= opts.maxLatencyMs)) return fail('bad_field_type', `${latAlias.alias} must be a number of 0..${opts.maxLatencyMs} ms, got ${describe(raw)}`);
    latencyMs = ms;
  } else {
    // `"latency_ms": {…}` used to mean "no latency" without a word.
    const o = objectAt(obj, ix, f.latency);
    if (o) return fail('bad_field_type', `${o} must be a number, got object`);
  }

  let message = '';
  const msg = take(obj, ix, f.message, used);
  if (msg) {
    if (typeof found === 'string') message = found;
    else if (typeof found === 'number' || typeof found === 'boolean') message = String(found);
    else return fail('bad_field_type', `${msg.alias} must be a string, got ${typeName(found)}`);
  }

  const event: LogEvent = { ts: ts.ms, service, level, message: opts.redact(cutText(message, opts.maxMessageChars)), attrs: {} };
  if (latencyMs !== undefined) event.latencyMs = latencyMs;
  if (status !== undefined) event.status = status;
  // host, route, traceId, in that order (the first bad one is the one reported).
  let r = take(obj, ix, f.host, used);
  if (r) {
    const s = shortText(found);
    if (s === undefined) return fail('bad_field_type', `${r.alias} must be a string, got ${typeName(found)}`);
    event.host = s;
  }
  r = take(obj, ix, f.route, used);
  if (r) {
    const s = shortText(found);
    if (s === undefined) return fail('bad_field_type', `${r.alias} must be a string, got ${typeName(found)}`);
    event.route = s;
  }
  r = take(obj, ix, f.traceId, used);
  if (r) {
    const s = shortText(found);
    if (s === undefined) return fail('bad_field_type', `${r.alias} must be a string, got ${typeName(found)}`);
    event.traceId = s;
  }
  found = undefined;

  event.attrs = collectAttrs(obj, keys, used, opts);
  return { ok: true, event };
}

/**
 * The first alias holding an object although no configured alias reaches inside it (so it
 * is not a container like `service` in `{"service":{"name":…}}`): a value of the wrong type.
 */
function objectAt(obj: JsonObject, index: AliasIndex, aliases: readonly Alias[]): string | undefined {
  for (const a of aliases) {
    if (!isPlainObject(index.get(obj, a))) continue;
    if (aliases.some((b) => b.alias.startsWith(`${a.alias}.`))) continue;
    return a.alias;
  }
  return undefined;
}

/** The attribute map being filled: its entries, their count and the cap. */
interface AttrsBuild {
  attrs: Record<string, AttrValue>;
  n: number;
  opts: NormalizeOptions;
}

/** Adds one attribute unless present or not a scalar; false once the map is full. */
function put(b: AttrsBuild, key: string, v: unknown): boolean {
  if (b.n >= b.opts.maxAttrs) return false;
  if (Object.hasOwn(b.attrs, key)) return true;
  let value: AttrValue;
  if (typeof v === 'string') value = b.opts.redact(v.length > b.opts.maxAttrChars ? v.slice(0, b.opts.maxAttrChars) : v);
  else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') value = v;
  else return true;
  // A key named `__proto__` from input must become a key, not a prototype assignment.
  if (key === '__proto__') Object.defineProperty(b.attrs, key, { value, enumerable: true, writable: true, configurable: true });
  else b.attrs[key] = value;
  b.n++;
  return true;
}

/** Every scalar of `o` not consumed (`used`) nor a context object, under dotted paths. */
function walk(b: AttrsBuild, o: JsonObject, keys: readonly string[], prefix: string, depth: number, used: readonly string[], contextKeys: readonly string[]): boolean {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    const v = o[k];
    const path = prefix === '' ? k : `${prefix}.${k}`;
    if (used.includes(path) || contextKeys.includes(path)) continue;
    if (isPlainObject(v)) {
      if (depth < ATTR_DEPTH && !walk(b, v, Object.keys(v), path, depth + 1, used, contextKeys)) return false;
    } else if (!put(b, path, v)) return false;
  }
  return true;
}

const NO_KEYS: readonly string[] = [];

/**
 * Scalars from the `context` object (under their own names) and then every other scalar not
 * consumed above (under dotted paths), until `maxAttrs`. Strings are cut and redacted.
 * Module-level helpers rather than closures per line (issue #16's profile).
 */
function collectAttrs(obj: JsonObject, keys: readonly string[], used: string[], opts: NormalizeOptions): Record<string, AttrValue> {
  const b: AttrsBuild = { attrs: {}, n: 0, opts };
  let contextKeys = NO_KEYS;
  for (const c of opts.fields.context) {
    const ctx = opts.fields.index.get(obj, c);
    if (!isPlainObject(ctx)) continue;
    if (!contextKeys.includes(c.alias)) contextKeys = [...contextKeys, c.alias];
    const ctxKeys = Object.keys(ctx);
    for (let i = 0; i < ctxKeys.length; i++) {
      const k = ctxKeys[i] as string;
      if (used.includes(`${c.alias}.${k}`)) continue;
      if (!put(b, k, ctx[k])) return b.attrs;
    }
  }
  walk(b, obj, keys, '', 1, used, contextKeys);
  return b.attrs;
}
