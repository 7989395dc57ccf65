/**
 * The three arms of `eval leadtime`, each a fresh simulator with the same scenario and seed
 * (demand noise has a stream per service, so the arms see identical demand):
 *
 *   none       the world alone (truth only, no log lines): the baseline breaches
 *   reactive   sampled lines ─► ingest windows ─► HPA-like controller ─► simulator control
 *   foresight  the daemon's own pipeline (createPipeline: ingest ─► forecasting ─► breach
 *              detector ─► remediator ─► simulator actuator), as `npm start` runs it
 *
 * and a fourth run that is not an arm anyone would deploy, only a yardstick for the scorer:
 *
 *   capacity   the world alone with every service at its maxReplicas from the start (all
 *              ready): what still breaches there, no scaling within the bounds could prevent
 */
import { Telemetry } from '../../core/telemetry.ts';
import { ManualClock } from '../../core/clock.ts';
import { createIngest } from '../../ingest/index.ts';
import { MemoryDeadLetterSink } from '../../ingest/deadletter/memory.ts';
import type { LogSource, RawInput } from '../../ingest/types.ts';
import { createSimulator, createSimulatorSource, type GroundTruth, type Scenario } from '../../ingest/sources/simulator/index.ts';
import type { Detection } from '../../detector/types.ts';
import { createSimulatorActuator } from '../../remediator/actuators/simulator.ts';
import { MemoryRecordStore } from '../../remediator/store/memory.ts';
import { createReactiveController, type ReactiveConfig } from '../../remediator/reactive.ts';
import type { ActionRecord } from '../../remediator/types.ts';
import { parseConfig, type Config } from '../config.ts';
import { createPipeline, type Pipeline } from '../pipeline.ts';
import { VERSION } from '../version.ts';

export type ArmName = 'none' | 'reactive' | 'foresight';

/** A detection and the simulated time it became known (the end of the step whose lines produced it). */
export interface TimedDetection {
  detection: Detection;
  emittedAt: number;
}

/** The capacity oracle (`runCapacity`): scored beside the arms, not one of them. */
export type OracleName = 'capacity';

export interface ArmResult {
  arm: ArmName | OracleName;
  truth: GroundTruth;
  /** Foresight arm only: every detection, in order. */
  detections: TimedDetection[];
  /** Actions that changed the world (scalings, shifts). */
  actions: number;
  seconds: number;
}

/**
 * The daemon config the foresight arm runs with: the caller's (by default the embedded
 * profile), with each scenario service's SLO and replica bounds as its policy, and the
 * simulator as the only actuator. Scale-in never goes below the replicas the scenario
 * starts with, the same floor the reactive arm gets. The remediator's warm-up is the
 * simulator's, so sizing looks past the time new replicas really take.
 */
export function evalConfig(base: Config, scenario: Scenario, warmupMs: number): Config {
  const services = Object.fromEntries(scenario.services.map((s) => [s.name, {
    sloP95Ms: s.sloP95Ms, minReplicas: s.replicas, maxReplicas: s.maxReplicas,
  }]));
  const remediator = { ...base.remediator, mode: 'dry_run' as const, actuators: ['simulator' as const], warmupMs };
  if (remediator.verifyAfterMs < warmupMs + remediator.verifyWindowMs) remediator.verifyAfterMs = warmupMs + remediator.verifyWindowMs;
  return parseConfig({ ...structuredClone(base), http: { ...base.http, enabled: false }, services, remediator }, 'eval leadtime');
}

export function runNone(scenario: Scenario, seed: number): ArmResult {
  const t0 = performance.now();
  // No lines: the truth does not depend on log sampling (separate random streams).
  const sim = createSimulator(scenario, { seed, maxLinesPerServicePerStep: 0 });
  for (const _ of sim.run(scenario.durationMinutes)) { /* advance */ }
  return { arm: 'none', truth: sim.groundTruth(), detections: [], actions: 0, seconds: (performance.now() - t0) / 1000 };
}

/**
 * The capacity oracle: the scenario with each service starting at its `maxReplicas`, nothing
 * acting. Demand is the same as in the arms (load is absolute and each service draws its noise
 * from its own stream), so a step that breaches here breaches with the most capacity the
 * policy allows, ready before anything began: capacity cannot fix it.
 */
export function runCapacity(scenario: Scenario, seed: number): ArmResult {
  const t0 = performance.now();
  const ample: Scenario = { ...scenario, services: scenario.services.map((s) => ({ ...s, replicas: s.maxReplicas })) };
  const sim = createSimulator(ample, { seed, maxLinesPerServicePerStep: 0 });
  for (const _ of sim.run(scenario.durationMinutes)) { /* advance */ }
  return { arm: 'capacity', truth: sim.groundTruth(), detections: [], actions: 0, seconds: (performance.now() - t0) / 1000 };
}

function changes(truth: GroundTruth): number {
  return truth.actions.filter((a) => a.from !== a.to).length;
}

export async function runReactive(scenario: Scenario, seed: number, config: Config, reactive: ReactiveConfig): Promise<ArmResult> {
  const t0 = performance.now();
  const sim = createSimulator(scenario, { seed });
  const clock = new ManualClock(0);
  const ingest = createIngest(config.ingest, { telemetry: new Telemetry(), clock, deadLetters: new MemoryDeadLetterSink() });
  const targets = new Map(scenario.services.map((s) => [s.name, { sloP95Ms: s.sloP95Ms, minReplicas: s.replicas, maxReplicas: s.maxReplicas }]));
  const controller = createReactiveController(reactive, { control: sim.control, targetFor: (s) => targets.get(s) });
  const source = createSimulatorSource(sim, { speed: 'max', minutes: scenario.durationMinutes });
  const signal = new AbortController().signal;
  await ingest.start();
  for await (const batch of source.batches(signal)) {
    const out = ingest.handle(batch);
    for (const p of out.points) clock.advanceTo(p.windowStart + p.windowMs);
    controller.handle(out.points, sim.now());
  }
  await ingest.stop();
  const truth = sim.groundTruth();
  return { arm: 'reactive', truth, detections: [], actions: changes(truth), seconds: (performance.now() - t0) / 1000 };
}

/**
 * Wraps the simulator source so each detection is stamped with the simulated time at which
 * the pipeline produced it: the generator resumes only after the pipeline has processed the
 * batch it yielded, so detections that appeared meanwhile belong to that batch's step.
 */
function timedSource(inner: LogSource, now: () => number, stamp: (t: number) => void): LogSource {
  return {
    name: inner.name,
    async *batches(signal: AbortSignal): AsyncIterable<RawInput[]> {
      for await (const batch of inner.batches(signal)) {
        const t = now();
        yield batch;
        stamp(t);
      }
    },
    close: () => inner.close(),
  };
}

export async function runForesight(scenario: Scenario, seed: number, config: Config): Promise<ArmResult & { records: ActionRecord[] }> {
  const t0 = performance.now();
  const sim = createSimulator(scenario, { seed });
  const detections: TimedDetection[] = [];
  // The source is built before the pipeline that reads it, so the stamp finds it through a holder.
  const held: { pipeline?: Pipeline } = {};
  const stamp = (t: number): void => {
    const all = held.pipeline?.detections ?? [];
    for (let i = detections.length; i < all.length; i++) detections.push({ detection: all[i]!, emittedAt: t });
  };
  const source = timedSource(createSimulatorSource(sim, { speed: 'max', minutes: scenario.durationMinutes }), () => sim.now(), stamp);
  const pipeline = createPipeline({
    config, telemetry: new Telemetry(), source, deadLetters: new MemoryDeadLetterSink(), store: new MemoryRecordStore(),
    actuators: [createSimulatorActuator(sim.control)],
    daemon: { instance: 'eval-leadtime', version: VERSION, configHash: 'eval' }, replay: false, speed: 'max', keepRecords: true,
  });
  held.pipeline = pipeline;
  await pipeline.run(new AbortController().signal);
  stamp(sim.now());
  const truth = sim.groundTruth();
  return { arm: 'foresight', truth, detections, actions: changes(truth), seconds: (performance.now() - t0) / 1000, records: pipeline.actions };
}
