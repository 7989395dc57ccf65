import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForesightError } from '../../../core/errors.ts';
import {
  isPredictable, listScenarios, loadScenario, parseScenario, type ScenarioInput,
} from '../../../ingest/sources/simulator/index.ts';

const minimal = (): ScenarioInput => ({
  name: 't',
  services: [{ name: 'api', replicas: 2, perReplicaRps: 50, baseLatencyMs: 20, sloP95Ms: 200, load: { peakRps: 60, troughRps: 30 } }],
});

function invalid(value: unknown): string {
  try {
    parseScenario(value, 'test.json');
  } catch (err) {
    assert.ok(err instanceof ForesightError);
    assert.equal(err.code, 'SCENARIO_INVALID');
    return err.message;
  }
  assert.fail('expected a validation error');
}

test('defaults fill in a minimal scenario', () => {
  const s = parseScenario(minimal());
  assert.equal(s.durationMinutes, 240);
  assert.deepEqual(s.incidents, []);
  assert.equal(s.services[0]!.maxReplicas, 50);
  assert.equal(s.services[0]!.load.periodMinutes, 1440);
});

test('errors name the bad key', () => {
  const unknownKey = minimal();
  (unknownKey.services[0] as Record<string, unknown>).replicaz = 3;
  assert.equal(invalid(unknownKey), 'test.json: services[0].replicaz: unknown key');

  const badService = { ...minimal(), incidents: [{ kind: 'memory-leak', service: 'nope', startMinute: 5, rampMinutes: 30 }] };
  assert.equal(invalid(badService), 'test.json: incidents[0].service: unknown service "nope" (services: api)');

  const badType = minimal();
  (badType.services[0]!.load as Record<string, unknown>).peakRps = 'lots';
  assert.match(invalid(badType), /^test\.json: services\[0\]\.load\.peakRps: /);

  const badKind = { ...minimal(), incidents: [{ kind: 'meteor', service: 'api', startMinute: 1 }] };
  assert.match(invalid(badKind), /incidents\[0\]\.kind: /);

  const trough = minimal();
  trough.services[0]!.load.troughRps = 90;
  assert.equal(invalid(trough), 'test.json: services[0].load.troughRps: must not exceed peakRps');

  const late = { ...minimal(), durationMinutes: 30, incidents: [{ kind: 'bad-deploy', service: 'api', startMinute: 30 }] };
  assert.equal(invalid(late), 'test.json: incidents[0].startMinute: must be before durationMinutes (30)');
});

test('predictable defaults to a ramp of at least 20 minutes, and can be overridden', () => {
  const s = parseScenario({
    ...minimal(),
    incidents: [
      { kind: 'memory-leak', service: 'api', startMinute: 5, rampMinutes: 30 },
      { kind: 'traffic-surge', service: 'api', startMinute: 5, rampMinutes: 10, multiplier: 2 },
      { kind: 'bad-deploy', service: 'api', startMinute: 5 },
      { kind: 'dependency-outage', service: 'api', startMinute: 5, predictable: true },
    ],
  });
  assert.deepEqual(s.incidents.map(isPredictable), [true, false, false, true]);
});

test('built-ins load by name and are listed', () => {
  assert.deepEqual(listScenarios().map((s) => s.name), ['bad-deploy', 'demo', 'dependency-outage', 'memory-leak', 'steady', 'traffic-surge']);
  const leak = loadScenario('memory-leak');
  assert.equal(leak.incidents[0]!.kind, 'memory-leak');
  assert.ok(leak.incidents[0]!.startMinute >= 60, 'at least an hour of history before the leak');
});

test('files load as JSON or YAML; unknown names and bad files are SCENARIO_INVALID', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scen-'));
  const yamlFile = join(dir, 's.yaml');
  writeFileSync(yamlFile, 'name: y\nservices:\n  - name: api\n    replicas: 1\n    perReplicaRps: 10\n    baseLatencyMs: 5\n    sloP95Ms: 50\n    load: { peakRps: 5, troughRps: 1 }\n');
  assert.equal(loadScenario(yamlFile).services[0]!.name, 'api');

  const badJson = join(dir, 'b.json');
  writeFileSync(badJson, '{"name": ');
  assert.throws(() => loadScenario(badJson), (e: unknown) => e instanceof ForesightError && e.code === 'SCENARIO_INVALID' && e.message.includes('not valid JSON'));

  const badYaml = join(dir, 'c.yml');
  writeFileSync(badYaml, 'name: c\nservices: []\n');
  assert.throws(() => loadScenario(badYaml), (e: unknown) => e instanceof ForesightError && e.message === `${badYaml}: services: Too small: expected array to have >=1 items`);

  assert.throws(() => loadScenario('no-such-scenario'), (e: unknown) => e instanceof ForesightError && e.code === 'SCENARIO_INVALID' && /neither a built-in \(bad-deploy, demo/.test(e.message));
});
