/**
 * The Kubernetes actuator against a real kube-apiserver and etcd (scripts/rig/kube.ts; the
 * first run on a machine builds the API server, ~12 min). There are no controllers: where
 * a controller would act (the HPA scaling its Deployment, the Deployment's pods becoming
 * ready), the test writes `/status` itself right after each actuator call. Every test works
 * in its own namespace.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AppsV1Api, AutoscalingV2Api, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions,
  type V1PolicyRule,
} from '@kubernetes/client-node';
import YAML from 'yaml';
import { kubeDown, kubeUp, type KubeRig } from '../../scripts/rig/kube.ts';
import { Telemetry } from '../../core/telemetry.ts';
import { parseConfig } from '../../daemon/config.ts';
import { assemble } from '../../daemon/assemble.ts';
import { createPipeline } from '../../daemon/pipeline.ts';
import { createKubernetesActuator, type KubernetesDeps } from '../../remediator/actuators/kubernetes/index.ts';
import { kubernetesConfigSchema } from '../../remediator/actuators/kubernetes/config.ts';
import { createSimulatorActuator } from '../../remediator/actuators/simulator.ts';
import { openFileStore } from '../../remediator/store/file.ts';
import { servicePolicySchema } from '../../remediator/config.ts';
import type { ActionRecord, Actuator } from '../../remediator/types.ts';
import { breach, harness, minutes, T0, MIN } from '../unit/remediator/fixtures.ts';

let rig: KubeRig;
let kc: KubeConfig;
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

before(async () => {
  // A cold machine builds kube-apiserver here (once; cached outside the checkout).
  rig = await kubeUp({ log: (l) => console.error(`[kube rig] ${l}`) });
  kc = new KubeConfig();
  kc.loadFromFile(rig.adminKubeconfig);
}, { timeout: 60 * 60_000 });

const api = {
  get core(): CoreV1Api { return kc.makeApiClient(CoreV1Api); },
  get apps(): AppsV1Api { return kc.makeApiClient(AppsV1Api); },
  get hpa(): AutoscalingV2Api { return kc.makeApiClient(AutoscalingV2Api); },
  get rbac(): RbacAuthorizationV1Api { return kc.makeApiClient(RbacAuthorizationV1Api); },
  get custom(): CustomObjectsApi { return kc.makeApiClient(CustomObjectsApi); },
};

const namespaces: string[] = [];
async function namespace(what: string): Promise<string> {
  const name = `it-${what}-${randomUUID().slice(0, 6)}`;
  await api.core.createNamespace({ body: { metadata: { name } } });
  namespaces.push(name);
  return name;
}
after(async () => {
  // No namespace controller: a namespace delete stays Terminating, which is harmless here
  // (etcd's data dir is fresh on every rig start).
  for (const name of namespaces) await api.core.deleteNamespace({ name }).catch(() => undefined);
  // Stop what this file started (~470 MB), as scripts/test.mjs does with Kafka and Elasticsearch.
  if (rig?.started && !process.env.RIG_KEEP) await kubeDown();
});

async function deployment(ns: string, name: string, replicas: number): Promise<void> {
  await api.apps.createNamespacedDeployment({
    namespace: ns,
    body: {
      metadata: { name },
      spec: {
        replicas, selector: { matchLabels: { app: name } },
        // Never pulled: there is no kubelet.
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'registry.invalid/app:1' }] } },
      },
    },
  });
  await deploymentReady(ns, name);
}

async function hpa(ns: string, name: string, min: number, max: number): Promise<void> {
  await api.hpa.createNamespacedHorizontalPodAutoscaler({
    namespace: ns,
    body: {
      metadata: { name },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas: min, maxReplicas: max,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    },
  });
  await hpaController(ns, name);
}

/** The Deployment controller and kubelets: every replica asked for is ready. */
async function deploymentReady(ns: string, name: string): Promise<number> {
  const replicas = (await api.apps.readNamespacedDeploymentScale({ namespace: ns, name })).spec?.replicas ?? 0;
  await api.apps.patchNamespacedDeploymentStatus({ namespace: ns, name, body: { status: { replicas, readyReplicas: replicas, availableReplicas: replicas, updatedReplicas: replicas } } }, merge);
  return replicas;
}

/** An HPA at low utilisation: it keeps its workload at its floor (and the workload gets ready). */
async function hpaController(ns: string, name: string): Promise<void> {
  const h = await api.hpa.readNamespacedHorizontalPodAutoscaler({ namespace: ns, name });
  const want = h.spec!.minReplicas ?? 1;
  await api.apps.patchNamespacedDeploymentScale({ namespace: ns, name, body: { spec: { replicas: want } } }, merge);
  const ready = await deploymentReady(ns, name);
  await api.hpa.patchNamespacedHorizontalPodAutoscalerStatus({ namespace: ns, name, body: { status: { currentReplicas: ready, desiredReplicas: want } } }, merge);
}

/** The actuator, with the controllers played right after each of its writes. */
function controlled(inner: Actuator, controller: () => Promise<void>): Actuator {
  return { ...inner, execute: async (a) => { const r = await inner.execute(a); if (a.kind !== 'alert') await controller(); return r; } };
}

const minReplicasOf = async (ns: string, name: string): Promise<number | undefined> => (await api.hpa.readNamespacedHorizontalPodAutoscaler({ namespace: ns, name })).spec?.minReplicas;
const brief = (r: ActionRecord): string => `${r.kind} ${r.status}${r.params.toReplicas !== undefined ? ` ${r.params.fromReplicas}->${r.params.toReplicas}` : ''}`;

test('hpa_floor: a predicted breach in the memory leak raises the real HPA floor, verification reads ready replicas and HPA currentReplicas, scale-in restores the floor it found in one write (verified by reading it back), also from the stored records after a restart', { timeout: 600_000 }, async (t) => {
  const ns = await namespace('hpa');
  await deployment(ns, 'checkout', 4);
  await hpa(ns, 'checkout', 4, 16);
  const dir = mkdtempSync(join(tmpdir(), 'foresight-kube-'));
  const config = parseConfig({
    log: { level: 'warn' }, http: { enabled: false },
    // The leak scenario, closed loop: the simulated service gets the capacity the HPA floor gives.
    source: { kind: 'simulator', simulator: { scenario: 'memory-leak', seed: 7, speed: 'max', minutes: 120 } },
    remediator: { mode: 'live', actuators: ['simulator'] },
    services: { checkout: { sloP95Ms: 300, minReplicas: 4, maxReplicas: 16 } },
    stores: { dir: join(dir, 'var') },
  }, 'kubernetes.test.ts');
  const telemetry = new Telemetry();
  const parts = await assemble(config, telemetry.log);
  const kube = createKubernetesActuator(kubernetesConfigSchema.parse({ kubeconfig: rig.adminKubeconfig, namespace: ns, targets: { checkout: { method: 'hpa_floor' } } }));
  const floors: number[] = [];
  const pipeline = createPipeline({
    config, telemetry, source: parts.source, deadLetters: parts.deadLetters, store: parts.store, replay: false, keepRecords: true,
    daemon: { instance: 'it', version: '0', configHash: 'x' },
    // Kubernetes first: the remediator reads the replica count from the first actuator that knows it.
    actuators: [controlled(kube, async () => { await hpaController(ns, 'checkout'); floors.push((await minReplicasOf(ns, 'checkout'))!); }), createSimulatorActuator(parts.simulator!.control)],
  });
  try {
    await pipeline.run(new AbortController().signal);
  } finally {
    await parts.source.close();
    await parts.store.close();
  }
  const acts = pipeline.actions.filter((a) => a.kind !== 'alert');
  t.diagnostic(`actions: ${acts.map(brief).join(', ')}; HPA floors written: ${floors.join(' ')}`);
  const out = acts.find((a) => a.kind === 'scale_out' && a.status === 'executed');
  assert.ok(out, acts.map(brief).join(', '));
  const to = out.params.toReplicas!;
  assert.ok(to > 4, `scale-out to ${to}`);
  assert.match(out.result ?? '', new RegExp(`kubernetes: HPA ${ns}/checkout minReplicas 4 → ${to}`));
  assert.deepEqual(out.actuation?.kubernetes, { method: 'hpa_floor', hpa: `${ns}/checkout`, previousMinReplicas: 4, minReplicas: to, originalMinReplicas: 4, restoreOnScaleIn: true });
  const verified = acts.find((a) => a.actionId === out.actionId && a.status === 'verified');
  assert.ok(verified, acts.map(brief).join(', '));
  assert.match(verified.verification?.detail ?? '', new RegExp(`Deployment ${ns}/checkout readyReplicas ${to}/${to}, HPA currentReplicas ${to}`));
  // Capacity given back in one scale-in: the floor found before the first raise, at once.
  const scaleIn = acts.find((a) => a.kind === 'scale_in' && a.status === 'executed');
  assert.ok(scaleIn, acts.map(brief).join(', '));
  assert.equal(scaleIn.params.toReplicas, 4, brief(scaleIn));
  const raised = scaleIn.params.fromReplicas!;
  assert.match(scaleIn.result ?? '', new RegExp(`HPA ${ns}/checkout minReplicas ${raised} → 4 \\(the floor found before the first raise restored\\)`));
  assert.deepEqual(scaleIn.actuation?.kubernetes, { method: 'hpa_floor', hpa: `${ns}/checkout`, previousMinReplicas: raised, minReplicas: 4, originalMinReplicas: null });
  assert.equal(floors[floors.indexOf(raised) + 1], 4, floors.join(' '));
  // Verification of the restore reads the floor back.
  const inVerified = acts.find((a) => a.actionId === scaleIn.actionId && a.verification);
  assert.ok(inVerified, acts.map(brief).join(', '));
  assert.match(inVerified.verification?.detail ?? '', new RegExp(`kubernetes: HPA ${ns}/checkout minReplicas 4 \\(restored\\)`));

  // A daemon that died just before that scale-in: the HPA still holds the raised floor, and
  // a restarted actuator learns the floor to restore from the records on disk.
  await api.hpa.patchNamespacedHorizontalPodAutoscaler({ namespace: ns, name: 'checkout', body: { spec: { minReplicas: raised } } }, merge);
  const disk = await openFileStore(join(dir, 'var'));
  const before = (await disk.readActions()).filter((a) => a['@timestamp'] < scaleIn['@timestamp']);
  await disk.close();
  assert.ok(before.some((a) => a.actuation?.kubernetes?.restoreOnScaleIn === true), 'the raise is on the stored record');
  const restarted = createKubernetesActuator(kubernetesConfigSchema.parse({ kubeconfig: rig.adminKubeconfig, namespace: ns, targets: { checkout: { method: 'hpa_floor' } } }));
  restarted.restore!(before);
  const { actuation: _a, result: _r, verification: _v, ...planned } = scaleIn;
  const back = await restarted.execute(planned);
  assert.equal(back.detail, `HPA ${ns}/checkout minReplicas ${raised} → 4 (the floor found before the first raise restored)`);
  assert.equal(await minReplicasOf(ns, 'checkout'), 4);
  assert.deepEqual(await restarted.verify!({ ...planned, actuation: { kubernetes: back.state! } }), { ok: true, detail: `HPA ${ns}/checkout minReplicas 4 (restored)` });
});

const POLICY = servicePolicySchema.parse({ sloP95Ms: 500, minReplicas: 2, maxReplicas: 10 });

test('scale: the Deployment scale subresource moves and verification reads readyReplicas', { timeout: 120_000 }, async () => {
  const ns = await namespace('scale');
  await deployment(ns, 'checkout', 2);
  const kube = createKubernetesActuator(kubernetesConfigSchema.parse({ kubeconfig: rig.adminKubeconfig, namespace: ns, targets: { checkout: { method: 'scale' } } }));
  const h = harness({ mode: 'live', actuators: ['log'] }, { policy: POLICY, actuators: [controlled(kube, async () => { await deploymentReady(ns, 'checkout'); })] });
  const recs = await minutes(h, 0, 16, (m) => (m < 2 ? 450 : 200), (m) => (m === 1 ? [breach('checkout', T0 + 2 * MIN)] : []));
  const out = recs.find((r) => r.kind === 'scale_out' && r.status === 'executed');
  assert.ok(out, recs.map(brief).join(', '));
  const to = out.params.toReplicas!;
  assert.match(out.result ?? '', new RegExp(`kubernetes: Deployment ${ns}/checkout replicas 2 → ${to}`));
  assert.equal((await api.apps.readNamespacedDeploymentScale({ namespace: ns, name: 'checkout' })).spec?.replicas, to);
  const verified = recs.find((r) => r.actionId === out.actionId && r.status === 'verified');
  assert.ok(verified, recs.map(brief).join(', '));
  assert.match(verified.verification?.detail ?? '', new RegExp(`readyReplicas ${to}/${to}`));
});

test('a concurrent writer between read and write: the API server answers 409, the actuator re-reads, re-decides and succeeds', { timeout: 120_000 }, async () => {
  const ns = await namespace('conflict');
  await deployment(ns, 'checkout', 4);
  await hpa(ns, 'checkout', 4, 16);
  let conflicts = 0;
  let writes = 0;
  const deps: KubernetesDeps = {
    // Someone else (a person, GitOps) raises the floor to 5 just after our first read.
    beforeWrite: async () => { if (writes++ === 0) await api.hpa.patchNamespacedHorizontalPodAutoscaler({ namespace: ns, name: 'checkout', body: { spec: { minReplicas: 5 } } }, merge); },
    onConflict: () => { conflicts++; },
  };
  const kube = createKubernetesActuator(kubernetesConfigSchema.parse({ kubeconfig: rig.adminKubeconfig, namespace: ns }), deps);
  const r = await kube.execute(record('scale_out', 'checkout', { fromReplicas: 4, toReplicas: 8 }));
  assert.equal(conflicts, 1);
  assert.deepEqual(r, {
    ok: true, detail: `HPA ${ns}/checkout minReplicas 5 → 8 (1 conflict re-read and retried)`,
    // The floor to go back to is the one the other writer set: it was there before ours.
    state: { method: 'hpa_floor', hpa: `${ns}/checkout`, previousMinReplicas: 5, minReplicas: 8, originalMinReplicas: 5, restoreOnScaleIn: true },
  });
  assert.equal(await minReplicasOf(ns, 'checkout'), 8);
});

test('RBAC: the shipped least-privilege Role is enough; the same Role without patch gives a failed action carrying the 403 reason', { timeout: 120_000 }, async () => {
  const ns = await namespace('rbac');
  await deployment(ns, 'checkout', 2);
  await hpa(ns, 'checkout', 2, 10);
  const shipped = YAML.parseAllDocuments(readFileSync(new URL('../../deploy/kubernetes/20-rbac.yaml', import.meta.url), 'utf8')).map((d) => d.toJSON() as { kind: string; rules?: V1PolicyRule[] });
  const rules = shipped.find((d) => d.kind === 'Role')!.rules!;
  const bind = async (name: string, r: V1PolicyRule[]): Promise<void> => {
    await api.rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name }, rules: r } });
    await api.rbac.createNamespacedRoleBinding({ namespace: ns, body: { metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ kind: 'User', name: rig.limitedUser, apiGroup: 'rbac.authorization.k8s.io' }] } });
  };
  const limited = (): Actuator => createKubernetesActuator(kubernetesConfigSchema.parse({ kubeconfig: rig.limitedKubeconfig, namespace: ns }));

  await bind('foresight-actuator', rules);
  const ok = await limited().execute(record('scale_out', 'checkout', { fromReplicas: 2, toReplicas: 4 }));
  assert.equal(ok.detail, `HPA ${ns}/checkout minReplicas 2 → 4`);
  await api.rbac.deleteNamespacedRoleBinding({ namespace: ns, name: 'foresight-actuator' });

  await bind('no-patch', rules.map((r) => ({ ...r, verbs: r.verbs.filter((v) => v !== 'patch') })));
  // Through the remediator: the action is recorded failed with the API server's reason, no throw.
  const h = harness({ mode: 'live', actuators: ['log'] }, { policy: POLICY, actuators: [limited()] });
  const recs = await minutes(h, 0, 3, () => 450, (m) => (m === 1 ? [breach('checkout', T0 + 2 * MIN)] : []));
  const failed = recs.find((r) => r.kind === 'scale_out');
  assert.equal(failed?.status, 'failed', recs.map(brief).join(', '));
  assert.match(failed.result ?? '', new RegExp(`kubernetes: HTTP 403 Forbidden: horizontalpodautoscalers.autoscaling "checkout" is forbidden: User "${rig.limitedUser}" cannot patch resource "horizontalpodautoscalers" in API group "autoscaling" in the namespace "${ns}"`));
  assert.equal(await minReplicasOf(ns, 'checkout'), 4, 'nothing written');
});

test('traffic_shift: an HTTPRoute\'s backendRefs weights move, are read back, and are restored on rollback', { timeout: 120_000 }, async () => {
  const ns = await namespace('route');
  const route = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', namespace: ns };
  await api.custom.createNamespacedCustomObject({
    ...route,
    body: {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'search' },
      spec: { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 'search-eu', port: 80, weight: 100 }, { name: 'search-us', port: 80, weight: 0 }] }] },
    },
  });
  const weights = async (): Promise<Record<string, number>> => {
    const r = (await api.custom.getNamespacedCustomObject({ ...route, name: 'search' })) as { spec: { rules: Array<{ backendRefs: Array<{ name: string; weight: number }> }> } };
    return Object.fromEntries(r.spec.rules[0]!.backendRefs.map((b) => [b.name, b.weight]));
  };
  const kube = createKubernetesActuator(kubernetesConfigSchema.parse({ kubeconfig: rig.adminKubeconfig, namespace: ns, targets: { checkout: { route: { name: 'search', primary: 'search-eu', standby: 'search-us' } } } }));
  const policy = servicePolicySchema.parse({ sloP95Ms: 500, action: 'traffic_shift', shiftShare: 0.3 });
  const h = harness({ mode: 'live', actuators: ['log'] }, { policy, actuators: [kube] });
  // The shift does not help (p95 stays above the SLO), so verification fails and rolls it back.
  const recs = await minutes(h, 0, 14, () => 650, (m) => (m === 1 ? [breach('checkout', T0 + 2 * MIN)] : []));
  const shift = recs.find((r) => r.kind === 'traffic_shift' && r.status === 'executed');
  assert.ok(shift, recs.map(brief).join(', '));
  assert.match(shift.result ?? '', new RegExp(`kubernetes: HTTPRoute ${ns}/search weights search-eu=100 search-us=0 → search-eu=70 search-us=30 \\(read back\\)`));
  const rollback = recs.find((r) => r.kind === 'rollback' && r.rollbackOf === shift.actionId);
  assert.equal(rollback?.status, 'executed', recs.map(brief).join(', '));
  assert.match(rollback.result ?? '', /search-eu=70 search-us=30 → search-eu=100 search-us=0 \(read back\)/);
  assert.deepEqual(await weights(), { 'search-eu': 100, 'search-us': 0 });
  // A bad weight is the API server's 422, carried on the result.
  const bad = await kube.execute(record('traffic_shift', 'checkout', { toWeights: { primary: -1, standby: 2 } }));
  assert.equal(bad.ok, false);
  assert.match(bad.detail, /^HTTP 422 Invalid: /);
});

test('deploy/kubernetes manifests pass kubectl apply --dry-run=server', { timeout: 120_000 }, async () => {
  // The namespace must exist for the server to validate what goes in it; a dry run would not create it.
  await api.core.createNamespace({ body: { metadata: { name: 'foresight' } } }).catch((err: { code?: number }) => { if (err.code !== 409) throw err; });
  const r = spawnSync('kubectl', ['--kubeconfig', rig.adminKubeconfig, 'apply', '--dry-run=server', '-f', new URL('../../deploy/kubernetes/', import.meta.url).pathname], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const what of ['namespace/foresight', 'serviceaccount/foresight', 'role.rbac.authorization.k8s.io/foresight-actuator', 'rolebinding.rbac.authorization.k8s.io/foresight-actuator', 'configmap/foresight-config', 'deployment.apps/foresight']) {
    assert.match(r.stdout, new RegExp(`${what.replace(/\./g, '\\.')} (created|configured|unchanged) \\(server dry run\\)`));
  }
});

function record(kind: ActionRecord['kind'], target: string, params: ActionRecord['params']): ActionRecord {
  return {
    actionId: `act-${kind}-${randomUUID().slice(0, 6)}`, '@timestamp': new Date().toISOString(), service: target, kind, target, params,
    reason: { detectionId: 'd', detectionKind: 'predicted_breach', score: 1, evidence: '' }, mode: 'live', status: 'executed', actuator: 'kubernetes',
    daemon: { instance: 'it', version: '0', configHash: 'x' },
  };
}
