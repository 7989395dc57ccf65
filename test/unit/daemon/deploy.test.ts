import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { parseConfig } from '../../../daemon/config.ts';

// The config shipped in deploy/kubernetes/ must be one the daemon accepts (unknown keys are
// rejected, so a stale example would stop the pod at start).
test('the ConfigMap in deploy/kubernetes holds a valid daemon config', () => {
  const cm = YAML.parse(readFileSync(new URL('../../../deploy/kubernetes/30-configmap.yaml', import.meta.url), 'utf8')) as { data: Record<string, string> };
  const config = parseConfig(YAML.parse(cm.data['foresight.yaml']!), 'deploy/kubernetes/30-configmap.yaml');
  assert.equal(config.remediator.mode, 'approval');
  assert.deepEqual(config.remediator.actuators, ['log', 'kubernetes']);
  assert.equal(config.remediator.kubernetes?.targets.search?.route?.standby, 'search-us');
});

// The remediation docs' examples are configs users copy: each must be one the daemon accepts.
test('the actuator, approval and alert examples in docs/remediation.md and the README parse as daemon configs', () => {
  const read = (f: string): string => readFileSync(new URL(`../../../${f}`, import.meta.url), 'utf8');
  let n = 0;
  for (const f of ['docs/remediation.md', 'README.md']) {
    for (const [, block] of read(f).matchAll(/```yaml\n([\s\S]*?)```/g)) {
      assert.doesNotThrow(() => parseConfig(YAML.parse(block!), f), `${f}:\n${block}`);
      n++;
    }
  }
  // The README's table: one line per actuator, under `remediator:`.
  const rows = [...read('README.md').matchAll(/^\| `(kubernetes|haproxy|exec|webhook)` \| `([^`]+)`/gm)];
  assert.deepEqual(rows.map((r) => r[1]), ['kubernetes', 'haproxy', 'exec', 'webhook']);
  for (const [, name, line] of rows) {
    const config = parseConfig(YAML.parse(`remediator:\n  actuators: [log, ${name}]\n  ${line}\n`), `README.md (${name})`);
    assert.deepEqual(config.remediator.actuators, ['log', name]);
  }
  assert.ok(n >= 5, `${n} yaml blocks`);
});
