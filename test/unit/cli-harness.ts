import { PassThrough } from 'node:stream';
import { main } from '../../daemon/cli.ts';

/** Runs the CLI in this process with captured stdout and stderr, as the tests of its commands do. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => { out += b.toString(); });
  stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const code = await main(argv, { stdout, stderr });
  return { code, out, err };
}
