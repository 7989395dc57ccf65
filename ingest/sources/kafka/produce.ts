import type { Kafka } from 'kafkajs';
import { systemClock } from '../../../core/clock.ts';
import { ForesightError } from '../../../core/errors.ts';
import { compilePath, isPlainObject, lookupPath } from '../../clean/lookup.ts';
import { parseTimestamp } from '../../clean/timestamp.ts';
import { FileSource } from '../file.ts';

/**
 * `foresight produce --topic T FILE`: NDJSON logs (plain or gzip) into a Kafka topic,
 * keyed by service so one service's lines stay in order on one partition. Lines that do
 * not parse, or carry no service, are produced too (key null): the daemon is the one that
 * judges input, and malformed-input tests and demos need them to reach it.
 *
 * Each record's Kafka timestamp is the log's own event time (the first time alias that
 * parses), so `replay kafka://T?from=&to=` and warm starts seek by event time; lines
 * without one get the broker's time. Historical logs carry old timestamps, which a
 * topic's time-based retention would delete within minutes, so a topic created here has
 * `retention.ms=-1` (size limits, if any, still apply).
 */

export interface ProduceOptions {
  topic: string;
  /** Service aliases, as in ingest.fields.service. */
  serviceFields: string[];
  /** Time aliases, as in ingest.fields.time: the record timestamp is the log's event time. */
  timeFields?: string[];
  /** Partitions if the topic has to be created (default 1: one ordered stream, like the file). */
  partitions?: number;
  /** Messages per produce request. */
  chunk?: number;
  /** After each request: lines sent, and bytes of the file read so far (compressed for gzip). */
  onProgress?: (lines: number, bytesRead: number) => void;
}

export interface ProduceResult {
  lines: number;
  keyed: number;
  /** Records whose Kafka timestamp is the log's event time. */
  timed: number;
  seconds: number;
}

type Path = ReturnType<typeof compilePath>;

export function serviceKeyOf(line: string, paths: Path[]): string | null {
  return recordOf(line, paths, []).key;
}

/** The record key (service) and timestamp (event time, epoch ms) of one line, where it has them. */
export function recordOf(line: string, servicePaths: Path[], timePaths: Path[]): { key: string | null; timestamp?: number } {
  let obj: unknown;
  try { obj = JSON.parse(line); } catch { return { key: null }; }
  if (!isPlainObject(obj)) return { key: null };
  let key: string | null = null;
  for (const p of servicePaths) {
    const v = lookupPath(obj, p);
    if (typeof v === 'string' && v !== '') { key = v; break; }
  }
  for (const p of timePaths) {
    const v = lookupPath(obj, p);
    if (v === undefined) continue;
    const t = parseTimestamp(v);
    return t.ok ? { key, timestamp: t.ms } : { key };
  }
  return { key };
}

export async function produceFile(kafka: Kafka, path: string, opts: ProduceOptions): Promise<ProduceResult> {
  const started = performance.now();
  const paths = opts.serviceFields.map(compilePath);
  const timePaths = (opts.timeFields ?? []).map(compilePath);
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const source = new FileSource(path, { clock: systemClock, batchSize: opts.chunk ?? 2000, maxLineBytes: 16 * 1024 * 1024 });
  let lines = 0;
  let keyed = 0;
  let timed = 0;
  try {
    await admin.connect();
    const existing = await admin.listTopics();
    if (!existing.includes(opts.topic)) {
      await admin.createTopics({ topics: [{ topic: opts.topic, numPartitions: opts.partitions ?? 1, configEntries: [{ name: 'retention.ms', value: '-1' }] }], waitForLeaders: true });
    }
    await producer.connect();
    const signal = new AbortController().signal;
    for await (const batch of source.batches(signal)) {
      const messages = batch.map((r) => {
        const { key, timestamp } = recordOf(r.text, paths, timePaths);
        if (key !== null) keyed++;
        // The broker refuses timestamps too far ahead (message.timestamp.after.max.ms, 1 h by default in Kafka 4).
        if (timestamp === undefined || timestamp > Date.now() + 3_600_000) return { key, value: r.text };
        timed++;
        return { key, value: r.text, timestamp: String(timestamp) };
      });
      await producer.send({ topic: opts.topic, acks: -1, messages });
      lines += batch.length;
      opts.onProgress?.(lines, source.bytesRead);
    }
  } catch (err) {
    if (err instanceof ForesightError) throw err;
    throw new ForesightError('SOURCE_FAILED', `producing ${path} to ${opts.topic} failed: ${(err as Error).message}`, { cause: err });
  } finally {
    await source.close();
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
  return { lines, keyed, timed, seconds: Number(((performance.now() - started) / 1000).toFixed(3)) };
}
