import { createRng } from '../../ingest/sources/simulator/rng.ts';
/**
 * A seeded generator of hostile log lines (issue #10), mixed into valid ones. Used by the
 * fuzz tests (test/unit/ingest/fuzz.test.ts, test/e2e/fuzz.test.ts) and bench/fuzz.ts.
 *
 * Every hostile line is either rejected (a dead letter) or accepted as an event of a junk
 * service (`fuzz-…`, unicode names) stamped with the time of the valid line before it, so it
 * neither moves the watermark nor shares a template with a valid service (its messages start
 * with a token no valid message has). Valid lines may be rewritten in ways that must not
 * change their event: a byte-order mark in front, CRLF, a duplicated key whose last value
 * wins. So detections and actions on the valid services must be exactly those of the
 * valid lines alone.
 */

export type Rng = () => number;

/** The simulator's seeded generator (mulberry32), so a seed gives the same corpus everywhere. */
export function rng(seed: number): Rng {
  const r = createRng(seed);
  return () => r.next();
}

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const int = (r: Rng, n: number): number => Math.floor(r() * n);

export const HOSTILE_KINDS = [
  'garbage', 'truncated_json', 'truncated_utf8', 'nul', 'huge_line', 'deep', 'many_keys',
  'huge_number_string', 'nan', 'negative_latency', 'string_latency', 'infinite_number', 'object_latency',
  'far_future', 'far_past', 'prototype_keys', 'unicode_service', 'long_service', 'top_level_array',
  'top_level_scalar', 'duplicated_keys', 'bom_garbage', 'redos_email', 'bad_status', 'no_service',
  'no_timestamp', 'bad_timestamp',
] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

export interface Context {
  /** Time field value of the valid line just before (ISO text). */
  ts: string;
  /** The valid line just before, for truncations. */
  line: string;
}

export interface HostileOptions {
  /** Lines of 10 MB (`huge_line`); off for runs that count millions of lines. */
  hugeLines: boolean;
}

const UNICODE_NAMES = ['fuzz-ünïcødé', 'fuzz-サービス', 'fuzz-\u202eevil', 'fuzz-😀-svc', 'fuzz-\u0000nul', 'fuzz-zero\u200bwidth'];

function junk(ts: string, service: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ timestamp: ts, service, level: 'info', message: `zzfuzz junk ${Object.keys(extra).length}`, ...extra });
}

/** One hostile line (bytes, without a line ending) of the given kind. */
export function hostileLine(r: Rng, kind: HostileKind, ctx: Context, opts: HostileOptions): Buffer {
  const b = (s: string): Buffer => Buffer.from(s, 'utf8');
  switch (kind) {
    case 'garbage': return b(Array.from({ length: 1 + int(r, 80) }, () => String.fromCharCode(33 + int(r, 94))).join('').replace(/^[\s]+/, 'x'));
    case 'truncated_json': return b(ctx.line.slice(0, 1 + int(r, ctx.line.length - 2)));
    case 'truncated_utf8': {
      // A two-byte character cut in half inside the message.
      const line = b(junk(ctx.ts, 'fuzz-utf8', { note: 'caf\u00e9' }));
      const at = line.indexOf(Buffer.from('\u00e9', 'utf8'));
      return Buffer.concat([line.subarray(0, at + 1), line.subarray(at + 2)]);
    }
    case 'nul': return b(`{"timestamp":"${ctx.ts}","service":"fuzz-nul","message":"a\u0000b"}`);
    case 'huge_line': return opts.hugeLines ? Buffer.alloc(10 * 1024 * 1024, 'x') : b('x'.repeat(70_000));
    case 'deep': return b(`{"timestamp":"${ctx.ts}","service":"fuzz-deep","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`);
    case 'many_keys': return b(junk(ctx.ts, 'fuzz-keys', Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i]))));
    case 'huge_number_string': return b(`{"timestamp":"${ctx.ts}","service":"fuzz-num","latency_ms":"1${'0'.repeat(400)}"}`);
    case 'nan': return b(`{"timestamp":"${ctx.ts}","service":"fuzz-num","latency_ms":NaN}`);
    case 'negative_latency': return b(junk(ctx.ts, 'fuzz-num', { latency_ms: -1 - int(r, 1000) }));
    case 'string_latency': return b(junk(ctx.ts, 'fuzz-num', { latency_ms: pick(r, ['fast', '12ms', '', '1e5', '0x10']) }));
    case 'infinite_number': return b(`{"timestamp":"${ctx.ts}","service":"fuzz-num","latency_ms":1e999}`);
    case 'object_latency': return b(junk(ctx.ts, 'fuzz-num', { latency_ms: { value: 5 } }));
    case 'far_future': return b(junk(pick(r, ['2199-06-01T00:00:00Z', '2150-01-01T00:00:00Z', String(4_102_444_800_000)]), 'fuzz-time'));
    case 'far_past': return b(junk(pick(r, ['1971-01-01T00:00:00Z', '2000-01-01T00:00:00Z']), 'fuzz-time'));
    case 'prototype_keys': return b(`{"timestamp":"${ctx.ts}","service":"fuzz-proto","__proto__":{"service":"checkout","admin":true},"constructor":{"prototype":{"x":1}},"message":"zzfuzz proto"}`);
    case 'unicode_service': return b(junk(ctx.ts, pick(r, UNICODE_NAMES)));
    case 'long_service': return b(junk(ctx.ts, `fuzz-${'s'.repeat(10_000)}`));
    case 'top_level_array': return b(`[${ctx.line}]`);
    case 'top_level_scalar': return b(pick(r, ['42', '"text"', 'null', 'true']));
    case 'duplicated_keys': return b(`{"timestamp":"${ctx.ts}","service":"checkout","service":"fuzz-dup","message":"zzfuzz dup"}`);
    case 'bom_garbage': return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b('not json at all')]);
    case 'redos_email': return b(junk(ctx.ts, 'fuzz-redos', { message: `zzfuzz ${'a'.repeat(7000)}@` }));
    case 'bad_status': return b(junk(ctx.ts, 'fuzz-num', { status: pick(r, [0, 99, 600, 1e6, '2OO']) }));
    case 'no_service': return b(JSON.stringify({ timestamp: ctx.ts, message: 'zzfuzz orphan' }));
    case 'no_timestamp': return b(JSON.stringify({ service: 'fuzz-notime', message: 'zzfuzz' }));
    case 'bad_timestamp': return b(junk(pick(r, ['yesterday', '2026-02-31T00:00:00Z', '2999-01-01T00:00:00Z']), 'fuzz-time'));
  }
}

/** A valid line rewritten so that it yields the same event. */
function sameEvent(r: Rng, line: string): Buffer {
  switch (int(r, 3)) {
    case 0: return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(line, 'utf8')]);
    case 1: return Buffer.from(`${line}\r`, 'utf8');
    default: return Buffer.from(line.replace(/^\{"timestamp":/, '{"service":"fuzz-shadowed","timestamp":'), 'utf8');
  }
}

export interface MixOptions extends HostileOptions {
  seed: number;
  /** Hostile lines inserted per valid line (0.1 = one in ten). */
  ratio: number;
  /** Share of valid lines rewritten without changing their event. */
  rewrite: number;
  /** One-line junk service names ahead of everything (item 5 of the issue). */
  junkServicesAtStart: number;
}

const timeOf = (line: string): string => /"timestamp":"([^"]+)"/.exec(line)?.[1] ?? '2026-01-01T00:00:00Z';

/**
 * Valid lines (NDJSON text, `timestamp` first, as the simulator writes them) with hostile
 * ones mixed in. Yields each line's bytes and whether it is hostile.
 */
export function* mix(valid: Iterable<string>, o: MixOptions): Generator<{ bytes: Buffer; hostile: HostileKind | null }> {
  const r = rng(o.seed);
  let first = true;
  for (const line of valid) {
    const ctx = { ts: timeOf(line), line };
    if (first) {
      first = false;
      for (let i = 0; i < o.junkServicesAtStart; i++) yield { bytes: Buffer.from(junk(ctx.ts, `fuzz-junk-${i}`)), hostile: 'unicode_service' };
    }
    yield { bytes: r() < o.rewrite ? sameEvent(r, line) : Buffer.from(line, 'utf8'), hostile: null };
    let n = o.ratio;
    while (n > 0 && r() < n) {
      const kind = pick(r, HOSTILE_KINDS);
      yield { bytes: hostileLine(r, kind, ctx, o), hostile: kind };
      n -= 1;
    }
  }
}
