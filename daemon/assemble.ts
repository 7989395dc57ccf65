import { join } from 'node:path';
import type { Logger } from '../core/log.ts';
import { ForesightError } from '../core/errors.ts';
import type { DeadLetterSink, LogSource } from '../ingest/types.ts';
import { systemClock } from '../core/clock.ts';
import { FileSource } from '../ingest/sources/file.ts';
import { StdinSource } from '../ingest/sources/stdin.ts';
import { FileDeadLetterSink } from '../ingest/deadletter/file.ts';
import { createSimulator, createSimulatorSource, loadScenario, type Simulator } from '../ingest/sources/simulator/index.ts';
import type { Actuator, RecordStore } from '../remediator/types.ts';
import { createActuators } from '../remediator/actuators/index.ts';
import { createFileStore } from '../remediator/store/file.ts';
import type { Config } from './config.ts';

/** Builds the side-effecting parts the config names: source, sinks, actuators. */
export interface Assembly {
  source: LogSource;
  simulator: Simulator | undefined;
  deadLetters: DeadLetterSink;
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
      ? new StdinSource({ batchSize, maxLineBytes, clock: systemClock })
      : new FileSource(opts.replayPath, { batchSize, maxLineBytes, clock: systemClock });
  } else if (config.source.kind === 'simulator') {
    const s = config.source.simulator;
    simulator = createSimulator(loadScenario(s.scenario), { seed: s.seed });
    source = createSimulatorSource(simulator, { speed: s.speed, minutes: s.minutes });
  } else if (config.source.kind === 'file') {
    if (!config.source.file) throw new ForesightError('CONFIG_INVALID', 'source.file.path is required for source.kind "file"');
    source = new FileSource(config.source.file.path, { batchSize, maxLineBytes, clock: systemClock });
  } else {
    source = new StdinSource({ batchSize, maxLineBytes, clock: systemClock });
  }

  const dir = opts.storesDir ?? config.stores.dir;
  // The simulator actuator can only act on a simulated world; on other sources it is dropped
  // (with a warning) so one config serves both the embedded default and replays of files.
  let names = config.remediator.actuators;
  if (!simulator && names.includes('simulator')) {
    log.info({ actuator: 'simulator' }, 'simulator actuator configured but the source is not the simulator; skipped');
    names = names.filter((n) => n !== 'simulator');
  }
  const actuators = createActuators({ actuators: names, webhook: config.remediator.webhook }, { log: log.child({ stage: 'remediator' }), simulator: simulator?.control });
  return {
    source,
    simulator,
    deadLetters: new FileDeadLetterSink(join(dir, 'dead-letters.ndjson')),
    store: await createFileStore(dir),
    actuators,
  };
}
