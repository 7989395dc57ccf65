import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../core/clock.ts';
import { Telemetry } from '../../../core/telemetry.ts';
import { createIngest, MemoryDeadLetterSink } from '../../../ingest/index.ts';
import { config, raw } from './helpers.ts';

const line = (ts: string, service: string, msg: string, extra = '') => `{"ts":"${ts}","service":"${service}","msg":"${msg}"${extra}}`;

test('handle cleans, templates, aggregates and dead-letters; telemetry counts', async () => {
  const telemetry = new Telemetry();
  const deadLetters = new MemoryDeadLetterSink();
  const ing = createIngest(config({ allowedLatenessMs: 0 }), { telemetry, deadLetters, clock: new ManualClock(42) });
  await ing.start();
  const out = ing.handle([
    line('2024-01-01T00:00:01Z', 'api', 'user 1 logged in', ',"latency_ms":10'),
    line('2024-01-01T00:00:02Z', 'api', 'user 2 logged in', ',"latency_ms":20,"status":500'),
    'garbage',
    line('2024-01-01T00:01:00Z', 'api', 'tick'),
    line('2024-01-01T00:00:59Z', 'api', 'late one'),
  ].map((t, i) => raw(t, i + 1)));
  assert.equal(out.events.length, 3);
  assert.deepEqual(out.events.map((e) => e.template?.text), ['user <*> logged in', 'user <*> logged in', 'tick']);
  assert.deepEqual(out.deadLetters.map((d) => [d.reason, d.position, d.at]), [
    ['not_json', { kind: 'stdin', line: 3 }, 42],
    ['too_late', { kind: 'stdin', line: 5 }, 42],
  ]);
  assert.equal(out.deadLetters[1]?.detail, 'window 2024-01-01T00:00:00.000Z closed at watermark 2024-01-01T00:01:00.000Z');
  assert.deepEqual(out.points.map((p) => [p.windowStart, p.count, p.errors, p.latency?.max, p.topTemplates.map((t) => t.count)]), [
    [Date.UTC(2024, 0, 1), 2, 1, 20, [2]],
  ]);
  await ing.writeDeadLetters(out);
  assert.equal(deadLetters.letters.length, 2);
  assert.deepEqual(ing.flush().map((p) => [p.windowStart, p.count]), [[Date.UTC(2024, 0, 1, 0, 1), 1]]);
  const metrics = await telemetry.registry.getMetricsAsJSON();
  const value = (name: string, labels: Record<string, string> = {}) => metrics.find((m) => m.name === name)?.values
    .find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
  assert.equal(value('foresight_input_lines_total', { source: 'stdin' }), 5);
  assert.equal(value('foresight_events_total'), 3);
  assert.equal(value('foresight_dead_letters_total', { reason: 'too_late' }), 1);
  assert.equal(value('foresight_windows_closed_total', { service: 'api' }), 2);
  const h = ing.health();
  assert.equal(h.ok, true);
  assert.deepEqual({ ...h.detail, watermark: 0 }, {
    lines: 5, events: 3, points: 2, partials: 0, deadLetters: 2, deadLettersByReason: { not_json: 1, too_late: 1 }, openWindows: 0, watermark: 0, partitions: 1, idlePartitions: 0, templates: 2, latencyClamped: 0,
  });
  await ing.stop();
  await ing.stop();
  assert.equal(deadLetters.closed, true);
  assert.equal(ing.health().ok, false);
});

test('output does not depend on batch boundaries', () => {
  const lines = Array.from({ length: 300 }, (_, i) => raw(line(new Date(Date.UTC(2024, 0, 1) + ((i * 7919) % 600) * 1000 + i * 500).toISOString(), i % 3 ? 'api' : 'db', `op ${i % 7} done`), i + 1));
  const run = (size: number) => {
    const ing = createIngest(config({ allowedLatenessMs: 30_000 }), { telemetry: new Telemetry(), deadLetters: new MemoryDeadLetterSink(), clock: new ManualClock(0) });
    const points = []; const reasons = [];
    for (let i = 0; i < lines.length; i += size) {
      const out = ing.handle(lines.slice(i, i + size));
      points.push(...out.points); reasons.push(...out.deadLetters.map((d) => d.position));
    }
    points.push(...ing.flush());
    return { points, reasons };
  };
  const one = run(1);
  assert.ok(one.reasons.length > 0);
  assert.deepEqual(run(1000), one);
  assert.deepEqual(run(37), one);
});

test('a merge is reported once, and windows (closed later, or as partials) carry the survivor\'s id with the folded lines\' counts', () => {
  // As the miner's merge test: SYSTEM is a constant, so its line starts a cluster of its own.
  const cfg = config({ allowedLatenessMs: 0, templates: { depth: 4, similarity: 0.6 } });
  const ing = createIngest(cfg, { telemetry: new Telemetry(), deadLetters: new MemoryDeadLetterSink(), clock: new ManualClock(0) });
  const s = ing.handle([line('2024-01-01T00:00:01Z', 'api', 'load hive SYSTEM into key 1', ',"level":"warn"'), line('2024-01-01T00:00:02Z', 'api', 'load hive Users into key 2')].map((t, i) => raw(t, i + 1)));
  const [system, users] = s.events.map((e) => e.template!.id);
  assert.deepEqual(s.merges, []);
  // `Default` generalises Users' cluster over the word SYSTEM's is kept apart by: SYSTEM's folds in.
  const m = ing.handle([line('2024-01-01T00:00:03Z', 'api', 'load hive Default into key 3'), line('2024-01-01T00:01:00Z', 'api', 'tick')].map((t, i) => raw(t, i + 3)));
  assert.deepEqual(m.merges, [{ ids: [system], into: { id: users, text: 'load hive <*> into key <*>' } }]);
  assert.deepEqual(m.points[0]!.templates!.map((t) => [t.id, t.text, t.count, t.warn, t.samples.length]), [[users, 'load hive <*> into key <*>', 3, 1, 3]]);
  assert.deepEqual(m.points[0]!.topTemplates, [{ id: users, text: 'load hive <*> into key <*>', count: 3 }]);
  assert.equal(ing.resolveTemplate(system!), users);
  assert.deepEqual(ing.handle([line('2024-01-01T00:02:00Z', 'api', 'tick')].map((t) => raw(t, 5))).merges, []);

  const one = createIngest(cfg, { telemetry: new Telemetry(), deadLetters: new MemoryDeadLetterSink(), clock: new ManualClock(0), partials: true });
  one.handle([line('2024-01-01T00:00:01Z', 'api', 'load hive SYSTEM into key 1'), line('2024-01-01T00:00:02Z', 'api', 'load hive Users into key 2')].map((t, i) => raw(t, i + 1)));
  const p = one.handle([line('2024-01-01T00:00:03Z', 'api', 'load hive Default into key 3')].map((t) => raw(t, 3)));
  assert.deepEqual(p.partials.map((x) => x.partial.templates.map((t) => [t.id, t.count])), [[[users, 3]]]);
});
