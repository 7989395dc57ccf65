import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ring, SeriesStore, WindowRing } from '../../../dashboards/series.ts';
import type { ActionRecord, MetricRecord } from '../../../remediator/types.ts';
import type { Detection } from '../../../detector/types.ts';
import type { Forecast } from '../../../models/types.ts';

const MIN = 60_000;
const point = (service: string, i: number, p95: number): MetricRecord => ({
  service, windowStart: i * MIN, windowMs: MIN, count: 10, errors: 0, errorRate: 0, latencyCount: 10,
  latency: { p50: p95 / 2, p95, p99: p95, max: p95, mean: p95 / 2 }, levels: {}, topTemplates: [], sloP95Ms: 300,
  forecast: { horizonMs: 2 * MIN, p10: p95 - 10, p50: p95, p90: p95 + 10 },
});
const forecast = (origin: number): Forecast => ({ origin, stepMs: MIN, steps: 2, quantiles: [0.1, 0.5, 0.9], paths: { p10: [1, 2], p50: [3, 4], p90: [5, 6] }, forecaster: 'theil_sen', modelVersion: 'v' });
const action = (status: ActionRecord['status'], from: number, to: number, at: number, id = 'a1'): ActionRecord => ({
  actionId: id, '@timestamp': new Date(at).toISOString(), service: 'checkout', kind: 'scale_out', target: 'checkout', params: { fromReplicas: from, toReplicas: to },
  reason: { detectionId: 'd', detectionKind: 'predicted_breach', score: 1, evidence: '' }, mode: 'dry_run', status, actuator: 'log', daemon: { instance: 'i', version: 'v', configHash: 'h' },
});

test('a ring keeps the newest values, oldest first, within its capacity', () => {
  const r = new Ring<number>(3);
  for (let i = 1; i <= 7; i++) r.push(i);
  assert.deepEqual(r.toArray(), [5, 6, 7]);
  assert.equal(r.last(), 7);
  assert.equal(r.size, 3);
});

test('a service\'s series: windows in range, markers, replica steps with the level before the range, the latest forecast path', () => {
  const s = new SeriesStore({ windows: 100, events: 10 });
  for (let i = 0; i < 120; i++) s.addWindow(point('checkout', i, 100 + i), i === 119 ? forecast(120 * MIN) : null);
  const det = { id: 'd', service: 'checkout', metric: 'latency_p95', kind: 'predicted_breach', at: 110 * MIN, score: 0.9, threshold: 300, predictedBreachAt: 125 * MIN, leadTimeMs: 15 * MIN, evidence: {}, modelVersion: 'm' } as Detection;
  s.addDetection(det);
  s.addAction(action('planned', 4, 6, 50 * MIN));
  s.addAction(action('verified', 4, 6, 50 * MIN));
  s.addAction(action('rolled_back', 6, 8, 112 * MIN, 'a2'));
  const r = s.get('checkout', 100 * MIN, 120 * MIN)!;
  assert.equal(r.windows.length, 21, 'window ends 100..120 min');
  assert.equal(r.windows[0]!.t, 100 * MIN);
  assert.equal(s.get('checkout', 0, 120 * MIN)!.windows.length, 100, 'bounded: the oldest 20 windows are gone');
  assert.deepEqual(r.markers.map((m) => [m.kind, m.status ?? null]), [['predicted_breach', null], ['scale_out', 'rolled_back']]);
  assert.deepEqual(r.replicas, [{ t: 50 * MIN, replicas: 6 }], 'the level the range starts at; the rollback returns to its from (6)');
  assert.deepEqual(s.get('checkout', 0, 120 * MIN)!.markers.filter((m) => m.actionId === 'a1').map((m) => m.status), ['verified'], 'a later state updates its marker');
  assert.deepEqual(r.forecast?.t, [121 * MIN, 122 * MIN]);
  assert.deepEqual([r.forecast?.p10, r.forecast?.p50, r.forecast?.p90], [[1, 2], [3, 4], [5, 6]]);
  assert.equal(s.now, 120 * MIN);
});

test('50 services: an overview with bounded sparklines; services past the cap are counted, not kept', () => {
  const s = new SeriesStore({ maxServices: 50 });
  for (let k = 0; k < 55; k++) for (let i = 0; i < 60; i++) s.addWindow(point(`svc-${String(k).padStart(2, '0')}`, i, 100 + k + i), null);
  assert.equal(s.list().length, 50);
  assert.equal(s.dropped, 5 * 60);
  const o = s.overview(0, 60 * MIN, 30);
  assert.equal(o.length, 50);
  for (const e of o) assert.equal(e.spark.length, 30);
  assert.equal(o[0]!.spark[29], 100 + 59, 'max of the bucket');
  assert.equal(o[0]!.p95, 159);
});

test('a window ring: columns grow by doubling up to the capacity, then the oldest is overwritten; nulls survive', () => {
  const r = new WindowRing(100);
  assert.equal(r.bytes, 64 * 8 * 9, 'starts at 64 windows');
  for (let i = 0; i < 70; i++) r.push({ t: i, p95: i % 2 ? null : i, count: i, errorRate: 0.5, slo: null, forecast: i % 3 ? null : { horizonMs: 5, p10: null, p50: i, p90: i + 1 } });
  assert.equal(r.size, 70);
  assert.equal(r.bytes, 100 * 8 * 9, 'grown to the capacity, not past it');
  for (let i = 70; i < 250; i++) r.push({ t: i, p95: i, count: i, errorRate: 0, slo: 300, forecast: null });
  assert.equal(r.size, 100);
  assert.equal(r.bytes, 100 * 8 * 9, 'bounded: 250 windows pushed, 100 kept');
  assert.deepEqual([r.at(0).t, r.last()?.t], [150, 249]);
  assert.deepEqual(r.range(200, 202).map((w) => w.t), [200, 201, 202]);
  const s = new WindowRing(10);
  s.push({ t: 1, p95: null, count: 0, errorRate: 0, slo: null, forecast: { horizonMs: 5, p10: null, p50: 7, p90: null } });
  assert.deepEqual(s.at(0), { t: 1, p95: null, count: 0, errorRate: 0, slo: null, forecast: { horizonMs: 5, p10: null, p50: 7, p90: null } });
});

test('a series store keeps `windows` windows for at most `maxServices` services', () => {
  const s = new SeriesStore({ windows: 30, maxServices: 2 });
  for (let k = 0; k < 3; k++) for (let i = 0; i < 90; i++) s.addWindow(point(`svc-${k}`, i, 100 + i), null);
  assert.deepEqual(s.list(), ['svc-0', 'svc-1']);
  assert.equal(s.dropped, 90);
  assert.equal(s.get('svc-0', 0, 100 * MIN)!.windows.length, 30);
});
