/**
 * Stage one's writer: merge records to every partials partition, partials to the partials
 * partition of their service, then watermark records to every partials partition, in order
 * (so in each partition a merge record comes before the partials that carry its survivor's
 * id, and a watermark record follows the partials it covers), acknowledged by all in-sync replicas before the caller
 * commits the source offsets that produced them. A broker away is waited out (health.ts):
 * the pipeline stops pulling meanwhile, nothing is committed.
 */
import type { Kafka, Producer } from 'kafkajs';
import { ForesightError } from '../../core/errors.ts';
import { untilDelivered, type KafkaHealth } from '../sources/kafka/health.ts';
import type { SourcedPartial } from '../index.ts';
import type { TemplateMerge } from '../types.ts';
import { encodeRecord, shardOf } from './records.ts';

export interface SourceMark {
  source: string;
  /** Largest event time seen on that source partition; null before any. */
  maxTs: number | null;
  idle: boolean;
  /** Idle ones: the next offset the reader would fetch (stage two checks the log's end against it). */
  next?: string;
}

/** Bytes per produce request, well under the broker's default 1 MB message limit. */
const REQUEST_BYTES = 512 * 1024;

export class PartialsPublisher {
  private readonly producer: Producer;
  private started = false;
  /** What each source partition's last watermark record said, so unchanged ones are not sent again. */
  private readonly sent = new Map<string, string>();
  readonly stats = { partials: 0, watermarks: 0, merges: 0, sends: 0 };

  constructor(private readonly kafka: Kafka, readonly topic: string, readonly partitions: number, private readonly health: KafkaHealth) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  }

  /** Creates the topic (with the source's partition count) unless it exists, and connects. */
  async start(): Promise<void> {
    if (this.started) return;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const meta = await admin.fetchTopicMetadata({ topics: [] });
      const existing = meta.topics.find((t) => t.name === this.topic);
      if (!existing) {
        await admin.createTopics({ topics: [{ topic: this.topic, numPartitions: this.partitions }], waitForLeaders: true });
      } else if (existing.partitions.length !== this.partitions) {
        throw new ForesightError('CONFIG_INVALID', `partials topic ${this.topic} has ${existing.partitions.length} partitions, the source ${this.partitions}: delete it or name another (source.kafka.partialsTopic)`);
      }
      await this.producer.connect();
      this.started = true;
    } catch (err) {
      if (err instanceof ForesightError) throw err;
      throw new ForesightError('SOURCE_FAILED', `cannot set up the partials topic ${this.topic}: ${(err as Error).message}`, { retriable: true, cause: err });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Resolves once every record is durable (acks from all in-sync replicas). */
  async publish(partials: readonly SourcedPartial[], marks: readonly SourceMark[], merges: readonly TemplateMerge[] = [], source = ''): Promise<void> {
    const messages: Array<{ partition: number; key: string | null; value: string }> = [];
    for (const m of merges) {
      const value = encodeRecord({ kind: 'merge', source, ids: m.ids, into: m.into });
      for (let q = 0; q < this.partitions; q++) messages.push({ partition: q, key: null, value });
    }
    for (const { source, partial } of partials) {
      messages.push({ partition: shardOf(partial.service, this.partitions), key: partial.service, value: encodeRecord({ kind: 'partial', source, partial }) });
    }
    let marksSent = 0;
    for (const m of marks) {
      const value = encodeRecord({ kind: 'watermark', source: m.source, maxTs: m.maxTs, idle: m.idle, ...(m.idle && m.next !== undefined ? { next: m.next } : {}) });
      if (this.sent.get(m.source) === value) continue;
      this.sent.set(m.source, value);
      marksSent++;
      for (let q = 0; q < this.partitions; q++) messages.push({ partition: q, key: null, value });
    }
    if (messages.length === 0) return;
    // In order, one request at a time: a watermark record never overtakes the partials it covers.
    let chunk: typeof messages = [];
    let bytes = 0;
    const send = async (): Promise<void> => {
      if (chunk.length === 0) return;
      const batch = chunk;
      chunk = [];
      bytes = 0;
      await untilDelivered(this.health, 'partials', async () => {
        try {
          await this.producer.send({ topic: this.topic, acks: -1, messages: batch });
        } catch (err) {
          throw new ForesightError('SOURCE_FAILED', `cannot publish to the partials topic ${this.topic}: ${(err as Error).message}`, { retriable: true, cause: err });
        }
      });
      this.stats.sends++;
    };
    for (const m of messages) {
      if (bytes + m.value.length > REQUEST_BYTES) await send();
      chunk.push(m);
      bytes += m.value.length;
    }
    await send();
    this.stats.partials += partials.length;
    this.stats.watermarks += marksSent;
    this.stats.merges += merges.length;
  }

  /** A source partition given up: its next owner's first watermark record must go out even if it says the same. */
  forget(source: string): void {
    this.sent.delete(source);
  }

  async close(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.producer.disconnect().catch(() => undefined);
  }
}
