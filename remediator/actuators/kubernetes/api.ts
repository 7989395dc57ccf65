/**
 * The few Kubernetes API calls the actuator makes, through @kubernetes/client-node, with
 * its errors turned into a small shape (HTTP code, the API's reason and message) so the
 * actuator can tell a conflict (retry) from RBAC or a missing object (fail the action).
 */
import {
  ApiException, AppsV1Api, AutoscalingV2Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions,
  type V1Scale, type V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import type { KubernetesConfig } from './config.ts';
import { KubeApiError } from './errors.ts';

export { describe, KubeApiError } from './errors.ts';

export type WorkloadKind = 'Deployment' | 'StatefulSet';

function toApiError(err: unknown): KubeApiError {
  if (err instanceof KubeApiError) return err;
  if (err instanceof ApiException) {
    let body: unknown = err.body;
    if (typeof body === 'string') { try { body = JSON.parse(body); } catch { /* plain text */ } }
    const status = (body && typeof body === 'object' ? body : {}) as { reason?: string; message?: string };
    const text = status.message ?? (typeof err.body === 'string' ? err.body.slice(0, 300) : err.message);
    return new KubeApiError(err.code, status.reason ?? 'Error', text, { cause: err });
  }
  return new KubeApiError(0, 'Unreachable', (err as Error).message ?? String(err), { cause: err });
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toApiError(err);
  }
}

export interface Workload {
  replicas: number | undefined;
  readyReplicas: number | undefined;
}

export interface HttpRoute {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  spec?: { rules?: Array<{ backendRefs?: Array<{ name: string; weight?: number } & Record<string, unknown>> } & Record<string, unknown>> } & Record<string, unknown>;
}

export interface KubeApi {
  readScale(kind: WorkloadKind, ns: string, name: string): Promise<V1Scale>;
  patchScale(kind: WorkloadKind, ns: string, name: string, replicas: number, resourceVersion: string | undefined): Promise<V1Scale>;
  readWorkload(kind: WorkloadKind, ns: string, name: string): Promise<Workload>;
  readHpa(ns: string, name: string): Promise<V2HorizontalPodAutoscaler>;
  listHpas(ns: string): Promise<V2HorizontalPodAutoscaler[]>;
  patchHpaMin(ns: string, name: string, minReplicas: number, resourceVersion: string | undefined): Promise<V2HorizontalPodAutoscaler>;
  readRoute(ns: string, name: string): Promise<HttpRoute>;
  patchRouteRules(ns: string, name: string, rules: NonNullable<HttpRoute['spec']>['rules'], resourceVersion: string | undefined): Promise<HttpRoute>;
}

/** In-cluster inside a pod, else the named kubeconfig, else KUBECONFIG or ~/.kube/config. */
export function loadKubeConfig(cfg: Pick<KubernetesConfig, 'kubeconfig' | 'context'>, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  if (cfg.kubeconfig) kc.loadFromFile(cfg.kubeconfig);
  else if (env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  if (cfg.context) kc.setCurrentContext(cfg.context);
  return kc;
}

const GATEWAY = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' } as const;

export function createKubeApi(kc: KubeConfig): KubeApi {
  const apps = kc.makeApiClient(AppsV1Api);
  const autoscaling = kc.makeApiClient(AutoscalingV2Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  // Merge patch: the body carries metadata.resourceVersion, which makes the API server
  // refuse the write with 409 if the object changed since we read it.
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const patchBody = (resourceVersion: string | undefined, rest: Record<string, unknown>): Record<string, unknown> =>
    (resourceVersion ? { metadata: { resourceVersion }, ...rest } : rest);

  return {
    readScale: (kind, namespace, name) => call(() => (kind === 'Deployment'
      ? apps.readNamespacedDeploymentScale({ namespace, name })
      : apps.readNamespacedStatefulSetScale({ namespace, name }))),
    patchScale: (kind, namespace, name, replicas, rv) => call(() => {
      const body = patchBody(rv, { spec: { replicas } });
      return kind === 'Deployment'
        ? apps.patchNamespacedDeploymentScale({ namespace, name, body }, merge)
        : apps.patchNamespacedStatefulSetScale({ namespace, name, body }, merge);
    }),
    readWorkload: (kind, namespace, name) => call(async () => {
      const o = kind === 'Deployment' ? await apps.readNamespacedDeployment({ namespace, name }) : await apps.readNamespacedStatefulSet({ namespace, name });
      return { replicas: o.spec?.replicas, readyReplicas: o.status?.readyReplicas };
    }),
    readHpa: (namespace, name) => call(() => autoscaling.readNamespacedHorizontalPodAutoscaler({ namespace, name })),
    listHpas: (namespace) => call(async () => (await autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace })).items),
    patchHpaMin: (namespace, name, minReplicas, rv) => call(() => autoscaling.patchNamespacedHorizontalPodAutoscaler({ namespace, name, body: patchBody(rv, { spec: { minReplicas } }) }, merge)),
    readRoute: (namespace, name) => call(async () => (await custom.getNamespacedCustomObject({ ...GATEWAY, namespace, name })) as HttpRoute),
    patchRouteRules: (namespace, name, rules, rv) => call(async () => (await custom.patchNamespacedCustomObject({ ...GATEWAY, namespace, name, body: patchBody(rv, { spec: { rules } }) }, merge)) as HttpRoute),
  };
}
