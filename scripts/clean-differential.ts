// Differential check of the cleaner (issue #16): the cleaner of this tree against the one of
// another revision, line by line, on the same corpus. A hot-path rewrite must not change a
// single event or dead letter: every field, the attribute order, the reason and the detail.
//   node --import tsx scripts/clean-differential.ts [REV=HEAD] [SCALE=1]
// The corpus (about 100k lines at SCALE 1, deterministic): the bench lines, the fuzz mix with
// every hostile kind (test/fuzz/corpus.ts), every timestamp shape under every time alias, every
// alias split every way into nested and dotted keys, and random objects built from the aliases' keys — nested, dotted, mixed, shadowed by null and
// object values, prototype names — under the default fields and under overlapping custom ones.
// Prints one JSON line; exits 1 on any difference (the first ones are printed).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { benchLines } from '../bench/lib/lines.ts';
import { createCleaner, type CleanResult } from '../ingest/clean/clean.ts';
import { parseIngestConfig } from '../ingest/config.ts';
import type { RawInput } from '../ingest/types.ts';
import { mix, rng, type Rng } from '../test/fuzz/corpus.ts';

const REV = process.argv[2] ?? 'HEAD';
const SCALE = Number(process.argv[3] ?? 1);
const root = resolve(import.meta.dirname, '..');

const dir = mkdtempSync(join(tmpdir(), 'foresight-clean-diff-'));
try {
  const tar = execFileSync('git', ['-C', root, 'archive', REV, 'ingest', 'core', 'test/fuzz'], { maxBuffer: 256 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const old = (await import(pathToFileURL(join(dir, 'ingest', 'clean', 'clean.ts')).href)) as { createCleaner: typeof createCleaner };

  const configs: Array<{ name: string; cfg: Record<string, unknown> }> = [
    { name: 'default', cfg: {} },
    {
      name: 'overlapping',
      cfg: {
        fields: {
          time: ['a.t', 'a', 'ts', 'meta.time.value'],
          service: ['a.b.c', 'a.b', 'svc', 'meta.svc', 'service.name'],
          level: ['a.b.c.lvl', 'lvl', 'level'],
          message: ['msg', 'a.msg', 'message'],
          latency: [{ field: 'a.dur', unit: 's' }, 'lat', { field: 'meta.lat.us', unit: 'us' }],
          status: ['st', 'a.b.st', 'meta.status'],
          host: ['host', 'a.host', 'meta.host.name'],
          traceId: ['trace', 'a.b.trace'],
          route: ['route', 'a.route'],
          context: ['ctx', 'a.ctx', 'meta'],
        },
        maxAttrs: 8,
      },
    },
  ];

  // Key material for random objects: every part of every alias of both configs, and names
  // that are properties of Object.prototype.
  const parts = new Set<string>(['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'x', 'extra', 'name', 'id']);
  for (const { cfg } of configs) {
    const f = parseIngestConfig(cfg).fields;
    for (const list of Object.values(f)) {
      for (const a of list as Array<string | { field: string }>) {
        const s = typeof a === 'string' ? a : a.field;
        const ps = s.split('.');
        for (let i = 0; i < ps.length; i++) for (let j = i + 1; j <= ps.length; j++) parts.add(ps.slice(i, j).join('.'));
      }
    }
  }
  const keys = [...parts];
  const TS = ['2024-01-01T00:00:00Z', 1_704_067_200, 1_704_067_200_123, '1704067200123', 'yesterday', '2024-01-01 00:00:01'];

  function value(r: Rng, depth: number): unknown {
    const k = Math.floor(r() * 14);
    switch (k) {
      case 0: return null;
      case 1: return depth < 4 ? object(r, depth + 1) : 'deep';
      case 2: return depth < 4 ? object(r, depth + 1) : 1;
      case 3: return [1, 'a', null];
      case 4: return true;
      case 5: return Math.floor(r() * 1000);
      case 6: return 200 + Math.floor(r() * 4) * 100;
      case 7: return r() * 500;
      case 8: return `svc-${Math.floor(r() * 5)}`;
      case 9: return TS[Math.floor(r() * TS.length)];
      case 10: return 'warn';
      case 11: return 30;
      case 12: return '';
      default: return 'user a@b.example from 10.0.0.1';
    }
  }
  function object(r: Rng, depth: number): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    const set = (k: string, v: unknown): void => { Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true }); };
    if (depth === 0) {
      // Most lines get past the time and service checks, so the later fields are compared too.
      const ts = TS[Math.floor(r() * 3)];
      if (r() < 0.85) {
        const t = Math.floor(r() * 7);
        if (t < 4) set(['timestamp', '@timestamp', 'ts', 'time'][t] as string, ts);
        else if (t === 4) set('a', r() < 0.5 ? { t: ts } : ts);
        else if (t === 5) set('a.t', ts);
        else set('meta', { time: { value: ts } });
      }
      if (r() < 0.85) {
        const s = `svc-${Math.floor(r() * 5)}`;
        const t = Math.floor(r() * 7);
        if (t < 3) set(['service', 'app', 'svc'][t] as string, s);
        else if (t === 3) set('service', { name: s });
        else if (t === 4) set('service.name', s);
        else if (t === 5) set('a.b', { c: s });
        else set('context', { service: s, user: 'u' });
      }
    }
    const n = 1 + Math.floor(r() * (depth === 0 ? 9 : 4));
    for (let i = 0; i < n; i++) {
      set(keys[Math.floor(r() * keys.length)] as string, value(r, depth));
    }
    return o;
  }

  const lines: string[] = [];
  // 1. The bench lines (ECS dotted and nested, pino numbers, epoch and ISO).
  lines.push(...benchLines(20_000 * SCALE, 50));
  // 2. The fuzz mix: valid simulator-like lines with every hostile kind, 1 in 3 (10 MB lines off).
  const r1 = rng(7);
  function* valid(n: number): Generator<string> {
    for (let i = 0; i < n; i++) {
      yield JSON.stringify({ timestamp: new Date(Date.UTC(2026, 0, 1) + i * 20).toISOString(), service: ['checkout', 'orders'][i % 2], level: r1() < 0.1 ? 'error' : 'info', message: `GET /api/items/${i % 1000} in ${i % 300} ms`, latency_ms: i % 300, status: r1() < 0.05 ? 503 : 200, trace_id: `t${i}` });
    }
  }
  for (const { bytes } of mix(valid(20_000 * SCALE), { seed: 3, ratio: 0.35, rewrite: 0.1, junkServicesAtStart: 50, hugeLines: false })) lines.push(bytes.toString('utf8'));
  // 3. Every timestamp shape under every default time alias, flat and nested.
  const shapes: unknown[] = [
    '2024-01-01T00:00:00Z', '2024-01-01T00:00:00.123Z', '2024-01-01T00:00:00.123456789Z', '2024-01-01T00:00:00,5Z', '2024-01-01T00:00:00',
    '2024-01-01T00:00:00+02:00', '2024-01-01T00:00:00-0530', '2024-01-01T00:00:00+01', '2024-01-01 00:00:00', '2024-01-01 00:00:00.5 Z',
    '2024-01-01', '2024-01-01T00:00', '2024-01-01t00:00:00z', '2024-02-30T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:60:00Z',
    '1704067200', '1704067200.5', '1704067200123', '1704067200123456', '1704067200123456789', ' 1704067200 ', '-1704067200',
    1_704_067_200, 1_704_067_200.25, 1_704_067_200_123, 1_704_067_200_123_456, 1.7040672001234568e18, -5, 0, 1e300, 4_102_444_800_000,
    '2199-12-31T23:59:59Z', '2200-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '', 'now', true, false, [], {}, null, '２０２４-01-01T00:00:00Z',
  ];
  for (const t of shapes) for (const k of ['timestamp', '@timestamp', 'ts', 'time']) {
    lines.push(JSON.stringify({ [k]: t, service: 'a', msg: 'x' }));
    lines.push(JSON.stringify({ [k]: { nested: t }, time: t, service: { name: 'b' } }));
  }
  // 4. Every alias of both configs written every way it can be split into nested and dotted
  // keys, alone and two ways at once (which one wins), shadowed by null or an object.
  const aliases = new Set<string>();
  for (const { cfg } of configs) {
    for (const list of Object.values(parseIngestConfig(cfg).fields)) for (const a of list as Array<string | { field: string }>) aliases.add(typeof a === 'string' ? a : a.field);
  }
  const splits = (ps: string[]): string[][] => {
    if (ps.length <= 1) return [ps];
    const out: string[][] = [];
    for (const rest of splits(ps.slice(1))) {
      out.push([ps[0] as string, ...rest]);
      out.push([`${ps[0] as string}.${rest[0] as string}`, ...rest.slice(1)]);
    }
    return out;
  };
  const nest = (segs: string[], v: unknown): Record<string, unknown> => {
    let o: unknown = v;
    for (let i = segs.length - 1; i >= 0; i--) o = { [segs[i] as string]: o };
    return o as Record<string, unknown>;
  };
  const merge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) {
      const prev = out[k];
      out[k] = prev !== null && typeof prev === 'object' && !Array.isArray(prev) && v !== null && typeof v === 'object' && !Array.isArray(v) ? merge(prev as Record<string, unknown>, v as Record<string, unknown>) : v;
    }
    return out;
  };
  const base = { ts: '2024-01-01T00:00:00Z', time: 1_704_067_200, a: { t: 1_704_067_200_000 }, service: 's', svc: 't' };
  const fills: unknown[] = ['2024-01-01T00:00:05Z', 'svc-x', 404, 12.5, 'warn', null, { other: 1 }, [], true];
  for (const alias of aliases) {
    const all = splits(alias.split('.'));
    for (const fill of fills) {
      for (const sp of all) {
        lines.push(JSON.stringify(merge(base, nest(sp, fill))));
        lines.push(JSON.stringify(merge(nest(sp, fill), { ts: 1_704_067_200 })));
        for (const other of all) if (other !== sp) lines.push(JSON.stringify(merge(merge(base, nest(sp, fill)), nest(other, 'second'))));
      }
    }
  }
  // 5. Random objects from the aliases' own keys.
  const r2 = rng(11);
  for (let i = 0; i < 40_000 * SCALE; i++) lines.push(JSON.stringify(object(r2, 0)));

  let compared = 0;
  const diffs: Array<{ config: string; line: string; old: CleanResult; now: CleanResult }> = [];
  const outcomes = new Map<string, number>();
  for (const { name, cfg } of configs) {
    const parsed = parseIngestConfig(cfg);
    const before = old.createCleaner(parsed);
    const after = createCleaner(parsed);
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i] as string;
      const raw: RawInput = { text, bytes: Buffer.byteLength(text), position: { kind: 'file', file: 'diff', line: i + 1 }, receivedAt: 0 };
      const a = before(raw, 42);
      const b = after(raw, 42);
      compared++;
      const key = a.ok ? 'event' : a.letter.reason;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      if (!isDeepStrictEqual(a, b) || JSON.stringify(a) !== JSON.stringify(b)) {
        if (diffs.length < 5) diffs.push({ config: name, line: text.slice(0, 300), old: a, now: b });
        else diffs.length++;
      }
    }
  }
  console.log(JSON.stringify({ check: 'clean-differential', against: REV, lines: lines.length, compared, differences: diffs.length, outcomes: Object.fromEntries([...outcomes].sort((x, y) => y[1] - x[1])) }));
  for (const d of diffs.slice(0, 5)) console.log(JSON.stringify(d));
  process.exitCode = diffs.length === 0 ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
