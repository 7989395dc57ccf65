/**
 * Sends what the outbox holds: one POST per message, `Idempotency-Key` = the message key,
 * retried with jittered exponential backoff until a 2xx, or until `giveUpAfterMs` after it
 * was queued (then it goes to outbox-dead.ndjson with the reason, never silently). A 4xx
 * other than 408/429 will not get better by waiting: dead at once, with the status.
 */
import { ForesightError } from '../../core/errors.ts';
import { backoffDelay } from '../../core/retry.ts';
import { signBody, SIGNATURE_HEADER, TIMESTAMP_HEADER, retriableStatus } from '../actuators/webhook.ts';
import type { AlertsConfig } from './config.ts';
import type { Outbox, Queued } from './outbox.ts';
import type { AlertMessage } from './planner.ts';

export interface DeliveryDeps {
  now?: () => number;
  random?: () => number;
  onDelivered?: (msg: AlertMessage, attempts: number) => void;
  onFailed?: (msg: AlertMessage, attempts: number, error: string) => void;
  onDead?: (msg: AlertMessage, reason: string) => void;
}

/** Alertmanager's webhook payload (version 4), so receivers written for Alertmanager work unchanged. */
export function alertmanagerPayload(m: AlertMessage, sentAt: number): Record<string, unknown> {
  const labels = { alertname: `Foresight${m.kind === 'breach' ? 'PredictedBreach' : m.kind === 'detection' ? 'Detection' : m.kind === 'suppressed' ? 'ActionSuppressed' : m.kind === 'escalation' ? 'CapacityIneffective' : 'Action'}`, service: m.service, severity: m.severity, group: m.group };
  const annotations = { summary: m.summary, ...(m.action ? { actionId: m.action.actionId, status: m.action.status } : {}), ...(m.detection ? { detectionId: m.detection.id } : {}) };
  return {
    version: '4', groupKey: m.group, truncatedAlerts: 0, status: m.state, receiver: 'foresight',
    groupLabels: { group: m.group }, commonLabels: labels, commonAnnotations: annotations, externalURL: '',
    alerts: [{
      status: m.state, labels, annotations, startsAt: new Date(m.since).toISOString(),
      endsAt: m.state === 'resolved' ? new Date(m.at).toISOString() : '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: m.key,
    }],
    sentAt: new Date(sentAt).toISOString(),
  };
}

export interface Deliverer {
  /** Sends every message due now; resolves when this round is done. */
  round(): Promise<void>;
}

export function createDeliverer(cfg: Pick<AlertsConfig, 'webhook' | 'delivery'>, outbox: Outbox, deps: DeliveryDeps = {}): Deliverer {
  const now = deps.now ?? Date.now;
  const { webhook, delivery } = cfg;

  async function send(q: Queued): Promise<void> {
    const sentAt = now();
    const body = JSON.stringify(webhook.format === 'alertmanager' ? alertmanagerPayload(q.msg, sentAt) : { event: 'foresight.alert', sentAt, alert: q.msg });
    const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': q.msg.key, [TIMESTAMP_HEADER]: String(sentAt) };
    if (webhook.secret) headers[SIGNATURE_HEADER] = signBody(webhook.secret, body);
    let res: Response;
    try {
      res = await fetch(webhook.url, { method: 'POST', body, headers, signal: AbortSignal.timeout(webhook.timeoutMs) });
    } catch (err) {
      throw new ForesightError('NOTIFY_FAILED', `alert webhook POST failed: ${(err as Error).message}`, { retriable: true, cause: err });
    }
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new ForesightError('NOTIFY_FAILED', `alert webhook answered HTTP ${res.status}`, { retriable: retriableStatus(res.status) });
  }

  let running: Promise<void> | undefined;
  async function once(): Promise<void> {
    // Oldest first, one at a time: a receiver that is down gets one probe per message due, not a flood.
    const due = [...outbox.pending.values()].filter((q) => q.nextAt <= now()).sort((a, b) => a.queuedAt - b.queuedAt || a.msg.at - b.msg.at);
    for (const q of due) {
      if (!outbox.pending.has(q.msg.key)) continue;
      q.attempts++;
      try {
        await send(q);
        await outbox.done(q.msg.key, now());
        deps.onDelivered?.(q.msg, q.attempts);
      } catch (err) {
        const e = err as ForesightError;
        q.lastError = e.message;
        deps.onFailed?.(q.msg, q.attempts, e.message);
        if (!e.retriable || now() - q.queuedAt >= delivery.giveUpAfterMs) {
          const reason = e.retriable ? `undelivered after ${q.attempts} attempts: ${e.message}` : e.message;
          await outbox.dead(q.msg.key, now(), reason);
          deps.onDead?.(q.msg, reason);
          continue;
        }
        q.nextAt = now() + Math.max(1, backoffDelay(q.attempts - 1, { initialMs: delivery.initialBackoffMs, maxMs: delivery.maxBackoffMs, ...(deps.random ? { random: deps.random } : {}) }));
      }
    }
  }

  return {
    round() {
      running ??= once().finally(() => { running = undefined; });
      return running;
    },
  };
}
