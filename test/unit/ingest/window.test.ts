import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WindowAggregator, type WindowOptions } from '../../../ingest/window/aggregator.ts';
import type { MetricPoint } from '../../../ingest/types.ts';
import { event } from './helpers.ts';

const W = 60_000;
const opts: WindowOptions = { windowMs: W, allowedLatenessMs: 2 * W, idleWindows: 2, topTemplates: 2, sketchAccuracy: 0.01 };
const brief = (ps: MetricPoint[]) => ps.map((p) => `${p.service}@${p.windowStart / W}:${p.count}`);

test('windows close on the watermark; out-of-order within lateness is counted', () => {
  const a = new WindowAggregator(opts);
  assert.equal(a.add(event({ ts: 10_000 })), 'ok');
  assert.equal(a.add(event({ ts: 70_000 })), 'ok');
  assert.deepEqual(a.collect(), []); // watermark -50s
  assert.equal(a.add(event({ ts: 5_000 })), 'ok'); // late but within lateness
  assert.equal(a.add(event({ ts: 180_000 })), 'ok'); // watermark 60s: window 0 closes
  assert.equal(a.watermark, 60_000);
  assert.deepEqual(brief(a.collect()), ['api@0:2']);
  assert.deepEqual(a.collect(), []);
  assert.equal(a.add(event({ ts: 59_999 })), 'too_late');
  assert.equal(a.add(event({ ts: 60_000 })), 'ok');
  assert.deepEqual(brief(a.flush()), ['api@1:2', 'api@2:0', 'api@3:1']);
  assert.equal(a.add(event({ ts: 239_999 })), 'too_late'); // flushed windows stay closed
  assert.equal(a.openWindows, 0);
});

test('lateness is decided per event, not per batch', () => {
  const a = new WindowAggregator(opts);
  a.add(event({ ts: 0 }));
  a.add(event({ ts: 200_000 })); // watermark 80s: window 0 is closed even before collect()
  assert.equal(a.add(event({ ts: 1_000 })), 'too_late');
  assert.deepEqual(brief(a.collect()), ['api@0:1']);
});

test('gaps between active windows and a few after the last one emit count 0, then the service is gone', () => {
  const a = new WindowAggregator({ ...opts, allowedLatenessMs: 0 });
  a.add(event({ ts: 0, service: 'b' }));
  a.add(event({ ts: 0 }));
  a.add(event({ ts: 3 * W })); // b: 1,2 within idle; api: 1,2 gap
  assert.deepEqual(brief(a.collect()), ['api@0:1', 'b@0:1', 'api@1:0', 'b@1:0', 'api@2:0', 'b@2:0']);
  a.add(event({ ts: 10 * W }));
  // api: 3 had an event, 4..5 idle zeros, then gone; b had no more idle windows left.
  assert.deepEqual(brief(a.collect()), ['api@3:1', 'api@4:0', 'api@5:0']);
  a.add(event({ ts: 12 * W, service: 'b' }));
  a.add(event({ ts: 13 * W }));
  // b returns at 12 without back-filling 3..11; api's windows 10, 11, 12 (idle) close.
  assert.deepEqual(brief(a.collect()), ['api@10:1', 'api@11:0', 'api@12:0', 'b@12:1']);
});

test('a point carries errors, levels, latency and top templates', () => {
  const a = new WindowAggregator(opts);
  const t1 = { id: 't1', text: 'ok <*>' };
  const t2 = { id: 't2', text: 'boom' };
  a.add(event({ ts: 1, latencyMs: 10, template: t1 }));
  a.add(event({ ts: 2, latencyMs: 30, status: 503, template: t2 }));
  a.add(event({ ts: 3, level: 'error', template: t2 }));
  a.add(event({ ts: 4, level: 'warn', template: { id: 't1', text: 'ok <*> <*>' } }));
  a.add(event({ ts: 5, template: { id: 't3', text: 'rare' } }));
  const [p] = a.flush();
  assert.ok(p);
  assert.deepEqual({ ...p, latency: null }, {
    service: 'api', windowStart: 0, windowMs: W, count: 5, errors: 2, errorRate: 0.4, latency: null, latencyCount: 2,
    levels: { info: 3, error: 1, warn: 1 },
    topTemplates: [{ id: 't1', text: 'ok <*> <*>', count: 2 }, { id: 't2', text: 'boom', count: 2 }],
    // Every template with its warn-level count and sample messages, for log_pattern detections.
    templates: [
      { id: 't1', text: 'ok <*> <*>', count: 2, warn: 1, samples: ['', ''] },
      { id: 't2', text: 'boom', count: 2, warn: 1, samples: ['', ''] },
      { id: 't3', text: 'rare', count: 1, warn: 0, samples: [''] },
    ],
  });
  assert.equal(p.latency?.max, 30);
  assert.equal(p.latency?.mean, 20);
});

test('percentiles within the sketch accuracy', () => {
  const a = new WindowAggregator(opts);
  // A deterministic skewed sample: 1..10000 ms mixed by a fixed permutation.
  const values = Array.from({ length: 10_000 }, (_, i) => ((i * 7919) % 10_000) + 1);
  for (const v of values) a.add(event({ ts: 1000, latencyMs: v }));
  const [p] = a.flush();
  const sorted = [...values].sort((x, y) => x - y);
  const exact = (q: number) => sorted[Math.floor(q * (sorted.length - 1))] as number;
  for (const [q, got] of [[0.5, p?.latency?.p50], [0.95, p?.latency?.p95], [0.99, p?.latency?.p99]] as const) {
    assert.ok(got !== undefined);
    assert.ok(Math.abs(got - exact(q)) / exact(q) <= 0.01 + 1e-9, `q${q}: ${got} vs ${exact(q)}`);
  }
  assert.equal(p?.latency?.max, 10_000);
  assert.equal(p?.latency?.mean, 5000.5);
});

test('a window without latencies has latency null', () => {
  const a = new WindowAggregator(opts);
  a.add(event({ ts: 1 }));
  assert.equal(a.flush()[0]?.latency, null);
});

test('template counts of two partials merge: counts add, samples fill up to three', async () => {
  const { mergeTemplateCounts } = await import('../../../ingest/window/accumulator.ts');
  const a = [{ id: 't1', text: 'x <*>', count: 2, warn: 1, samples: ['x 1', 'x 2'] }];
  const b = [{ id: 't1', text: 'x <*>', count: 3, warn: 0, samples: ['x 3', 'x 4'] }, { id: 't2', text: 'y', count: 9, warn: 9, samples: ['y'] }];
  assert.deepEqual(mergeTemplateCounts(a, b), [
    { id: 't2', text: 'y', count: 9, warn: 9, samples: ['y'] },
    { id: 't1', text: 'x <*>', count: 5, warn: 1, samples: ['x 1', 'x 2', 'x 3'] },
  ]);
});
