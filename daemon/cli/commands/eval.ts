import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import nab from './eval/nab.ts';
import leadtime from './eval/leadtime.ts';
import forecast from './eval/forecast.ts';
import loghub from './eval/loghub.ts';

/**
 * `foresight eval <what>`: one file per evaluation in ./eval/, each registering a
 * subcommand on the group; add a new one to this list.
 */
const EVALUATIONS: Array<(group: Command, ctx: CliContext) => void> = [nab, leadtime, forecast, loghub];

export default function register(program: Command, ctx: CliContext): void {
  const group = program.command('eval')
    .description('measure the detectors, forecasters and closed loop on benchmarks and simulated incidents');
  for (const add of EVALUATIONS) add(group, ctx);
}
