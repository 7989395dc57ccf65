/**
 * The Kubernetes actuator.
 *
 *   scale_out / scale_in / rollback (replicas) ──► hpa_floor: HPA spec.minReplicas
 *                                              └─► scale:     Deployment|StatefulSet /scale
 *   traffic_shift / rollback (weights) ─────────► HTTPRoute backendRefs[].weight
 *
 * hpa_floor raises the HPA's floor to the planned replicas for the danger window and puts
 * the floor it found back in one write when capacity is given back (scale-in = restore, and
 * a rollback of a raise), so the HPA stays in charge and the two never fight: below the
 * floor, the HPA's own metrics and scale-down behaviour decide how many pods go. The
 * scale-out's record says so (`restoreOnScaleIn`), so the remediator plans that scale-in
 * straight back to the replicas it started from rather than step by step. A traffic shift
 * remembers the route's weights before the first shift and restores exactly those. What was
 * replaced is recorded on the ActionRecord (`actuation.kubernetes`), and `restore()`
 * rebuilds it from the stored records after a restart.
 *
 * Every write is read → decide → merge-patch carrying the resourceVersion read; a 409 means
 * someone wrote in between, so the object is read again and the decision taken again, at
 * most `conflictRetries` times. Any other API error (403 RBAC, 404, 422) fails the action
 * with the API server's reason; nothing here throws out of `execute`.
 *
 * @kubernetes/client-node (api.ts) is imported when the actuator is created, not when this
 * module is: only a config that names the kubernetes actuator loads it (e2e dist.test.ts).
 */
import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { ActionRecord, ActuationState, Actuator, ActuatorResult } from '../../types.ts';
import type { HttpRoute, KubeApi, WorkloadKind } from './api.ts';
import { describe, KubeApiError } from './errors.ts';
import type { KubernetesConfig, KubernetesTarget } from './config.ts';

export { kubernetesConfigSchema, type KubernetesConfig } from './config.ts';

export const KUBERNETES = 'kubernetes';

export interface KubernetesDeps {
  /** An API client; built from the config when left out. */
  api?: KubeApi;
  /** Called after each read and before the write it leads to (tests use it to write concurrently). */
  beforeWrite?: (what: { resource: 'hpa' | 'scale' | 'httproute'; namespace: string; name: string }) => Promise<void>;
  /** Counts conflicts retried (telemetry). */
  onConflict?: () => void;
}

interface Resolved {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  method: 'auto' | 'hpa_floor' | 'scale';
  hpa?: string;
  route?: { name: string; namespace: string; primary: string; standby: string };
}

interface Memory {
  /** HPA floor before our first raise. */
  floor?: number;
  /** Route weights before our first shift, by backendRef name. */
  weights?: Record<string, number>;
}

/** Gateway API weights are integers; shares are written as percentages. */
const WEIGHT_SCALE = 100;

/**
 * Whether an action gives capacity back: a scale-in, or a rollback to fewer replicas (a
 * rollback of a scale-in raises them again).
 */
export function givesBack(a: Pick<ActionRecord, 'kind' | 'params'>): boolean {
  if (a.kind === 'scale_in') return true;
  if (a.kind !== 'rollback') return false;
  const { fromReplicas: from, toReplicas: to } = a.params;
  return from === undefined || to === undefined || to < from;
}

export function createKubernetesActuator(cfg: KubernetesConfig, deps: KubernetesDeps = {}): Actuator {
  let api: Promise<KubeApi> | undefined = deps.api ? Promise.resolve(deps.api) : undefined;
  function apiOf(): Promise<KubeApi> {
    if (!api) {
      const loading = import('./api.ts').then((m) => m.createKubeApi(m.loadKubeConfig(cfg)));
      // A kubeconfig that cannot be read fails the action that needed it, with its reason;
      // the next action tries again.
      loading.catch(() => { if (api === loading) api = undefined; });
      api = loading;
    }
    return api;
  }
  // Loaded now, so the first action does not wait for the client.
  apiOf().catch(() => undefined);
  const memory = new Map<string, Memory>();
  /** HPA found for a workload (auto method), by target; null: none targets it. */
  const hpaOf = new Map<string, string | null>();

  function resolve(target: string): Resolved {
    const t: KubernetesTarget | undefined = cfg.targets[target];
    const namespace = t?.namespace ?? cfg.namespace;
    const r: Resolved = { kind: t?.kind ?? 'Deployment', namespace, name: t?.name ?? target, method: t?.method ?? 'auto' };
    if (t?.hpa) r.hpa = t.hpa;
    if (t?.route) r.route = { name: t.route.name, namespace: t.route.namespace ?? namespace, primary: t.route.primary, standby: t.route.standby };
    return r;
  }

  function mem(target: string): Memory {
    let m = memory.get(target);
    if (!m) { m = {}; memory.set(target, m); }
    return m;
  }

  /** The HPA that drives the workload, or null for `scale`. */
  async function hpaFor(target: string, r: Resolved): Promise<string | null> {
    if (r.method === 'scale') return null;
    if (r.hpa) return r.hpa;
    if (hpaOf.has(target)) return hpaOf.get(target)!;
    const k8s = await apiOf();
    const hpas = await k8s.listHpas(r.namespace);
    const found = hpas.find((h) => h.spec?.scaleTargetRef.kind === r.kind && h.spec.scaleTargetRef.name === r.name)?.metadata?.name ?? null;
    if (!found && r.method === 'hpa_floor') throw new KubeApiError(404, 'NotFound', `no HorizontalPodAutoscaler in ${r.namespace} targets ${r.kind}/${r.name}`);
    hpaOf.set(target, found);
    return found;
  }

  async function withConflicts<T>(write: () => Promise<T>): Promise<{ value: T; conflicts: number }> {
    for (let conflicts = 0; ; conflicts++) {
      try {
        return { value: await write(), conflicts };
      } catch (err) {
        if (!(err instanceof KubeApiError && err.code === 409) || conflicts >= cfg.conflictRetries) throw err;
        deps.onConflict?.();
      }
    }
  }

  const retried = (n: number): string => (n ? ` (${n} conflict${n === 1 ? '' : 's'} re-read and retried)` : '');

  /**
   * Raising: the planned replicas, never above the HPA's own ceiling and never lowering a
   * floor someone else raised meanwhile; the floor found before our first raise is
   * remembered. Giving back: that floor, in one write, and it is forgotten; with nothing of
   * ours to give back, nothing is written.
   */
  async function setFloor(a: ActionRecord, r: Resolved, hpaName: string, to: number): Promise<ActuatorResult> {
    const m = mem(a.target);
    const k8s = await apiOf();
    const back = givesBack(a);
    const { value, conflicts } = await withConflicts(async () => {
      const hpa: V2HorizontalPodAutoscaler = await k8s.readHpa(r.namespace, hpaName);
      const current = hpa.spec?.minReplicas ?? 1;
      const max = hpa.spec?.maxReplicas ?? to;
      const original = m.floor ?? current;
      const wanted = back ? original : Math.min(Math.max(to, current), max);
      if (wanted !== current) {
        await deps.beforeWrite?.({ resource: 'hpa', namespace: r.namespace, name: hpaName });
        await k8s.patchHpaMin(r.namespace, hpaName, wanted, hpa.metadata?.resourceVersion);
      }
      return { current, wanted, original, max };
    });
    if (back) delete m.floor; else m.floor = value.original;
    const hpa = `${r.namespace}/${hpaName}`;
    const state: ActuationState = back
      // Verified by reading minReplicas back at this value; the HPA decides the replicas.
      ? { method: 'hpa_floor', hpa, previousMinReplicas: value.current, minReplicas: value.wanted, originalMinReplicas: null }
      // What the floor goes back to when the danger has passed, and that giving back is one
      // restore (the remediator plans the scale-in to its starting replicas at once).
      : { method: 'hpa_floor', hpa, previousMinReplicas: value.current, minReplicas: value.wanted, originalMinReplicas: value.original, restoreOnScaleIn: true };
    const capped = !back && value.wanted < to ? ` (capped by the HPA's maxReplicas ${value.max})` : '';
    const what = value.wanted === value.current
      ? `HPA ${hpa} minReplicas already ${value.current}${back ? ' (no raised floor to restore)' : ''}`
      : `HPA ${hpa} minReplicas ${value.current} → ${value.wanted}${back ? ' (the floor found before the first raise restored)' : ''}`;
    return { ok: true, detail: `${what}${capped}${retried(conflicts)}`, state };
  }

  async function setScale(a: ActionRecord, r: Resolved, to: number): Promise<ActuatorResult> {
    const k8s = await apiOf();
    const { value, conflicts } = await withConflicts(async () => {
      const scale = await k8s.readScale(r.kind, r.namespace, r.name);
      const current = scale.spec?.replicas ?? 0;
      // Re-decided on fresh state: a scale-out never lowers what someone else raised.
      const wanted = a.kind === 'scale_out' ? Math.max(current, to) : to;
      if (wanted !== current) {
        await deps.beforeWrite?.({ resource: 'scale', namespace: r.namespace, name: r.name });
        await k8s.patchScale(r.kind, r.namespace, r.name, wanted, scale.metadata?.resourceVersion);
      }
      return { current, wanted };
    });
    const state: ActuationState = { method: 'scale', workload: `${r.namespace}/${r.kind}/${r.name}`, previousReplicas: value.current, replicas: value.wanted };
    const what = value.wanted === value.current ? `${r.kind} ${r.namespace}/${r.name} already at ${value.current} replicas` : `${r.kind} ${r.namespace}/${r.name} replicas ${value.current} → ${value.wanted}`;
    return { ok: true, detail: `${what}${retried(conflicts)}`, state };
  }

  function routeWeights(route: HttpRoute, names: readonly string[]): Record<string, number> {
    const out: Record<string, number> = {};
    for (const rule of route.spec?.rules ?? []) {
      for (const b of rule.backendRefs ?? []) if (names.includes(b.name)) out[b.name] = b.weight ?? 1;
    }
    return out;
  }

  async function shift(a: ActionRecord, r: Resolved): Promise<ActuatorResult> {
    const route = r.route;
    if (!route) return { ok: false, detail: `no kubernetes.targets.${a.target}.route configured for a traffic shift` };
    const m = mem(a.target);
    const names = [route.primary, route.standby];
    const k8s = await apiOf();
    const to = a.params.toWeights ?? {};
    const restoring = (to.standby ?? 0) === 0;
    const { value, conflicts } = await withConflicts(async () => {
      const current = await k8s.readRoute(route.namespace, route.name);
      const before = routeWeights(current, names);
      for (const n of names) {
        if (before[n] === undefined) throw new KubeApiError(422, 'Invalid', `HTTPRoute ${route.namespace}/${route.name} has no backendRef named ${n}`);
      }
      const original = m.weights ?? before;
      const wanted: Record<string, number> = restoring
        ? { ...original }
        : { [route.primary]: Math.round((to.primary ?? 0) * WEIGHT_SCALE), [route.standby]: Math.round((to.standby ?? 0) * WEIGHT_SCALE) };
      const rules = (current.spec?.rules ?? []).map((rule) => ({
        ...rule,
        backendRefs: (rule.backendRefs ?? []).map((b) => (wanted[b.name] === undefined ? b : { ...b, weight: wanted[b.name] })),
      }));
      await deps.beforeWrite?.({ resource: 'httproute', namespace: route.namespace, name: route.name });
      await k8s.patchRouteRules(route.namespace, route.name, rules, current.metadata.resourceVersion);
      return { before, wanted, original };
    });
    // Read back: what the API server now holds is what we report.
    const after = routeWeights(await k8s.readRoute(route.namespace, route.name), names);
    const same = names.every((n) => after[n] === value.wanted[n]);
    if (restoring) delete m.weights; else m.weights = value.original;
    const fmt = (w: Record<string, number>): string => names.map((n) => `${n}=${w[n]}`).join(' ');
    return {
      ok: same,
      detail: `HTTPRoute ${route.namespace}/${route.name} weights ${fmt(value.before)} → ${fmt(after)}${same ? ' (read back)' : ` but read back differs from ${fmt(value.wanted)}`}${retried(conflicts)}`,
      state: { method: 'httproute', route: `${route.namespace}/${route.name}`, previousWeights: value.before, weights: after, originalWeights: restoring ? null : value.original },
    };
  }

  async function execute(a: ActionRecord): Promise<ActuatorResult> {
    if (a.kind === 'alert') return { ok: true, detail: 'nothing to do for an alert' };
    const r = resolve(a.target);
    try {
      if (a.params.toWeights) return await shift(a, r);
      const to = a.params.toReplicas;
      if (to === undefined) return { ok: true, detail: 'no replicas or weights to change' };
      const hpa = await hpaFor(a.target, r);
      return hpa ? await setFloor(a, r, hpa, to) : await setScale(a, r, to);
    } catch (err) {
      return { ok: false, detail: describe(err) };
    }
  }

  return {
    name: KUBERNETES,
    async replicas(target) {
      const r = resolve(target);
      const hpa = await hpaFor(target, r);
      const k8s = await apiOf();
      if (hpa) {
        const h = await k8s.readHpa(r.namespace, hpa);
        return h.status?.currentReplicas ?? h.spec?.minReplicas;
      }
      return (await k8s.readScale(r.kind, r.namespace, r.name)).spec?.replicas;
    },
    execute,
    async verify(a) {
      const st = a.actuation?.[KUBERNETES];
      if (!st || a.kind === 'alert') return undefined;
      const r = resolve(a.target);
      try {
        const k8s = await apiOf();
        if (st.method === 'httproute' && r.route && a.params.toWeights) {
          const names = [r.route.primary, r.route.standby];
          const now = routeWeights(await k8s.readRoute(r.route.namespace, r.route.name), names);
          const want = st.weights as Record<string, number>;
          const ok = names.every((n) => now[n] === want[n]);
          return { ok, detail: `HTTPRoute weights ${names.map((n) => `${n}=${now[n]}`).join(' ')}${ok ? '' : ' differ from what was set'}` };
        }
        if (st.method === 'hpa_floor' && typeof st.hpa === 'string' && givesBack(a)) {
          // A restore hands the replicas back to the HPA: what to check is the floor.
          const min = (await k8s.readHpa(r.namespace, st.hpa.slice(st.hpa.indexOf('/') + 1))).spec?.minReplicas ?? 1;
          const ok = min === st.minReplicas;
          return { ok, detail: `HPA ${st.hpa} minReplicas ${min}${ok ? ' (restored)' : `, not the restored ${String(st.minReplicas)}`}` };
        }
        const to = a.params.toReplicas;
        if (to === undefined) return undefined;
        const w = await k8s.readWorkload(r.kind, r.namespace, r.name);
        const ready = w.readyReplicas ?? 0;
        const parts = [`${r.kind} ${r.namespace}/${r.name} readyReplicas ${ready}/${to}`];
        let ok = ready >= to;
        if (st.method === 'hpa_floor' && typeof st.hpa === 'string') {
          const hpa = await k8s.readHpa(r.namespace, st.hpa.slice(st.hpa.indexOf('/') + 1));
          const cur = hpa.status?.currentReplicas ?? 0;
          parts.push(`HPA currentReplicas ${cur}`);
          ok &&= cur >= to;
        }
        return { ok, detail: parts.join(', ') };
      } catch (err) {
        return { ok: false, detail: `could not read the real state: ${describe(err)}` };
      }
    },
    restore(records) {
      for (const rec of records) {
        const st = rec.actuation?.[KUBERNETES];
        if (!st) continue;
        const m = mem(rec.target);
        if ('originalMinReplicas' in st) {
          if (typeof st.originalMinReplicas === 'number') m.floor = st.originalMinReplicas; else delete m.floor;
        }
        if ('originalWeights' in st) {
          const w = st.originalWeights;
          if (w && typeof w === 'object' && !Array.isArray(w)) m.weights = w as Record<string, number>; else delete m.weights;
        }
      }
    },
  };
}
