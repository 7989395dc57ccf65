import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCleaner, type CleanResult } from '../../../ingest/clean/clean.ts';
import { parseTimestamp } from '../../../ingest/clean/timestamp.ts';
import { parseLevel } from '../../../ingest/clean/level.ts';
import type { LogEvent } from '../../../ingest/types.ts';
import { config, raw } from './helpers.ts';

const clean = createCleaner(config());
const T = '2024-01-01T00:00:00Z';
const T_MS = Date.UTC(2024, 0, 1);

function ok(r: CleanResult): LogEvent {
  if (!r.ok) assert.fail(`dead-lettered: ${r.letter.reason} ${r.letter.detail}`);
  return r.event;
}
const cleanObj = (o: unknown): CleanResult => clean(raw(JSON.stringify(o)), 99);
const ev = (o: unknown): LogEvent => ok(cleanObj(o));

test('every time alias', () => {
  for (const k of ['timestamp', '@timestamp', 'ts', 'time']) assert.equal(ev({ [k]: T, service: 'a' }).ts, T_MS, k);
});

test('timestamp units told apart by magnitude, and ISO forms', () => {
  const s = 1_704_067_200;
  assert.deepEqual(parseTimestamp(s), { ok: true, ms: T_MS });
  assert.deepEqual(parseTimestamp(s + 0.25), { ok: true, ms: T_MS + 250 });
  assert.deepEqual(parseTimestamp(s * 1e3), { ok: true, ms: T_MS });
  assert.deepEqual(parseTimestamp(s * 1e6 + 1500), { ok: true, ms: T_MS + 1 });
  assert.deepEqual(parseTimestamp(s * 1e9 + 2_000_000), { ok: true, ms: T_MS + 2 });
  assert.deepEqual(parseTimestamp(String(s * 1e3)), { ok: true, ms: T_MS });
  assert.deepEqual(parseTimestamp('2024-01-01T00:00:00.123456Z'), { ok: true, ms: T_MS + 123 });
  assert.deepEqual(parseTimestamp('2024-01-01T01:30:00+01:30'), { ok: true, ms: T_MS });
  assert.deepEqual(parseTimestamp('2023-12-31T19:00:00-0500'), { ok: true, ms: T_MS });
  assert.deepEqual(parseTimestamp('2024-01-01 00:00:01'), { ok: true, ms: T_MS + 1000 });
  for (const bad of ['yesterday', '2024-02-30T00:00:00Z', '2024-01-01T25:00:00Z', true, {}, -5, 1e20 * 1e3]) {
    assert.equal(parseTimestamp(bad).ok, false, JSON.stringify(bad));
  }
});

test('every service alias, nested and dotted', () => {
  assert.equal(ev({ ts: T, service: 'a' }).service, 'a');
  assert.equal(ev({ ts: T, 'service.name': 'b' }).service, 'b');
  assert.equal(ev({ ts: T, service: { name: 'c' } }).service, 'c');
  assert.equal(ev({ ts: T, app: 'd' }).service, 'd');
  assert.equal(ev({ ts: T, context: { service: 'e' } }).service, 'e');
  assert.equal(ev({ ts: T, 'context.service': 'f' }).service, 'f');
});

test('level names, aliases and pino numbers', () => {
  const cases: Array<[unknown, string]> = [
    ['warn', 'warn'], ['WARNING', 'warn'], ['err', 'error'], ['Error', 'error'], ['crit', 'fatal'], ['critical', 'fatal'],
    ['fatal', 'fatal'], ['debug', 'debug'], ['trace', 'trace'], ['info', 'info'], ['notice', 'info'],
    [10, 'trace'], [20, 'debug'], [30, 'info'], [40, 'warn'], [50, 'error'], [60, 'fatal'], ['50', 'error'], [35, 'info'],
  ];
  for (const [v, want] of cases) assert.deepEqual(parseLevel(v), { ok: true, level: want }, String(v));
  assert.equal(ev({ ts: T, service: 'a', severity: 'warning' }).level, 'warn');
  assert.equal(ev({ ts: T, service: 'a', log: { level: 'error' } }).level, 'error');
  assert.equal(ev({ ts: T, service: 'a', 'log.level': 'debug' }).level, 'debug');
});

test('missing level derives from status; missing message is empty', () => {
  assert.equal(ev({ ts: T, service: 'a', status: 503 }).level, 'error');
  assert.equal(ev({ ts: T, service: 'a', status: 404 }).level, 'info');
  assert.equal(ev({ ts: T, service: 'a' }).level, 'info');
  assert.equal(ev({ ts: T, service: 'a' }).message, '');
});

test('message, latency, status, host, trace id and route aliases', () => {
  assert.equal(ev({ ts: T, service: 'a', message: 'x' }).message, 'x');
  assert.equal(ev({ ts: T, service: 'a', msg: 'y' }).message, 'y');
  assert.equal(ev({ ts: T, service: 'a', latency_ms: 12.5 }).latencyMs, 12.5);
  assert.equal(ev({ ts: T, service: 'a', duration_ms: '7' }).latencyMs, 7);
  assert.equal(ev({ ts: T, service: 'a', response_time_ms: 3 }).latencyMs, 3);
  assert.equal(ev({ ts: T, service: 'a', event: { duration: 2_500_000 } }).latencyMs, 2.5);
  assert.equal(ev({ ts: T, service: 'a', 'event.duration': 1_000_000 }).latencyMs, 1);
  assert.equal(ev({ ts: T, service: 'a', status: '502' }).status, 502);
  assert.equal(ev({ ts: T, service: 'a', http: { response: { status_code: 201 } } }).status, 201);
  assert.equal(ev({ ts: T, service: 'a', 'http.response.status_code': 204 }).status, 204);
  const e = ev({ ts: T, service: 'a', host: { name: 'h1' }, trace_id: 'abc', route: '/x' });
  assert.deepEqual([e.host, e.traceId, e.route], ['h1', 'abc', '/x']);
});

test('context scalars and other fields go to bounded attrs; consumed fields do not', () => {
  const e = ev({ ts: T, service: { name: 'a', version: '1.2' }, msg: 'm', context: { user_id: 7, ok: true, deep: { x: 1 }, list: [1] }, pid: 42 });
  assert.deepEqual(e.attrs, { user_id: 7, ok: true, 'service.version': '1.2', pid: 42 });
  const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
  const c2 = createCleaner(config({ maxAttrs: 3 }));
  const r = c2(raw(JSON.stringify({ ts: T, service: 'a', context: many })), 0);
  assert.deepEqual(ok(r).attrs, { k0: 0, k1: 1, k2: 2 });
});

test('redaction of each kind, in messages and string attrs', () => {
  const m = (message: string, ctx: Record<string, unknown> = {}) => ev({ ts: T, service: 'a', message, context: ctx });
  assert.equal(m('mail jane.doe+x@example.co.uk now').message, 'mail <email> now');
  assert.equal(m('from 192.168.0.17, again 10.0.0.1.').message, 'from <ip>, again <ip>.');
  assert.equal(m('version 1.2.3 and 999.1.1.1').message, 'version 1.2.3 and 999.1.1.1');
  assert.equal(m('Authorization: Bearer eyJhbGciOi.J9x-y_z== done').message, 'Authorization: Bearer <token> done');
  assert.equal(m('card 4111 1111 1111 1111 and 4111-1111-1111-1111 and 4111111111111111').message, 'card <card> and <card> and <card>');
  // Not Luhn-valid: an order id, and a 13-digit ms timestamp, stay.
  assert.equal(m('order 4111111111111112 at 1704067200000').message, 'order 4111111111111112 at 1704067200000');
  assert.equal(m('x', { email: 'bob@corp.io' }).attrs.email, '<email>');
});

test('user patterns and switched-off rules', () => {
  const c = createCleaner(config({ redaction: { email: false, patterns: ['sk_live_[A-Za-z0-9]+'] } }));
  const e = ok(c(raw(JSON.stringify({ ts: T, service: 'a', message: 'key sk_live_abc123 for a@b.io' })), 0));
  assert.equal(e.message, 'key <redacted> for a@b.io');
});

test('every dead-letter reason from cleaning, with detail and position', () => {
  const reasons = (text: string) => { const r = clean(raw(text, 7), 99); return r.ok ? 'ok' : `${r.letter.reason}: ${r.letter.detail}`; };
  assert.match(reasons('{"ts":'), /^not_json: /);
  assert.equal(reasons('[1,2]'), 'not_object: expected a JSON object, got array');
  assert.equal(reasons('"text"'), 'not_object: expected a JSON object, got string');
  assert.equal(reasons('null'), 'not_object: expected a JSON object, got null');
  assert.equal(reasons('{"service":"a"}'), 'no_timestamp: none of the time fields (timestamp, @timestamp, ts, time) is present');
  assert.equal(reasons('{"ts":"soon","service":"a"}'), 'bad_timestamp: ts: timestamp (a string of 4 characters) is neither ISO-8601 nor an epoch number');
  assert.equal(reasons('{"ts":true,"service":"a"}'), 'bad_timestamp: ts: timestamp has type boolean');
  assert.equal(reasons('{"ts":1704067200}'), 'no_service: none of the service fields (service, service.name, app, context.service) is present');
  assert.equal(reasons('{"ts":1704067200,"service":"  "}'), 'no_service: service is empty');
  assert.equal(reasons('{"ts":1704067200,"service":{"id":1}}'), 'no_service: none of the service fields (service, service.name, app, context.service) is present');
  assert.equal(reasons('{"ts":1704067200,"service":5}'), 'bad_field_type: service must be a string, got number');
  assert.equal(reasons('{"ts":1704067200,"service":"a","latency_ms":"fast"}'), 'bad_field_type: latency_ms must be a number of 0..3600000 ms, got a string of 4 characters');
  assert.equal(reasons('{"ts":1704067200,"service":"a","status":"ok"}'), 'bad_field_type: status must be an HTTP status 100..599, got a string of 2 characters');
  assert.equal(reasons('{"ts":1704067200,"service":"a","level":"loud"}'), 'bad_field_type: level: level (a string of 4 characters) is not a known level name');
  assert.equal(reasons('{"ts":1704067200,"service":"a","msg":[1]}'), 'bad_field_type: msg must be a string, got array');
  const r = clean(raw('nope', 7), 99);
  assert.ok(!r.ok);
  assert.deepEqual({ ...r.letter, detail: '' }, { reason: 'not_json', detail: '', raw: 'nope', rawBytes: 4, truncated: false, position: { kind: 'stdin', line: 7 }, at: 99 });
});

test('too_large keeps a prefix and the true size', () => {
  const c = createCleaner(config({ maxLineBytes: 1024, deadLetterPrefixBytes: 100 }));
  const text = JSON.stringify({ ts: T, service: 'a', message: 'é'.repeat(600) });
  const r = c({ text, bytes: Buffer.byteLength(text), position: { kind: 'file', file: 'f', line: 3 }, receivedAt: 0 }, 1);
  assert.ok(!r.ok);
  assert.equal(r.letter.reason, 'too_large');
  assert.equal(r.letter.detail, `line is ${Buffer.byteLength(text)} bytes, limit is 1024`);
  assert.equal(r.letter.rawBytes, 1256);
  assert.equal(r.letter.truncated, true);
  assert.ok(Buffer.byteLength(r.letter.raw) <= 100);
  assert.ok(text.startsWith(r.letter.raw));
});
