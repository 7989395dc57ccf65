import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createForecasting, modelsConfigSchema } from '../../../models/index.ts';
import { ManualClock } from '../../../core/clock.ts';
import { Telemetry } from '../../../core/telemetry.ts';
import type { MetricPoint } from '../../../ingest/types.ts';
import type { ForecastUpdate } from '../../../models/types.ts';

/** Issue #10 item 5: junk service names must not take the forecasting slots for good. */

const STEP = 60_000;
const T0 = 1_700_006_400_000;

function point(service: string, i: number, p95: number, count = 100): MetricPoint {
  return {
    service, windowStart: T0 + i * STEP, windowMs: STEP, count, errors: 0, errorRate: 0,
    latency: count === 0 ? null : { p50: p95 / 2, p95, p99: p95 * 1.5, max: p95 * 2, mean: p95 / 2 },
    latencyCount: count === 0 ? 0 : count, levels: { info: count }, topTemplates: [],
  };
}

const cfg = (over: Record<string, unknown> = {}) => modelsConfigSchema.parse({ tfjs: { enabled: false }, maxServices: 10, ...over });
const metric = async (t: Telemetry, name: string, labels: Record<string, string> = {}) =>
  (await t.registry.getMetricsAsJSON()).find((m) => m.name === name)?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;

test('one-window junk names never take a slot; a real service still gets one and forecasts', async () => {
  const telemetry = new Telemetry();
  const f = createForecasting(cfg(), { telemetry, clock: new ManualClock(0) });
  // 1,000 junk names, one window each, before the real service.
  for (let j = 0; j < 1000; j++) f.handle([point(`junk-${j}`, 0, 100, 1)]);
  const updates: ForecastUpdate[] = [];
  for (let i = 1; i <= 40; i++) updates.push(...f.handle([point('checkout', i, 100 + i)]));
  assert.equal(updates.length, 40);
  assert.ok(updates.some((u) => u.forecast !== null), 'checkout is forecast');
  const slots = (f.health().detail as { slots: Record<string, number> }).slots;
  // Candidates are bounded (10 per slot): 100 junk names remembered, one made room for checkout.
  assert.deepEqual(slots, { cap: 10, used: 1, waiting: 99, evictions: 0, refusals: 0 });
  assert.equal(await metric(telemetry, 'foresight_forecast_services'), 1);
  assert.equal(await metric(telemetry, 'foresight_forecast_service_cap'), 10);
});

test('a candidate is forecast exactly as if it had had a slot from its first window', () => {
  const series = Array.from({ length: 60 }, (_, i) => point('api', i, 100 + 3 * i + (i % 5)));
  const run = (minWindowsForSlot: number) => {
    const f = createForecasting(cfg({ minWindowsForSlot }), { telemetry: new Telemetry(), clock: new ManualClock(0) });
    return series.flatMap((p) => f.handle([p]));
  };
  assert.deepEqual(run(5), run(1));
});

test('full slots: the service idle longest is evicted; with none idle the newcomer waits (SERVICE_CAP)', async () => {
  const telemetry = new Telemetry();
  const f = createForecasting(cfg({ maxServices: 2, minWindowsForSlot: 2, evictIdleWindows: 5 }), { telemetry, clock: new ManualClock(0) });
  const slotsOf = () => (f.health().detail as { slots: Record<string, number> }).slots;
  for (let i = 0; i < 3; i++) f.handle([point('a', i, 100), point('b', i, 100)]);
  assert.equal(slotsOf().used, 2);
  // c arrives while a and b are busy: refused, waits.
  for (let i = 3; i < 6; i++) f.handle([point('a', i, 100), point('b', i, 100), point('c', i, 100)]);
  assert.deepEqual(slotsOf(), { cap: 2, used: 2, waiting: 1, evictions: 0, refusals: 2 });
  assert.equal(await metric(telemetry, 'foresight_errors_total', { stage: 'models', code: 'SERVICE_CAP' }), 1);
  // b goes quiet (count-0 windows); after 5 idle windows c takes its slot.
  const out: ForecastUpdate[] = [];
  for (let i = 6; i < 14; i++) out.push(...f.handle([point('a', i, 100), point('b', i, 0, 0), point('c', i, 100)]));
  // b, evicted, is not remembered: its zeros are no traffic.
  assert.deepEqual(slotsOf(), { cap: 2, used: 2, waiting: 0, evictions: 1, refusals: 6 });
  assert.equal(await metric(telemetry, 'foresight_forecast_slot_events_total', { event: 'evicted' }), 1);
  assert.ok(out.filter((u) => u.service === 'c').length > 0);
});

test('more names than candidate entries, cycling every window, do not thrash real services out', () => {
  // The replay case: 1,000 one-line junk names in window 0, then ingest's count-0 points for
  // each of them every window, beside three real services; 1,003 names for 1,000 entries.
  const series = (junk: boolean) => {
    const f = createForecasting(cfg({ maxServices: 100 }), { telemetry: new Telemetry(), clock: new ManualClock(0) });
    const out: ForecastUpdate[] = [];
    for (let i = 0; i < 40; i++) {
      const batch = [point('checkout', i, 100 + 5 * i)];
      if (junk) for (let j = 0; j < 1000; j++) batch.push(point(`fuzz-junk-${j}`, i, 50, i === 0 ? 1 : 0));
      batch.push(point('orders', i, 80), point('payments', i, 120));
      out.push(...f.handle(batch).filter((u) => !u.service.startsWith('fuzz-')));
    }
    return out;
  };
  const clean = series(false);
  const junk = series(true);
  assert.ok(clean.some((u) => u.forecast !== null));
  // checkout came before the flood in window 0: exactly as without it. orders and payments
  // were not remembered in window 0 (every entry had traffic then) but are from window 1 on;
  // before the fix each name was pushed out just before it came back, and none was forecast.
  assert.deepEqual(junk.filter((u) => u.service === 'checkout'), clean.filter((u) => u.service === 'checkout'));
  for (const s of ['orders', 'payments']) assert.ok(junk.some((u) => u.service === s && u.forecast !== null), s);
});

test('config: minWindowsForSlot must not exceed minHistory', () => {
  assert.equal(modelsConfigSchema.safeParse({ minWindowsForSlot: 11 }).success, false);
  assert.equal(modelsConfigSchema.safeParse({ minWindowsForSlot: 10 }).success, true);
});
