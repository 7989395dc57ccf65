import { join } from 'node:path';
import type { Logger } from '../core/log.ts';
import { ForesightError } from '../core/errors.ts';
import type { LogSource } from '../ingest/types.ts';
import { createFileSource } from '../ingest/sources/file.ts';
import { createStdinSource } from '../ingest/sources/stdin.ts';
import { createFileDeadLetterSink } from '../ingest/deadletter/file.ts';
import { createSimulator, createSimulatorSource, loadScenario, type Simulator } from '../ingest/sources/simulator/index.ts';
import type { Actuator, RecordStore } from '../remediator/types.ts';
import { createLogActuator } from '../remediator/actuators/log.ts';
import { createWebhookActuator } from '../remediator/actuators/webhook.ts';
import { createSimulatorActuator } from '../remediator/actuators/simulator.ts';
import { createFileStore } from '../remediator/store/file.ts';
import type { Config } from './config.ts';

/** Builds the side-effecting parts the config names: source, sinks, actuators. */
export interface Assembly {
  source: LogSource;
  simulator: Simulator | undefined;
  deadLetters: ReturnType<typeof createFileDeadLetterSink>;
  store: RecordStore;
  actuators: Actuator[];
}

export interface AssembleOptions {
  /** Replays read this file instead of the configured source. */
  replayPath?: string;
  storesDir?: string;
}

export async function assemble(config: Config, log: Logger, opts: AssembleOptions = {}): Promise<Assembly> {
  let source: LogSource;
  let simulator: Simulator | undefined;
  const batchSize = config.source.batchSize;
  const maxLineBytes = config.ingest.maxLineBytes;
  if (opts.replayPath !== undefined) {
    source = opts.replayPath === '-'
      ? createStdinSource({ batchSize, maxLineBytes })
      : createFileSource(opts.replayPath, { batchSize, maxLineBytes });
  } else if (config.source.kind === 'simulator') {
    const s = config.source.simulator;
    simulator = createSimulator(loadScenario(s.scenario), { seed: s.seed });
    source = createSimulatorSource(simulator, { speed: s.speed, minutes: s.minutes });
  } else if (config.source.kind === 'file') {
    if (!config.source.file) throw new ForesightError('CONFIG_INVALID', 'source.file.path is required for source.kind "file"');
    source = createFileSource(config.source.file.path, { batchSize, maxLineBytes });
  } else {
    source = createStdinSource({ batchSize, maxLineBytes });
  }

  const dir = opts.storesDir ?? config.stores.dir;
  const actuators: Actuator[] = [];
  for (const name of config.remediator.actuators) {
    if (name === 'log') actuators.push(createLogActuator(log.child({ actuator: 'log' })));
    else if (name === 'webhook') {
      if (!config.remediator.webhook) throw new ForesightError('CONFIG_INVALID', 'remediator.actuators lists "webhook" but remediator.webhook is not set');
      actuators.push(createWebhookActuator(config.remediator.webhook));
    } else if (name === 'simulator') {
      // Only a simulated world can be acted on by the simulator actuator; on other sources it is skipped.
      if (simulator) actuators.push(createSimulatorActuator(simulator.control));
      else log.warn({ actuator: 'simulator' }, 'simulator actuator configured but the source is not the simulator; skipped');
    }
  }
  return {
    source,
    simulator,
    deadLetters: createFileDeadLetterSink(join(dir, 'dead-letters.ndjson')),
    store: await createFileStore(dir),
    actuators,
  };
}
