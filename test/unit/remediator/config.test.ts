import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRemediatorConfig, remediatorConfigSchema, servicePolicySchema } from '../../../remediator/config.ts';

test('defaults', () => {
  const c = parseRemediatorConfig(undefined);
  assert.equal(c.mode, 'dry_run');
  assert.equal(c.cooldownMs, 600_000);
  assert.equal(c.verifyAfterMs, 600_000);
  assert.equal(c.maxActionsPerHour, 6);
  assert.deepEqual(c.actuators, ['log']);
  assert.ok(Object.isFrozen(c));
});

function issues(input: unknown): string[] {
  const r = remediatorConfigSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

test('unknown keys and broken cross-field rules are rejected', () => {
  assert.equal(issues({ cooldown: 5 }).length, 1);
  assert.deepEqual(issues({ actuators: ['webhook'] }), ['webhook: the webhook actuator needs remediator.webhook.url']);
  assert.deepEqual(issues({ minReplicas: 5, maxReplicas: 3 }), ['minReplicas: minReplicas must not exceed maxReplicas']);
  assert.deepEqual(issues({ verifyAfterMs: 60_000 }), ['verifyAfterMs: verifyAfterMs must be at least warmupMs + verifyWindowMs, or no action could ever verify']);
  assert.deepEqual(issues({ cooldownMs: 1000 }), ['cooldownMs: cooldownMs must be 0 or at least decisionWindowMs']);
  assert.equal(issues({ actuators: ['webhook'], webhook: { url: 'ftp://x' } }).length, 1);
  assert.deepEqual(issues({ actuators: ['webhook', 'log'], webhook: { url: 'https://hooks.example/x', secret: 's' } }), []);
});

test('service policy schema', () => {
  assert.deepEqual(servicePolicySchema.parse({ sloP95Ms: 300 }), { action: 'scale_out', shiftShare: 0.5, sloP95Ms: 300, rollback: true, approve: false });
  assert.equal(servicePolicySchema.safeParse({ sloP95Ms: 300, minReplicas: 4, maxReplicas: 2 }).success, false);
  assert.equal(servicePolicySchema.safeParse({ sloP95Ms: 300, extra: 1 }).success, false);
  assert.equal(servicePolicySchema.safeParse({}).success, false);
});
