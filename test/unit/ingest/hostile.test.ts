import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../core/clock.ts';
import { Telemetry } from '../../../core/telemetry.ts';
import { createIngest, MemoryDeadLetterSink } from '../../../ingest/index.ts';
import { createCleaner } from '../../../ingest/clean/clean.ts';
import { createRedactor } from '../../../ingest/clean/redact.ts';
import { config, raw } from './helpers.ts';

/** Hostile inputs from issue #10, each pinned to what the daemon must do with it. */

const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();
const ingestOf = (over: Record<string, unknown> = {}) =>
  createIngest(config(over), { telemetry: new Telemetry(), deadLetters: new MemoryDeadLetterSink(), clock: new ManualClock(0) });

test('#10.1 a numeric string of 400 digits is no latency: dead letter, not Infinity in the sketch', () => {
  const ing = ingestOf();
  const huge = '1' + '0'.repeat(400);
  const lines = [
    `{"ts":"${iso(T0)}","service":"api","latency_ms":"${huge}"}`,
    `{"ts":"${iso(T0 + 1000)}","service":"api","latency_ms":1e999}`,
    `{"ts":"${iso(T0 + 2000)}","service":"api","status":"${huge}"}`,
    `{"ts":"${iso(T0 + 3000)}","service":"api","latency_ms":-0.5}`,
    `{"ts":"${iso(T0 + 4000)}","service":"api","latency_ms":3600001}`,
    `{"ts":"${iso(T0 + 5000)}","service":"api","latency_ms":"12.5"}`,
  ];
  const out = ing.handle(lines.map((t, i) => raw(t, i + 1)));
  assert.deepEqual(out.deadLetters.map((d) => [d.reason, d.position]), [
    ['bad_field_type', { kind: 'stdin', line: 1 }],
    ['bad_field_type', { kind: 'stdin', line: 2 }],
    ['bad_field_type', { kind: 'stdin', line: 3 }],
    ['bad_field_type', { kind: 'stdin', line: 4 }],
    ['bad_field_type', { kind: 'stdin', line: 5 }],
  ]);
  assert.deepEqual(out.events.map((e) => e.latencyMs), [12.5]);
  const points = ing.flush();
  assert.equal(points[0]?.latency?.max, 12.5);
});

test('#10.1 latency and status ranges are config', () => {
  const clean = createCleaner(config({ maxLatencyMs: 100, minStatus: 200, maxStatus: 299 }));
  const r = (extra: string) => clean(raw(`{"ts":"${iso(T0)}","service":"api"${extra}}`), 0);
  assert.equal(r(',"latency_ms":100').ok, true);
  assert.equal(r(',"latency_ms":101').ok, false);
  assert.equal(r(',"status":200').ok, true);
  assert.equal(r(',"status":404').ok, false);
  assert.throws(() => config({ minStatus: 500, maxStatus: 400 }), /minStatus/);
});

test('#10.2 a far-future timestamp is dead-lettered and does not move the watermark', () => {
  const ing = ingestOf();
  const lines: string[] = [];
  for (let i = 0; i < 600; i++) lines.push(`{"ts":"${iso(T0 + i * 1000)}","service":"api","latency_ms":5}`);
  lines.push(`{"ts":"2199-06-01T00:00:00Z","service":"api","latency_ms":5}`);
  for (let i = 600; i < 1200; i++) lines.push(`{"ts":"${iso(T0 + i * 1000)}","service":"api","latency_ms":5}`);
  const out = ing.handle(lines.map((t, i) => raw(t, i + 1)));
  assert.deepEqual(out.deadLetters.map((d) => [d.reason, d.position]), [['timestamp_out_of_range', { kind: 'stdin', line: 601 }]]);
  assert.match(out.deadLetters[0]?.detail ?? '', /ahead of the watermark/);
  assert.equal(out.events.length, 1200);
  assert.equal(ing.health().detail?.watermark, T0 + 1199 * 1000 - 30_000);
});

test('#10.2 a far-future timestamp on the very first line is refused against the wall clock and sets no watermark', () => {
  const ing = ingestOf();
  const lines = [`{"ts":"2199-06-01T00:00:00Z","service":"api","latency_ms":5}`];
  for (let i = 0; i < 600; i++) lines.push(`{"ts":"${iso(T0 + i * 1000)}","service":"api","latency_ms":5}`);
  const out = ing.handle(lines.map((t, i) => raw(t, i + 1)));
  assert.deepEqual(out.deadLetters.map((d) => [d.reason, d.position]), [['timestamp_out_of_range', { kind: 'stdin', line: 1 }]]);
  assert.match(out.deadLetters[0]?.detail ?? '', /ahead of the wall clock/);
  assert.equal(out.events.length, 600);
  assert.equal(ing.health().detail?.watermark, T0 + 599 * 1000 - 30_000);
});

test('#10.2 far-past timestamps are out of range, not too_late; limits are config', () => {
  // The lateness pinned: how far ahead of the watermark line 4 lands depends on it.
  const ing = ingestOf({ allowedLatenessMs: 120_000, maxPastAgeMs: 3_600_000, maxFutureSkewMs: 150_000 });
  const out = ing.handle([
    `{"ts":"${iso(T0 + 7_200_000)}","service":"api"}`,
    `{"ts":"${iso(T0)}","service":"api"}`,
    `{"ts":"${iso(T0 + 7_000_000)}","service":"api"}`,
    `{"ts":"${iso(T0 + 7_200_000 + 40_000)}","service":"api"}`,
    `{"ts":"${iso(T0 + 7_200_000 + 25_000)}","service":"api"}`,
  ].map((t, i) => raw(t, i + 1)));
  assert.deepEqual(out.deadLetters.map((d) => [d.reason, d.position.kind === 'stdin' ? d.position.line : 0]), [
    ['timestamp_out_of_range', 2], ['too_late', 3], ['timestamp_out_of_range', 4],
  ]);
  assert.equal(out.events.length, 2);
  assert.throws(() => config({ allowedLatenessMs: 120_000, maxFutureSkewMs: 60_000 }), /allowedLatenessMs/);
  assert.throws(() => config({ maxFutureSkewMs: 30_000 }), /allowedLatenessMs/);
});

test('#10.2 a real jump (a quiet topic resuming days later) is believed after timestampJumpLines agreeing lines', () => {
  const ing = ingestOf({ timestampJumpLines: 5 });
  const later = T0 + 3 * 86_400_000;
  const lines = [`{"ts":"${iso(T0)}","service":"api"}`];
  for (let i = 0; i < 8; i++) lines.push(`{"ts":"${iso(later + i * 1000)}","service":"api"}`);
  const out = ing.handle(lines.map((t, i) => raw(t, i + 1)));
  assert.deepEqual(out.deadLetters.map((d) => d.reason), Array(5).fill('timestamp_out_of_range'));
  assert.equal(out.events.length, 4);
});

test('#10.3 latencies at the ends of the double range do not blow up the sketch: clamped and counted', () => {
  const ing = ingestOf();
  const lines: string[] = [];
  for (let s = 0; s < 1500; s++) {
    lines.push(`{"ts":"${iso(T0)}","service":"svc-${s}","latency_ms":1e-300}`);
    lines.push(`{"ts":"${iso(T0 + 1)}","service":"svc-${s}","latency_ms":3600000}`);
  }
  const before = process.memoryUsage().heapUsed;
  const out = ing.handle(lines.map((t, i) => raw(t, i + 1)));
  const grown = process.memoryUsage().heapUsed - before;
  assert.equal(out.deadLetters.length, 0);
  // Unclamped, each sketch spans 1e-300..3.6e6 ms: ~35,000 buckets, ~420 MB for 1,500 services.
  assert.ok(grown < 100e6, `heap grew ${Math.round(grown / 1e6)} MB`);
  assert.equal(ing.health().detail?.latencyClamped, 1500);
  const p = ing.flush().find((x) => x.service === 'svc-0');
  assert.equal(p?.latency?.max, 3_600_000);
  assert.ok((p?.latency?.p50 ?? -1) >= 0);
});

test('#10.4 e-mail redaction without the backtracking regex: same matches, hostile runs left alone', () => {
  // Speed is measured in bench/redact.ts (60 KB of a…a@: ~5 s per line before, see there).
  const redact = createRedactor(config().redaction);
  const evil = 'a'.repeat(60_000) + '@';
  assert.equal(redact(evil), evil);
  assert.equal(redact(evil + 'b.cd'), '<email>');
  assert.equal(redact('x@foo.b@bar.com'), 'x@<email>');
  assert.equal(redact('a@b.com9 c@d..com e@f.gh.i'), '<email>9 c@d..com <email>.i');
  assert.equal(redact('mail bob.smith+x@mail.example.co.uk now'), 'mail <email> now');
  assert.equal(redact('a@b.c and x@y.io'), 'a@b.c and <email>');
  assert.equal(redact('@@ user@host @x.com'), '@@ user@host @x.com');
  assert.equal(redact('to: "Ann" <ann.lee@corp-mail.example.org>'), 'to: "Ann" <<email>>');
});

test('#10.4 messages longer than maxMessageChars are cut before any regex sees them', () => {
  const clean = createCleaner(config({ maxMessageChars: 100 }));
  const r = clean(raw(`{"ts":"${iso(T0)}","service":"api","msg":"${'x'.repeat(500)} bob@example.com"}`), 0);
  assert.ok(r.ok);
  assert.equal(r.event.message.length, 100);
  assert.match(r.event.message, /…$/);
});

test('#10.9 a byte-order mark is not content; invalid UTF-8 is dead-lettered, not silently replaced', async () => {
  const { FileSource } = await import('../../../ingest/index.ts');
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'fs-hostile-'));
  const file = join(dir, 'in.ndjson');
  const good = `{"ts":"${iso(T0)}","service":"api","msg":"ok"}`;
  writeFileSync(file, Buffer.concat([
    Buffer.from('\ufeff' + good + '\n'),
    Buffer.from(good.replace('ok', 'o'), 'utf8'), Buffer.from([0xff, 0xfe]), Buffer.from('k\n'),
    Buffer.from(good.replace('ok', 'caf'), 'utf8'), Buffer.from([0xc3]), Buffer.from('\n'),
    Buffer.from(good.replace('ok', 'café') + '\n', 'utf8'),
  ]));
  const src = new FileSource(file, { clock: new ManualClock(0) });
  const ing = ingestOf();
  const dead: string[] = [];
  const messages: string[] = [];
  for await (const batch of src.batches(new AbortController().signal)) {
    const out = ing.handle(batch);
    dead.push(...out.deadLetters.map((d) => `${d.reason}@${d.position.kind === 'file' ? d.position.line : 0}`));
    messages.push(...out.events.map((e) => e.message));
  }
  assert.deepEqual(dead, ['bad_encoding@2', 'bad_encoding@3']);
  assert.deepEqual(messages, ['ok', 'café']);
});

test('#10.9 latency_ms or status holding an object is bad_field_type, not silently "no latency"', () => {
  const clean = createCleaner(config());
  const r = (extra: string) => { const x = clean(raw(`{"ts":"${iso(T0)}","service":"api"${extra}}`), 0); return x.ok ? 'ok' : `${x.letter.reason}: ${x.letter.detail}`; };
  assert.equal(r(',"latency_ms":{"value":5}'), 'bad_field_type: latency_ms must be a number, got object');
  assert.equal(r(',"event":{"duration":{"ns":5}}'), 'bad_field_type: event.duration must be a number, got object');
  assert.equal(r(',"status":{"code":200}'), 'bad_field_type: status must be an HTTP status, got object');
  // A container on the way to another alias is not a type error.
  assert.equal(r(',"http":{"response":{"status_code":200}},"event":{"kind":"x"}'), 'ok');
  assert.equal(r(',"latency_ms":{"value":5},"duration_ms":7'), 'ok');
});

test('limits: depth, keys; prototype keys stay data', () => {
  const clean = createCleaner(config({ maxDepth: 4, maxKeys: 10 }));
  const r = (text: string) => { const x = clean(raw(text), 0); return x.ok ? x.event : `${x.letter.reason}: ${x.letter.detail}`; };
  const base = `"ts":"${iso(T0)}","service":"api"`;
  assert.equal(r(`{${base},"a":{"b":{"c":{"d":{"e":1}}}}}`), 'too_deep: nesting deeper than 4 levels');
  assert.equal(typeof r(`{${base},"a":{"b":{"c":[1]}}}`), 'object');
  assert.equal(r(`{${base},${Array.from({ length: 9 }, (_, i) => `"k${i}":1`).join(',')}}`), 'too_many_keys: more than 10 keys');
  const deep = createCleaner(config())(raw(`{${base},"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`), 0);
  assert.ok(!deep.ok && deep.letter.reason === 'too_deep');
  // Long lines are measured before parsing; brackets and colons inside strings do not count.
  const many = createCleaner(config())(raw(`{${base},${Array.from({ length: 1200 }, (_, i) => `"k${i}":1`).join(',')}}`), 0);
  assert.ok(!many.ok && many.letter.reason === 'too_many_keys');
  const text = createCleaner(config())(raw(`{${base},"msg":"${'[{:\\"'.repeat(800)}"}`), 0);
  assert.ok(text.ok, 'brackets, colons and escaped quotes inside a string are text');
  const e = r(`{${base},"__proto__":{"polluted":1},"constructor":"c","context":{"__proto__":"p"}}`);
  assert.ok(typeof e === 'object');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(e.attrs), Object.prototype);
  assert.equal(e.attrs.constructor, 'c');
  assert.equal(Object.hasOwn(e.attrs, '__proto__'), true);
  assert.equal(JSON.stringify(e.attrs), '{"__proto__":"p","__proto__.polluted":1,"constructor":"c"}');
});

test('not_json details do not repeat the line', () => {
  const x = createCleaner(config())(raw('{"token":"s3cr3t-value", oops}'), 0);
  assert.ok(!x.ok);
  assert.equal(x.letter.reason, 'not_json');
  assert.doesNotMatch(x.letter.detail, /s3cr3t/);
});

test('#10.8 dead letters are redacted by default; details never repeat field values', () => {
  const secrets = 'mail ann@corp.example.com, Authorization: Bearer eyJhbGciOi.abc-123, card 4111 1111 1111 1111';
  const lines = [
    `{"ts":"${iso(T0)}","service":"api","msg":"${secrets}"`, // not_json: cut short
    `{"ts":"soon ann@corp.example.com","service":"api","msg":"${secrets}"}`,
    `{"ts":"${iso(T0)}","service":"api","level":"Bearer eyJhbGciOi.abc-123"}`,
    `{"ts":"${iso(T0)}","service":"api","latency_ms":"4111111111111111"}`,
  ];
  const on = createCleaner(config());
  const letters = lines.map((l, i) => { const r = on(raw(l, i + 1), 0); assert.ok(!r.ok); return r.letter; });
  for (const d of letters) {
    for (const s of ['ann@corp', 'eyJhbGciOi', '4111 1111', '4111111111111111']) {
      assert.ok(!d.raw.includes(s), `${d.reason} raw keeps ${s}: ${d.raw}`);
      assert.ok(!d.detail.includes(s), `${d.reason} detail repeats ${s}: ${d.detail}`);
    }
  }
  assert.match(letters[0]?.raw ?? '', /mail <email>, Authorization: Bearer <token>, card <card>/);
  const off = createCleaner(config({ deadLetters: { redact: false } }))(raw(lines[0] as string), 0);
  assert.ok(!off.ok && off.letter.raw === lines[0]);
  // Redaction sees at most maxMessageChars: a longer rejected line is cut and marked.
  const long = createCleaner(config({ maxMessageChars: 64 }))(raw(`{"x":"${'y'.repeat(500)}"`), 0);
  assert.ok(!long.ok && long.letter.raw.length === 64 && long.letter.truncated);
});
