import type { Kafka } from 'kafkajs';
import { systemClock } from '../../../core/clock.ts';
import { ForesightError } from '../../../core/errors.ts';
import { compilePath, isPlainObject, lookupPath } from '../../clean/lookup.ts';
import { FileSource } from '../file.ts';

/**
 * `foresight produce --topic T FILE`: NDJSON logs (plain or gzip) into a Kafka topic,
 * keyed by service so one service's lines stay in order on one partition. Lines that do
 * not parse, or carry no service, are produced too (key null): the daemon is the one that
 * judges input, and malformed-input tests and demos need them to reach it.
 */

export interface ProduceOptions {
  topic: string;
  /** Service aliases, as in ingest.fields.service. */
  serviceFields: string[];
  /** Partitions if the topic has to be created (default 1: one ordered stream, like the file). */
  partitions?: number;
  /** Messages per produce request. */
  chunk?: number;
  onProgress?: (lines: number) => void;
}

export interface ProduceResult {
  lines: number;
  keyed: number;
  seconds: number;
}

export function serviceKeyOf(line: string, paths: ReturnType<typeof compilePath>[]): string | null {
  let obj: unknown;
  try { obj = JSON.parse(line); } catch { return null; }
  if (!isPlainObject(obj)) return null;
  for (const p of paths) {
    const v = lookupPath(obj, p);
    if (typeof v === 'string' && v !== '') return v;
  }
  return null;
}

export async function produceFile(kafka: Kafka, path: string, opts: ProduceOptions): Promise<ProduceResult> {
  const started = performance.now();
  const paths = opts.serviceFields.map(compilePath);
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const source = new FileSource(path, { clock: systemClock, batchSize: opts.chunk ?? 2000, maxLineBytes: 16 * 1024 * 1024 });
  let lines = 0;
  let keyed = 0;
  try {
    await admin.connect();
    const existing = await admin.listTopics();
    if (!existing.includes(opts.topic)) {
      await admin.createTopics({ topics: [{ topic: opts.topic, numPartitions: opts.partitions ?? 1 }], waitForLeaders: true });
    }
    await producer.connect();
    const signal = new AbortController().signal;
    for await (const batch of source.batches(signal)) {
      const messages = batch.map((r) => {
        const key = serviceKeyOf(r.text, paths);
        if (key !== null) keyed++;
        return { key, value: r.text };
      });
      await producer.send({ topic: opts.topic, acks: -1, messages });
      lines += batch.length;
      opts.onProgress?.(lines);
    }
  } catch (err) {
    if (err instanceof ForesightError) throw err;
    throw new ForesightError('SOURCE_FAILED', `producing ${path} to ${opts.topic} failed: ${(err as Error).message}`, { cause: err });
  } finally {
    await source.close();
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
  return { lines, keyed, seconds: Number(((performance.now() - started) / 1000).toFixed(3)) };
}
