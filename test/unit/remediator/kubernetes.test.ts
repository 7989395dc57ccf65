import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Scale, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { KubeApiError, type HttpRoute, type KubeApi } from '../../../remediator/actuators/kubernetes/api.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKubernetesActuator, givesBack } from '../../../remediator/actuators/kubernetes/index.ts';
import { kubernetesConfigSchema } from '../../../remediator/actuators/kubernetes/config.ts';
import { servicePolicySchema } from '../../../remediator/config.ts';
import { Ledger } from '../../../remediator/ledger.ts';
import { createFileStore } from '../../../remediator/store/file.ts';
import type { ActionRecord, Actuator } from '../../../remediator/types.ts';
import { breach, brief, FakeSimulator, harness, minutes, MIN, T0 } from './fixtures.ts';

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

test('hpa_floor raises minReplicas for the danger window; scale-in restores the floor it found in one write, also after a restart', async () => {
  const api = new FakeApi();
  const k = createKubernetesActuator(cfg, { api });
  assert.equal(await k.replicas!('web'), 4);
  const out = await k.execute(action('scale_out', { fromReplicas: 4, toReplicas: 7 }));
  assert.equal(out.ok, true);
  assert.equal(out.detail, 'HPA default/web minReplicas 4 → 7');
  assert.deepEqual(out.state, { method: 'hpa_floor', hpa: 'default/web', previousMinReplicas: 4, minReplicas: 7, originalMinReplicas: 4, restoreOnScaleIn: true });
  const more = await k.execute(action('scale_out', { fromReplicas: 7, toReplicas: 9 }));
  assert.deepEqual(more.state, { method: 'hpa_floor', hpa: 'default/web', previousMinReplicas: 7, minReplicas: 9, originalMinReplicas: 4, restoreOnScaleIn: true });

  // A new process: the floor to restore comes from the records, whatever step the scale-in plans.
  const k2 = createKubernetesActuator(cfg, { api });
  k2.restore!([{ ...action('scale_out', { fromReplicas: 4, toReplicas: 7 }), actuation: { kubernetes: out.state! } }, { ...action('scale_out', { fromReplicas: 7, toReplicas: 9 }), actuation: { kubernetes: more.state! } }]);
  const scaleIn = action('scale_in', { fromReplicas: 9, toReplicas: 8 });
  const back = await k2.execute(scaleIn);
  assert.deepEqual(back, {
    ok: true, detail: 'HPA default/web minReplicas 9 → 4 (the floor found before the first raise restored)',
    state: { method: 'hpa_floor', hpa: 'default/web', previousMinReplicas: 9, minReplicas: 4, originalMinReplicas: null },
  });
  // Nothing of ours is left to give back: no write.
  const again = await k2.execute(action('scale_in', { fromReplicas: 8, toReplicas: 7 }));
  assert.equal(again.detail, 'HPA default/web minReplicas already 4 (no raised floor to restore)');
  assert.deepEqual(api.writes, ['min 7', 'min 9', 'min 4']);

  // Verification of a restore reads the floor back; the HPA, not us, decides the replicas.
  const restored = { ...scaleIn, actuation: { kubernetes: back.state! } };
  api.replicas = 9;
  assert.deepEqual(await k2.verify!(restored), { ok: true, detail: 'HPA default/web minReplicas 4 (restored)' });
  api.hpa.min = 5;
  assert.deepEqual(await k2.verify!(restored), { ok: false, detail: 'HPA default/web minReplicas 5, not the restored 4' });

  // A rollback of a scale-in raises the floor again; a rollback of a raise restores it.
  api.hpa.min = 4;
  const up = await k2.execute(action('rollback', { fromReplicas: 4, toReplicas: 8 }));
  assert.equal(up.detail, 'HPA default/web minReplicas 4 → 8');
  assert.equal(up.state?.originalMinReplicas, 4);
  const down = await k2.execute(action('rollback', { fromReplicas: 8, toReplicas: 4 }));
  assert.equal(down.detail, 'HPA default/web minReplicas 8 → 4 (the floor found before the first raise restored)');

  // Verification of a raise reads the real state: ready replicas and the HPA's current replicas.
  api.hpa.current = 5;
  api.replicas = 7;
  const v = await k.verify!({ ...action('scale_out', { fromReplicas: 4, toReplicas: 7 }), actuation: { kubernetes: out.state! } });
  assert.deepEqual(v, { ok: false, detail: 'Deployment default/web readyReplicas 7/7, HPA currentReplicas 5' });
});

test('givesBack: scale-in and a rollback to fewer replicas give capacity back; a rollback of a scale-in does not', () => {
  assert.equal(givesBack(action('scale_in', { fromReplicas: 6, toReplicas: 5 })), true);
  assert.equal(givesBack(action('rollback', { fromReplicas: 6, toReplicas: 2 })), true);
  assert.equal(givesBack(action('rollback', { fromReplicas: 2, toReplicas: 6 })), false);
  assert.equal(givesBack(action('scale_out', { fromReplicas: 2, toReplicas: 6 })), false);
});

test('the remediator restores an hpa_floor scale-out in one scale-in, from the records after a restart, and verifies it by the floor', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-kube-unit-'));
  const api = new FakeApi();
  api.hpa = { min: 2, max: 16, current: 2 };
  const live = { mode: 'live', actuators: ['log'] };
  // The actuator, with the HPA controller and the kubelets played after each write: the
  // workload follows the floor (it would stay higher if its metrics asked for more).
  const kube = (): Actuator => {
    const k = createKubernetesActuator(cfg, { api });
    return { ...k, execute: async (a) => { const r = await k.execute(a); api.hpa.current = api.replicas = api.hpa.min; return r; } };
  };
  const site = servicePolicySchema.parse({ sloP95Ms: 500, minReplicas: 2, maxReplicas: 10, target: 'web' });
  // The first daemon raises the floor and stops before giving it back.
  const h1 = harness(live, { store: await createFileStore(dir), policy: site, sim: new FakeSimulator({ web: 2 }), actuators: [kube()] });
  await h1.rem.handle({ detections: [breach('checkout', T0)], points: [] });
  const first = await minutes(h1, 0, 8, () => 200);
  assert.deepEqual(first.map(brief), ['12:00 scale_out verified 2->6']);
  await h1.rem.stop();
  await h1.store.close();
  assert.deepEqual(api.writes, ['min 6']);

  // What the second daemon learns from the store (round-tripped through the file).
  const store = await createFileStore(dir);
  const recorded = (await store.readActions()).find((r) => r.kind === 'scale_out');
  assert.deepEqual(recorded?.actuation?.kubernetes, { method: 'hpa_floor', hpa: 'default/web', previousMinReplicas: 2, minReplicas: 6, originalMinReplicas: 2, restoreOnScaleIn: true });
  const l = new Ledger(MIN);
  l.restore([recorded!]);
  assert.equal(l.targets.get('web')?.restoreOnScaleIn, true);

  const h2 = harness(live, { store, policy: site, sim: new FakeSimulator({ web: 6 }), actuators: [kube()] });
  await h2.rem.start();
  const later = await minutes(h2, 8, 30, () => 200);
  // One step back to the 2 replicas before the scale-out (a restarted daemon counts the
  // quiet spell from its first window, 12:09, so 12:24 rather than 12:16).
  assert.deepEqual(later.map(brief), ['12:24 scale_in executed 6->2', '12:24 scale_in verified 6->2']);
  const scaleIn = later.at(-1)!;
  assert.match(scaleIn.result ?? '', /kubernetes: HPA default\/web minReplicas 6 → 2 \(the floor found before the first raise restored\)/);
  assert.match(scaleIn.verification?.detail ?? '', /kubernetes: HPA default\/web minReplicas 2 \(restored\)$/);
  assert.deepEqual(api.writes, ['min 6', 'min 2']);
  await h2.rem.stop();
  await store.close();
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
