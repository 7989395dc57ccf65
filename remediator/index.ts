/**
 * The remediator stage.
 *
 *   detections ──► policy (plan) ──► guardrails ──► actuators ──► records ──► store
 *   points ──────► p95 samples ──► verification (verified | failed → rollback)
 *                               └─► scale-in / traffic restore once the danger has passed
 *
 * Modes: `live` calls every actuator and records `executed` (or `failed`); `dry_run` records
 * `planned` and calls only actuators marked `safeInDryRun` (log, simulator), so the embedded
 * default still closes the loop on the simulator; `approval` (or a policy's `approve: true`)
 * records `pending` and calls no actuator until a person approves (`decideApproval`), then
 * calls every actuator; a rejection is recorded `rejected`, no decision before the expiry
 * `expired`. Dry-run and live actions are verified the same way: by p95 and, where the
 * actuator can read it, by the real state (ready replicas, weights read back).
 *
 * `handle` resolves only when the batch's detections and records are in the store, so the
 * caller may acknowledge its input then. Records the store refused are kept and written
 * first on the next call.
 *
 * Restart: the records already in the store are what happened. Those older than the first
 * window handled are folded into the ledger before it; the rest (the daemon may re-read
 * history to warm its models up, see daemon/pipeline.ts) are re-derived as the windows
 * pass. An action re-derived with a recorded id is adopted, not carried out again: no
 * actuator call, and no new record version unless its state advances (e.g. its
 * verification lands after the restart). Recorded actions the re-derivation misses are
 * folded in once their time has passed. Windows marked `warmup` were fully handled by an
 * earlier run: decisions there that the store does not hold are dropped, nothing is written.
 *
 * Claims: before carrying out an action it does not find recorded, the remediator claims it
 * in the store (`claimAction`, a create-only write keyed by the deterministic action id).
 * Another process holding the claim had the same services and decided the same action (a
 * daemon dropped from its consumer group and back still held them while another daemon took
 * them over, or an earlier run of this daemon stopped before recording it): the action is
 * adopted as that process's, not carried out. A store that cannot answer leaves it unclaimed
 * and carried out, as before claims.
 */
import type { Clock } from '../core/clock.ts';
import { isRetriable } from '../core/errors.ts';
import { retry } from '../core/retry.ts';
import type { StageHealth } from '../core/stage.ts';
import type { Telemetry } from '../core/telemetry.ts';
import type { Detection } from '../detector/types.ts';
import type { MetricPoint } from '../ingest/types.ts';
import type { ForecastUpdate } from '../models/types.ts';
import { quantileKey } from '../models/types.ts';
import type { RemediatorConfig, ServicePolicy } from './config.ts';
import { checkGuardrails, inLastHour, type GuardrailName, type GuardrailVerdict } from './guardrails.ts';
import { Ledger, tookEffect, type TargetState } from './ledger.ts';
import { planAction, PRIMARY_ONLY, resolvePolicy, type PlannedAction, type ResolvedPolicy } from './policy.ts';
import { actionId, buildRecord, decisionWindow, rollbackId, suppressedId, type DaemonInfo } from './records.ts';
import type { ActionClaimant, ActionRecord, ActionStatus, Actuator, ActuationState, EscalationCause, RecordStore } from './types.ts';
import { ForesightError } from '../core/errors.ts';
import { hasHeadroom, judge, median } from './verify.ts';
import { stableId } from '../core/ids.ts';
import { randomUUID } from 'node:crypto';

export interface RemediatorDeps {
  /** Event-time clock: cooldowns, caps and verification deadlines follow the data. */
  clock: Clock;
  telemetry: Telemetry;
  /** Called in this order. */
  actuators: Actuator[];
  store: RecordStore;
  policyFor: (service: string) => ServicePolicy | undefined;
  daemon: DaemonInfo;
  /** Marks records as replayed, and skips restoring state from the store. */
  replay?: boolean;
  /** Wall clock for approvals (people decide in real time, not event time). */
  wallClock?: () => number;
  /** This process in action claims (default: one random id per process); tests give two remediators two. */
  processId?: string;
}

/** One id per process: claims made by this process, whichever stack made them, are its own. */
const PROCESS_ID = randomUUID();

export type ApprovalDecision = 'approve' | 'reject';

export interface RemediatorInput {
  detections: Detection[];
  points: MetricPoint[];
  /**
   * The models stage's forecasts for these windows. Capacity is given back only when the
   * median path over the horizon, not just the latest window, leaves room for it.
   */
  forecasts?: ForecastUpdate[];
  /** Re-read history (warm start): rebuild state only; nothing is carried out or written. */
  warmup?: boolean;
}

export interface Remediator {
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): StageHealth;
  /** Returns the records (new actions and state changes) this batch produced, once durable. */
  handle(input: RemediatorInput): Promise<ActionRecord[]>;
  /**
   * A config reload: guardrails, mode, policies (re-read through `policyFor`) and actuators
   * apply from the next decision on; the ledger (cooldowns, pending verifications) is kept.
   */
  reconfigure(next: RemediatorConfig, actuators: Actuator[]): void;
  /**
   * A person's decision on a `pending` action: approve carries it out (every actuator),
   * reject records it `rejected`. Resolves with the new record version once durable; throws
   * APPROVAL_INVALID when the action is not pending (unknown, decided, or expired).
   */
  decideApproval(actionId: string, decision: ApprovalDecision, by: string, comment?: string): Promise<ActionRecord>;
  /** Actions waiting for a decision, oldest first. */
  pendingApprovals(): ActionRecord[];
}

export function createRemediator(initial: RemediatorConfig, deps: RemediatorDeps): Remediator {
  let config = initial;
  let actuators = deps.actuators;
  const { clock, telemetry, store } = deps;
  const log = telemetry.log.child({ stage: 'remediator' });
  const ledger = new Ledger(Math.max(config.verifyWindowMs, config.scaleInAfterMs) * 2);
  const recordCtx = { mode: config.mode, daemon: deps.daemon, replay: deps.replay ?? false };
  const policies = new Map<string, ResolvedPolicy | undefined>();
  let queue: Promise<unknown> = Promise.resolve();
  let unsavedActions: ActionRecord[] = [];
  let unsavedDetections: Detection[] = [];
  let started = false;
  let stopped = false;
  let lastError: string | undefined;
  let recorded = 0;
  /** Records found in the store at start, by actionId, kept current as versions are written. */
  const stored = new Map<string, ActionRecord>();
  /** Stored records not yet in the ledger, oldest first. */
  let backlog: ActionRecord[] = [];
  /** Warm-up decisions the store does not hold (the re-derived state differs from the recorded one). */
  let warmupDropped = 0;
  let adopted = 0;
  /** Claims lost to another process (adopted, not carried out), and claims the store could not answer (carried out unclaimed). */
  let claimsLost = 0;
  let claimsUnanswered = 0;
  const claimant: ActionClaimant = { instance: deps.daemon.instance, process: deps.processId ?? PROCESS_ID };
  const wallNow = deps.wallClock ?? Date.now;
  /** `pending` actions by actionId, waiting for a person. */
  const awaiting = new Map<string, ActionRecord>();
  /**
   * Latest version of every record that carries actuator state (an HPA's floor, a route's
   * weights found before a change), so actuators rebuilt by a config reload start from it.
   */
  const actuated = new Map<string, ActionRecord>();
  const noteActuated = (r: ActionRecord): void => { if (r.actuation) actuated.set(r.actionId, r); };

  function policyOf(service: string): ResolvedPolicy | undefined {
    if (!policies.has(service)) {
      const p = deps.policyFor(service);
      policies.set(service, p ? resolvePolicy(service, p, config) : undefined);
    }
    return policies.get(service);
  }

  async function currentReplicas(target: string, t: TargetState, policy: ResolvedPolicy | undefined): Promise<number> {
    for (const a of actuators) {
      if (!a.replicas) continue;
      try {
        const n = await a.replicas(target);
        if (n !== undefined) { t.replicas = n; return n; }
      } catch (err) {
        telemetry.error('remediator', 'ACTUATOR_FAILED', err, `actuator ${a.name} could not report replicas`);
      }
    }
    return t.replicas ?? Math.max(1, policy?.minReplicas ?? config.minReplicas);
  }

  function callees(hold: 'dry_run' | 'approval' | null): Actuator[] {
    if (hold === 'approval') return [];
    if (hold === 'dry_run') return actuators.filter((a) => a.safeInDryRun);
    return actuators;
  }

  function emit(out: ActionRecord[], r: ActionRecord, warmup: boolean): void {
    const prior = stored.get(r.actionId);
    if (warmup && !prior) return;
    ledger.known.set(r.actionId, r);
    noteActuated(r);
    if (prior && (warmup || !advances(prior.status, r.status))) return;
    if (prior) stored.set(r.actionId, r);
    out.push(r);
    recorded++;
    telemetry.actionRecorded(r.kind, r.status);
  }

  /** Runs the actuators for an action that passed its guardrails and records the outcome. */
  async function carryOut(
    out: ActionRecord[], id: string, plan: PlannedAction, hold: 'dry_run' | 'approval' | null, t: TargetState, warmup: boolean, extra: Partial<ActionRecord> = {},
  ): Promise<void> {
    let prior = stored.get(id);
    if (!prior && warmup) { warmupDropped++; return; }
    const claim = prior ? undefined : await claimFor(id);
    if (claim?.record) { prior = claim.record; stored.set(id, prior); }
    // Claimed elsewhere and not recorded yet: recorded as what it is, carried out by the claimant.
    const final = prior ? asFirstRecorded(prior)
      : claim ? { ...buildRecord(id, plan, hold === 'approval' ? 'pending' : hold ? 'planned' : 'executed', recordCtx), ...extra, result: `not carried out here: claimed first by ${claim.by.instance} (process ${claim.by.process})` }
        : await execute(id, plan, hold, extra);
    if (prior) { adopted++; backlog = backlog.filter((r) => r.actionId !== id); }
    if (final.status === 'pending' && !warmup) awaiting.set(id, final);
    if (plan.kind !== 'alert') {
      ledger.noteAction(t, plan.at, plan.kind);
      if (tookEffect(final)) {
        ledger.apply(t, final);
        if (plan.kind !== 'rollback') {
          if (t.pending) log.info({ actionId: t.pending.record.actionId, by: id }, 'verification superseded by a newer action');
          t.pending = { record: final, at: plan.at };
        }
      }
    }
    emit(out, final, warmup);
  }

  /**
   * Claims the action before it is carried out: undefined when this process has it (won, or
   * the store has no claims or cannot answer); else who has it, with its record when written.
   */
  async function claimFor(id: string): Promise<{ by: ActionClaimant; record?: ActionRecord } | undefined> {
    if (deps.replay || !store.claimAction) return undefined;
    let claim;
    try {
      claim = await store.claimAction(id, claimant);
    } catch (err) {
      claimsUnanswered++;
      log.warn({ actionId: id, err: (err as Error).message }, 'action claim unanswered (store unreachable): carrying it out unclaimed');
      return undefined;
    }
    if (claim.won) return undefined;
    claimsLost++;
    log.warn({ actionId: id, by: claim.by, recorded: claim.record !== undefined }, 'action already claimed by another process: adopted, not carried out');
    return claim.record ? { by: claim.by, record: claim.record } : { by: claim.by };
  }

  async function execute(id: string, plan: PlannedAction, hold: 'dry_run' | 'approval' | null, extra: Partial<ActionRecord>): Promise<ActionRecord> {
    if (hold === 'approval') {
      const requested = wallNow();
      return {
        ...buildRecord(id, plan, 'pending', recordCtx), ...extra, result: 'waiting for approval',
        approval: { requestedAt: new Date(requested).toISOString(), expiresAt: new Date(requested + config.approvalTimeoutMs).toISOString() },
      };
    }
    // Actuators see the status the action will have if they succeed.
    return runActuators({ ...buildRecord(id, plan, hold ? 'planned' : 'executed', recordCtx), ...extra }, callees(hold));
  }

  async function runActuators(rec: ActionRecord, called: readonly Actuator[]): Promise<ActionRecord> {
    const results: string[] = [];
    const actuation: Record<string, ActuationState> = {};
    let failed = false;
    for (const a of called) {
      try {
        const r = await a.execute(rec);
        results.push(`${a.name}: ${r.detail}`);
        if (r.state) actuation[a.name] = r.state;
        if (!r.ok) failed = true;
      } catch (err) {
        failed = true;
        results.push(`${a.name}: ${(err as Error).message}`);
        telemetry.error('remediator', 'ACTUATOR_FAILED', err, `actuator ${a.name} failed`);
      }
    }
    if (failed) {
      telemetry.warn('remediator', 'ACTUATOR_FAILED', { actionId: rec.actionId, kind: rec.kind, target: rec.target }, 'action failed');
    }
    const status: ActionStatus = failed ? 'failed' : rec.status;
    const out: ActionRecord = { ...rec, status, actuator: called.map((a) => a.name).join(','), result: results.join('; ') || 'no actuator called' };
    if (Object.keys(actuation).length > 0) out.actuation = actuation;
    return out;
  }

  /** Asks the actuators that carried `r` out whether the real state shows it; undefined when none can tell. */
  async function realState(r: ActionRecord): Promise<{ ok: boolean; detail: string } | undefined> {
    const names = r.actuator.split(',');
    const checks: string[] = [];
    let ok = true;
    for (const a of actuators) {
      if (!a.verify || !names.includes(a.name)) continue;
      try {
        const v = await a.verify(r);
        if (!v) continue;
        checks.push(`${a.name}: ${v.detail}`);
        ok &&= v.ok;
      } catch (err) {
        checks.push(`${a.name}: ${(err as Error).message}`);
        ok = false;
      }
    }
    return checks.length ? { ok, detail: checks.join('; ') } : undefined;
  }

  function expireApprovals(out: ActionRecord[]): void {
    const now = wallNow();
    for (const [id, r] of awaiting) {
      if (!r.approval || Date.parse(r.approval.expiresAt) > now) continue;
      awaiting.delete(id);
      emit(out, { ...r, status: 'expired', result: `no decision by ${r.approval.expiresAt}`, approval: { ...r.approval, decision: 'expired', at: new Date(now).toISOString() } }, false);
    }
  }

  async function decideNow(id: string, decision: ApprovalDecision, by: string, comment: string | undefined): Promise<ActionRecord> {
    const out: ActionRecord[] = [];
    expireApprovals(out);
    const rec = awaiting.get(id);
    if (!rec) {
      await persist(out, []);
      const known = ledger.known.get(id) ?? stored.get(id);
      throw new ForesightError('APPROVAL_INVALID', known ? `action ${id} is ${known.status}, not pending` : `no action ${id}`, { details: { status: known?.status ?? null } });
    }
    awaiting.delete(id);
    const approval = { ...rec.approval!, decision: decision === 'approve' ? 'approved' as const : 'rejected' as const, by, at: new Date(wallNow()).toISOString(), ...(comment ? { comment } : {}) };
    let final: ActionRecord;
    if (decision === 'reject') {
      final = { ...rec, status: 'rejected', approval, result: `rejected by ${by}` };
    } else {
      // Approved: carried out for real, by every actuator, and verified from now on.
      final = await runActuators({ ...rec, status: 'executed', approval }, actuators);
      const t = ledger.target(rec.target, rec.service);
      if (tookEffect(final)) {
        ledger.apply(t, final);
        if (final.kind !== 'rollback') t.pending = { record: final, at: clock.now() };
      }
      t.lowSince = undefined;
    }
    emit(out, final, false);
    await persist(out, []);
    log.info({ actionId: id, decision, by, status: final.status }, `action ${decision === 'approve' ? 'approved' : 'rejected'}`);
    return final;
  }

  function guard(plan: PlannedAction, t: TargetState, policy: ResolvedPolicy | undefined): GuardrailVerdict {
    return checkGuardrails(plan, {
      mode: config.mode,
      now: plan.at,
      // A scale-out right after a scale-in is the loop correcting a give-back the forecast
      // now regrets; waiting out a cooldown there would only add breach minutes.
      lastActionAt: plan.kind === 'scale_out' ? t.lastScaleOutAt : t.lastActionAt,
      recentActions: ledger.actionTimes,
      recentTargetActions: t.actionTimes,
      policy,
      capacityIneffective: t.capacityIneffectiveSince !== undefined,
    }, config);
  }

  async function decide(out: ActionRecord[], d: Detection, warmup: boolean): Promise<void> {
    const policy = policyOf(d.service);
    const targetName = policy?.target ?? d.service;
    const t = ledger.target(targetName, d.service);
    const isAlert = d.kind !== 'predicted_breach' || !policy;
    const view = {
      replicas: isAlert ? 0 : await currentReplicas(targetName, t, policy),
      weights: t.weights ?? { ...PRIMARY_ONLY },
    };
    const plan = planAction(d, policy, view, config);
    if (plan.kind === 'scale_out' && view.replicas > 0) {
      const rate = rateAt(d.service, d.at);
      if (rate !== undefined) plan.params.loadPerReplica = round3(rate / view.replicas);
      if (policy && t.capacityIneffectiveSince === undefined) {
        const why = escalationUseless(t, plan.at, policy.sloP95Ms);
        if (why !== undefined) { t.capacityIneffectiveSince = plan.at; t.capacityIneffectiveWhy = why; }
      }
      if (policy && t.escalated === 'max_replicas' && view.replicas < policy.maxReplicas) t.escalated = undefined;
    }
    const id = actionId(plan.service, plan.kind, plan.at, config.decisionWindowMs);
    if (ledger.known.has(id)) return;
    const verdict = guard(plan, t, policy);
    if (!verdict.pass) {
      const sid = suppressedId(plan.service, plan.kind, plan.target, verdict.suppressed, plan.at, config.decisionWindowMs);
      if (ledger.known.has(sid)) return;
      if (plan.kind === 'scale_out' && policy && isEscalation(verdict.suppressed) && t.escalated !== verdict.suppressed) {
        t.escalated = verdict.suppressed;
        await escalate(out, plan, verdict.suppressed, t, policy, warmup);
      }
      emit(out, { ...buildRecord(sid, plan, 'suppressed', recordCtx), guardrail: verdict.suppressed, result: `suppressed by ${verdict.suppressed}` }, warmup);
      return;
    }
    await carryOut(out, id, plan, verdict.hold, t, warmup);
  }

  /**
   * Capacity cannot fix this breach: one alert per episode, with why and the evidence, in
   * place of a held scale-out at every re-raise (those stay recorded as `suppressed`). Alerts
   * pass the guardrails, so it reaches the alerting actuators (log, webhook) in every mode,
   * and the notifier sends it as an `escalation`.
   */
  async function escalate(out: ActionRecord[], plan: PlannedAction, cause: EscalationCause, t: TargetState, policy: ResolvedPolicy, warmup: boolean): Promise<void> {
    const why = cause === 'capacity_ineffective'
      ? (t.capacityIneffectiveWhy ?? 'a scale-out did not bring p95 down')
      : `${t.service} is at its maximum of ${policy.maxReplicas} replicas`;
    const until = Math.max(clock.now(), plan.at);
    const now = evidence(t.service, until - config.verifyWindowMs, until);
    const seen = now ? `; p95 now ${Math.round(now.p95)} ms, ${Math.round(now.rate)} requests/min` : '';
    const what = cause === 'capacity_ineffective' ? 'more replicas are not bringing p95 down' : 'no replicas left to add';
    const evidenceText = `predicted breach needs a person: ${what} (${cause}): ${why}${seen}; SLO ${policy.sloP95Ms} ms; scale-outs are held until p95 is back within ${config.targetUtilisation} of the SLO. Look for a slow dependency, an outage or a bad release, or shift traffic. Detection: ${plan.reason.evidence}`;
    const alert: PlannedAction = { kind: 'alert', service: plan.service, target: plan.target, at: plan.at, params: { escalation: cause }, reason: { ...plan.reason, evidence: evidenceText } };
    const id = stableId('act', plan.service, 'alert', 'escalation', cause, decisionWindow(plan.at, config.decisionWindowMs));
    if (ledger.known.has(id)) return;
    const verdict = guard(alert, t, policy);
    await carryOut(out, id, alert, verdict.pass ? verdict.hold : null, t, warmup);
    if (!warmup) log.warn({ service: plan.service, target: plan.target, cause, actionId: id }, 'predicted breach escalated to a person: capacity is not helping');
  }

  async function verifyPending(out: ActionRecord[], name: string, t: TargetState, now: number, warmup: boolean): Promise<void> {
    const pending = t.pending;
    if (!pending) return;
    const policy = policyOf(t.service);
    const slo = policy?.sloP95Ms;
    if (slo === undefined) { t.pending = undefined; return; }
    const v = judge({
      actionAt: pending.at, now, warmupMs: config.warmupMs, verifyWindowMs: config.verifyWindowMs,
      verifyAfterMs: config.verifyAfterMs, sloP95Ms: slo, samples: ledger.samplesOf(t.service), lastBreachAt: ledger.lastBreachAt(t.service),
    });
    if (v.outcome === 'wait') return;
    const orig = pending.record;
    let outcome = v.outcome;
    let detail = v.detail;
    // The p95 may look fine while the capacity never came up: the real state decides too.
    if (outcome === 'verified' && !warmup) {
      const real = await realState(orig);
      if (real) {
        detail = `${detail}; ${real.detail}`;
        if (!real.ok) {
          if (now < pending.at + config.verifyAfterMs) return;
          outcome = 'failed';
        }
      }
    }
    t.pending = undefined;
    const checked = { checkedAt: new Date(now).toISOString(), ok: outcome === 'verified', detail };

    if (outcome === 'verified') {
      emit(out, { ...orig, status: 'verified', verification: checked }, warmup);
      return;
    }
    if (!policy?.rollback) {
      emit(out, { ...orig, status: 'failed', verification: { ...checked, detail: `${detail}; rollback disabled by policy` } }, warmup);
      return;
    }
    emit(out, { ...orig, status: 'rolled_back', verification: checked }, warmup);
    // Capacity that was ready and still left p95 above the SLO is not what this breach needs;
    // the rollback record says so, which is how a restart learns it again.
    const ineffective = orig.kind === 'scale_out' && v.p95 !== undefined && v.p95 > slo;
    if (ineffective) {
      t.capacityIneffectiveSince = now;
      t.capacityIneffectiveWhy = `the scale-out ${orig.params.fromReplicas ?? '?'} → ${orig.params.toReplicas ?? '?'} replicas at ${new Date(pending.at).toISOString()} left p95 at ${Math.round(v.p95!)} ms, above the SLO of ${slo} ms, with its replicas ready; rolled back`;
    }
    const p = orig.params;
    const plan: PlannedAction = {
      kind: 'rollback', service: orig.service, target: name, at: now,
      params: {
        ...(p.toReplicas !== undefined && p.fromReplicas !== undefined ? { fromReplicas: p.toReplicas, toReplicas: p.fromReplicas } : {}),
        ...(p.toWeights && p.fromWeights ? { fromWeights: p.toWeights, toWeights: p.fromWeights } : {}),
        ...(ineffective ? { capacityIneffective: true } : {}),
      },
      reason: { ...orig.reason, evidence: `verification of ${orig.actionId} failed: ${detail}` },
    };
    const id = rollbackId(orig.service, orig.actionId);
    const verdict = guard(plan, t, policy);
    if (!verdict.pass) {
      const sid = stableId('act', orig.service, 'rollback', orig.actionId, 'suppressed', verdict.suppressed);
      emit(out, { ...buildRecord(sid, plan, 'suppressed', recordCtx), guardrail: verdict.suppressed, rollbackOf: orig.actionId }, warmup);
      return;
    }
    await carryOut(out, id, plan, verdict.hold, t, warmup, { rollbackOf: orig.actionId });
  }

  /**
   * Gives capacity (or traffic) back one step once no breach has been predicted and p95 had
   * headroom for scaleInAfterMs; a raised HPA floor all at once (`restoreOnScaleIn`).
   */
  async function relax(out: ActionRecord[], name: string, t: TargetState, now: number, warmup: boolean): Promise<void> {
    if (t.pending || t.lowSince === undefined || now - t.lowSince < config.scaleInAfterMs) return;
    const policy = policyOf(t.service);
    const reason = t.lastReason;
    if (!policy || !reason) return;
    const evidence = `no breach predicted and p95 within ${config.targetUtilisation} of SLO since ${new Date(t.lowSince).toISOString()}`;
    let plan: PlannedAction | undefined;
    let id: string | undefined;
    if (t.replicas !== undefined && t.baselineReplicas !== undefined && t.replicas > t.baselineReplicas) {
      // An HPA floor is restored at once: the danger has passed by the same test as a first
      // step (observe), and below the floor the HPA's metrics decide how many pods go.
      const to = t.restoreOnScaleIn ? t.baselineReplicas : Math.max(t.baselineReplicas, t.replicas - config.scaleInStepReplicas);
      plan = { kind: 'scale_in', service: t.service, target: name, at: now, params: { fromReplicas: t.replicas, toReplicas: to }, reason: { ...reason, evidence } };
      id = actionId(t.service, 'scale_in', now, config.decisionWindowMs);
    } else if (t.weights && t.baselineWeights && !sameWeights(t.weights, t.baselineWeights)) {
      plan = { kind: 'traffic_shift', service: t.service, target: name, at: now, params: { fromWeights: { ...t.weights }, toWeights: { ...t.baselineWeights } }, reason: { ...reason, evidence } };
      id = stableId('act', t.service, 'traffic_shift', decisionWindow(now, config.decisionWindowMs), 'restore');
    }
    if (!plan || !id || ledger.known.has(id)) return;
    // Giving back never spends the last action the hourly caps allow: that one is kept for a
    // scale-out, or a leak that returns would find the loop locked out.
    if (inLastHour(t.actionTimes, now) >= config.maxActionsPerHourPerTarget - 1 || inLastHour(ledger.actionTimes, now) >= config.maxActionsPerHour - 1) return;
    // Giving back is optional, so a guardrail just makes it wait; recording each wait would be noise.
    const verdict = guard(plan, t, policy);
    if (!verdict.pass) return;
    await carryOut(out, id, plan, verdict.hold, t, warmup);
  }

  /** Highest median forecast over the horizon, per service, from this batch's forecasts. */
  function forecastPeaks(forecasts: readonly ForecastUpdate[] | undefined): Map<string, number> {
    const peaks = new Map<string, number>();
    for (const u of forecasts ?? []) {
      const median = u.forecast?.paths[quantileKey(0.5)];
      if (!median) continue;
      let peak = peaks.get(u.service) ?? Number.NEGATIVE_INFINITY;
      for (const v of median) if (Number.isFinite(v) && v > peak) peak = v;
      if (Number.isFinite(peak)) peaks.set(u.service, peak);
    }
    return peaks;
  }

  /**
   * Whether the last scale-out has already shown that capacity is not what is missing
   * (verified or not: a p95 still under the SLO passes verification while it climbs): its
   * replicas have been ready for a full evidence window, p95 is above the scale-out target
   * (there is latency to win back), each replica carries less load than before it, and p95
   * is no lower. Escalating again on a re-raised breach would then only add replicas that
   * change nothing, as with a slow dependency; a surge that outgrew the added capacity
   * raises the load per replica and a leak's fresh replicas lower p95, so neither is held.
   * Windows are keyed by their end.
   */
  function escalationUseless(t: TargetState, now: number, slo: number): string | undefined {
    const last = t.lastScaleOut;
    if (!last || last.from <= 0 || last.to <= last.from) return undefined;
    const { at, from, to } = last;
    if (now - config.verifyWindowMs < at + config.warmupMs) return undefined;
    const before = evidence(t.service, at - config.verifyWindowMs, at);
    const after = evidence(t.service, now - config.verifyWindowMs, now);
    if (!before || !after) return undefined;
    const useless = after.p95 > slo * config.targetUtilisation && after.rate / to < before.rate / from && after.p95 >= before.p95;
    if (!useless) return undefined;
    const perReplica = (x: number): number => Math.round(x);
    return `since the scale-out ${from} → ${to} replicas at ${new Date(at).toISOString()}, p95 went ${Math.round(before.p95)} → ${Math.round(after.p95)} ms while each replica's load fell ${perReplica(before.rate / from)} → ${perReplica(after.rate / to)} requests/min`;
  }

  /** Median p95 and request rate of the service's windows ending in (from, to]. */
  function evidence(service: string, from: number, to: number): { p95: number; rate: number } | undefined {
    const xs = ledger.samplesOf(service).filter((s) => s.t > from && s.t <= to && s.rate !== undefined);
    if (xs.length === 0) return undefined;
    return { p95: median(xs.map((s) => s.p95)), rate: median(xs.map((s) => s.rate as number)) };
  }

  /**
   * Requests per minute of the service's window that started at `windowStart`: the first
   * sample ending after it (samples are keyed by window end), else the newest one.
   */
  function rateAt(service: string, windowStart: number): number | undefined {
    const xs = ledger.samplesOf(service);
    let found: number | undefined;
    for (let i = xs.length - 1; i >= 0; i--) {
      const s = xs[i]!;
      if (s.rate === undefined) continue;
      if (s.t <= windowStart) return found ?? s.rate;
      found = s.rate;
    }
    return found;
  }

  function observe(points: MetricPoint[], forecasts: readonly ForecastUpdate[] | undefined): void {
    const peaks = forecastPeaks(forecasts);
    for (const p of points) {
      if (!p.latency) continue;
      const end = p.windowStart + p.windowMs;
      const rate = p.windowMs > 0 ? (p.count * 60_000) / p.windowMs : undefined;
      ledger.addSample(p.service, rate === undefined ? { t: end, p95: p.latency.p95 } : { t: end, p95: p.latency.p95, rate });
      const policy = policyOf(p.service);
      if (!policy) continue;
      const t = ledger.targets.get(policy.target);
      if (!t) continue;
      // Where the forecast sees p95 heading matters as much as where it is: a leak or a
      // climbing peak looks fine right after a scale-out.
      const p95 = Math.max(p.latency.p95, peaks.get(p.service) ?? Number.NEGATIVE_INFINITY);
      const shrinking = t.replicas !== undefined && t.baselineReplicas !== undefined && t.replicas > t.baselineReplicas;
      const step = shrinking ? Math.min(config.scaleInStepReplicas, t.replicas! - t.baselineReplicas!) : 0;
      const room = shrinking
        ? hasHeadroom(p95, policy.sloP95Ms, config.targetUtilisation, t.replicas, step) && belowBreachLoad(rate, t.replicas! - step, t.breachLoadPerReplica)
        : hasHeadroom(p95, policy.sloP95Ms, config.targetUtilisation);
      if (hasHeadroom(p.latency.p95, policy.sloP95Ms, config.targetUtilisation)) {
        t.capacityIneffectiveSince = undefined;
        t.capacityIneffectiveWhy = undefined;
        if (t.escalated === 'capacity_ineffective') t.escalated = undefined;
      }
      if (!room) t.lowSince = undefined;
      else if (t.lowSince === undefined && (t.lastActionAt === undefined || end > t.lastActionAt)) t.lowSince = end;
    }
  }

  async function persist(out: ActionRecord[], detections: Detection[]): Promise<void> {
    unsavedDetections = unsavedDetections.concat(detections);
    unsavedActions = unsavedActions.concat(out);
    try {
      // Detections first: an action record points at its detection.
      await store.putDetections(unsavedDetections);
      unsavedDetections = [];
      await store.putActions(unsavedActions);
      unsavedActions = [];
      lastError = undefined;
    } catch (err) {
      lastError = (err as Error).message;
      telemetry.error('remediator', 'SINK_UNAVAILABLE', err, 'could not store remediation records; kept for the next batch');
      throw err;
    }
  }

  /**
   * Folds stored records stamped before `until` that no re-derivation adopted into the
   * ledger. Exclusive: a decision stamped at a window's end may be taken with the next one.
   */
  function catchUp(until: number): void {
    let n = 0;
    while (n < backlog.length && Date.parse(backlog[n]!['@timestamp']) < until) n++;
    if (n === 0) return;
    ledger.restore(backlog.splice(0, n));
  }

  async function process(input: RemediatorInput): Promise<ActionRecord[]> {
    const t0 = performance.now();
    const warmup = input.warmup ?? false;
    const out: ActionRecord[] = [];
    const now = clock.now();
    if (!warmup) expireApprovals(out);
    // What was recorded before these windows is history the input no longer reaches (or a
    // re-derivation missed); what falls inside them may be re-derived now.
    let from = now;
    for (const p of input.points) from = Math.min(from, p.windowStart);
    for (const d of input.detections) from = Math.min(from, d.at);
    catchUp(from);
    const detections = [...input.detections].sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
    for (const d of detections) if (d.kind === 'predicted_breach') ledger.breachPredicted(d.service, d.at);
    observe(input.points, input.forecasts);
    for (const d of detections) await decide(out, d, warmup);
    const names = [...ledger.targets.keys()].sort();
    for (const name of names) await verifyPending(out, name, ledger.targets.get(name)!, now, warmup);
    for (const name of names) await relax(out, name, ledger.targets.get(name)!, now, warmup);
    catchUp(now);
    // History's detections and records were stored when it was first handled.
    if (!warmup) await persist(out, detections);
    telemetry.stageTime('remediator', (performance.now() - t0) / 1000);
    return out;
  }

  /** Stored records as the run's starting point; those this run already produced are skipped. */
  function adoptRecorded(records: ActionRecord[]): void {
    const fresh = records.filter((r) => !stored.has(r.actionId) && !ledger.known.has(r.actionId));
    for (const r of fresh) { stored.set(r.actionId, r); noteActuated(r); }
    // Folded into the ledger by time as windows pass (catchUp), so a warm start that
    // re-reads history does not see its own future.
    backlog = [...backlog, ...fresh].sort((a, b) => a['@timestamp'].localeCompare(b['@timestamp']) || a.actionId.localeCompare(b.actionId));
    // Values to restore later (an HPA's floor, a route's weights) are on the records.
    for (const a of actuators) a.restore?.(backlog);
    for (const r of backlog) if (r.status === 'pending' && !awaiting.has(r.actionId)) awaiting.set(r.actionId, r);
    log.info({ records: fresh.length }, 'remediator: recorded actions loaded');
  }
  const loader = new AbortController();
  let recordsPending = false;

  return {
    reconfigure(next, nextActuators) {
      config = next;
      actuators = nextActuators;
      const byTime = [...actuated.values()].sort((a, b) => a['@timestamp'].localeCompare(b['@timestamp']) || a.actionId.localeCompare(b.actionId));
      for (const a of actuators) a.restore?.(byTime);
      recordCtx.mode = next.mode;
      policies.clear();
      ledger.keepSamplesMs = Math.max(next.verifyWindowMs, next.scaleInAfterMs) * 2;
    },
    async start() {
      if (started) return;
      started = true;
      if (!deps.replay && store.readActions) {
        const read = store.readActions.bind(store);
        try {
          adoptRecorded(await read());
        } catch (err) {
          if (!isRetriable(err)) throw err;
          // The store (Elasticsearch) is away at start: run, spool, and load the record when
          // it answers, rather than refuse to start (records keep their deterministic ids).
          recordsPending = true;
          log.warn({ err: (err as Error).message }, 'remediator: recorded actions unavailable (store unreachable); starting without them, loading them when it answers');
          void retry(() => read(), { retries: Number.POSITIVE_INFINITY, initialMs: 1000, maxMs: 30_000, signal: loader.signal })
            .then((records) => { recordsPending = false; adoptRecorded(records); }, () => undefined);
        }
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      loader.abort();
      await queue.catch(() => undefined);
      await store.flush();
    },
    health() {
      const targets = [...ledger.targets.values()];
      return {
        ok: lastError === undefined,
        detail: {
          mode: config.mode,
          targets: targets.length,
          pendingVerifications: targets.filter((t) => t.pending).length,
          pendingApprovals: awaiting.size,
          recorded,
          adopted,
          warmupDropped,
          claimsLost,
          claimsUnanswered,
          recordsPending,
          unsaved: unsavedActions.length + unsavedDetections.length,
          ...(lastError ? { lastError } : {}),
        },
      };
    },
    handle(input) {
      // One batch at a time: decisions depend on the state the previous batch left.
      const run = queue.then(() => process(input));
      queue = run.catch(() => undefined);
      return run;
    },
    decideApproval(actionId, decision, by, comment) {
      const run = queue.then(() => decideNow(actionId, decision, by, comment));
      queue = run.catch(() => undefined);
      return run;
    },
    pendingApprovals() {
      return [...awaiting.values()].sort((a, b) => a['@timestamp'].localeCompare(b['@timestamp']));
    },
  };
}

const STATUS_STAGE: Record<ActionStatus, number> = {
  pending: 0, suppressed: 1, planned: 1, executed: 1, failed: 2, verified: 2, rolled_back: 2, rejected: 2, expired: 2,
};

/** Whether `next` moves a recorded action on (planned → verified), rather than repeating or regressing it. */
export function advances(prior: ActionStatus, next: ActionStatus): boolean {
  return STATUS_STAGE[next] > STATUS_STAGE[prior];
}

/**
 * A stored action as it was when first carried out: a verdict recorded since is stripped,
 * so verification runs again and its outcome is compared with the stored one.
 */
export function asFirstRecorded(r: ActionRecord): ActionRecord {
  if (!r.verification) return r;
  const { verification: _checked, ...rest } = r;
  return { ...rest, status: r.mode === 'live' || r.approval?.decision === 'approved' ? 'executed' : 'planned' };
}

function isEscalation(g: GuardrailName): g is EscalationCause {
  return g === 'capacity_ineffective' || g === 'max_replicas';
}

function sameWeights(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (Math.abs((a[k] ?? 0) - (b[k] ?? 0)) > 1e-9) return false;
  return true;
}

export { remediatorConfigSchema, servicePolicySchema, webhookSchema, parseRemediatorConfig } from './config.ts';
export type { RemediatorConfig, ServicePolicy, WebhookConfig } from './config.ts';
export { createActuators } from './actuators/index.ts';
export type { SimulatorControl } from './actuators/simulator.ts';
export { MemoryRecordStore } from './store/memory.ts';
export { FileRecordStore, createFileStore, openFileStore } from './store/file.ts';
export type { DaemonInfo } from './records.ts';
export type { ActionRecord, Actuator, ActuatorResult, RecordStore } from './types.ts';

const round3 = (x: number): number => Number(x.toFixed(3));

/**
 * Whether `replicas` would carry the current request rate below the per-replica load at
 * which a breach was last predicted. The p95 headroom check scales latency linearly with
 * load per replica, which is optimistic near a queue's knee (p95 stays flat, then climbs
 * steeply): on the leadtime suite a slow leak gave a replica back into a 4.7-minute breach.
 * The load at the last capacity-driven scale-out is measured, not modelled, so scale-in
 * stops short of it.
 */
export function belowBreachLoad(rate: number | undefined, replicas: number, breachLoadPerReplica: number | undefined): boolean {
  if (rate === undefined || breachLoadPerReplica === undefined) return true;
  return replicas > 0 && rate / replicas < breachLoadPerReplica;
}
