import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { readFileSync } from 'node:fs';
import { exitCodeOf } from '../../../daemon/cli.ts';
import { cli } from '../cli-harness.ts';
import { ForesightError } from '../../../core/errors.ts';

const COMMANDS = ['run', 'replay', 'simulate', 'eval nab', 'eval leadtime', 'eval forecast', 'train', 'produce', 'doctor', 'config'];

/** Every leaf command of the CLI as typed (`eval nab`, `models rollback`), from its own definitions. */
async function leafCommands(): Promise<string[]> {
  const { buildProgram } = await import('../../../daemon/cli.ts');
  const program = buildProgram({ io: { stdout: new PassThrough(), stderr: new PassThrough() }, action: () => async () => undefined });
  const out: string[] = [];
  const visit = (cmd: typeof program, path: string[]): void => {
    const subs = cmd.commands.filter((c) => c.name() !== 'help');
    if (subs.length === 0) out.push([...path, cmd.name()].join(' '));
    for (const sub of subs) visit(sub, [...path, cmd.name()]);
  };
  for (const cmd of program.commands.filter((c) => c.name() !== 'help')) visit(cmd, []);
  return out;
}

test('--help lists every command and the exit codes; exit 0', async () => {
  const r = await cli('--help');
  assert.equal(r.code, 0);
  const top = new Set((await leafCommands()).map((c) => c.split(' ')[0]!));
  for (const c of ['run', 'replay', 'simulate', 'eval', 'train', 'produce', 'doctor', 'config', 'models', 'approve', 'reject', 'dashboards']) assert.ok(top.has(c), c);
  for (const c of top) assert.match(r.out, new RegExp(`^  ${c} `, 'm'), c);
  assert.match(r.out, /Exit codes: 0 done, 1 the work failed, 2 the command cannot run as given/);
  assert.equal(r.err, '');
});

test('every command has --help with examples (and `help CMD` is the same), exit 0', async () => {
  const leaves = await leafCommands();
  for (const c of COMMANDS) assert.ok(leaves.includes(c), c);
  assert.ok(leaves.length >= 18, leaves.join(', '));
  for (const c of leaves) {
    const r = await cli(...c.split(' '), '--help');
    assert.equal(r.code, 0, c);
    assert.match(r.out, new RegExp(`^Usage: foresight ${c} `, 'm'), c);
    assert.match(r.out, /\nExamples:\n {2}# .+\n {2}\$ foresight /, c);
  }
  const viaHelp = await cli('help', 'replay');
  assert.equal(viaHelp.code, 0);
  assert.equal(viaHelp.out, (await cli('replay', '--help')).out);
});

test('--version prints the package version', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const r = await cli(flag);
    assert.equal(r.code, 0);
    assert.equal(r.out, `${version}\n`);
  }
});

test('-b/--brokers on every command that may talk to Kafka', async () => {
  for (const c of ['run', 'replay', 'produce', 'doctor', 'config']) {
    assert.match((await cli(c, '--help')).out, /-b, --brokers <host:port,\.\.\.>/, c);
  }
  const saved = process.env.KAFKA_BROKERS;
  try {
    const r = await cli('config', '-b', 'k1:9092,k2:9093');
    assert.equal(r.code, 0, r.err);
    const shown = JSON.parse(r.out) as { config: { source: { kind: string; kafka: { brokers: string[] } } } };
    assert.equal(shown.config.source.kind, 'kafka');
    assert.deepEqual(shown.config.source.kafka.brokers, ['k1:9092', 'k2:9093']);
  } finally {
    if (saved === undefined) delete process.env.KAFKA_BROKERS;
    else process.env.KAFKA_BROKERS = saved;
  }
});

test('usage errors exit 2 with one line naming the problem', async () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /^$/],
    [['bogus'], /unknown command 'bogus'/],
    [['rn'], /Did you mean run\?/],
    [['replay', 'x.ndjson', '--sped', '3'], /unknown option '--sped'/],
    [['replay'], /missing required argument 'path'/],
    [['replay', 'x', '--speed', '-1'], /--speed <max\|N>' argument '-1' is invalid\. expected "max" or a positive number/],
    [['simulate'], /required option '--scenario <name\|file>' not specified/],
    [['simulate', '--scenario', 'steady', '--minutes', '0'], /expected a positive integer/],
    [['eval', 'leadtime', '--seed', 'x'], /expected an integer/],
    [['eval', 'forecast', '--train-fraction', '2'], /expected a number in \(0, 1\)/],
    [['eval'], /Usage: foresight eval/],
    [['run', 'extra'], /too many arguments for 'run'/],
    [['config', '-c', '/nonexistent/foresight.yaml'], /config file not found: \/nonexistent\/foresight\.yaml/],
  ];
  for (const [argv, msg] of cases) {
    const r = await cli(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, msg, argv.join(' '));
  }
});

test('exit codes: usage and named inputs 2, failures of the work 1', () => {
  assert.equal(exitCodeOf(new ForesightError('USAGE', 'x')), 2);
  assert.equal(exitCodeOf(new ForesightError('CONFIG_INVALID', 'x')), 2);
  assert.equal(exitCodeOf(new ForesightError('INPUT_INVALID', 'x')), 2);
  const enoent = Object.assign(new Error('no such file'), { code: 'ENOENT' });
  assert.equal(exitCodeOf(new ForesightError('SOURCE_FAILED', 'cannot open x', { cause: enoent })), 2);
  assert.equal(exitCodeOf(new ForesightError('SOURCE_FAILED', 'broker gone')), 1);
  assert.equal(exitCodeOf(new ForesightError('SINK_UNAVAILABLE', 'x')), 1);
  assert.equal(exitCodeOf(new Error('bug')), 1);
});

test("README's commands table is the CLI's own (node --import tsx scripts/readme-commands.ts rewrites it)", async () => {
  const { buildProgram } = await import('../../../daemon/cli.ts');
  const { commandsTable, withCommandsTable } = await import('../../../daemon/cli/markdown.ts');
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const table = commandsTable(buildProgram({ io: { stdout: new PassThrough(), stderr: new PassThrough() }, action: () => async () => undefined }));
  assert.equal(readme, withCommandsTable(readme, table), 'README commands table is stale: run node --import tsx scripts/readme-commands.ts');
});

test('run: a start-up failure is one JSON log line when stderr is not a terminal, exit 2 for a bad config', async () => {
  const r = await cli('run', '-c', '/nonexistent/foresight.yaml');
  assert.equal(r.code, 2);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1);
  const rec = JSON.parse(lines[0] as string) as { level: number; code: string; msg: string };
  assert.equal(rec.level, 60);
  assert.equal(rec.code, 'CONFIG_NOT_FOUND');
  assert.match(rec.msg, /config file not found: \/nonexistent\/foresight\.yaml/);
});
