/**
 * ActionRecord ids and construction. Ids depend only on event-time facts (service, kind,
 * decision window, and for derived records the action they derive from), never on wall
 * time or arrival order, so a replay or a restart writes the same ids and the store's
 * idempotence by id removes the duplicates.
 */
import { stableId } from '../core/ids.ts';
import type { GuardrailName } from './guardrails.ts';
import type { PlannedAction } from './policy.ts';
import type { ActionKind, ActionMode, ActionRecord, ActionStatus } from './types.ts';

export interface DaemonInfo {
  instance: string;
  version: string;
  configHash: string;
}

export function decisionWindow(at: number, decisionWindowMs: number): number {
  return Math.floor(at / decisionWindowMs);
}

export function actionId(service: string, kind: ActionKind, at: number, decisionWindowMs: number): string {
  return stableId('act', service, kind, decisionWindow(at, decisionWindowMs));
}

/** One suppressed record per (target, guardrail, decision window), however many detections hit it. */
export function suppressedId(service: string, kind: ActionKind, target: string, guardrail: GuardrailName, at: number, decisionWindowMs: number): string {
  return stableId('act', service, kind, decisionWindow(at, decisionWindowMs), 'suppressed', target, guardrail);
}

export function rollbackId(service: string, of: string): string {
  return stableId('act', service, 'rollback', of);
}

export interface RecordContext {
  mode: ActionMode;
  daemon: DaemonInfo;
  replay: boolean;
}

export function buildRecord(id: string, a: PlannedAction, status: ActionStatus, ctx: RecordContext): ActionRecord {
  const r: ActionRecord = {
    actionId: id,
    '@timestamp': new Date(a.at).toISOString(),
    service: a.service,
    kind: a.kind,
    target: a.target,
    params: a.params,
    reason: a.reason,
    mode: ctx.mode,
    status,
    actuator: '',
    daemon: { ...ctx.daemon },
  };
  if (ctx.replay) r.replay = true;
  return r;
}

/** Identity of one version of a record: later states of one actionId are new versions. */
export function versionKey(r: Pick<ActionRecord, 'actionId' | 'status'>): string {
  return `${r.actionId}\u0000${r.status}`;
}
