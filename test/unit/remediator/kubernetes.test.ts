import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Scale, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { KubeApiError, type HttpRoute, type KubeApi } from '../../../remediator/actuators/kubernetes/api.ts';
import { createKubernetesActuator } from '../../../remediator/actuators/kubernetes/index.ts';
import { kubernetesConfigSchema } from '../../../remediator/actuators/kubernetes/config.ts';
import type { ActionRecord } from '../../../remediator/types.ts';

/** An in-memory API with the server's optimistic concurrency: a stale resourceVersion is a 409. */
class FakeApi implements KubeApi {
  rv = 1;
  hpa = { min: 4, max: 16, current: 4 as number | undefined };
  replicas = 3;
  weights: Record<string, number> = { blue: 90, green: 10 };
  writes: string[] = [];
  forbidden = false;
  private check(rv: string | undefined): void {
    if (this.forbidden) throw new KubeApiError(403, 'Forbidden', 'horizontalpodautoscalers.autoscaling "web" is forbidden: User "x" cannot patch resource');
    if (rv !== undefined && rv !== String(this.rv)) throw new KubeApiError(409, 'Conflict', 'the object has been modified');
    this.rv++;
  }
  async readScale(): Promise<V1Scale> { return { spec: { replicas: this.replicas }, metadata: { resourceVersion: String(this.rv) } }; }
  async patchScale(_k: unknown, _ns: string, _n: string, replicas: number, rv: string | undefined): Promise<V1Scale> { this.check(rv); this.replicas = replicas; this.writes.push(`scale ${replicas}`); return this.readScale(); }
  async readWorkload() { return { replicas: this.replicas, readyReplicas: this.replicas }; }
  async readHpa(): Promise<V2HorizontalPodAutoscaler> {
    return { metadata: { name: 'web', resourceVersion: String(this.rv) }, spec: { minReplicas: this.hpa.min, maxReplicas: this.hpa.max, scaleTargetRef: { kind: 'Deployment', name: 'web' } }, status: { currentReplicas: this.hpa.current, desiredReplicas: this.hpa.current ?? 0 } };
  }
  async listHpas(): Promise<V2HorizontalPodAutoscaler[]> { return [await this.readHpa()]; }
  async patchHpaMin(_ns: string, _n: string, min: number, rv: string | undefined): Promise<V2HorizontalPodAutoscaler> { this.check(rv); this.hpa.min = min; this.writes.push(`min ${min}`); return this.readHpa(); }
  async readRoute(): Promise<HttpRoute> {
    return { metadata: { name: 'r', resourceVersion: String(this.rv) }, spec: { rules: [{ backendRefs: Object.entries(this.weights).map(([name, weight]) => ({ name, weight })) }] } };
  }
  async patchRouteRules(_ns: string, _n: string, rules: NonNullable<HttpRoute['spec']>['rules'], rv: string | undefined): Promise<HttpRoute> {
    this.check(rv);
    for (const b of rules?.[0]?.backendRefs ?? []) this.weights[b.name] = b.weight ?? 1;
    this.writes.push(`weights ${JSON.stringify(this.weights)}`);
    return this.readRoute();
  }
}

const cfg = kubernetesConfigSchema.parse({ targets: { web: {}, site: { route: { name: 'r', primary: 'blue', standby: 'green' } }, db: { kind: 'StatefulSet', method: 'scale' } } });

function action(kind: ActionRecord['kind'], params: ActionRecord['params'], target = 'web'): ActionRecord {
  return {
    actionId: `a-${kind}-${JSON.stringify(params)}`, '@timestamp': '2026-01-01T12:00:00.000Z', service: target, kind, target, params,
    reason: { detectionId: 'd', detectionKind: 'predicted_breach', score: 1, evidence: '' }, mode: 'live', status: 'executed', actuator: 'kubernetes',
    daemon: { instance: 't', version: '0', configHash: 'x' },
  };
}

test('hpa_floor raises minReplicas for the danger window and restores the floor it found; a restart remembers it', async () => {
  const api = new FakeApi();
  const k = createKubernetesActuator(cfg, { api });
  assert.equal(await k.replicas!('web'), 4);
  const out = await k.execute(action('scale_out', { fromReplicas: 4, toReplicas: 7 }));
  assert.equal(out.ok, true);
  assert.equal(out.detail, 'HPA default/web minReplicas 4 → 7');
  assert.deepEqual(out.state, { method: 'hpa_floor', hpa: 'default/web', previousMinReplicas: 4, minReplicas: 7, originalMinReplicas: 4 });
  const inOne = await k.execute(action('scale_in', { fromReplicas: 7, toReplicas: 6 }));
  assert.equal(inOne.detail, 'HPA default/web minReplicas 7 → 6');

  // A new process: what to restore comes from the records.
  const k2 = createKubernetesActuator(cfg, { api });
  k2.restore!([{ ...action('scale_out', { fromReplicas: 4, toReplicas: 7 }), actuation: { kubernetes: out.state! } }, { ...action('scale_in', { fromReplicas: 7, toReplicas: 6 }), actuation: { kubernetes: inOne.state! } }]);
  api.hpa.min = 6;
  const back = await k2.execute(action('rollback', { fromReplicas: 6, toReplicas: 3 }));
  assert.equal(back.detail, 'HPA default/web minReplicas 6 → 4');
  assert.equal(back.state?.originalMinReplicas, null);
  assert.deepEqual(api.writes, ['min 7', 'min 6', 'min 4']);
  // Verification reads the real state: ready replicas and the HPA's current replicas.
  api.hpa.current = 5;
  api.replicas = 7;
  const v = await k.verify!({ ...action('scale_out', { fromReplicas: 4, toReplicas: 7 }), actuation: { kubernetes: out.state! } });
  assert.deepEqual(v, { ok: false, detail: 'Deployment default/web readyReplicas 7/7, HPA currentReplicas 5' });
});

test('a 409 is re-read and re-decided; after conflictRetries it fails; 403 fails with the API reason', async () => {
  const api = new FakeApi();
  // Someone else writes between our read and our write (another field: only the version moves).
  let interfere = 1;
  const k = createKubernetesActuator(cfg, { api, beforeWrite: async () => { if (interfere-- > 0) api.rv++; } });
  const out = await k.execute(action('scale_out', { fromReplicas: 4, toReplicas: 7 }));
  assert.equal(out.detail, 'HPA default/web minReplicas 4 → 7 (1 conflict re-read and retried)');
  assert.deepEqual(api.writes, ['min 7']);

  // They raised the floor to 8 meanwhile: re-decided on fresh state, there is nothing to write.
  const api2 = new FakeApi();
  let raise = 1;
  const k2 = createKubernetesActuator(cfg, { api: api2, beforeWrite: async () => { if (raise-- > 0) { api2.rv++; api2.hpa.min = 8; } } });
  const out2 = await k2.execute(action('scale_out', { fromReplicas: 4, toReplicas: 7 }));
  assert.equal(out2.detail, 'HPA default/web minReplicas already 8 (1 conflict re-read and retried)');
  assert.deepEqual(api2.writes, []);

  const stubborn = new FakeApi();
  const k3 = createKubernetesActuator({ ...cfg, conflictRetries: 1 }, { api: stubborn, beforeWrite: async () => { stubborn.rv++; } });
  const failed = await k3.execute(action('scale_out', { fromReplicas: 3, toReplicas: 5 }, 'db'));
  assert.deepEqual(failed, { ok: false, detail: 'HTTP 409 Conflict: the object has been modified' });

  const denied = new FakeApi();
  denied.forbidden = true;
  const k4 = createKubernetesActuator(cfg, { api: denied });
  const f = await k4.execute(action('scale_out', { fromReplicas: 4, toReplicas: 6 }));
  assert.equal(f.ok, false);
  assert.match(f.detail, /^HTTP 403 Forbidden: .*cannot patch/);
});

test('traffic_shift moves HTTPRoute weights, reads them back, and restores the weights it found', async () => {
  const api = new FakeApi();
  const k = createKubernetesActuator(cfg, { api });
  const out = await k.execute(action('traffic_shift', { fromWeights: { primary: 1, standby: 0 }, toWeights: { primary: 0.6, standby: 0.4 } }, 'site'));
  assert.equal(out.detail, 'HTTPRoute default/r weights blue=90 green=10 → blue=60 green=40 (read back)');
  const back = await k.execute(action('rollback', { fromWeights: { primary: 0.6, standby: 0.4 }, toWeights: { primary: 1, standby: 0 } }, 'site'));
  assert.equal(back.detail, 'HTTPRoute default/r weights blue=60 green=40 → blue=90 green=10 (read back)');
  const missing = await createKubernetesActuator(kubernetesConfigSchema.parse({}), { api }).execute(action('traffic_shift', { toWeights: { primary: 0.5, standby: 0.5 } }, 'site'));
  assert.deepEqual(missing, { ok: false, detail: 'no kubernetes.targets.site.route configured for a traffic shift' });
});
