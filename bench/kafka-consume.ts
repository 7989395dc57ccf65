// Consumed lines/s of the daemon on a 6-partition topic keyed by host, with 1, 2 and 3
// instances in one consumer group (two stages over the partials topic, the default for a
// topic of several partitions), one instance in one process (`partials: off`) for the cost
// of the two stages, and a bare kafkajs consumer reading the same topic in the same run
// (the ceiling on this machine). Needs the test rig:
//   RIG_KAFKA_PORT=… RIG_ES_PORT=… node --import tsx bench/kafka-consume.ts
// One JSON line per measurement, then a summary line with the ratios.
// Rates are from the first line consumed to the last (group joins and TensorFlow start-up
// excluded); all instances share this machine's cores, so scaling is bounded by them.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { Daemon, dropTopics, ensureRig, kafkaClient, makeDataset, tempDir, uniqueName } from '../test/integration/support/stack.ts';

const PARTITIONS = 6;
const rig = await ensureRig();
const data = await makeDataset();
const lines = readFileSync(data.file, 'utf8').trimEnd().split('\n');
const topic = uniqueName('bench-consume');
const kafka = kafkaClient(rig);
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
for (let i = 0; i < lines.length; i += 1000) {
  await producer.send({ topic, acks: -1, messages: lines.slice(i, i + 1000).map((value) => ({ key: (JSON.parse(value) as { host?: string }).host ?? null, value })) });
}
await producer.disconnect();
const N = lines.length;
const results: Record<string, number> = {};

// Bare kafkajs: parse nothing, count messages.
{
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
  results.bare = Math.round(N / (t / 1000));
  console.log(JSON.stringify({ bench: 'kafka-consume', consumer: 'kafkajs', partitions: PARTITIONS, lines: N, seconds: Number((t / 1000).toFixed(2)), linesPerSecond: results.bare }));
}

const runs = [{ instances: 1, partials: 'off' }, { instances: 1, partials: 'auto' }, { instances: 2, partials: 'auto' }, { instances: 3, partials: 'auto' }] as const;
const groups: string[] = [];
for (const { instances, partials } of runs) {
  const name = partials === 'off' ? 'oneProcess' : `daemons${instances}`;
  const group = `${topic}-${name}`;
  groups.push(group);
  const daemons: Daemon[] = [];
  for (let i = 0; i < instances; i++) {
    const dir = tempDir('bench-consume');
    const config = join(dir, 'foresight.yaml');
    writeFileSync(config, YAML.stringify({
      instance: `${group}-${i}`, log: { level: 'info' }, http: { port: 0 },
      source: { kind: 'kafka', kafka: { brokers: rig.kafkaBrokers, topics: [topic], groupId: group, deadLetterTopic: `${topic}.dlq`, partials } },
      remediator: { mode: 'dry_run', actuators: ['log'] }, stores: { kind: 'file', dir: join(dir, 'var') },
    }));
    daemons.push(new Daemon({ rig, topic, group, prefix: group, dir, config }));
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
  results[name] = Math.round(N / seconds);
  console.log(JSON.stringify({ bench: 'kafka-consume', consumer: 'foresight', instances, stages: partials === 'off' ? 1 : 2, partitions: PARTITIONS, lines: total, seconds: Number(seconds.toFixed(2)), linesPerSecond: results[name] }));
}
await admin.disconnect();
await dropTopics(rig, [topic, `${topic}.dlq`, ...groups.map((g) => `${g}-partials`)]);
console.log(JSON.stringify({
  bench: 'kafka-consume', summary: true, linesPerSecond: results,
  scaling: { two: Number((results.daemons2! / results.daemons1!).toFixed(2)), three: Number((results.daemons3! / results.daemons1!).toFixed(2)) },
  twoStagesOfOneProcess: Number((results.daemons1! / results.oneProcess!).toFixed(2)),
  ofBareKafkajs: { oneProcess: Number((results.oneProcess! / results.bare!).toFixed(3)), one: Number((results.daemons1! / results.bare!).toFixed(3)), two: Number((results.daemons2! / results.bare!).toFixed(3)), three: Number((results.daemons3! / results.bare!).toFixed(3)) },
}));
process.exit(0);
