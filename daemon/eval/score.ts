/**
 * Scoring of `eval leadtime`. Pure: ground truth of the three arms and the foresight arm's
 * timed detections in, numbers out.
 *
 * Breach start is always the `none` arm's (the world without remediation): that is the
 * breach a prediction had to see coming, whatever the foresight arm then prevented.
 */
import type { BreachInterval, GroundTruth, IncidentKind } from '../../ingest/sources/simulator/index.ts';
import type { ArmName, TimedDetection } from './arms.ts';
import { sortedQuantile } from '../../models/statistical/quantiles.ts';

const MINUTE = 60_000;
const DAY_MINUTES = 1440;

export interface ScenarioRun {
  name: string;
  durationMinutes: number;
  services: string[];
  horizonMs: number;
  truth: Record<ArmName, GroundTruth>;
  /** The capacity oracle's truth (`runCapacity`); without it no `fixable` figures. */
  capacity?: GroundTruth;
  /** Each service's direct callees (the scenario's `calls`); absent when services are independent. */
  calls?: CallGraph;
  detections: readonly TimedDetection[];
  seconds: number;
}

/**
 * SLO-breach minutes capacity can fix: each arm's breached steps at which the capacity oracle
 * (every service at maxReplicas from the start, nothing else changed) is within its SLO.
 * Decided per 10-second step by simulation, with no threshold and no scenario names; an arm
 * cannot move the mask, and a step the oracle also breaches is left out of every arm alike.
 */
export interface FixableMinutes {
  sloBreachMinutes: Record<ArmName, number>;
  /** Breach minutes of the oracle itself: what no capacity within the bounds removes. */
  capacityBreachMinutes: number;
}

export interface IncidentScore {
  kind: IncidentKind | 'load';
  service: string;
  start: number;
  /** Scored as predictable: declared so and the none arm gave at least 20 minutes of warning. */
  predictable: boolean;
  /** What the scenario (or its ramp) declares; differs from `predictable` when the breach came sooner. */
  declaredPredictable: boolean;
  /** Breach start in the none arm; null if it never breached. */
  breachAt: number | null;
  /**
   * The callee whose incident this caller's breach is scored under: set when no incident of
   * the service itself explains the breach, but one on a service it calls (directly or not) does.
   */
  via?: string;
  /** Earliest predicted breach for the service emitted in [start, breachAt). */
  detectedAt: number | null;
  leadMinutes: number | null;
}

export interface ScenarioScore {
  name: string;
  services: number;
  serviceDays: number;
  incidents: IncidentScore[];
  falseAlarms: number;
  predictedBreaches: number;
  sloBreachMinutes: Record<ArmName, number>;
  replicaMinutes: Record<ArmName, number>;
  /** Present when the capacity oracle ran. */
  fixable?: FixableMinutes;
  seconds: number;
}

function overlaps(b: BreachInterval, from: number, to: number): boolean {
  return b.start <= to && (b.end === null || b.end > from);
}

/**
 * What counts as an SLO breach when scoring predictions. The simulator's truth is a p95 per
 * 10-second step, while the SLO the daemon watches (and users alert on) is the p95 of
 * one-minute windows: a 10–20 s blip above the SLO barely moves a one-minute p95, so it is
 * noise to predict, not a breach. Breached steps less than MERGE_GAP_MS apart are one
 * stretch (a breaching p95 flickers around the SLO), and a stretch is a breach when it holds
 * the SLO breached for at least MIN_BREACH_MS in total. The breach starts where that stretch
 * starts. SLO-breach minutes still count every breached step.
 */
export const MIN_BREACH_MS = MINUTE;
export const MERGE_GAP_MS = MINUTE;

/** Each service's sustained breaches in the `none` arm. */
export function sustainedByService(none: GroundTruth): Map<string, BreachInterval[]> {
  return new Map(Object.entries(none.services).map(([s, g]) => [s, sustainedBreaches(g.breaches, none.now)]));
}

/** Sustained breaches (see MIN_BREACH_MS) among a service's breach intervals, in order. */
export function sustainedBreaches(breaches: readonly BreachInterval[], now: number): BreachInterval[] {
  const out: BreachInterval[] = [];
  let cur: { start: number; end: number | null; breached: number } | undefined;
  const close = (): void => { if (cur && cur.breached >= MIN_BREACH_MS) out.push({ start: cur.start, end: cur.end }); };
  for (const b of breaches) {
    const len = (b.end ?? now) - b.start;
    if (cur && cur.end !== null && b.start - cur.end < MERGE_GAP_MS) {
      cur.end = b.end;
      cur.breached += len;
    } else {
      close();
      cur = { start: b.start, end: b.end, breached: len };
    }
  }
  close();
  return out;
}

/** Service → the services it calls directly. */
export type CallGraph = Readonly<Record<string, readonly string[]>>;

/** Every service `service` calls, directly or through others (the graph is acyclic: the scenario schema checks). */
function calleesOf(calls: CallGraph, service: string): Set<string> {
  const out = new Set<string>();
  const stack = [...(calls[service] ?? [])];
  while (stack.length > 0) {
    const s = stack.pop() as string;
    if (out.has(s)) continue;
    out.add(s);
    stack.push(...(calls[s] ?? []));
  }
  return out;
}

/**
 * Incidents to score: the simulator's (first pass), with the first sustained breach they
 * overlap, plus one incident for each episode of sustained none-arm breaches that no
 * incident of the service explains. When an incident on a service it calls explains the
 * episode (the callee's slowdown holds the caller's workers, or its latency adds to the
 * caller's), the caller's breach is scored under that incident: its kind, its start, and
 * predictable as the callee's incident is declared (a sudden rollout on the callee gives the
 * caller no warning either), with `via` naming the callee. Otherwise it is a `load` incident
 * (a diurnal peak outgrowing capacity). Load follows the diurnal curve, which climbs over
 * hours, so such a breach is predictable when it is preceded by at least `predictableLeadMs`
 * without a sustained breach (the same 20 minutes of ramp the scenario format asks of an
 * incident). Either way a predictable breach needs `predictableLeadMs` of warning.
 */
export function incidentsOf(
  none: GroundTruth, horizonMs: number, predictableLeadMs = 20 * MINUTE, sustained = sustainedByService(none), calls: CallGraph = {},
): Array<Omit<IncidentScore, 'detectedAt' | 'leadMinutes'>> {
  const out: Array<Omit<IncidentScore, 'detectedAt' | 'leadMinutes'>> = [];
  for (const i of none.incidents) {
    // The first sustained breach that the incident overlaps (as the simulator's firstBreachAt
    // takes the first breached step), from the incident's start at the earliest.
    const hit = (sustained.get(i.service) ?? []).find((b) => (b.end === null || b.end > i.start) && (i.end === null || b.start < i.end));
    const breachAt = hit ? Math.max(hit.start, i.start) : null;
    // The format's rule is a ramp of at least 20 minutes; what counts is that much warning
    // before this breach, so an incident that bites sooner is not held against the forecaster.
    const warning = breachAt === null || breachAt - i.start >= predictableLeadMs;
    out.push({ kind: i.kind, service: i.service, start: i.start, predictable: i.predictable && warning, declaredPredictable: i.predictable, breachAt });
  }
  for (const [service, list] of sustained) {
    for (const e of breachEpisodes(list, none.startTime, none.now, predictableLeadMs)) {
      const first = e.breaches[0] as BreachInterval;
      const explains = (i: GroundTruth['incidents'][number]): boolean => first.start >= i.start && (i.end === null || first.start <= i.end + horizonMs);
      if (none.incidents.some((i) => i.service === service && explains(i))) continue;
      const callees = calleesOf(calls, service);
      // The latest callee incident that began before this breach and could explain it.
      const cause = none.incidents.filter((i) => callees.has(i.service) && explains(i)).sort((a, b) => b.start - a.start)[0];
      if (cause) {
        const predictable = cause.predictable && first.start - cause.start >= predictableLeadMs;
        out.push({ kind: cause.kind, service, start: cause.start, predictable, declaredPredictable: cause.predictable, breachAt: first.start, via: cause.service });
        continue;
      }
      const start = Math.max(e.quietSince, first.start - 2 * horizonMs);
      const predictable = first.start - e.quietSince >= predictableLeadMs;
      out.push({ kind: 'load', service, start, predictable, declaredPredictable: predictable, breachAt: first.start });
    }
  }
  return out.sort((a, b) => a.start - b.start || a.service.localeCompare(b.service));
}

interface BreachEpisode {
  breaches: BreachInterval[];
  /** End of the previous episode (or the start of the run): how long it was quiet before. */
  quietSince: number;
}

/** Breaches closer together than `gapMs` (flickers) are one episode. */
function breachEpisodes(breaches: readonly BreachInterval[], startTime: number, now: number, gapMs: number): BreachEpisode[] {
  const out: BreachEpisode[] = [];
  let quietSince = startTime;
  let cur: BreachEpisode | undefined;
  let lastEnd: number | null = null;
  for (const b of breaches) {
    const joins = cur !== undefined && (lastEnd === null || b.start - lastEnd < gapMs);
    if (!joins) {
      if (cur) quietSince = lastEnd ?? now;
      cur = { breaches: [], quietSince };
      out.push(cur);
    }
    (cur as BreachEpisode).breaches.push(b);
    lastEnd = b.end;
  }
  return out;
}

/** Milliseconds of `arm`'s breach intervals that no interval of `oracle` covers (both sorted, disjoint). */
export function breachMsOutside(arm: readonly BreachInterval[], oracle: readonly BreachInterval[], now: number): number {
  let total = 0;
  let j = 0;
  for (const b of arm) {
    const end = b.end ?? now;
    let covered = 0;
    while (j < oracle.length && (oracle[j]!.end ?? now) <= b.start) j++;
    for (let k = j; k < oracle.length && oracle[k]!.start < end; k++) {
      covered += Math.max(0, Math.min(end, oracle[k]!.end ?? now) - Math.max(b.start, oracle[k]!.start));
    }
    total += end - b.start - covered;
  }
  return total;
}

function fixableOf(truth: Record<ArmName, GroundTruth>, oracle: GroundTruth): FixableMinutes {
  const minutes = (g: GroundTruth): number => Object.entries(g.services).reduce((a, [name, s]) => a + breachMsOutside(s.breaches, oracle.services[name]?.breaches ?? [], g.now) / MINUTE, 0);
  const arms: ArmName[] = ['none', 'reactive', 'foresight'];
  return {
    sloBreachMinutes: Object.fromEntries(arms.map((a) => [a, minutes(truth[a])])) as Record<ArmName, number>,
    capacityBreachMinutes: Object.values(oracle.services).reduce((a, s) => a + s.breachMinutes, 0),
  };
}

export function scoreScenario(run: ScenarioRun): ScenarioScore {
  const none = run.truth.none;
  const breaches = run.detections.filter((d) => d.detection.kind === 'predicted_breach');
  const sustained = sustainedByService(none);
  const incidents: IncidentScore[] = incidentsOf(none, run.horizonMs, undefined, sustained, run.calls).map((i) => {
    if (i.breachAt === null) return { ...i, detectedAt: null, leadMinutes: null };
    const hit = breaches.find((d) => d.detection.service === i.service && d.emittedAt >= i.start && d.emittedAt < i.breachAt!);
    return { ...i, detectedAt: hit?.emittedAt ?? null, leadMinutes: hit ? (i.breachAt - hit.emittedAt) / MINUTE : null };
  });
  let falseAlarms = 0;
  for (const d of breaches) {
    // The claim is about the detection's window onwards: an observed breach reported when
    // its window closed (minutes later, after the allowed lateness) is not false because the
    // breach ended meanwhile.
    const from = Math.min(d.detection.at, d.emittedAt);
    const real = sustained.get(d.detection.service)?.some((b) => overlaps(b, from, d.emittedAt + run.horizonMs)) ?? false;
    if (!real) falseAlarms++;
  }
  const sum = (g: GroundTruth, k: 'breachMinutes' | 'replicaMinutes'): number => Object.values(g.services).reduce((a, s) => a + s[k], 0);
  const arms: ArmName[] = ['none', 'reactive', 'foresight'];
  return {
    name: run.name,
    services: run.services.length,
    serviceDays: (run.services.length * run.durationMinutes) / DAY_MINUTES,
    incidents,
    falseAlarms,
    predictedBreaches: breaches.length,
    sloBreachMinutes: Object.fromEntries(arms.map((a) => [a, sum(run.truth[a], 'breachMinutes')])) as Record<ArmName, number>,
    replicaMinutes: Object.fromEntries(arms.map((a) => [a, sum(run.truth[a], 'replicaMinutes')])) as Record<ArmName, number>,
    ...(run.capacity ? { fixable: fixableOf(run.truth, run.capacity) } : {}),
    seconds: run.seconds,
  };
}

/**
 * Linear interpolation between order statistics (R's type 7), bit-identical to mathjs's
 * quantileSeq (test/unit/models/eval-quantile.test.ts) without its dispatch and copy.
 */
export function quantile(xs: readonly number[], q: number): number | null {
  return xs.length === 0 ? null : sortedQuantile([...xs].sort((a, b) => a - b), q);
}

const round = (x: number, d = 2): number => Number(x.toFixed(d));

export interface LeadtimeSummary {
  scenarios: number;
  incidents: number;
  /** Predictable incidents that breached in the none arm: the recall denominator. */
  predictable: number;
  detected: number;
  recall: number | null;
  leadMinutes: { median: number | null; p10: number | null };
  falseAlarms: number;
  serviceDays: number;
  falseAlarmsPerServiceDay: number;
  sloBreachMinutes: Record<ArmName, number>;
  replicaMinutes: Record<ArmName, number>;
  /** Breach minutes capacity can fix (see FixableMinutes) and foresight's ratios on them; only when every scenario ran the oracle. */
  fixable?: FixableMinutes & { foresightOverNone: number | null; foresightOverReactive: number | null };
  seconds: number;
}

export function summarise(scores: readonly ScenarioScore[], seconds: number): LeadtimeSummary {
  const all = scores.flatMap((s) => s.incidents);
  const predictable = all.filter((i) => i.predictable && i.breachAt !== null);
  const leads = predictable.flatMap((i) => (i.leadMinutes === null ? [] : [i.leadMinutes]));
  const serviceDays = scores.reduce((a, s) => a + s.serviceDays, 0);
  const falseAlarms = scores.reduce((a, s) => a + s.falseAlarms, 0);
  const total = (k: 'sloBreachMinutes' | 'replicaMinutes', arm: ArmName): number => round(scores.reduce((a, s) => a + s[k][arm], 0), 1);
  const median = quantile(leads, 0.5);
  const p10 = quantile(leads, 0.1);
  return {
    scenarios: scores.length,
    incidents: all.length,
    predictable: predictable.length,
    detected: leads.length,
    recall: predictable.length ? round(leads.length / predictable.length, 3) : null,
    leadMinutes: { median: median === null ? null : round(median, 1), p10: p10 === null ? null : round(p10, 1) },
    falseAlarms,
    serviceDays: round(serviceDays, 3),
    falseAlarmsPerServiceDay: serviceDays > 0 ? round(falseAlarms / serviceDays, 3) : 0,
    sloBreachMinutes: { none: total('sloBreachMinutes', 'none'), reactive: total('sloBreachMinutes', 'reactive'), foresight: total('sloBreachMinutes', 'foresight') },
    replicaMinutes: { none: total('replicaMinutes', 'none'), reactive: total('replicaMinutes', 'reactive'), foresight: total('replicaMinutes', 'foresight') },
    ...(scores.length > 0 && scores.every((s) => s.fixable) ? { fixable: fixableSummary(scores.map((s) => s.fixable!)) } : {}),
    seconds: round(seconds, 1),
  };
}

function fixableSummary(all: readonly FixableMinutes[]): NonNullable<LeadtimeSummary['fixable']> {
  const arm = (a: ArmName): number => round(all.reduce((x, f) => x + f.sloBreachMinutes[a], 0), 1);
  const m = { none: arm('none'), reactive: arm('reactive'), foresight: arm('foresight') };
  const ratio = (a: number, b: number): number | null => (b > 0 ? round(a / b, 3) : null);
  return {
    sloBreachMinutes: m,
    capacityBreachMinutes: round(all.reduce((x, f) => x + f.capacityBreachMinutes, 0), 1),
    foresightOverNone: ratio(m.foresight, m.none),
    foresightOverReactive: ratio(m.foresight, m.reactive),
  };
}
