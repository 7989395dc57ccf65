import { z } from 'zod';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const positiveMs = z.number().int().positive();

/**
 * Alerts for people: predicted breaches (raised, updated, resolved per service), actions
 * and suppressed actions, and rate-limited anomalies, delivered through a durable outbox.
 */
const policyFields = {
  /** A firing breach group is sent again (as an update) at most this often. */
  repeatIntervalMs: positiveMs.default(4 * HOUR),
  /** A breach group with no predicted breach for this long (event time) is resolved. */
  resolveAfterMs: positiveMs.default(30 * MINUTE),
  /** Anomalies (and log patterns): a service's group is raised once this many arrive within `anomalyWindowMs`... */
  anomalyMinCount: z.number().int().positive().default(3),
  anomalyWindowMs: positiveMs.default(15 * MINUTE),
  /** ...and at most once per this interval per service and kind. */
  anomalyMinIntervalMs: positiveMs.default(24 * HOUR),
  /** Suppressed actions: one announcement per service and guardrail per this interval. */
  suppressedIntervalMs: positiveMs.default(4 * HOUR),
  /**
   * Announce a scale-in that goes as planned (planned, executed, verified). Off: giving back
   * capacity is routine, so only a scale-in that needs a person (pending approval, failed,
   * rolled back, rejected, expired) is sent, as an autoscaler's scale-down pages nobody.
   */
  announceScaleIn: z.boolean().default(false),
};

/** Which alerts are sent (the planner's rules); `eval leadtime` counts them with the same rules. */
export const alertPolicySchema = z.object(policyFields).strict();
export type AlertPolicy = z.infer<typeof alertPolicySchema>;

export const alertsConfigSchema = z.object({
  ...policyFields,
  webhook: z.object({
    url: z.url({ protocol: /^https?$/ }),
    /** HMAC-SHA256 key: `X-Foresight-Signature: sha256=<hex>` of the exact body. */
    secret: z.string().min(1).optional(),
    /** `foresight`: one JSON message per POST. `alertmanager`: Alertmanager's webhook payload (version 4). */
    format: z.enum(['foresight', 'alertmanager']).default('foresight'),
    timeoutMs: positiveMs.default(10_000),
  }).strict(),
  /** Outbox directory; `<stores.dir>/outbox` when unset. */
  dir: z.string().min(1).optional(),
  delivery: z.object({
    initialBackoffMs: positiveMs.default(5_000),
    maxBackoffMs: positiveMs.default(5 * MINUTE),
    /** A message undelivered this long after it was queued goes to outbox-dead.ndjson. At least an hour. */
    giveUpAfterMs: z.number().int().min(HOUR).default(24 * HOUR),
    /** How often the outbox looks for messages due. */
    pollMs: positiveMs.default(1_000),
  }).strict().prefault({}),
}).strict().superRefine((c, ctx) => {
  if (c.delivery.maxBackoffMs < c.delivery.initialBackoffMs) ctx.addIssue({ code: 'custom', path: ['delivery', 'maxBackoffMs'], message: 'maxBackoffMs must be at least initialBackoffMs' });
});

export type AlertsConfig = z.infer<typeof alertsConfigSchema>;
