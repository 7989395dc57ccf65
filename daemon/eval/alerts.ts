/**
 * How many alerts a person would get from the foresight arm of `eval leadtime`: its
 * detections and action records fed, window by window, through the same planner the
 * daemon's notifier uses (remediator/alerts/planner.ts). Steady scenarios (no incidents)
 * give `alertsPerServiceDay`; the target is at most 1.
 */
import type { Detection } from '../../detector/types.ts';
import { createAlertPlanner } from '../../remediator/alerts/planner.ts';
import type { AlertPolicy } from '../../remediator/alerts/config.ts';
import type { ActionRecord } from '../../remediator/types.ts';

export interface AlertCount {
  total: number;
  byKind: Record<string, number>;
}

/** Groups still open at the end are resolved `resolveAfterMs` after the last input, as the daemon would. */
export function countAlerts(detections: readonly Detection[], records: readonly ActionRecord[], policy: AlertPolicy, stepMs = 60_000): AlertCount {
  const planner = createAlertPlanner(policy);
  const byStep = new Map<number, { detections: Detection[]; records: ActionRecord[] }>();
  const slot = (t: number): { detections: Detection[]; records: ActionRecord[] } => {
    const k = Math.floor(t / stepMs);
    let s = byStep.get(k);
    if (!s) { s = { detections: [], records: [] }; byStep.set(k, s); }
    return s;
  };
  for (const d of detections) slot(d.at).detections.push(d);
  for (const r of records) slot(Date.parse(r['@timestamp'])).records.push(r);
  const keys = [...byStep.keys()].sort((a, b) => a - b);
  const out: AlertCount = { total: 0, byKind: {} };
  const note = (kind: string): void => { out.total++; out.byKind[kind] = (out.byKind[kind] ?? 0) + 1; };
  for (const k of keys) for (const m of planner.handle({ ...byStep.get(k)!, now: (k + 1) * stepMs })) note(m.kind);
  const last = keys.length ? (keys[keys.length - 1]! + 1) * stepMs : 0;
  for (const m of planner.handle({ detections: [], records: [], now: last + policy.resolveAfterMs })) note(m.kind);
  return out;
}
