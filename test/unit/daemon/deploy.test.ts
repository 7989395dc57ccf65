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
