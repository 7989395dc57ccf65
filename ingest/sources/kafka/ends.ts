/**
 * The log's end (high-water mark) of partitions, looked up now: whether an "idle" partition
 * really has nothing unread. Idleness alone is wall time since data last came, and a reader
 * that is rebalancing, or busy with another partition, hears of nothing for a while although
 * Kafka holds its next records; a window closed on that word makes those records late
 * (docs/streaming.md, "Idle partitions"). One admin connection, kept between look-ups: they
 * come with every idle decision and every window stage two closes past an idle partition,
 * and the group's committed offsets of the partitions a rejoin kept (source.ts). A daemon
 * keeps one for everything: stage two's look-ups, the source's idle checks, its start
 * offsets of gained partitions and its warm-start seeks (`run`).
 */
import type { Admin, Kafka } from 'kafkajs';
import { splitPartitionKey } from './partitions.ts';

/** `topic:partition` (partitionKeyOf) → the offset the next record written will get. */
export type LogEndLookup = (keys: readonly string[]) => Promise<Map<string, bigint>>;

export class LogEnds {
  private admin: Admin | undefined;
  private connecting: Promise<Admin> | undefined;
  private closed = false;

  constructor(private readonly kafka: Kafka) {}

  private connect(): Promise<Admin> {
    if (this.admin) return Promise.resolve(this.admin);
    this.connecting ??= (async () => {
      const admin = this.kafka.admin();
      try {
        await admin.connect();
        this.admin = admin;
        return admin;
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  /** Rejects when Kafka cannot answer; callers then keep the partitions counted as active. */
  readonly of: LogEndLookup = async (keys) => {
    const out = new Map<string, bigint>();
    if (keys.length === 0) return out;
    const byTopic = new Map<string, Set<number>>();
    for (const k of keys) {
      const { topic, partition } = splitPartitionKey(k);
      const set = byTopic.get(topic) ?? new Set<number>();
      set.add(partition);
      byTopic.set(topic, set);
    }
    await this.run(async (admin) => {
      for (const [topic, partitions] of byTopic) {
        for (const o of await admin.fetchTopicOffsets(topic)) {
          if (partitions.has(o.partition)) out.set(`${topic}:${o.partition}`, BigInt(o.high));
        }
      }
    });
    return out;
  };

  /**
   * Runs `fn` on the kept admin connection (connected on first use); a failure drops the
   * connection so the next call makes a fresh one. Rejects once closed.
   */
  async run<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('log-end look-ups closed');
    const admin = await this.connect();
    try {
      return await fn(admin);
    } catch (err) {
      // A fresh connection next time: this one may be the problem.
      if (this.admin === admin) this.admin = undefined;
      await admin.disconnect().catch(() => undefined);
      throw err;
    }
  }

  /**
   * The group's committed offsets of these partitions (`topic:partition` → offset; absent
   * when the group has none), over the same connection. Rejects when Kafka cannot answer.
   */
  async committed(groupId: string, keys: readonly string[]): Promise<Map<string, bigint>> {
    const out = new Map<string, bigint>();
    if (keys.length === 0) return out;
    const wanted = new Set(keys);
    const topics = [...new Set(keys.map((k) => splitPartitionKey(k).topic))];
    await this.run(async (admin) => {
      for (const t of await admin.fetchOffsets({ groupId, topics })) {
        for (const p of t.partitions) {
          const key = `${t.topic}:${p.partition}`;
          if (wanted.has(key) && BigInt(p.offset) >= 0n) out.set(key, BigInt(p.offset));
        }
      }
    });
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }
}
