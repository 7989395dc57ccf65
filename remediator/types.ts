import type { Detection } from '../detector/types.ts';
import type { DeadLetter, MetricPoint, TemplateCount } from '../ingest/types.ts';

export type ActionKind = 'scale_out' | 'scale_in' | 'traffic_shift' | 'rollback' | 'alert';
export type ActionMode = 'dry_run' | 'live' | 'approval';
/**
 * `pending`: waits for a person (approval mode or a policy's `approve: true`); it becomes
 * `executed` (or `failed`) once approved, `rejected` when refused, `expired` when nobody
 * decided before `approval.expiresAt`.
 */
export type ActionStatus = 'planned' | 'pending' | 'suppressed' | 'executed' | 'failed' | 'verified' | 'rolled_back' | 'rejected' | 'expired';

export interface ActionParams {
  fromReplicas?: number;
  toReplicas?: number;
  /** Share of traffic per destination, e.g. { primary: 0.7, standby: 0.3 }. */
  fromWeights?: Record<string, number>;
  toWeights?: Record<string, number>;
  /**
   * Scale-out only: requests per minute per ready replica in the window that decided it,
   * the load at which a breach was coming. Giving replicas back never returns the service
   * to it (see `TargetState.breachLoadPerReplica`).
   */
  loadPerReplica?: number;
  /**
   * Rollback only: the scale-out it undoes left p95 above the SLO although its replicas were
   * ready, so capacity is not what the breach needs (see the `capacity_ineffective` guardrail).
   */
  capacityIneffective?: boolean;
  /**
   * Alert only: an escalation. Capacity cannot fix the predicted breach (`capacity_ineffective`:
   * added replicas did not bring p95 down; `max_replicas`: none are left to add), so a person
   * is told once, with why and the evidence, instead of another held scale-out at each re-raise.
   */
  escalation?: EscalationCause;
}

export type EscalationCause = 'capacity_ineffective' | 'max_replicas';

export interface ActionReason {
  detectionId: string;
  detectionKind: Detection['kind'];
  score: number;
  leadTimeMs?: number;
  evidence: string;
  /**
   * Log templates the detection named as evidence (the service's surging and most frequent
   * templates for a latency detection, the template itself for a log_pattern one): ids in
   * `<prefix>-templates-v2` and on the status page.
   */
  templateIds?: string[];
}

/** The Elasticsearch document of one remediation action; its id is `actionId`. */
export interface ActionRecord {
  actionId: string;
  '@timestamp': string;
  service: string;
  kind: ActionKind;
  target: string;
  params: ActionParams;
  reason: ActionReason;
  mode: ActionMode;
  status: ActionStatus;
  guardrail?: string;
  actuator: string;
  result?: string;
  verification?: { checkedAt: string; ok: boolean; detail: string };
  /** For a `rollback`: the actionId it undoes. */
  rollbackOf?: string;
  daemon: { instance: string; version: string; configHash: string };
  replay?: boolean;
  /**
   * What each actuator needs to remember about the action, by actuator name: the values it
   * replaced (an HPA's previous `minReplicas`, a route's or HAProxy's previous weights), an
   * exec's exit status and stderr tail. Kept on the record so a restart can restore them.
   * A scale-out's state with `restoreOnScaleIn: true` (an HPA floor) makes giving that
   * capacity back one restore to the replicas before the first scale-out, not steps.
   */
  actuation?: Record<string, ActuationState>;
  /** Approval of a `pending` action: when it was asked for, until when, and who decided. */
  approval?: ApprovalInfo;
}

export type ActuationValue = string | number | boolean | null | ActuationValue[] | { [k: string]: ActuationValue };
export type ActuationState = Record<string, ActuationValue>;

export interface ApprovalInfo {
  requestedAt: string;
  expiresAt: string;
  decision?: 'approved' | 'rejected' | 'expired';
  /** Who decided (the approver's name as given to the API or CLI). */
  by?: string;
  /** Wall-clock time of the decision (or of the expiry being noticed). */
  at?: string;
  comment?: string;
}

export interface ActuatorResult {
  ok: boolean;
  detail: string;
  /** Stored on the record as `actuation[<actuator name>]`. */
  state?: ActuationState;
}

/** Carries out an action on some system; pluggable. */
export interface Actuator {
  readonly name: string;
  /**
   * Called even in `dry_run` mode. Only actuators whose effect stays inside Foresight (the
   * log, the built-in simulator) set this, so the embedded default can close the loop
   * without touching real systems.
   */
  readonly safeInDryRun?: boolean;
  /** Current replica count for a target, when the actuator knows it. */
  replicas?(target: string): Promise<number | undefined>;
  execute(action: ActionRecord): Promise<ActuatorResult>;
  /**
   * Reads the real state an executed action should have produced (ready replicas, weights
   * read back). Undefined when this actuator has nothing to check for the action.
   */
  verify?(action: ActionRecord): Promise<{ ok: boolean; detail: string } | undefined>;
  /** Rebuilds what it remembers (values to restore later) from stored records, oldest first. */
  restore?(records: readonly ActionRecord[]): void;
  /** Releases clients and timers; idempotent. */
  close?(): Promise<void>;
}

/** Who claimed an action: the daemon's instance name and its process (instance names may repeat). */
export interface ActionClaimant {
  instance: string;
  process: string;
}

/** Outcome of claiming an action before carrying it out (`RecordStore.claimAction`). */
export type ActionClaim =
  | { won: true }
  /** Claimed first by another process; `record` is its action record when already written. */
  | { won: false; by: ActionClaimant; record?: ActionRecord };

/** Durable record of actions and detections; writes are idempotent by id. */
export interface RecordStore {
  /**
   * Claims an action before it is carried out, with a create-only write keyed by its id, so
   * that of two daemons that both decide it (one dropped from its consumer group and back,
   * still holding state for services the other took over meanwhile) one carries it out.
   * Rejects when the store cannot answer; the caller then carries the action out unclaimed.
   * Stores shared by no other process leave it out.
   */
  claimAction?(actionId: string, claimant: ActionClaimant): Promise<ActionClaim>;
  putActions(records: ActionRecord[]): Promise<void>;
  putDetections(records: Detection[]): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Latest version of every action (reduced by actionId), for rebuilding state on restart. */
  readActions?(): Promise<ActionRecord[]>;
  /**
   * Closed-window metric points (Elasticsearch `foresight-metrics*`), id service+windowStart;
   * the daemon writes them before the detections they lead to. Stores without it skip them.
   */
  putMetrics?(points: MetricRecord[]): Promise<void>;
  /** Dead letters as records (Elasticsearch, for the dead-letters panel); idempotent by source position. */
  putDeadLetters?(letters: DeadLetter[]): Promise<void>;
}

/** A closed window as recorded: the metric point and what a dashboard draws beside it. */
export interface MetricRecord extends MetricPoint {
  /** The service's SLO on p95 latency, when it has one. */
  sloP95Ms?: number;
  /** The forecaster chosen for the service at this window. */
  forecaster?: string;
  /** The service's published p95 forecast at its horizon, made at this window's end. */
  forecast?: { horizonMs: number; p10?: number; p50: number; p90?: number };
  /** The window's template counts, each with when the service first logged it (a window start). */
  templates?: RecordedTemplate[];
}

export interface RecordedTemplate extends TemplateCount {
  firstSeen?: number;
}
