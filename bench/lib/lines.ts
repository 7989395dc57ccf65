/**
 * Synthetic NDJSON log lines for the benches: any number of services (the simulator stops at
 * 100), the input shapes the cleaner accepts (ECS dotted and nested fields, pino numbers,
 * epoch and ISO times), messages that exercise masking and redaction, ~10 ms apart in event
 * time and a little out of order (within 3 s, far inside the allowed lateness).
 * Deterministic: the same arguments give the same lines.
 */

const MESSAGES = [
  (i: number): string => `GET /v1/items/${i % 977} returned 200 in ${i % 90} ms`,
  (i: number): string => `user ${i % 5000}@example.com logged in from 10.0.${i % 255}.${i % 250}`,
  (i: number): string => `cache miss for key session:${(i * 2654435761) % 1e9}`,
  (i: number): string => `payment ${i} declined: card 4111 1111 1111 1111`,
  (i: number): string => `worker ${i % 16} finished job ${i} after ${i % 13} retries`,
  (i: number): string => `connection reset by peer 10.1.${i % 200}.7:5432`,
];

export const BENCH_T0 = Date.UTC(2024, 0, 1);

export const serviceName = (s: number): string => `svc-${String(s).padStart(5, '0')}`;

/** Line `i` of a stream over `services` services, `stepMs` apart in event time. */
export function benchLine(i: number, services: number, stepMs = 10): string {
  const msg = (MESSAGES[i % MESSAGES.length] as (i: number) => string)(i);
  const service = serviceName(i % services);
  const t = BENCH_T0 + i * stepMs;
  const o = i % 3 === 0
    ? { '@timestamp': new Date(t + ((i * 7919) % 3000)).toISOString(), 'service.name': service, 'log.level': i % 50 === 0 ? 'error' : 'info', message: msg, event: { duration: (i % 400) * 1e6 }, http: { response: { status_code: i % 50 === 0 ? 503 : 200 } } }
    : { time: t, service, level: 30, msg, latency_ms: (i % 250) + 0.5, status: 200, context: { user_id: i % 1000, region: 'eu' } };
  return JSON.stringify(o);
}

export function benchLines(n: number, services: number, stepMs = 10): string[] {
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = benchLine(i, services, stepMs);
  return out;
}

/**
 * The lines with every run of digits replaced by random digits of the same length (seeded; a
 * run keeps a leading 0 as 0 and a leading non-zero digit non-zero, so `0x…` stays hex and a
 * number keeps its width): the same events with fresh values, the stream a running service
 * logs, where the repeated LogHub lines would let a cache keyed on the text look good.
 * The result strings are flat (String.prototype.replace builds them in one piece).
 */
export function varyDigits(lines: readonly string[], seed: number): string[] {
  let s = (seed * 0x9e3779b9) >>> 0;
  // mulberry32
  const rand = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const digit = (from: number): string => String(from + Math.floor(rand() * (10 - from)));
  return lines.map((l) => l.replace(/\d+/g, (run) => {
    let out = run.charCodeAt(0) === 48 ? '0' : digit(1);
    for (let i = 1; i < run.length; i++) out += digit(0);
    return out;
  }));
}
