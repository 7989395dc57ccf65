import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RigEndpoints } from '../../scripts/rig/index.ts';
import { createRng } from '../../ingest/sources/simulator/rng.ts';
import {
  Daemon, dropIndices, dropTopics, ensureRig, kafkaClient, makeDataset, readEs, replayReference, sendByHost, uniqueName, writeDaemonConfig,
  type Reference,
} from './support/stack.ts';

// A real deployment's log topic: 6 partitions, producers keyed by host (so each service is
// spread over several partitions), and some hosts' lines out of order by up to 30 s. One
// daemon must make exactly what `foresight replay` makes of the same lines. With more than
// one source partition the daemon runs in two stages over the partials topic
// (`source.kafka.partials: auto`, docs/streaming.md), as several daemons in a group would.

const PARTITIONS = 6;
const DISORDER_MS = 30_000;
// Per-partition lateness covers the disorder inside a partition; skew between partitions
// costs nothing. Idle partitions are let go after 2 s so the test's end of input (two
// sentinel lines on one partition) closes the last windows quickly. One daemon, no rebalance
// wanted: a session long enough for a loaded machine.
const INGEST = { allowedLatenessMs: DISORDER_MS };
const KAFKA = { idleMs: 2000, sessionTimeoutMs: 30_000 };
// log_pattern detections come from the template miner, which depends on the order of lines;
// across 6 partitions that order is not the file's, so template ids and bursts differ (a
// fresh-clone run: 6 of 34 detections). This test is about event time per partition, so it
// compares the latency and anomaly detections and the actions; log_pattern is off on both sides.
const DETECTOR = { logPattern: { enabled: false } };

let rig: RigEndpoints;
let file: string;
let lines: string[];
let ref: Reference;
let sentinelWindowEnd: number;
const topics: string[] = [];
const prefixes: string[] = [];

interface Line { ts: number; host: string | undefined; text: string }

before(async () => {
  rig = await ensureRig();
  const data = await makeDataset();
  const parsed: Line[] = readFileSync(data.file, 'utf8').trimEnd().split('\n').map((text) => {
    const o = JSON.parse(text) as { timestamp: string; host?: string };
    return { ts: Date.parse(o.timestamp), host: o.host, text };
  });
  // Every other host's lines are moved up to 30 s later in the stream (a shipper's buffer);
  // the rest stay in time order.
  const hosts = [...new Set(parsed.map((l) => l.host).filter((h): h is string => h !== undefined))].sort();
  const jittered = new Set(hosts.filter((_, i) => i % 2 === 1));
  const rng = createRng(11);
  const keyed = parsed.map((l, i) => ({ l, i, key: l.ts + (l.host !== undefined && jittered.has(l.host) ? rng.next() * DISORDER_MS : 0) }));
  keyed.sort((a, b) => a.key - b.key || a.i - b.i);
  lines = keyed.map((k) => k.l.text);
  file = join(data.dir, 'by-host.ndjson');
  writeFileSync(file, lines.join('\n') + '\n');
  const sentinels = parsed.filter((l) => l.host === undefined).map((l) => l.ts);
  sentinelWindowEnd = Math.floor(Math.min(...sentinels) / 60_000) * 60_000 + 60_000;
  ref = await replayReference({ file }, INGEST, DETECTOR);
  console.error(`[it] ${lines.length} lines, ${hosts.length} hosts (${jittered.size} out of order by up to ${DISORDER_MS / 1000} s); replay: ${ref.detections.length} detections, ${ref.actions.size} actions`);
  assert.ok(ref.actions.size >= 3, 'the scenario leads to actions');
}, { timeout: 300_000 });

after(async () => {
  if (!rig) return;
  await dropTopics(rig, topics.flatMap((t) => [t, `${t}.dlq`, `${t}-g-partials`]));
  for (const p of prefixes) await dropIndices(rig.elasticsearchUrl, p);
});

async function createTopic(topic: string): Promise<void> {
  const admin = kafkaClient(rig).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
}

/** Produces the lines keyed by host (Kafka's default partitioner), returning where each partition's lines went. */
async function produceByHost(topic: string): Promise<Map<number, { lines: number; services: Set<string> }>> {
  const kafka = kafkaClient(rig);
  const admin = kafka.admin();
  await createTopic(topic);
  await sendByHost(rig, topic, lines);
  await admin.connect();
  const spread = new Map<number, { lines: number; services: Set<string> }>();
  // Where the lines landed, read back from the topic's offsets per partition.
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `${topic}-census` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const total = offsets.reduce((a, o) => a + Number(o.high), 0);
  let seen = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        const o = JSON.parse(message.value!.toString()) as { service: string };
        const s = spread.get(partition) ?? { lines: 0, services: new Set<string>() };
        s.lines++;
        s.services.add(o.service);
        spread.set(partition, s);
        if (++seen === total) resolve();
      },
    });
  });
  await consumer.disconnect();
  return spread;
}

test('one daemon on 6 partitions keyed by host, out of order within 30 s: the same detections and action ids as a replay of the file, nothing too late', { timeout: 240_000 }, async () => {
  const topic = uniqueName('parts');
  topics.push(topic);
  prefixes.push(topic);
  const spread = await produceByHost(topic);
  const bySvc = new Map<string, number>();
  for (const s of spread.values()) for (const svc of s.services) bySvc.set(svc, (bySvc.get(svc) ?? 0) + 1);
  console.error(`[it] lines per partition ${JSON.stringify(Object.fromEntries([...spread].map(([p, s]) => [p, s.lines])))}; partitions per service ${JSON.stringify(Object.fromEntries(bySvc))}`);
  assert.ok(spread.size >= 4, 'the hosts spread over the partitions');
  assert.ok([...bySvc.values()].some((n) => n >= 2), 'a service spans several partitions');

  const setup = writeDaemonConfig({ rig, topic, group: `${topic}-g`, prefix: topic, kafka: KAFKA, ingest: INGEST, detector: DETECTOR });
  const daemon = new Daemon(setup);
  const t0 = performance.now();
  try {
    const s = await daemon.until('every line consumed and the last real window closed', (st) => st.lines === lines.length && st.watermark >= sentinelWindowEnd, 150_000, 100);
    console.error(`[it] one daemon consumed ${s.lines} lines from ${PARTITIONS} partitions in ${((performance.now() - t0) / 1000).toFixed(2)} s; dead letters ${JSON.stringify(s.deadLettersByReason)}`);
    assert.equal(s.deadLettersByReason.too_late ?? 0, 0, 'no event is too late: per-partition watermarks absorb the skew between partitions');
    assert.equal(s.deadLetters, 0);
    assert.equal(s.streams?.partialsTopic, `${topic}-g-partials`, 'more than one source partition: two stages over the partials topic');
    assert.equal(s.streams?.partialsPartitions.length, PARTITIONS, 'the one daemon holds every partials partition');
    assert.equal(s.streams?.tooLate, 0, 'no partial arrived after its window closed');
  } finally {
    assert.equal(await daemon.stop(), 0, daemon.stderr.slice(-2000));
  }
  const es = await readEs(rig.elasticsearchUrl, topic);
  assert.deepEqual(es.detections, ref.detections, 'detections equal the replay\'s (same ids)');
  assert.deepEqual([...es.actions.keys()].sort(), [...ref.actions.keys()].sort(), 'action ids equal the replay\'s');
  assert.deepEqual(new Map([...es.actions].sort()), new Map([...ref.actions].sort()), 'and their final states');
  assert.equal(es.actionDocs, ref.actions.size, 'one document per action');
});
// Several daemons in one consumer group: each source partition is read by one of them
// (stage one), each service is merged and judged by the one holding its partials partition
// (stage two), and ownership moves as daemons come and go. The lines arrive in three parts;
// one daemon reads the first, two more join while the second is read, one of them is
// SIGKILLed before the third. Partitions go idle after 2 s, far shorter than the rebalances
// (session 8 s) during which nobody fetches: idleness is checked against the log's end (by
// the reader before it calls a partition idle, by stage two before it closes windows past
// one), so no window closes while a partition's next records wait in Kafka.
const GROUP_KAFKA = { idleMs: 2000, sessionTimeoutMs: 8000 };

test('three daemons in one group, scaled 1 → 3 → 2 with a SIGKILL mid-stream: every action recorded once, with the replay\'s ids and final states; detections equal; none carried out twice', { timeout: 420_000 }, async () => {
  const topic = uniqueName('group');
  const group = `${topic}-g`;
  topics.push(topic);
  prefixes.push(topic);
  await createTopic(topic);
  const cut1 = Math.floor(lines.length * 0.4);
  const cut2 = Math.floor(lines.length * 0.7);
  const setup = (name: string) => writeDaemonConfig({ rig, topic, group, prefix: topic, kafka: GROUP_KAFKA, ingest: INGEST, detector: DETECTOR, instance: name });
  const total = async (ds: Daemon[]): Promise<number> => (await Promise.all(ds.map((d) => d.status().catch(() => undefined)))).reduce((n, s) => n + (s?.lines ?? 0), 0);
  const t0 = performance.now();
  const at = (): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
  const daemons: Daemon[] = [];
  let tooLate: number | undefined;
  let lostPartials: number | undefined;
  try {
    await sendByHost(rig, topic, lines.slice(0, cut1));
    const a = new Daemon(setup('a'));
    daemons.push(a);
    await a.until('the first daemon reads', (st) => st.lines >= cut1 / 2, 180_000, 200);
    console.error(`[it] ${at()}: one daemon, ${(await a.status())?.lines} lines read; two more join`);
    const b = new Daemon(setup('b'));
    const c = new Daemon(setup('c'));
    daemons.push(b, c);
    await sendByHost(rig, topic, lines.slice(cut1, cut2));
    await c.until('the third daemon holds partitions and reads', (st) => (st.streams?.partialsPartitions.length ?? 0) > 0 && st.lines > 0, 180_000, 200);
    await b.until('the second daemon holds partitions', (st) => (st.streams?.partialsPartitions.length ?? 0) > 0, 180_000, 200);
    for (;;) {
      if (await total([a, b, c]) >= cut2 * 0.8) break;
      if (performance.now() - t0 > 300_000) throw new Error('three daemons did not read the second part');
      await new Promise((r) => setTimeout(r, 200));
    }
    console.error(`[it] ${at()}: three daemons, ${await total([a, b, c])} lines read; SIGKILL one`);
    await c.kill();
    await sendByHost(rig, topic, lines.slice(cut2));
    const done = async (): Promise<boolean> => {
      const ss = await Promise.all([a, b].map((d) => d.status().catch(() => undefined)));
      const held = new Set(ss.flatMap((s) => s?.streams?.partialsPartitions ?? []));
      return held.size === PARTITIONS && ss.every((s) => s !== undefined && s.watermark >= sentinelWindowEnd);
    };
    while (!(await done())) {
      if (performance.now() - t0 > 360_000) throw new Error(`the two daemons left did not close every window: ${JSON.stringify(await Promise.all([a, b].map((d) => d.status())))}`);
      if (a.child.exitCode !== null || b.child.exitCode !== null) throw new Error(`a daemon exited:\n${a.stderr.slice(-2000)}\n${b.stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const [sa, sb] = await Promise.all([a.status(), b.status()]);
    console.error(`[it] ${at()}: two daemons closed every window; partials partitions ${JSON.stringify([sa?.streams?.partialsPartitions, sb?.streams?.partialsPartitions])}; dead letters ${JSON.stringify([sa?.deadLettersByReason, sb?.deadLettersByReason])}; stale/too-late partials, idle partitions found with unread records ${JSON.stringify([sa?.streams, sb?.streams].map((x) => [x?.stale, x?.tooLate, x?.idleWoken]))}`);
    tooLate = (sa?.deadLettersByReason.too_late ?? 0) + (sb?.deadLettersByReason.too_late ?? 0);
    lostPartials = (sa?.streams?.tooLate ?? 0) + (sb?.streams?.tooLate ?? 0);
    for (const d of [a, b]) assert.equal(await d.stop(), 0, d.stderr.slice(-2000));
  } finally {
    for (const d of daemons) if (d.child.exitCode === null && d.child.signalCode === null) await d.kill();
  }
  const es = await readEs(rig.elasticsearchUrl, topic);
  const missing = [...ref.actions.keys()].filter((id) => !es.actions.has(id));
  const extra = [...es.actions.keys()].filter((id) => !ref.actions.has(id));
  console.error(`[it] ${es.actions.size} actions in Elasticsearch (${es.actionDocs} documents), ${missing.length} of the replay's missing, ${extra.length} not in it; ${es.detections.length} detections`);
  const carried = new Map<string, number>();
  for (const d of daemons) for (const m of d.stderr.matchAll(/"actionId":"([^"]+)"[^\n]*"msg":"remediation /g)) carried.set(m[1]!, (carried.get(m[1]!) ?? 0) + 1);
  console.error(`[it] carried out ${carried.size} actions, ${[...carried.values()].filter((n) => n > 1).length} more than once; detections ${es.detections.filter((d) => !ref.detections.includes(d)).length} not in the replay, ${ref.detections.filter((d) => !es.detections.includes(d)).length} missing`);
  assert.equal(tooLate, 0, 'no line too late');
  assert.equal(lostPartials, 0, 'no partial with more events than were merged arrived after its window closed');
  assert.deepEqual(es.detections, ref.detections, 'detections equal the replay\'s (same ids)');
  assert.deepEqual([...es.actions.keys()].sort(), [...ref.actions.keys()].sort(), 'action ids equal the replay\'s');
  assert.deepEqual(new Map([...es.actions].sort()), new Map([...ref.actions].sort()), 'and their final states');
  assert.equal(es.actionDocs, ref.actions.size, 'one document per action');
  // Carried out: the log actuator's line, with the action id, in whichever daemon did it.
  assert.ok(carried.size > 0, 'actions were carried out');
  assert.deepEqual([...carried].filter(([, n]) => n > 1), [], 'no action carried out twice');
});
