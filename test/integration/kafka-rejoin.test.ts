/**
 * A daemon dropped from its consumer group and back (issue #9's known gap): its event loop
 * stops for longer than its session timeout — here for real, SIGSTOP — while another daemon
 * of the group takes its partitions over, warm-starts them and carries out actions; then it
 * runs again (SIGCONT), rejoins under a new member id and is handed partitions it never saw
 * itself lose. What it kept for them is stale: it must not carry out what the other did.
 * Every action is carried out once (the log actuator's line, in whichever daemon), with the
 * ids and final states of a replay of the same lines.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { RigEndpoints } from '../../scripts/rig/index.ts';
import { ElasticsearchRecordStore } from '../../remediator/store/elasticsearch/store.ts';
import { elasticsearchStoreConfigSchema } from '../../remediator/store/elasticsearch/config.ts';
import type { ActionRecord } from '../../remediator/types.ts';
import {
  Daemon, dropIndices, dropTopics, ensureRig, kafkaClient, makeDataset, readEs, replayReference, sendByHost, tempDir, uniqueName, writeDaemonConfig,
  type Reference,
} from './support/stack.ts';

const PARTITIONS = 4;
// As the three-daemon test: 30 s lateness, partitions idle after 2 s, an 8 s session.
const INGEST = { allowedLatenessMs: 30_000 };
const KAFKA = { idleMs: 2000, sessionTimeoutMs: 8000 };
// log_pattern detections depend on the order lines reach the miner, which is not the file's
// across partitions (kafka-partitions.test.ts): off on both sides.
const DETECTOR = { logPattern: { enabled: false } };

let rig: RigEndpoints;
let lines: string[];
let ref: Reference;
let sentinelWindowEnd: number;
const topics: string[] = [];
const prefixes: string[] = [];
const daemons: Daemon[] = [];

before(async () => {
  rig = await ensureRig();
  const data = await makeDataset();
  lines = readFileSync(data.file, 'utf8').trimEnd().split('\n');
  const sentinels = lines.map((l) => JSON.parse(l) as { timestamp: string; host?: string }).filter((o) => o.host === undefined).map((o) => Date.parse(o.timestamp));
  sentinelWindowEnd = Math.floor(Math.min(...sentinels) / 60_000) * 60_000 + 60_000;
  ref = await replayReference(data, INGEST, DETECTOR);
  console.error(`[it] ${lines.length} lines; replay: ${ref.detections.length} detections, ${ref.actions.size} actions at ${ref.actionTimes.map((t) => new Date(t).toISOString().slice(11, 16)).join(' ')}`);
  assert.ok(ref.actions.size >= 3, 'the scenario leads to actions');
}, { timeout: 300_000 });

after(async () => {
  for (const d of daemons) {
    if (d.child.exitCode !== null || d.child.signalCode !== null) continue;
    d.child.kill('SIGCONT');
    await d.kill();
  }
  if (!rig) return;
  await dropTopics(rig, topics.flatMap((t) => [t, `${t}.dlq`, `${t}-g-partials`]));
  for (const p of prefixes) await dropIndices(rig.elasticsearchUrl, p);
});

/** Index of the first line at or after `t` (event time). */
function lineAt(t: number): number {
  const i = lines.findIndex((l) => Date.parse((JSON.parse(l) as { timestamp: string }).timestamp) >= t);
  return i < 0 ? lines.length : i;
}

/** Carried out: the log actuator's line with the action id (as in kafka-partitions.test.ts). */
function carriedOut(ds: readonly Daemon[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const d of ds) for (const m of d.stderr.matchAll(/"actionId":"([^"]+)"[^\n]*"msg":"remediation /g)) n.set(m[1]!, (n.get(m[1]!) ?? 0) + 1);
  return n;
}

const count = (d: Daemon, what: string): number => d.stderr.split('\n').filter((l) => l.includes(what)).length;

async function until(what: string, ok: () => Promise<boolean> | boolean, timeoutMs: number, watch: readonly Daemon[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    for (const d of watch) if (d.child.exitCode !== null) throw new Error(`a daemon exited while waiting for ${what}:\n${d.stderr.slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${watch.map((d) => d.stderr.slice(-1500)).join('\n---\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('action claims on the real Elasticsearch: the first process wins, another loses and learns who has it and its record once written, the same process wins again', { timeout: 60_000 }, async () => {
  const prefix = uniqueName('claims');
  prefixes.push(prefix);
  const cfg = elasticsearchStoreConfigSchema.parse({ url: rig.elasticsearchUrl, indexPrefix: prefix });
  const store = await ElasticsearchRecordStore.open(cfg, { dir: tempDir('claims') });
  try {
    const a = { instance: 'a', process: 'pa' };
    const b = { instance: 'b', process: 'pb' };
    assert.deepEqual(await store.claimAction('act-x', a), { won: true });
    assert.deepEqual(await store.claimAction('act-x', b), { won: false, by: a }, 'claimed, not recorded yet');
    assert.deepEqual(await store.claimAction('act-x', a), { won: true }, 'the same process again');
    const rec: ActionRecord = {
      actionId: 'act-x', '@timestamp': '2026-01-01T01:00:00.000Z', service: 'checkout', kind: 'scale_out', target: 'checkout',
      params: { fromReplicas: 2, toReplicas: 4 }, reason: { detectionId: 'd', detectionKind: 'predicted_breach', score: 1, evidence: 'e' },
      mode: 'dry_run', status: 'planned', actuator: 'log', daemon: { instance: 'a', version: '0', configHash: 'h' },
    };
    await store.putActions([rec]);
    const lost = await store.claimAction('act-x', b);
    assert.equal(lost.won, false);
    assert.deepEqual(!lost.won && lost.record, rec, 'its record, read back without a refresh');
    // Concurrent claims of one new id: exactly one wins.
    const many = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claimAction('act-y', { instance: `i${i}`, process: `p${i}` })));
    assert.equal(many.filter((c) => c.won).length, 1);
  } finally {
    await store.close();
  }
  // Elasticsearch away: the claim rejects (the remediator then carries the action out unclaimed).
  const away = await ElasticsearchRecordStore.open(elasticsearchStoreConfigSchema.parse({ url: 'http://127.0.0.1:9', indexPrefix: prefix, retries: 0 }), { dir: tempDir('claims-away') });
  try {
    await assert.rejects(away.claimAction('act-z', { instance: 'a', process: 'pa' }), /cannot claim action act-z/);
  } finally {
    await away.close();
  }
});

/**
 * `idle`: a is frozen once it has read part one (nothing in flight), the other reads part two
 * and leaves (a is handed every partition back) or stays (a is handed some back).
 * `mid-stream`: a is frozen while it works through a backlog, with records fetched and not
 * yet processed; the other re-reads from a's commits and acts on windows a had not closed,
 * commonly without committing past a (its last batches feed windows still open). Thawed, a
 * finishes what it had and closes those windows too (the three-daemon test's 1-in-8 case; on
 * the code before the claims, one such run carried an alert out twice).
 */
const CASES = [
  { name: 'idle, then the other leaves (the thawed one is handed all partitions back)', midStream: false, otherStays: false },
  { name: 'idle, then both run on (the thawed one is handed some partitions back)', midStream: false, otherStays: true },
  { name: 'mid-stream with records in flight, then both run on', midStream: true, otherStays: true },
  { name: 'mid-stream with records in flight, then the other leaves (the thawed one finishes what the other acted on)', midStream: true, otherStays: false },
] as const;

for (const c of CASES) {
  test(`a daemon frozen (SIGSTOP) past its session while another takes its partitions over and acts, then thawed: every action carried out once, ids and final states equal to the replay; ${c.name}`, { timeout: 600_000 }, async () => {
    const { midStream, otherStays } = c;
    const topic = uniqueName(`rejoin${CASES.indexOf(c) + 1}`);
    const group = `${topic}-g`;
    topics.push(topic);
    prefixes.push(topic);
    const admin = kafkaClient(rig).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    await admin.disconnect();
    // Part one ends 15 minutes before the first action; part two holds at least half of them
    // (and 5 minutes after, so their windows close); part three the rest.
    const times = ref.actionTimes;
    const cut1 = lineAt(times[0]! - 15 * 60_000);
    const cut2 = lineAt(times[Math.ceil(times.length / 2) - 1]! + 5 * 60_000);
    // Many of the replay's actions are suppressed (guardrails), so b's progress is told by its
    // watermark: past the window of part two's last action. Whether b carries any out itself
    // depends on how far a got before it was frozen: mid-stream on a quiet machine a may have
    // recorded every action of part two already, and b only adopts them (then the test checks
    // that b does not carry them out again).
    const partTwoEnd = Date.parse((JSON.parse(lines[cut2 - 1]!) as { timestamp: string }).timestamp);
    const lastInPartTwo = times.filter((t) => t < partTwoEnd - 2 * 60_000).at(-1)!;
    const setup = (name: string) => writeDaemonConfig({ rig, topic, group, prefix: topic, kafka: KAFKA, ingest: INGEST, detector: DETECTOR, instance: name });
    const t0 = performance.now();
    const at = (): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

    const a = new Daemon(setup('a'));
    daemons.push(a);
    if (midStream) {
      await sendByHost(rig, topic, lines.slice(0, cut2));
      // Stage two two minutes short of the first action's window: what decides it is fetched or on its way.
      const s = await a.until('a works towards the first action', (st) => st.watermark >= times[0]! - 2 * 60_000, 240_000, 50);
      a.child.kill('SIGSTOP');
      console.error(`[it] ${at()}: a alone, ${s.lines} of ${cut2} lines read, stage two closed through ${new Date(s.watermark).toISOString().slice(11, 16)}; SIGSTOP a, b starts`);
    } else {
      await sendByHost(rig, topic, lines.slice(0, cut1));
      await a.until('a reads part one', (s) => s.lines >= cut1 && (s.streams?.partialsPartitions.length ?? 0) === PARTITIONS, 240_000, 200);
      a.child.kill('SIGSTOP');
      console.error(`[it] ${at()}: a read part one (${cut1} lines) alone; SIGSTOP a, b starts, part two (${cut2 - cut1} lines) sent`);
    }
    const aBefore = count(a, 'partitions assigned');
    const b = new Daemon(setup('b'));
    daemons.push(b);
    if (!midStream) await sendByHost(rig, topic, lines.slice(cut1, cut2));
    // a's session expires (8 s without heartbeats): b is handed every partition, warm-starts
    // them and reads part two; it carries out the actions part two leads to.
    await until('b decides part two\'s actions', async () => {
      const st = await b.status().catch(() => undefined);
      return st !== undefined && st.watermark > lastInPartTwo + 60_000 && (carriedOut([b]).size > 0 || midStream);
    }, 300_000, [b]);
    const byB = `${carriedOut([b]).size} of ${(await b.status())?.actions} recorded`;
    if (!otherStays) {
      assert.equal(await b.stop(), 0, b.stderr.slice(-2000));
      console.error(`[it] ${at()}: b carried out ${byB} actions and stopped; SIGCONT a`);
    } else {
      console.error(`[it] ${at()}: b carried out ${byB} actions; SIGCONT a`);
    }
    a.child.kill('SIGCONT');
    // a finds it was dropped, joins again and is handed partitions it still has state for.
    await until('a rejoins', () => count(a, 'partitions assigned') > aBefore, 120_000, [a]);
    await sendByHost(rig, topic, lines.slice(cut2));
    const live = otherStays ? [a, b] : [a];
    await until('every window closed', async () => {
      const ss = await Promise.all(live.map((d) => d.status().catch(() => undefined)));
      const held = new Set(ss.flatMap((s) => s?.streams?.partialsPartitions ?? []));
      return held.size === PARTITIONS && ss.every((s) => s !== undefined && s.watermark >= sentinelWindowEnd);
    }, 300_000, live);
    const ss = await Promise.all(live.map((d) => d.status()));
    const tooLate = ss.reduce((n, s) => n + (s?.deadLettersByReason.too_late ?? 0), 0);
    const lostPartials = ss.reduce((n, s) => n + (s?.streams?.tooLate ?? 0), 0);
    for (const d of live) assert.equal(await d.stop(), 0, d.stderr.slice(-2000));

    const regained = count(a, 'worked by another member meanwhile');
    const claimsLost = count(a, 'action already claimed by another process') + count(b, 'action already claimed by another process');
    const carried = carriedOut([a, b]);
    const es = await readEs(rig.elasticsearchUrl, topic);
    console.error(`[it] ${at()}: a regained stale partitions ${regained} time(s); claims lost ${claimsLost}; carried out ${carried.size} actions (a ${carriedOut([a]).size}, b ${carriedOut([b]).size}), ${[...carried.values()].filter((n) => n > 1).length} more than once; ES ${es.actions.size} actions (${es.actionDocs} documents), ${es.detections.length} detections; too late: ${tooLate} lines, ${lostPartials} partials`);
    if (!midStream) assert.ok(regained >= 1, 'the thawed daemon found partitions it kept worked by the other, and dropped their state');
    // Handed every partition back, the thawed one closes the windows the other acted on: one
    // of the guards must have told it (the other's commits, or its claims). When the other
    // carried nothing out (mid-stream on a quiet machine a had recorded every action of part
    // two before it was frozen) there is nothing for a guard to tell.
    if (!otherStays && carriedOut([b]).size > 0) assert.ok(regained + claimsLost >= 1, 'a guard fired');
    assert.deepEqual([...carried].filter(([, n]) => n > 1), [], 'no action carried out twice');
    assert.deepEqual([...carried.keys()].sort(), [...ref.actions.keys()].filter((id) => carried.has(id)).sort(), 'only the replay\'s actions carried out');
    assert.equal(tooLate, 0, 'no line too late');
    assert.equal(lostPartials, 0, 'no partial with more events than were merged arrived after its window closed');
    assert.deepEqual(es.detections, ref.detections, 'detections equal the replay\'s (same ids)');
    assert.deepEqual([...es.actions.keys()].sort(), [...ref.actions.keys()].sort(), 'action ids equal the replay\'s');
    assert.deepEqual(new Map([...es.actions].sort()), new Map([...ref.actions].sort()), 'and their final states');
    assert.equal(es.actionDocs, ref.actions.size, 'one document per action');
  });
}
