// Throughput of the ingest hot path (clean + template + aggregate) on synthetic NDJSON.
// Usage: node --import tsx bench/ingest.ts [LINES]   (one JSON line on stdout)
// `jsonParseOnly` is the floor: the same lines through JSON.parse alone.
import { ManualClock } from '../core/clock.ts';
import { Telemetry } from '../core/telemetry.ts';
import { createIngest, MemoryDeadLetterSink, parseIngestConfig } from '../ingest/index.ts';
import type { RawInput } from '../ingest/types.ts';

const N = Number(process.argv[2] ?? 200_000);
const BATCH = 1000;
const services = ['api', 'checkout', 'search', 'auth', 'db'];
const messages = [
  (i: number) => `GET /v1/items/${i % 977} returned 200 in ${i % 90} ms`,
  (i: number) => `user ${i % 5000}@example.com logged in from 10.0.${i % 255}.${i % 250}`,
  (i: number) => `cache miss for key session:${(i * 2654435761) % 1e9}`,
  (i: number) => `payment ${i} declined: card 4111 1111 1111 1111`,
  (i: number) => `worker ${i % 16} finished job ${i} after ${i % 13} retries`,
  (i: number) => `connection reset by peer 10.1.${i % 200}.7:5432`,
];
const t0 = Date.UTC(2024, 0, 1);
const lines: RawInput[] = [];
for (let i = 0; i < N; i++) {
  const msg = (messages[i % messages.length] as (i: number) => string)(i);
  // ~20 events/s per service, a little out of order.
  const ts = new Date(t0 + i * 10 + ((i * 7919) % 3000)).toISOString();
  const o = i % 3 === 0
    ? { '@timestamp': ts, 'service.name': services[i % 5], 'log.level': i % 50 === 0 ? 'error' : 'info', message: msg, event: { duration: (i % 400) * 1e6 }, http: { response: { status_code: i % 50 === 0 ? 503 : 200 } } }
    : { time: t0 + i * 10, service: services[i % 5], level: 30, msg, latency_ms: (i % 250) + 0.5, status: 200, context: { user_id: i % 1000, region: 'eu' } };
  const text = JSON.stringify(o);
  lines.push({ text, bytes: Buffer.byteLength(text), position: { kind: 'file', file: 'bench', line: i + 1 }, receivedAt: 0 });
}

let sink = 0;
let s = performance.now();
for (const l of lines) sink += (JSON.parse(l.text) as object) ? 1 : 0;
const parseOnlyMs = performance.now() - s;

const ingest = createIngest(parseIngestConfig({}), { telemetry: new Telemetry(), deadLetters: new MemoryDeadLetterSink(), clock: new ManualClock(0) });
let events = 0, points = 0, dead = 0;
s = performance.now();
for (let i = 0; i < lines.length; i += BATCH) {
  const out = ingest.handle(lines.slice(i, i + BATCH));
  events += out.events.length; points += out.points.length; dead += out.deadLetters.length;
}
points += ingest.flush().length;
const ms = performance.now() - s;

console.log(JSON.stringify({
  bench: 'ingest',
  lines: N,
  events,
  points,
  deadLetters: dead,
  templates: ingest.health().detail?.templates,
  ms: Math.round(ms),
  eventsPerSec: Math.round(events / (ms / 1000)),
  jsonParseOnlyPerSec: Math.round(sink / (parseOnlyMs / 1000)),
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  node: process.version,
}));
