// Kafka at its ceiling (issue #16), against the test rig's real broker, every reference
// measured in the same run:
//   - produce: `foresight produce` (the CLI, a process of its own) vs a bare kafkajs producer
//     sending the same lines in the same batches, keyed by service the same way (wall time);
//   - consume: the daemon reading a PARTITIONS-partition topic (default 4) — one process
//     (`partials: off`) and the default for several partitions (two stages over the partials
//     topic) — vs a bare kafkajs consumer counting the same topic's messages;
//   - start-up: time to the first message, for the bare consumer (connect → first batch), the
//     daemon (process spawn → first line counted: includes loading TensorFlow) and the replay
//     source alone (`foresight replay kafka://…`'s KafkaSource on a new group → first batch);
//   - the replay source alone: lines/s from its first batch to its end.
//   RIG_KAFKA_PORT=… RIG_ES_PORT=… node --import tsx bench/kafka-consume.ts [LINES=200000]
//   (SCALE_OUT=1 adds runs of 2 and 3 daemons in one group.) `npm run build` first: the
//   daemon and `produce` run from dist/ as users run them.
// Lines are bench/lib/lines.ts's (the ingest bench's), 20 services. Rates are from the first
// message to the last; all processes share this machine's cores.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { kafkaSourceConfigSchema } from '../ingest/sources/kafka/config.ts';
import { KafkaSource } from '../ingest/sources/kafka/source.ts';
import { systemClock } from '../core/clock.ts';
import { Daemon, dropTopics, ensureRig, kafkaClient, runCli, tempDir, uniqueName } from '../test/integration/support/stack.ts';
import { benchLines } from './lib/lines.ts';
import { goal, loadNote } from './lib/measure.ts';

const PARTITIONS = Number(process.env.PARTITIONS ?? 4);
const N = Number(process.argv[2] ?? 200_000);
const SERVICES = 20;
const BATCH = 2000;
const rig = await ensureRig();
const lines = benchLines(N, SERVICES);
const dir = tempDir('bench-kafka');
const file = join(dir, 'lines.ndjson');
writeFileSync(file, lines.join('\n') + '\n');
const kafka = kafkaClient(rig);
const admin = kafka.admin();
await admin.connect();
const topic = uniqueName('bench-kafka');
const bareTopic = `${topic}-bare`;
const print = (o: Record<string, unknown>): void => console.log(JSON.stringify({ bench: 'kafka', partitions: PARTITIONS, lines: N, ...o }));
const secs = (ms: number): number => Number((ms / 1000).toFixed(2));

// Produce. The bare producer does what produceFile does per line that matters to Kafka: the
// service as the key (from JSON.parse), batches of 2,000, idempotent, acks from all replicas.
await admin.createTopics({ topics: [{ topic: bareTopic, numPartitions: PARTITIONS }], waitForLeaders: true });
let bareProduceMs: number;
{
  const t = performance.now();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < lines.length; i += BATCH) {
    const messages = lines.slice(i, i + BATCH).map((value) => {
      const o = JSON.parse(value) as { service?: string; 'service.name'?: string };
      return { key: o.service ?? o['service.name'] ?? null, value };
    });
    await producer.send({ topic: bareTopic, acks: -1, messages });
  }
  await producer.disconnect();
  bareProduceMs = performance.now() - t;
}
const produced = await (async () => {
  const t = performance.now();
  const r = await runCli(['produce', '--topic', topic, '--partitions', String(PARTITIONS), '--json', file], { env: { KAFKA_BROKERS: rig.kafkaBrokers.join(',') } });
  if (r.code !== 0) throw new Error(`produce failed: ${r.stderr}`);
  return { wallMs: performance.now() - t, ...(JSON.parse(r.stdout.trim().split('\n').pop() as string) as { lines: number; seconds: number }) };
})();
print({
  what: 'produce', foresightProduce: { wallSeconds: secs(produced.wallMs), insideSeconds: produced.seconds, note: 'wall = process start to exit; inside = its own timer, from connecting to the last send' },
  reference: { what: 'bare kafkajs producer, same lines, keys and batches, same run', wallSeconds: secs(bareProduceMs) },
  wallRatio: Number((produced.wallMs / bareProduceMs).toFixed(2)), insideRatio: Number((produced.seconds * 1000 / bareProduceMs).toFixed(2)),
});

// The bare consumer: connect → first batch, then first → last message.
let bare: { firstMs: number; rate: number };
{
  const t0 = performance.now();
  const consumer = kafka.consumer({ groupId: `${topic}-bare`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let n = 0;
  let first = 0;
  const t = await new Promise<number>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        if (n === 0) first = performance.now();
        n += batch.messages.length;
        if (n >= N) resolve(performance.now() - first);
      },
    });
  });
  await consumer.disconnect();
  bare = { firstMs: first - t0, rate: Math.round(N / (t / 1000)) };
  print({ what: 'consume', consumer: 'bare kafkajs (counts messages)', secondsToFirstMessage: secs(bare.firstMs), linesPerSec: bare.rate });
}

// The replay source alone (what `foresight replay kafka://topic` reads with): a new group.
{
  const cfg = kafkaSourceConfigSchema.parse({ topics: [topic], brokers: rig.kafkaBrokers, groupId: `${topic}-replay` });
  const source = new KafkaSource(cfg, { batchSize: 1000, maxLineBytes: 1 << 20, clock: systemClock, replay: {} });
  const t0 = performance.now();
  let first = 0;
  let n = 0;
  for await (const batch of source.batches(new AbortController().signal)) {
    if (batch.length > 0 && first === 0) first = performance.now();
    n += batch.length;
    await source.ack?.(batch);
  }
  const end = performance.now();
  await source.close();
  print({ what: 'consume', consumer: 'Foresight Kafka source alone (replay, new group)', lines: n, secondsToFirstMessage: secs(first - t0), linesPerSec: Math.round(n / ((end - first) / 1000)), ofBare: Number((n / ((end - first) / 1000) / bare.rate).toFixed(3)) });
}

// The daemon: spawn → first line counted, first → last line.
const runs: Array<{ instances: number; partials: 'off' | 'auto' }> = [{ instances: 1, partials: 'off' }, { instances: 1, partials: 'auto' }];
if (process.env.SCALE_OUT === '1') runs.push({ instances: 2, partials: 'auto' }, { instances: 3, partials: 'auto' });
const groups: string[] = [];
const rates: Record<string, number> = {};
for (const { instances, partials } of runs) {
  const name = partials === 'off' ? 'oneProcess' : `daemons${instances}`;
  const group = `${topic}-${name}`;
  groups.push(group);
  const daemons: Daemon[] = [];
  const t0 = performance.now();
  for (let i = 0; i < instances; i++) {
    const ddir = tempDir('bench-kafka-daemon');
    const config = join(ddir, 'foresight.yaml');
    writeFileSync(config, YAML.stringify({
      instance: `${group}-${i}`, log: { level: 'info' }, http: { port: 0 },
      source: { kind: 'kafka', kafka: { brokers: rig.kafkaBrokers, topics: [topic], groupId: group, deadLetterTopic: `${topic}.dlq`, partials } },
      remediator: { mode: 'dry_run', actuators: ['log'] }, stores: { kind: 'file', dir: join(ddir, 'var') },
    }));
    daemons.push(new Daemon({ rig, topic, group, prefix: group, dir: ddir, config }));
  }
  let first = 0;
  let total = 0;
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    const ss = await Promise.all(daemons.map((d) => d.status().catch(() => undefined)));
    total = ss.reduce((a, s) => a + (s?.lines ?? 0), 0);
    if (total > 0 && first === 0) first = performance.now();
    if (total >= N) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (performance.now() - first) / 1000;
  for (const d of daemons) await d.stop();
  rates[name] = Math.round(total / seconds);
  print({
    what: 'consume', consumer: 'foresight run', instances, stages: partials === 'off' ? 1 : 2, linesConsumed: total,
    secondsToFirstMessage: secs(first - t0), linesPerSec: rates[name],
    reference: { what: 'bare kafkajs consumer, same topic, same run', linesPerSec: bare.rate },
    ratio: Number(((rates[name] as number) / bare.rate).toFixed(3)),
    goals: [goal('lines/s', rates[name] as number, 150_000), goal('ratio to bare kafkajs', (rates[name] as number) / bare.rate, 0.5)],
    ...loadNote(),
  });
}
await admin.disconnect();
await dropTopics(rig, [topic, bareTopic, `${topic}.dlq`, ...groups.map((g) => `${g}-partials`)]);
process.exit(0);
