import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

const RUN = new URL('../../../daemon/run.ts', import.meta.url).href;

/** Runs a child that leaves a handle open (as a Kafka client rejoining a group does) and arms the exit. */
function child(lingerMs: number, code: number): Promise<{ code: number | null; stderr: string }> {
  const script = `
    const { exitIfLingering } = await import(${JSON.stringify(RUN)});
    const { createLogger } = await import(${JSON.stringify(new URL('../../../core/log.ts', import.meta.url).href)});
    const open = setInterval(() => undefined, 1000); // never cleared: keeps the event loop alive
    exitIfLingering(createLogger({ level: 'info', destination: process.stderr }), ${code}, ${lingerMs});
    if (${lingerMs} <= 0) setTimeout(() => { clearInterval(open); process.stderr.write('cleared\\n'); }, 300);
  `;
  const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  p.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  return new Promise((resolve) => p.on('close', (c) => resolve({ code: c, stderr })));
}

test('after a stop, a handle still open ends the process with the stop\'s code and one JSON warning line', { timeout: 60_000 }, async () => {
  const r = await child(200, 0);
  assert.equal(r.code, 0);
  const lines = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string; lingerMs: number });
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.level, 40);
  assert.match(lines[0]!.msg, /connections still open after the stop/);
  assert.equal(lines[0]!.lingerMs, 200);
  assert.equal((await child(200, 3)).code, 3, 'the stop\'s own code, not a new one');
});

test('lingerMs 0 never forces: the process ends when its last handle closes, without the warning', { timeout: 60_000 }, async () => {
  const r = await child(0, 5);
  assert.equal(r.code, 0);
  assert.equal(r.stderr, 'cleared\n');
});
