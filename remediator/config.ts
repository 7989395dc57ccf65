import { z } from 'zod';
import { kubernetesConfigSchema } from './actuators/kubernetes/config.ts';
import { execConfigSchema } from './actuators/exec.ts';
import { haproxyConfigSchema } from './actuators/haproxy.ts';

const MINUTE = 60_000;

const positiveMs = z.number().int().positive();

/**
 * One service's SLO and remediation policy. It lives under the daemon's top-level
 * `services` map (the lead composes it); the remediator reads it through `policyFor`.
 * Replica bounds left out fall back to `remediator.minReplicas` / `maxReplicas`.
 */
export const servicePolicySchema = z
  .object({
    action: z.enum(['scale_out', 'traffic_shift']).default('scale_out'),
    /** What the actuators act on; the service name when left out. */
    target: z.string().min(1).optional(),
    minReplicas: z.number().int().min(0).optional(),
    maxReplicas: z.number().int().positive().optional(),
    /** Share of traffic moved to the standby by a `traffic_shift`. */
    shiftShare: z.number().gt(0).max(1).default(0.5),
    sloP95Ms: z.number().positive(),
    /** Undo an action whose verification failed. */
    rollback: z.boolean().default(true),
    /** Hold this service's actions as `pending` until a person approves them, whatever the mode. */
    approve: z.boolean().default(false),
  })
  .strict()
  .refine((p) => p.minReplicas === undefined || p.maxReplicas === undefined || p.minReplicas <= p.maxReplicas, {
    message: 'minReplicas must not exceed maxReplicas',
    path: ['minReplicas'],
  });

export type ServicePolicy = z.infer<typeof servicePolicySchema>;

export const webhookSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    /** HMAC-SHA256 key; when set every POST carries `X-Foresight-Signature: sha256=<hex>`. */
    secret: z.string().min(1).optional(),
    timeoutMs: positiveMs.default(5_000),
    /** Attempts after the first, on 5xx, timeouts and network errors (never on 4xx). */
    retries: z.number().int().min(0).max(10).default(3),
  })
  .strict();

export type WebhookConfig = z.infer<typeof webhookSchema>;

export const ACTUATOR_NAMES = ['log', 'webhook', 'simulator', 'kubernetes', 'haproxy', 'exec'] as const;
export type ActuatorName = (typeof ACTUATOR_NAMES)[number];

export const remediatorConfigSchema = z
  .object({
    /**
     * `dry_run`: record actions as `planned` and call only actuators that are safe in dry
     * run (log, simulator). `live`: call every actuator. `approval`: record `planned` and
     * records `pending` actions that a person approves (then every actuator is called) or
     * rejects through the HTTP API, the CLI or the status page.
     */
    mode: z.enum(['dry_run', 'live', 'approval']).default('dry_run'),
    /** A `pending` action nobody decided on within this long (wall clock) is recorded `expired`. */
    approvalTimeoutMs: positiveMs.default(15 * MINUTE),
    /** Action ids are unique per (service, kind, decision window). */
    decisionWindowMs: positiveMs.default(5 * MINUTE),
    /** Minimum time between two actions on one target. */
    cooldownMs: z.number().int().min(0).default(10 * MINUTE),
    /** Sliding one-hour cap over all targets, then per target. */
    maxActionsPerHour: z.number().int().positive().default(6),
    maxActionsPerHourPerTarget: z.number().int().positive().default(3),
    minReplicas: z.number().int().min(0).default(1),
    maxReplicas: z.number().int().positive().default(20),
    /** Blast radius: most replicas one action may add or remove. */
    maxStepReplicas: z.number().int().positive().default(4),
    /** Replicas removed by one scale-in. */
    scaleInStepReplicas: z.number().int().positive().default(1),
    /** Scale-out aims for forecast p95 / SLO at this ratio after the new capacity is ready. */
    targetUtilisation: z.number().gt(0).max(1).default(0.7),
    /** New capacity serves traffic this long after the action; sizing looks past it. */
    warmupMs: z.number().int().min(0).default(2 * MINUTE),
    /** Measured p95 is judged over the last this-long of windows. */
    verifyWindowMs: positiveMs.default(3 * MINUTE),
    /** An action not shown to help by then is marked failed and rolled back. */
    verifyAfterMs: positiveMs.default(10 * MINUTE),
    /** No breach predicted and headroom for this long: scale in one step. */
    scaleInAfterMs: positiveMs.default(15 * MINUTE),
    actuators: z.array(z.enum(ACTUATOR_NAMES)).default(['log']),
    webhook: webhookSchema.optional(),
    kubernetes: kubernetesConfigSchema.optional(),
    exec: execConfigSchema.optional(),
    haproxy: haproxyConfigSchema.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.minReplicas > c.maxReplicas) {
      ctx.addIssue({ code: 'custom', path: ['minReplicas'], message: 'minReplicas must not exceed maxReplicas' });
    }
    if (c.cooldownMs < c.decisionWindowMs && c.cooldownMs > 0) {
      // Two actions of one kind inside one decision window would share an actionId.
      ctx.addIssue({ code: 'custom', path: ['cooldownMs'], message: 'cooldownMs must be 0 or at least decisionWindowMs' });
    }
    if (c.verifyAfterMs < c.warmupMs + c.verifyWindowMs) {
      ctx.addIssue({ code: 'custom', path: ['verifyAfterMs'], message: 'verifyAfterMs must be at least warmupMs + verifyWindowMs, or no action could ever verify' });
    }
    if (new Set(c.actuators).size !== c.actuators.length) {
      ctx.addIssue({ code: 'custom', path: ['actuators'], message: 'actuators must not repeat' });
    }
    if (c.actuators.includes('webhook') && !c.webhook) {
      ctx.addIssue({ code: 'custom', path: ['webhook'], message: 'the webhook actuator needs remediator.webhook.url' });
    }
    if (c.actuators.includes('kubernetes') && !c.kubernetes) {
      ctx.addIssue({ code: 'custom', path: ['kubernetes'], message: 'the kubernetes actuator needs remediator.kubernetes (at least {})' });
    }
    if (c.actuators.includes('haproxy') && !c.haproxy) {
      ctx.addIssue({ code: 'custom', path: ['haproxy'], message: 'the haproxy actuator needs remediator.haproxy.socket' });
    }
    if (c.actuators.includes('exec') && !c.exec) {
      ctx.addIssue({ code: 'custom', path: ['exec'], message: 'the exec actuator needs remediator.exec.command' });
    }
  });

export type RemediatorConfig = z.infer<typeof remediatorConfigSchema>;

/** Parses and freezes; throws a ZodError the daemon turns into CONFIG_INVALID. */
export function parseRemediatorConfig(input: unknown): Readonly<RemediatorConfig> {
  return Object.freeze(remediatorConfigSchema.parse(input ?? {}));
}
