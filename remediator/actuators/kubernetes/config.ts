import { z } from 'zod';

const k8sName = z.string().min(1).max(253).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a Kubernetes object name (lowercase letters, digits, - and .)');

/**
 * How one remediation target maps onto Kubernetes. Targets not listed act on the
 * Deployment named like the target in `kubernetes.namespace`, by `auto`.
 */
export const kubernetesTargetSchema = z.object({
  kind: z.enum(['Deployment', 'StatefulSet']).default('Deployment'),
  /** Workload name; the target name when left out. */
  name: k8sName.optional(),
  namespace: k8sName.optional(),
  /**
   * `hpa_floor`: raise the HorizontalPodAutoscaler's `minReplicas` for the danger window and
   * restore the previous floor on scale-in/rollback, so the HPA stays in charge. `scale`:
   * the workload's `scale` subresource. `auto`: `hpa_floor` when an HPA targets the
   * workload, else `scale`.
   */
  method: z.enum(['auto', 'hpa_floor', 'scale']).default('auto'),
  /** The HPA's name; found by its `scaleTargetRef` when left out. */
  hpa: k8sName.optional(),
  /** Gateway API HTTPRoute whose backendRefs weights a `traffic_shift` moves. */
  route: z.object({
    name: k8sName,
    namespace: k8sName.optional(),
    /** backendRef names that play the primary and the standby. */
    primary: k8sName,
    standby: k8sName,
  }).strict().refine((r) => r.primary !== r.standby, { message: 'primary and standby must differ', path: ['standby'] }).optional(),
}).strict();

export const kubernetesConfigSchema = z.object({
  /** A kubeconfig file; unset: in-cluster config inside a pod, else KUBECONFIG or ~/.kube/config. */
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  namespace: k8sName.default('default'),
  /** A 409 (someone else wrote the object between our read and our write) is re-read, re-decided and retried this many times. */
  conflictRetries: z.number().int().min(0).max(10).default(3),
  requestTimeoutMs: z.number().int().positive().default(10_000),
  targets: z.record(z.string().min(1), kubernetesTargetSchema).default({}),
}).strict();

export type KubernetesConfig = z.infer<typeof kubernetesConfigSchema>;
export type KubernetesTarget = z.infer<typeof kubernetesTargetSchema>;
