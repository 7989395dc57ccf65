import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, progressPhases, snapshot, startProgress } from '../../../daemon/progress.ts';

class Capture extends Writable {
  text = '';
  isTTY: boolean;
  columns = 120;
  constructor(tty: boolean) { super(); this.isTTY = tty; }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void { this.text += chunk.toString(); cb(); }
  // cli-progress's terminal calls on a TTY stream.
  cursorTo(x: number): boolean { this.text += `<to ${x}>`; return true; }
  clearLine(): boolean { return true; }
  moveCursor(): boolean { return true; }
  clearScreenDown(): boolean { return true; }
}

test('snapshot: rate from done/elapsed, ETA from the fraction (given, or done/total)', () => {
  assert.deepEqual(snapshot({ task: 'replay', unit: 'lines' }, { done: 3000, fraction: 0.25 }, 2000),
    { task: 'replay', unit: 'lines', done: 3000, fraction: 0.25, elapsedS: 2, ratePerS: 1500, etaS: 6 });
  assert.deepEqual(snapshot({ task: 'train', unit: 'epochs', total: 150 }, { done: 30 }, 10_000),
    { task: 'train', unit: 'epochs', done: 30, total: 150, fraction: 0.2, elapsedS: 10, ratePerS: 3, etaS: 40 });
  // Unknown end (stdin, Kafka): no fraction, no ETA.
  assert.deepEqual(snapshot({ task: 'replay', unit: 'lines' }, { done: 10 }, 0), { task: 'replay', unit: 'lines', done: 10, elapsedS: 0, ratePerS: 0 });
  assert.equal(describe(snapshot({ task: 'replay', unit: 'lines' }, { done: 3000, fraction: 0.25 }, 2000)), 'replay: 3000 lines, 25.0%, 1500 lines/s, ETA 6 s');
});

test('not a terminal: one JSON line per interval and one at stop, nothing after stop', async () => {
  const out = new Capture(false);
  let t = 1_000;
  let done = 0;
  const p = await startProgress({ task: 'produce', unit: 'lines', stream: out, read: () => ({ done, fraction: done / 100 }), intervalMs: 20, now: () => t });
  done = 50; t = 2_000;
  await new Promise((r) => setTimeout(r, 70));
  p.log('a line of the command');
  done = 100; t = 3_000;
  await p.stop();
  await p.stop();
  const lines = out.text.trim().split('\n');
  const records = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string; progress: { done: number; fraction: number; ratePerS: number; etaS?: number } });
  assert.ok(records.length >= 2, out.text);
  assert.ok(lines.includes('a line of the command'));
  const last = records.at(-1)!;
  assert.equal(last.level, 30);
  assert.deepEqual([last.progress.done, last.progress.fraction, last.progress.ratePerS, last.progress.etaS], [100, 1, 50, 0]);
  assert.equal(last.msg, 'produce: 100 lines, 100.0%, 50 lines/s');
  assert.deepEqual(records[0]!.progress, { task: 'produce', unit: 'lines', done: 50, fraction: 0.5, elapsedS: 1, ratePerS: 50, etaS: 1 });
  const n = out.text.length;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(out.text.length, n, 'the timer is stopped');
});

test('a terminal: a cli-progress bar with the count, rate and ETA', async () => {
  const out = new Capture(true);
  let t = 0;
  let done = 0;
  const p = await startProgress({ task: 'train: fitting', unit: 'epochs', total: 10, stream: out, read: () => ({ done }), now: () => t });
  done = 5; t = 5_000;
  p.log('  epoch 1: loss 0.1');
  await p.stop();
  assert.match(out.text, /train: fitting \[[█░]+\] 50% \| 5\/10 epochs \| 1 epochs\/s \| ETA /);
  assert.ok(out.text.includes('\r\u001b[K  epoch 1: loss 0.1\n'), 'the line clears the bar and is written above it');
  assert.doesNotMatch(out.text, /^\{/m, 'no JSON lines on a terminal');
});

interface Line { msg: string; progress: { task: string; done: number; total?: number; fraction?: number; elapsedS: number } }
const records = (text: string): Line[] => text.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);

test('tick: synchronous work gets the line the timer would have written, once per interval', async () => {
  const out = new Capture(false);
  let t = 0;
  let done = 0;
  // The timer's interval is far beyond the test: every line here comes from tick() or stop().
  const p = await startProgress({ task: 'eval nab', unit: 'series', total: 10, stream: out, read: () => ({ done }), intervalMs: 3_600_000, now: () => t });
  done = 1; t = 3_599_999; p.tick();
  assert.equal(out.text, '', 'not due yet');
  done = 2; t = 3_600_000; p.tick();
  done = 3; t = 3_600_001; p.tick();
  done = 4; t = 7_200_000; p.tick();
  await p.stop();
  p.tick();
  assert.deepEqual(records(out.text).map((r) => [r.progress.done, r.progress.elapsedS]), [[2, 3600], [4, 7200], [4, 7200]]);
});

test('tick on a terminal redraws the bar from inside a synchronous loop', async () => {
  const out = new Capture(true);
  let done = 0;
  const p = await startProgress({ task: 'eval nab: detecting', unit: 'series', total: 4, stream: out, read: () => ({ done }) });
  const before = out.text;
  // cli-progress redraws inside update() once its throttle (2 frames, 400 ms) has passed.
  const until = Date.now() + 450;
  while (Date.now() < until) { /* a synchronous unit of work */ }
  done = 2;
  p.tick();
  assert.match(out.text.slice(before.length), /50% \| 2\/4 series/);
  await p.stop();
});

test('progressPhases: one progress per phase, named by the prefix, lines above it, nothing after end', async () => {
  const out = new Capture(false);
  const fallback: string[] = [];
  const phases = await progressPhases(out, 'eval forecast', (l) => fallback.push(l));
  phases.log('before any phase');
  phases.next('simulating', 'lines');
  phases.step(500, 0.5);
  phases.step(1000, 1);
  phases.log('a line of the command');
  phases.next('scoring', 'series', 3);
  for (let i = 1; i <= 3; i++) phases.step(i);
  phases.end();
  phases.end();
  phases.step(4);
  assert.deepEqual(fallback, ['before any phase']);
  assert.ok(out.text.includes('a line of the command\n'));
  assert.deepEqual(records(out.text).map((r) => [r.progress.task, r.progress.done, r.progress.total, r.progress.fraction]),
    [['eval forecast: simulating', 1000, undefined, 1], ['eval forecast: scoring', 3, 3, 1]]);
  // Without a stream: counting only, lines to the fallback.
  const none = await progressPhases(undefined, 'x', (l) => fallback.push(l));
  none.next('a', 'b');
  none.step(1);
  none.log('no stream');
  none.end();
  assert.deepEqual(fallback, ['before any phase', 'no stream']);
});
