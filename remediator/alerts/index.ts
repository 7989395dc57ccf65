/**
 * The notifier: turns each batch's detections and action records into alert messages
 * (planner.ts), queues them durably (outbox.ts) and delivers them in the background
 * (deliver.ts). It is a sink, not an actuator: a delivery failure never changes an action's
 * status, and `handle` resolves once the messages are on disk, not once they are delivered.
 *
 *   detections, records ──► planner ──► outbox (disk) ──► deliverer ──► webhook (retried ≥ 1 h)
 */
import type { StageHealth } from '../../core/stage.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import type { Detection } from '../../detector/types.ts';
import type { ActionRecord } from '../types.ts';
import type { AlertsConfig } from './config.ts';
import { createDeliverer, type Deliverer } from './deliver.ts';
import { Outbox } from './outbox.ts';
import { createAlertPlanner } from './planner.ts';

export { alertsConfigSchema, type AlertsConfig } from './config.ts';
export { createAlertPlanner, type AlertMessage, type AlertPlanner } from './planner.ts';
export { alertmanagerPayload } from './deliver.ts';

export interface Notifier {
  start(): Promise<void>;
  /** Stops the delivery loop after its current round; what is queued stays on disk. Idempotent. */
  stop(): Promise<void>;
  /** Queues the alerts these produce; resolves once they are on disk. `now` is event time. */
  handle(input: { detections: readonly Detection[]; records: readonly ActionRecord[]; now: number }): Promise<void>;
  health(): StageHealth;
}

export interface NotifierDeps {
  telemetry: Telemetry;
  /** Outbox directory. */
  dir: string;
  now?: () => number;
}

export function createNotifier(cfg: AlertsConfig, deps: NotifierDeps): Notifier {
  const log = deps.telemetry.log.child({ stage: 'alerts' });
  const planner = createAlertPlanner(cfg);
  let outbox: Outbox | undefined;
  let deliverer: Deliverer | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const counts = { queued: 0, delivered: 0, failedAttempts: 0, dead: 0 };
  let lastError: string | undefined;

  function tick(): void {
    if (stopped || !deliverer) return;
    deliverer.round().catch((err: unknown) => { lastError = (err as Error).message; }).finally(() => {
      if (!stopped) timer = setTimeout(tick, cfg.delivery.pollMs);
    });
  }

  return {
    async start() {
      if (outbox) return;
      outbox = await Outbox.open(deps.dir);
      deliverer = createDeliverer(cfg, outbox, {
        ...(deps.now ? { now: deps.now } : {}),
        onDelivered: (m, attempts) => { counts.delivered++; lastError = undefined; log.info({ key: m.key, attempts }, 'alert delivered'); },
        onFailed: (m, attempts, error) => { counts.failedAttempts++; lastError = error; deps.telemetry.warn('sink', 'NOTIFY_FAILED', { key: m.key, attempts }, `alert not delivered yet: ${error}`); },
        onDead: (m, reason) => { counts.dead++; deps.telemetry.warn('sink', 'NOTIFY_FAILED', { key: m.key, reason }, 'alert given up on; kept in outbox-dead.ndjson'); },
      });
      if (outbox.pending.size) log.info({ pending: outbox.pending.size }, 'alerts outbox: resuming undelivered messages');
      tick();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      await deliverer?.round().catch(() => undefined);
      await outbox?.close();
    },
    async handle(input) {
      const msgs = planner.handle(input);
      if (msgs.length === 0 || !outbox) return;
      counts.queued += await outbox.add(msgs, (deps.now ?? Date.now)());
    },
    health() {
      return { ok: !lastError, detail: { pending: outbox?.pending.size ?? 0, ...counts, webhook: cfg.webhook.format, ...(lastError ? { lastError } : {}) } };
    },
  };
}
