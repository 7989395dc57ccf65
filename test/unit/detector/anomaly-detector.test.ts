import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAnomalyDetector, DEFAULT_ANOMALY_PARAMS } from '../../../detector/anomaly/detector.ts';
import { createLikelihood, log10Tail, logErfc } from '../../../detector/anomaly/likelihood.ts';

// A 5-minute sine around 10 with one spike of +40 at row 350.
function scores(params = {}): number[] {
  const d = createAnomalyDetector(params);
  const out: number[] = [];
  for (let i = 0; i < 400; i++) {
    const v = 10 + Math.round(3 * Math.sin(i / 6) * 100) / 100 + (i === 350 ? 40 : 0);
    out.push(d.update(i * 300_000, v));
  }
  return out;
}

test('normal tail in log space', () => {
  assert.equal(log10Tail(3), -2.8696990225374472);
  assert.equal(log10Tail(0), Math.log10(0.5));
  assert.equal(logErfc(1), -1.8496054769406591);
  assert.ok(Math.abs(Math.exp(logErfc(1)) - 0.157299207050285) < 1e-7);
});

test('likelihood stays at 0 during warm-up and saturates at 1 for a far outlier', () => {
  const lk = createLikelihood({ shortWindow: 1, longAlpha: 0.01, minStd: 0.01, warmup: 3, decades: 10 });
  assert.deepEqual([0.1, 0.1, 0.1].map((r) => lk.update(r)), [0, 0, 0]);
  assert.equal(lk.update(0.1), Math.min(1, -log10Tail(0) / 10));
  assert.equal(lk.update(0.9), 1);
});

test('a spike fires once, the score is pinned, and its echo is suppressed', () => {
  // At fireLevel 0.5 the sine's own evidence (0.48 at row 315) stays below it; see the next test for the default.
  const out = scores({ fireLevel: 0.5 });
  assert.equal(out[349], 0.17533212847686103);
  assert.equal(out[350], 1);
  assert.equal(out[351], 0.04029562875387058);
  assert.equal(out[360], 0.04477604402927934);
  assert.equal(Math.max(...out.slice(0, 350)), 0.48166550005549835);
  assert.equal(out.filter((s) => s >= 0.5).length, 1);
});

test('the firing point outputs 1, whatever its evidence; the next `suppress` points are damped', () => {
  const out = scores();
  assert.equal(DEFAULT_ANOMALY_PARAMS.fireLevel, 0.45);
  // The second day of the sine starts against one day of time-of-day history: evidence 0.454 at row 314 fires.
  assert.equal(out[313], 0.4195553756649958);
  assert.equal(out[314], 1);
  assert.equal(out[315], 0.2 * 0.48166550005549835);
  // The spike 36 rows later falls in that firing's suppression.
  assert.equal(out[350], 0.2);
  assert.equal(out.filter((s) => s >= DEFAULT_ANOMALY_PARAMS.fireLevel).length, 1);
});

test('evidence keeps how strong each point was, before firing and damping', () => {
  const d = createAnomalyDetector();
  const ev: number[] = [];
  for (let i = 0; i < 400; i++) {
    d.update(i * 300_000, 10 + Math.round(3 * Math.sin(i / 6) * 100) / 100 + (i === 350 ? 40 : 0));
    ev.push(d.evidence);
  }
  assert.ok(ev[314]! >= 0.45 && ev[314]! < 0.46, `the firing point's own evidence (${ev[314]}), not its score 1`);
  assert.equal(ev[315], 0.48166550005549835, 'undamped');
  assert.equal(ev[350], 1, 'the spike: beyond the range seen, though its score is damped');
});

test('deterministic, and without suppression the echo shows', () => {
  assert.deepEqual(scores(), scores());
  const loud = scores({ suppress: 0 });
  assert.ok((loud[351] as number) > (scores()[351] as number));
});
