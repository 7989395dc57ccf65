import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadSuite } from '../../../daemon/eval/suite.ts';

const HOLDOUT = fileURLToPath(new URL('../../../bench/scenarios-holdout', import.meta.url));
const PRODUCTION = fileURLToPath(new URL('../../../bench/scenarios-production', import.meta.url));

test('the built-in suite and the held-out sets load, with distinct names and at least an hour of history before the first incident', () => {
  for (const [dir, count] of [[undefined, 12], [HOLDOUT, 14], [PRODUCTION, 6]] as const) {
    const suite = loadSuite(dir);
    assert.equal(suite.length, count, dir ?? 'built-in');
    const names = suite.map((s) => s.scenario.name);
    assert.equal(new Set(names).size, names.length);
    for (const { scenario } of suite) {
      const first = Math.min(...scenario.incidents.map((i) => i.startMinute), Infinity);
      assert.ok(first >= 60, `${scenario.name}: first incident at minute ${first}`);
      // The table pads names to 22 characters.
      assert.ok(scenario.name.length <= 22, `${scenario.name} is longer than the table's column`);
    }
  }
  const built = new Set(loadSuite().map((s) => s.scenario.name));
  assert.deepEqual(loadSuite(HOLDOUT).filter((s) => built.has(s.scenario.name)).map((s) => s.scenario.name), [], 'held-out names differ from the suite');
});
