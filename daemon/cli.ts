import { ForesightError } from '../core/errors.ts';
import { parseArgs, intFlag } from './args.ts';
import { loadConfig, redactConfig } from './config.ts';
import { runDaemon } from './run.ts';
import { produceCli } from './produce.ts';
import { doctorCli } from './doctor.ts';
import { replay } from './replay.ts';
import { simulateToStream } from '../ingest/sources/simulator/index.ts';
import { runEvalNabCli } from '../detector/nab/cli.ts';
import { runEvalLeadtimeCli } from './eval/leadtime.ts';
import { runTrainCli } from './train.ts';
import { runEvalForecastCli } from './eval/forecast.ts';

const USAGE = `usage: foresight <command> [options]

commands:
  run      [--config FILE]                          run the daemon (embedded default without a config)
  replay   PATH|-|kafka://TOPIC[?from=ISO&to=ISO] [--speed max|N] [--report FILE] [--live] [--config FILE]
                                                    run the pipeline over NDJSON logs (plain or .gz)
  simulate --scenario NAME|FILE [--minutes N] [--seed S]
                                                    write simulated NDJSON logs to stdout
  eval nab NAB_ROOT [--json] [--out DIR] [--score-only RESULTS_DIR]
                                                    run and score the anomaly detector on NAB
  eval leadtime [--scenarios DIR] [--json] [--seed S] [--config FILE]
                                                    breach prediction and closed loop vs none and reactive
  eval forecast [--scenarios DIR|--logs FILE] [--model DIR] [--json]
                                                    MASE at 5/15/30 min and p10-p90 coverage of every forecaster
  train    PATH [--out DIR] [--epochs N] [--json]   fit the TF.js forecaster on NDJSON history, version it in the model store
  produce  --topic T [--partitions N] [--json] FILE  load NDJSON logs (plain or .gz) into Kafka, keyed by service
  doctor   [--config FILE] [--json]                 check TensorFlow, Kafka, Elasticsearch, config and ports
  config   [--config FILE]                          print the effective configuration (secrets redacted)
  help                                              this text
`;

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

function speedFlag(v: string | boolean | undefined): number | 'max' {
  if (v === undefined || v === 'max') return 'max';
  const n = Number(v);
  if (typeof v !== 'string' || !(n > 0)) throw new ForesightError('USAGE', `--speed must be "max" or a positive number, got ${String(v)}`);
  return n;
}

async function dispatch(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run': {
      const { positional, flags } = parseArgs(rest, { config: 'string' }, 'run');
      if (positional.length) throw new ForesightError('USAGE', `foresight run takes no arguments, got ${positional.join(' ')}`);
      return runDaemon({ configFile: flags.config as string | undefined });
    }
    case 'replay': {
      const { positional, flags } = parseArgs(rest, { config: 'string', speed: 'string', report: 'string', live: 'boolean' }, 'replay');
      const path = positional[0];
      if (!path || positional.length > 1) throw new ForesightError('USAGE', 'foresight replay needs exactly one PATH (or - for stdin)');
      return replay({ path, configFile: flags.config as string | undefined, speed: speedFlag(flags.speed), reportFile: flags.report as string | undefined, live: flags.live === true }, io.stdout);
    }
    case 'simulate': {
      const { positional, flags } = parseArgs(rest, { scenario: 'string', minutes: 'string', seed: 'string' }, 'simulate');
      if (positional.length) throw new ForesightError('USAGE', `foresight simulate takes no arguments, got ${positional.join(' ')}`);
      const scenario = flags.scenario;
      if (typeof scenario !== 'string') throw new ForesightError('USAGE', 'foresight simulate needs --scenario NAME|FILE');
      const minutes = intFlag(flags.minutes, 'minutes', 120);
      if (minutes <= 0) throw new ForesightError('USAGE', '--minutes must be positive');
      // Without --seed the scenario's own seed applies.
      const seed = flags.seed === undefined ? undefined : intFlag(flags.seed, 'seed', 1);
      const r = await simulateToStream(scenario, { minutes, seed }, io.stdout);
      io.stderr.write(`simulated ${minutes} minutes: ${r.lines} lines\n`);
      return 0;
    }
    case 'eval': {
      const [what, ...args] = rest;
      if (what === 'nab') return runEvalNabCli(args, io);
      if (what === 'leadtime') return runEvalLeadtimeCli(args, io);
      if (what === 'forecast') return runEvalForecastCli(args, io);
      throw new ForesightError('USAGE', `foresight eval: unknown evaluation ${what ?? '(none)'}; available: nab, leadtime, forecast`);
    }
    case 'train':
      return runTrainCli(rest, io);
    case 'produce': {
      const { positional, flags } = parseArgs(rest, { topic: 'string', partitions: 'string', config: 'string', json: 'boolean' }, 'produce');
      const file = positional[0];
      if (!file || positional.length > 1 || typeof flags.topic !== 'string') throw new ForesightError('USAGE', 'foresight produce needs --topic T and exactly one FILE');
      const partitions = flags.partitions === undefined ? undefined : intFlag(flags.partitions, 'partitions', 1);
      return produceCli({ file, topic: flags.topic, partitions, configFile: flags.config as string | undefined, json: flags.json === true }, io);
    }
    case 'doctor': {
      const { positional, flags } = parseArgs(rest, { config: 'string', json: 'boolean' }, 'doctor');
      if (positional.length) throw new ForesightError('USAGE', `foresight doctor takes no arguments, got ${positional.join(' ')}`);
      return doctorCli({ configFile: flags.config as string | undefined, json: flags.json === true }, io.stdout);
    }
    case 'config': {
      const { flags } = parseArgs(rest, { config: 'string' }, 'config');
      const { config, file, hash } = loadConfig(flags.config as string | undefined);
      io.stdout.write(JSON.stringify({ file: file ?? null, hash, config: redactConfig(config) }, null, 2) + '\n');
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new ForesightError('USAGE', `unknown command: ${command}`);
  }
}

/** CLI entry: returns the exit code; errors become one clear line (and usage for usage errors). */
export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (err instanceof ForesightError) {
      io.stderr.write(`foresight: ${err.message}\n`);
      if (err.code === 'USAGE') io.stderr.write(`\n${USAGE}`);
      return 2;
    }
    io.stderr.write(`foresight: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
