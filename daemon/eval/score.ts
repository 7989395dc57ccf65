/**
 * Scoring of `eval leadtime`. Pure: ground truth of the three arms and the foresight arm's
 * timed detections in, numbers out.
 *
 * Breach start is always the `none` arm's (the world without remediation): that is the
 * breach a prediction had to see coming, whatever the foresight arm then prevented.
 */
import type { BreachInterval, GroundTruth, IncidentKind } from '../../ingest/sources/simulator/index.ts';
import type { ArmName, TimedDetection } from './arms.ts';

const MINUTE = 60_000;
const DAY_MINUTES = 1440;

export interface ScenarioRun {
  name: string;
  durationMinutes: number;
  services: string[];
  horizonMs: number;
  truth: Record<ArmName, GroundTruth>;
  detections: readonly TimedDetection[];
  seconds: number;
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
  seconds: number;
}

function overlaps(b: BreachInterval, from: number, to: number): boolean {
  return b.start <= to && (b.end === null || b.end > from);
}

/**
 * Incidents to score: the simulator's (first pass), plus one `load` incident for each none-arm
 * breach no incident explains (a diurnal peak outgrowing capacity). Load follows the diurnal
 * curve, which climbs over hours, so such a breach is predictable when it is preceded by at
 * least `predictableLeadMs` without a breach (the same 20 minutes of ramp the scenario format
 * asks of an incident).
 */
export function incidentsOf(none: GroundTruth, horizonMs: number, predictableLeadMs = 20 * MINUTE): Array<Omit<IncidentScore, 'detectedAt' | 'leadMinutes'>> {
  const out: Array<Omit<IncidentScore, 'detectedAt' | 'leadMinutes'>> = [];
  for (const i of none.incidents) {
    // The format's rule is a ramp of at least 20 minutes; what counts is that much warning
    // before this breach, so an incident that bites sooner is not held against the forecaster.
    const warning = i.firstBreachAt === null || i.firstBreachAt - i.start >= predictableLeadMs;
    out.push({ kind: i.kind, service: i.service, start: i.start, predictable: i.predictable && warning, declaredPredictable: i.predictable, breachAt: i.firstBreachAt });
  }
  for (const [service, g] of Object.entries(none.services)) {
    let prevEnd = none.startTime;
    let episodeEnd: number | null | undefined;
    for (const b of g.breaches) {
      // Flickers closer together than the ramp an incident needs are one episode.
      const sameEpisode = episodeEnd !== undefined && (episodeEnd === null || b.start - episodeEnd < predictableLeadMs);
      if (!sameEpisode) {
        const explained = none.incidents.some((i) => i.service === service && b.start >= i.start && (i.end === null || b.start <= i.end + horizonMs));
        if (!explained) {
          const start = Math.max(prevEnd, b.start - 2 * horizonMs);
          const predictable = b.start - prevEnd >= predictableLeadMs;
          out.push({ kind: 'load', service, start, predictable, declaredPredictable: predictable, breachAt: b.start });
        }
      }
      episodeEnd = b.end;
      prevEnd = b.end ?? none.now;
    }
  }
  return out.sort((a, b) => a.start - b.start || a.service.localeCompare(b.service));
}

export function scoreScenario(run: ScenarioRun): ScenarioScore {
  const none = run.truth.none;
  const breaches = run.detections.filter((d) => d.detection.kind === 'predicted_breach');
  const incidents: IncidentScore[] = incidentsOf(none, run.horizonMs).map((i) => {
    if (i.breachAt === null) return { ...i, detectedAt: null, leadMinutes: null };
    const hit = breaches.find((d) => d.detection.service === i.service && d.emittedAt >= i.start && d.emittedAt < i.breachAt!);
    return { ...i, detectedAt: hit?.emittedAt ?? null, leadMinutes: hit ? (i.breachAt - hit.emittedAt) / MINUTE : null };
  });
  let falseAlarms = 0;
  for (const d of breaches) {
    const truth = none.services[d.detection.service];
    const real = truth?.breaches.some((b) => overlaps(b, d.emittedAt, d.emittedAt + run.horizonMs)) ?? false;
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
    seconds: run.seconds,
  };
}

/** Linear interpolation between order statistics (R's type 7). */
export function quantile(xs: readonly number[], q: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
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
    seconds: round(seconds, 1),
  };
}
