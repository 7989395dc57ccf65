import { once } from 'node:events';
import { loadScenario } from './load.ts';
import { createSimulator } from './simulator.ts';
import type { SimulatorOptionsInput } from './config.ts';
import type { GroundTruth } from './types.ts';

export interface SimulateOptions extends Omit<SimulatorOptionsInput, 'seed'> {
  /** Simulated minutes; default: the scenario's duration. */
  minutes?: number;
  seed?: number;
}

/**
 * `foresight simulate`: runs a scenario as fast as possible and writes its log lines as
 * NDJSON, honouring back-pressure so a slow pipe does not buffer the whole run in memory.
 */
export async function simulateToStream(
  scenarioNameOrPath: string,
  opts: SimulateOptions,
  out: NodeJS.WritableStream,
): Promise<{ lines: number; minutes: number; truth: GroundTruth }> {
  const scenario = loadScenario(scenarioNameOrPath);
  const { minutes: m, ...simOpts } = opts;
  const minutes = m ?? scenario.durationMinutes;
  const sim = createSimulator(scenario, simOpts);
  let lines = 0;
  for (const r of sim.run(minutes)) {
    if (r.lines.length === 0) continue;
    lines += r.lines.length;
    if (!out.write(r.lines.join('\n') + '\n')) await once(out, 'drain');
  }
  return { lines, minutes, truth: sim.groundTruth() };
}
