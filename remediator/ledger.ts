/**
 * The remediator's memory: what each target looks like (as far as our actions go), when it
 * was last acted on, which action awaits verification, and the recent p95 per service.
 * Rebuilt from the record store on restart, so cooldowns and caps survive a crash.
 */
import { HOUR_MS } from './guardrails.ts';
import type { ActionReason, ActionRecord, EscalationCause } from './types.ts';
import type { Sample } from './verify.ts';

export interface Pending {
  record: ActionRecord;
  at: number;
}

export interface TargetState {
  service: string;
  replicas?: number;
  /** Replicas before our first scale-out; scale-in never goes below it. */
  baselineReplicas?: number;
  weights?: Record<string, number>;
  baselineWeights?: Record<string, number>;
  lastActionAt?: number;
  /** Last scale-out: the cooldown a new scale-out waits for (a scale-in in between does not restart it). */
  lastScaleOutAt?: number;
  actionTimes: number[];
  /** Since when p95 has left room to give capacity back (reset by any breach or action). */
  lowSince?: number;
  pending?: Pending;
  lastReason?: ActionReason;
  /**
   * Requests per minute per replica at the last scale-out that capacity was to fix: the
   * load this service could not carry then. Cleared when such a scale-out is rolled back
   * (capacity did not help, so load was not the cause).
   */
  breachLoadPerReplica?: number;
  /**
   * Since when scale-outs are held (`capacity_ineffective`): the last one was rolled back with
   * p95 still above the SLO (restored from that rollback record after a restart), or a
   * re-raise found it changed nothing. Cleared once an observed p95 is back within the
   * scale-out target.
   */
  capacityIneffectiveSince?: number;
  /** Why scale-outs are held (what the last scale-out showed), for the escalation. */
  capacityIneffectiveWhy?: string;
  /**
   * The escalation sent in the current episode of capacity not helping; cleared when the
   * episode ends (p95 back within the target; replicas below the maximum again).
   */
  escalated?: EscalationCause;
  /** The last scale-out that took effect: when it was decided, and the replicas before and after. */
  lastScaleOut?: { at: number; from: number; to: number };
  /**
   * The last scale-out that took effect raised a floor another controller scales above (an
   * HPA's minReplicas, see `restoresOnScaleIn`): capacity is given back in one restore.
   */
  restoreOnScaleIn?: boolean;
}

/**
 * Whether an actuator that carried out this scale-out gives it back in one restore rather
 * than step by step (its state on the record says `restoreOnScaleIn: true`): the Kubernetes
 * actuator's `hpa_floor`, where the HPA, not Foresight, decides how many pods go below the
 * floor. Read from the record, so a restart keeps it.
 */
export function restoresOnScaleIn(r: ActionRecord): boolean {
  return Object.values(r.actuation ?? {}).some((s) => s.restoreOnScaleIn === true);
}

/** Whether a record changed the target (as the remediator sees it). */
export function tookEffect(r: ActionRecord): boolean {
  if (r.kind === 'alert') return false;
  if (r.status === 'executed' || r.status === 'verified' || r.status === 'rolled_back') return true;
  return r.status === 'planned' && r.mode === 'dry_run';
}

/** Whether a record still awaits verification. */
export function awaitsVerification(r: ActionRecord): boolean {
  if (r.kind === 'alert' || r.kind === 'rollback') return false;
  return r.status === 'executed' || (r.status === 'planned' && r.mode === 'dry_run');
}

export class Ledger {
  readonly targets = new Map<string, TargetState>();
  /** Latest version of every record written, by actionId. */
  readonly known = new Map<string, ActionRecord>();
  readonly actionTimes: number[] = [];
  private readonly breachAt = new Map<string, number>();
  private readonly samples = new Map<string, Sample[]>();

  /** Mutable: a config reload may lengthen the verification or scale-in horizon. */
  constructor(public keepSamplesMs: number) {}

  target(name: string, service: string): TargetState {
    let t = this.targets.get(name);
    if (!t) { t = { service, actionTimes: [] }; this.targets.set(name, t); }
    return t;
  }

  noteAction(t: TargetState, at: number, kind?: ActionRecord['kind']): void {
    t.lastActionAt = Math.max(t.lastActionAt ?? at, at);
    if (kind === 'scale_out') t.lastScaleOutAt = Math.max(t.lastScaleOutAt ?? at, at);
    t.actionTimes.push(at);
    this.actionTimes.push(at);
    t.lowSince = undefined;
    pruneTimes(t.actionTimes, at);
    pruneTimes(this.actionTimes, at);
  }

  /** Applies an effective action's outcome to what we believe about the target. */
  apply(t: TargetState, r: ActionRecord): void {
    const p = r.params;
    if (p.toReplicas !== undefined) {
      if (t.baselineReplicas === undefined && p.fromReplicas !== undefined) t.baselineReplicas = p.fromReplicas;
      t.replicas = p.toReplicas;
    }
    if (r.kind === 'scale_out' && p.loadPerReplica !== undefined) t.breachLoadPerReplica = p.loadPerReplica;
    if (r.kind === 'scale_out' && p.fromReplicas !== undefined && p.toReplicas !== undefined) t.lastScaleOut = { at: Date.parse(r['@timestamp']), from: p.fromReplicas, to: p.toReplicas };
    if (r.kind === 'scale_out') t.restoreOnScaleIn = restoresOnScaleIn(r);
    if (r.kind === 'rollback') {
      t.breachLoadPerReplica = undefined;
      if (p.capacityIneffective) {
        t.capacityIneffectiveSince = Date.parse(r['@timestamp']);
        t.capacityIneffectiveWhy ??= `the scale-out ${p.toReplicas ?? '?'} → ${p.fromReplicas ?? '?'} replicas was rolled back (${r.rollbackOf ?? r.actionId}): p95 stayed above the SLO with its replicas ready`;
      }
    }
    if (p.toWeights) {
      if (t.baselineWeights === undefined && p.fromWeights) t.baselineWeights = { ...p.fromWeights };
      t.weights = { ...p.toWeights };
    }
    if (r.kind !== 'rollback' && r.kind !== 'scale_in') t.lastReason = r.reason;
  }

  breachPredicted(service: string, at: number): void {
    this.breachAt.set(service, Math.max(this.breachAt.get(service) ?? at, at));
    for (const t of this.targets.values()) if (t.service === service) t.lowSince = undefined;
  }

  lastBreachAt(service: string): number | undefined {
    return this.breachAt.get(service);
  }

  addSample(service: string, s: Sample): void {
    let xs = this.samples.get(service);
    if (!xs) { xs = []; this.samples.set(service, xs); }
    xs.push(s);
    if (xs.length > 1 && xs[xs.length - 2]!.t > s.t) xs.sort((a, b) => a.t - b.t);
    const horizon = xs[xs.length - 1]!.t - this.keepSamplesMs;
    let drop = 0;
    while (drop < xs.length && xs[drop]!.t <= horizon) drop++;
    if (drop > 0) xs.splice(0, drop);
  }

  samplesOf(service: string): readonly Sample[] {
    return this.samples.get(service) ?? [];
  }

  /** Replays stored records (oldest first) into memory after a restart. */
  restore(records: readonly ActionRecord[]): void {
    const sorted = [...records].sort((a, b) => a['@timestamp'].localeCompare(b['@timestamp']) || a.actionId.localeCompare(b.actionId));
    for (const r of sorted) {
      this.known.set(r.actionId, r);
      // An escalation already sent is not sent again after a restart within its episode.
      if (r.kind === 'alert' && r.params.escalation) this.target(r.target, r.service).escalated = r.params.escalation;
      if (r.kind === 'alert' || r.status === 'suppressed') continue;
      const t = this.target(r.target, r.service);
      const at = Date.parse(r['@timestamp']);
      this.noteAction(t, at, r.kind);
      if (tookEffect(r)) this.apply(t, r);
      t.pending = awaitsVerification(r) ? { record: r, at } : undefined;
    }
    // Capacity that did not help is remembered only through a rollback record; an escalation
    // whose episode left none (it was escalated from what a scale-out showed) cannot be known
    // to be still going on, so it must not silence the next episode's.
    for (const t of this.targets.values()) {
      if (t.escalated === 'capacity_ineffective' && t.capacityIneffectiveSince === undefined) t.escalated = undefined;
    }
  }
}

function pruneTimes(times: number[], now: number): void {
  let drop = 0;
  while (drop < times.length && times[drop]! <= now - HOUR_MS) drop++;
  if (drop > 0) times.splice(0, drop);
}
