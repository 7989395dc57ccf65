/**
 * Which alerts a person gets. Pure: detections and action records in, messages out, all
 * by event time, so a replay or a restart that re-derives the same windows derives the same
 * messages with the same idempotency keys (the outbox then delivers each once).
 *
 *   predicted_breach ─► group `breach/<service>`: raised, updated (at most every repeat
 *                       interval), resolved after `resolveAfterMs` without a breach
 *   anomaly, log_pattern, any other kind ─► group `<kind>/<service>`: raised when
 *                       `anomalyMinCount` arrive within `anomalyWindowMs`, at most once per
 *                       `anomalyMinIntervalMs`
 *   action records ─► once per (actionId, status) for changes people act on; a scale-in
 *                       that goes as planned only with `announceScaleIn`
 *   suppressed records ─► once per service and guardrail per `suppressedIntervalMs`
 *   escalations ─► once each, critical (more capacity is not helping; the remediator
 *                       sends one per episode), and they stand for that guardrail's suppressed
 *                       message for `suppressedIntervalMs`
 */
import type { Detection } from '../../detector/types.ts';
import type { ActionRecord, ActionStatus } from '../types.ts';
import type { AlertPolicy } from './config.ts';

export type AlertState = 'firing' | 'resolved';

export interface AlertMessage {
  /** Idempotency key: the outbox delivers each key once. */
  key: string;
  /** Group the message belongs to (`breach/checkout`, `action/act-…`, …). */
  group: string;
  kind: 'breach' | 'detection' | 'action' | 'suppressed' | 'escalation';
  state: AlertState;
  service: string;
  /** Event time the message is about. */
  at: number;
  /** When the group started firing (event time). */
  since: number;
  summary: string;
  severity: 'critical' | 'warning' | 'info';
  detection?: Detection;
  action?: ActionRecord;
}

interface Group {
  since: number;
  lastAt: number;
  lastSentAt: number;
  updates: number;
  detection: Detection;
}

/** Statuses a person hears about; `planned` only in dry run (what would have happened). */
const ANNOUNCED: ReadonlySet<ActionStatus> = new Set(['planned', 'pending', 'executed', 'failed', 'verified', 'rolled_back', 'rejected', 'expired']);

/**
 * A scale-in in these states went as planned: giving back capacity the loop added is
 * routine. Measured on the steady scenarios of `eval leadtime` (seed 202): 4 of the 9 alerts
 * of steady-day-busy were two scale-ins' planned and verified messages.
 */
const ROUTINE_SCALE_IN: ReadonlySet<ActionStatus> = new Set(['planned', 'executed', 'verified']);

export type PlannerConfig = AlertPolicy;

export interface AlertPlanner {
  handle(input: { detections: readonly Detection[]; records: readonly ActionRecord[]; now: number }): AlertMessage[];
}

const minutes = (ms: number): string => `${+(ms / 60_000).toFixed(1)} min`;

export function createAlertPlanner(cfg: PlannerConfig): AlertPlanner {
  const breaches = new Map<string, Group>();
  /** Recent anomaly times per `<kind>/<service>`, and when each last raised. */
  const recent = new Map<string, number[]>();
  const lastRaised = new Map<string, number>();
  const suppressedAt = new Map<string, number>();
  const announced = new Set<string>();

  function breachMessage(service: string, g: Group, state: AlertState, at: number, seq: string): AlertMessage {
    const d = g.detection;
    const summary = state === 'resolved'
      ? `${service}: no SLO breach predicted since ${new Date(g.lastAt).toISOString()}; resolved`
      : `${service}: p95 SLO breach predicted${d.predictedBreachAt !== undefined ? ` at ${new Date(d.predictedBreachAt).toISOString()}` : ''}${d.leadTimeMs !== undefined ? ` (lead ${minutes(d.leadTimeMs)})` : ''}, score ${d.score.toFixed(2)}`;
    return { key: `breach/${service}/${g.since}/${seq}`, group: `breach/${service}`, kind: 'breach', state, service, at, since: g.since, summary, severity: state === 'resolved' ? 'info' : 'critical', detection: d };
  }

  return {
    handle({ detections, records, now }) {
      const out: AlertMessage[] = [];
      for (const d of [...detections].sort((a, b) => a.at - b.at || a.id.localeCompare(b.id))) {
        if (d.kind === 'predicted_breach') {
          const g = breaches.get(d.service);
          if (!g) {
            const fresh: Group = { since: d.at, lastAt: d.at, lastSentAt: d.at, updates: 0, detection: d };
            breaches.set(d.service, fresh);
            out.push(breachMessage(d.service, fresh, 'firing', d.at, 'raised'));
            continue;
          }
          g.lastAt = d.at;
          g.detection = d;
          if (d.at - g.lastSentAt >= cfg.repeatIntervalMs) {
            g.lastSentAt = d.at;
            g.updates++;
            out.push(breachMessage(d.service, g, 'firing', d.at, `update-${g.updates}`));
          }
          continue;
        }
        const group = `${d.kind}/${d.service}`;
        const times = (recent.get(group) ?? []).filter((t) => d.at - t < cfg.anomalyWindowMs);
        times.push(d.at);
        recent.set(group, times);
        const last = lastRaised.get(group);
        if (times.length < cfg.anomalyMinCount || (last !== undefined && d.at - last < cfg.anomalyMinIntervalMs)) continue;
        lastRaised.set(group, d.at);
        recent.set(group, []);
        out.push({
          key: `${group}/${d.at}`, group, kind: 'detection', state: 'firing', service: d.service, at: d.at, since: times[0]!, severity: 'warning', detection: d,
          summary: `${d.service}: ${times.length} ${d.kind} detections on ${d.metric} within ${minutes(d.at - times[0]!)} (score ${d.score.toFixed(2)})`,
        });
      }
      for (const r of records) {
        const at = Date.parse(r['@timestamp']);
        if (r.kind === 'alert' && r.params.escalation) {
          // Capacity cannot fix the breach: sent once, critical, with the remediator's why and
          // evidence; it stands for the held scale-outs, so their `suppressed` message is not sent too.
          const k = `escalation/${r.actionId}`;
          if (announced.has(k)) continue;
          announced.add(k);
          suppressedAt.set(`${r.service}/${r.params.escalation}`, at);
          out.push({
            key: k, group: `escalation/${r.service}`, kind: 'escalation', state: 'firing', service: r.service, at, since: at, severity: 'critical', action: r,
            summary: `${r.service}: ${r.reason.evidence.slice(0, 600)}`,
          });
          continue;
        }
        if (r.kind === 'alert') continue; // a detection's own alert: already covered by its group above
        if (r.status === 'suppressed') {
          const k = `${r.service}/${r.guardrail ?? 'unknown'}`;
          const last = suppressedAt.get(k);
          if (last !== undefined && at - last < cfg.suppressedIntervalMs) continue;
          suppressedAt.set(k, at);
          out.push({
            key: `suppressed/${k}/${at}`, group: `suppressed/${r.service}`, kind: 'suppressed', state: 'firing', service: r.service, at, since: at, severity: 'warning', action: r,
            summary: `${r.service}: ${r.kind} on ${r.target} suppressed by ${r.guardrail ?? 'a guardrail'}`,
          });
          continue;
        }
        const k = `action/${r.actionId}/${r.status}`;
        if (!ANNOUNCED.has(r.status) || announced.has(k)) continue;
        if (r.kind === 'scale_in' && !cfg.announceScaleIn && ROUTINE_SCALE_IN.has(r.status)) continue;
        announced.add(k);
        const change = r.params.toReplicas !== undefined ? ` ${r.params.fromReplicas} → ${r.params.toReplicas} replicas` : r.params.toWeights ? ` weights → ${JSON.stringify(r.params.toWeights)}` : '';
        out.push({
          key: k, group: `action/${r.actionId}`, kind: 'action', state: 'firing', service: r.service, at, since: at, action: r,
          severity: r.status === 'failed' || r.status === 'rolled_back' || r.status === 'pending' ? 'warning' : 'info',
          summary: `${r.service}: ${r.kind}${change} on ${r.target} ${r.status}${r.result ? ` (${r.result.slice(0, 200)})` : ''}`,
        });
      }
      for (const [service, g] of breaches) {
        if (now - g.lastAt < cfg.resolveAfterMs) continue;
        breaches.delete(service);
        out.push(breachMessage(service, g, 'resolved', now, 'resolved'));
      }
      return out;
    },
  };
}
