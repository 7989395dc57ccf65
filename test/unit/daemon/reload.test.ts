import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../daemon/config.ts';
import { changedPaths, planReload } from '../../../daemon/reload.ts';

const base = { services: { checkout: { sloP95Ms: 300 } }, remediator: { actuators: ['log'] } };

test('changedPaths: leaf paths, arrays whole, an added or removed section by its key', () => {
  assert.deepEqual(changedPaths({ a: { b: 1, c: [1, 2] } }, { a: { b: 2, c: [1, 2] } }), ['a.b']);
  assert.deepEqual(changedPaths({ a: { c: [1, 2] } }, { a: { c: [2, 1] } }), ['a.c']);
  assert.deepEqual(changedPaths({ a: {} }, { a: { x: 1 } }), ['a.x']);
  assert.deepEqual(changedPaths({ a: {} }, { a: { x: { y: 1 } } }), ['a.x']);
  assert.deepEqual(changedPaths({ a: 1 }, { a: 1 }), []);
});

test('planReload: policies, SLOs, thresholds, guardrails, actuators and log level are live', () => {
  const next = parseConfig({
    log: { level: 'debug' },
    services: { checkout: { sloP95Ms: 250 }, orders: { sloP95Ms: 400 } },
    detector: { breach: { raiseProbability: 0.7 } },
    remediator: { actuators: ['log', 'webhook'], webhook: { url: 'http://127.0.0.1:1/hook' }, cooldownMs: 1_200_000 },
  });
  const plan = planReload(parseConfig(base), next);
  assert.deepEqual(plan.refused, []);
  assert.deepEqual(plan.changed, [
    'detector.breach.raiseProbability', 'log.level', 'remediator.actuators', 'remediator.cooldownMs', 'remediator.webhook',
    'services.checkout.sloP95Ms', 'services.orders',
  ]);
});

test('planReload: source, ports, stores, ingest and models are refused by key', () => {
  const next = parseConfig({ ...base, http: { port: 9999 }, source: { simulator: { seed: 5 } }, stores: { dir: '/elsewhere' }, instance: 'other' });
  const plan = planReload(parseConfig(base), next);
  assert.deepEqual(plan.refused, ['http.port', 'instance', 'source.simulator.seed', 'stores.dir']);
  assert.deepEqual(plan.changed, []);
});
