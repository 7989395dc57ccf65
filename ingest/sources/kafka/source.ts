/**
 * Kafka source: a consumer group read in batches, offsets committed only on `ack`.
 *
 *   kafkajs eachBatch ──► chunks of batchSize ──► hand-off queue ──► batches() ──► pipeline
 *        ▲  waits until the pipeline asks for the next chunk           │
 *        └── resolveOffset (fetch position only)                       └─► ack(batch) ──► commitOffsets
 *
 * kafkajs pushes; the pipeline pulls. Each chunk is handed over and eachBatch waits until
 * the pipeline has finished with it (heartbeating meanwhile), so at most one chunk is in
 * flight and a slow pipeline throttles fetching. `resolveOffset` only moves the fetch
 * position; nothing is committed until the pipeline acknowledges that a batch's effects are
 * durable (it holds back acknowledgements while a batch still feeds an open window, see
 * daemon/pipeline.ts). Commits are monotonic per partition.
 *
 * Offsets redelivered in this process (after a group rebalance hands a partition back) are
 * skipped: they already sit in the pipeline's windows, and counting them twice would skew
 * the metrics. After a restart nothing is in memory, so everything from the committed
 * offset on is read again, which is the point.
 *
 * Warm start: a partition with a committed offset is first re-read from `warmupMs` (by
 * message timestamp) before the message at that offset, so the pipeline's models,
 * detectors and remediator rebuild the state they had. The rewind is a seek inside the
 * first batch (only then is the resume point's timestamp known); the re-read chunks are
 * marked (`isWarmup`) so the pipeline records, dead-letters and acts on none of them again,
 * and their acknowledgements are no-ops: commits start from the group's committed offsets
 * and only move forward.
 *
 * Partitions: the consumer reports which partitions it holds and which are idle
 * (partitions.ts) through `partitions()`; when only idleness changed it yields an empty
 * batch, so windows a partition that went quiet was holding back can close.
 *
 * `start` applies only to partitions the group has no committed offset for; a daemon
 * restart never silently jumps. Replays (`replay` option) use a throwaway group, commit
 * nothing, and end at the offsets captured when they start (the high-water marks, or the
 * first offsets at or after `to`).
 */
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Clock } from '../../../core/clock.ts';
import { ForesightError } from '../../../core/errors.ts';
import type { Logger } from '../../../core/log.ts';
import type { LogSource, RawInput } from '../../types.ts';
import { createKafka } from './client.ts';
import type { KafkaSourceConfig } from './config.ts';
import { PartitionTracker, partitionKeyOf, splitPartitionKey, workedElsewhere } from './partitions.ts';
import { KafkaHealth, untilDelivered, waitForTopics } from './health.ts';
import { LogEnds } from './ends.ts';

export interface KafkaReplayRange {
  /** Epoch ms; default the earliest retained message. */
  from?: number;
  /** Epoch ms, exclusive; default the high-water marks at start. */
  to?: number;
  /**
   * Event time is only roughly in offset order: the read goes on until records are this much
   * past `to`, and keeps only those inside [from, to) (the ingest's allowed lateness).
   */
  slackMs?: number;
}

export interface KafkaSourceOptions {
  batchSize: number;
  maxLineBytes: number;
  clock: Clock;
  log?: Logger;
  replay?: KafkaReplayRange;
  /** For tests and embedding: an existing client instead of one built from the config. */
  kafka?: Kafka;
  /** Shared with the dead-letter sink; one is made from the config when absent. */
  health?: KafkaHealth;
  /** Internal topics read in the same group (the partials topic of stage two, docs/streaming.md). */
  internalTopics?: string[];
  /**
   * Two stages: a partition kept across a rejoin that another member worked meanwhile (its
   * committed offset moved past this process's own) is lost and gained again: new epoch,
   * warm start from the group's offset, so stage two rebuilds its stack and adopts what the
   * other member recorded. Off in one process, whose windows and stack are shared by every
   * partition and cannot be rebuilt for one (there the remediator's claims keep actions
   * single, remediator/index.ts).
   */
  regainStale?: boolean;
  /** An admin connection shared with stage two (closed by its owner); the source makes its own when absent. */
  logEnds?: LogEnds;
}

interface Handoff {
  inputs: RawInput[];
  /** Resolved when the pipeline asks for the next chunk (true) or the source shuts down (false). */
  done: (processed: boolean) => void;
}

const HEARTBEAT_MS = 3000;
/** Errors after which a commit is pointless but harmless to skip: the partition moved, its records will be redelivered. */
const REBALANCE_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'NOT_COORDINATOR']);

/** The broker's error type, also when kafkajs wrapped it (retries exhausted, non-retriable): it keeps the original as `cause`. */
function protocolErrorType(err: unknown): string | undefined {
  for (let e = err as { type?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.type === 'string') return e.type;
  }
  return undefined;
}

export class KafkaSource implements LogSource {
  readonly name: string;
  private readonly cfg: KafkaSourceConfig;
  private readonly opts: KafkaSourceOptions;
  private readonly kafka: Kafka;
  /** Outages and start-up waits (see health.ts): readiness, back-pressure, give-up. */
  readonly health: KafkaHealth;
  private readonly groupId: string;
  /** Source topics, then internal ones. */
  private readonly topics: string[];
  /** Partitions gained: their committed offset is being looked up (their warm start waits for it). */
  private readonly lookups = new Map<string, Promise<void>>();
  private consumer: Consumer | undefined;
  private readonly queue: Handoff[] = [];
  private wake: (() => void) | undefined;
  private failure: unknown;
  private finished = false;
  private closed = false;
  /** Set once batches() has returned: nobody will take further chunks. */
  private draining = false;
  /** Highest offset handed to the pipeline per partition (in-process redelivery guard). */
  private readonly handed = new Map<string, bigint>();
  private readonly committed = new Map<string, bigint>();
  /**
   * Per partition, the highest offset this process committed or sent in a commit (whatever
   * became of it), from the group's offset it started the partition at: a group offset past
   * it was committed by another member (`workedElsewhere`).
   */
  private readonly own = new Map<string, bigint>();
  /** Replay only: exclusive end offset per partition, and which partitions are done. */
  private readonly ends = new Map<string, bigint>();
  private readonly pendingEnds = new Set<string>();
  /** Warm start: the group's committed offset per partition at start (where fresh input begins). */
  private readonly resumeAt = new Map<string, bigint>();
  /** Partitions whose warm-up decision is made, and those waiting for their rewind's first batch (offset sought). */
  private readonly rewound = new Set<string>();
  private readonly seeking = new Map<string, bigint>();
  /** Chunks handed over that are re-read history, not new input. */
  private readonly warmChunks = new WeakSet<RawInput[]>();
  /** Assigned partitions and their idleness; an empty chunk is queued when that alone changed. */
  private readonly tracker: PartitionTracker;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Log ends (before a partition is called idle), committed offsets, warm-start seeks: one admin connection. */
  private readonly logEnds: LogEnds;
  private readonly ownsLogEnds: boolean;
  private checkingIdle = false;
  /** Counters for status and tests. */
  readonly stats = { messages: 0, outOfRange: 0, warmupMessages: 0, redelivered: 0, commits: 0, regained: 0, firstOffsets: new Map<string, string>(), warmupFrom: new Map<string, string>() };

  constructor(cfg: KafkaSourceConfig, opts: KafkaSourceOptions) {
    this.cfg = cfg;
    this.opts = opts;
    this.kafka = opts.kafka ?? createKafka(cfg, opts.log);
    this.groupId = opts.replay ? `${cfg.groupId}-replay-${randomUUID()}` : cfg.groupId;
    this.name = `kafka:${cfg.topics.join(',')}`;
    this.topics = [...cfg.topics, ...(opts.internalTopics ?? [])];
    this.tracker = new PartitionTracker(cfg.idleMs);
    this.ownsLogEnds = opts.logEnds === undefined;
    this.logEnds = opts.logEnds ?? new LogEnds(this.kafka);
    this.health = opts.health ?? new KafkaHealth({ maxOutageMs: cfg.maxOutageMs, log: opts.log });
    this.health.onGiveUp((err) => this.fail(err));
  }

  partitions(): ReturnType<PartitionTracker['states']> {
    return this.tracker.states();
  }

  /**
   * Partitions quiet for idleMs become idle only if the log's end, looked up now, is where
   * this consumer is: a rebalance or a long turn of other partitions keeps it from fetching,
   * and "caught up" as of its last batch is then old news (partitions.ts). When Kafka cannot
   * answer, nothing turns idle (the windows wait rather than close on a guess).
   */
  private async checkIdle(): Promise<void> {
    if (this.checkingIdle || this.closed) return;
    const candidates = this.tracker.candidates(Date.now());
    if (candidates.length === 0) return;
    this.checkingIdle = true;
    try {
      const known = candidates.filter((c) => c.next !== undefined).map((c) => c.key);
      let ends: Map<string, bigint>;
      try {
        ends = await this.logEnds.of(known);
      } catch (err) {
        this.log?.warn({ partitions: known, err: (err as Error).message }, 'could not look up partition ends; none turns idle until they can be');
        return;
      }
      let changed = false;
      for (const c of candidates) {
        if (c.next !== undefined && !ends.has(c.key)) continue;
        changed = this.tracker.confirmIdle(c.key, c.next, ends.get(c.key)) || changed;
      }
      if (changed) this.tick();
    } finally {
      this.checkingIdle = false;
    }
  }

  /** Queues an empty chunk (unless a chunk is waiting, which carries the news): partition state changed without data. */
  private tick(): void {
    if (this.closed || this.draining || this.queue.length > 0) return;
    this.queue.push({ inputs: [], done: () => undefined });
    this.signal();
  }

  ready(): boolean { return this.health.ready(); }

  private get log(): Logger | undefined { return this.opts.log; }

  private signal(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private fail(err: unknown): void {
    this.failure ??= err;
    this.signal();
  }

  /** Start offsets for partitions without a commit, and replay end offsets. */
  private async position(admin: Admin): Promise<Array<{ topic: string; partition: number; offset: string }>> {
    const seeks: Array<{ topic: string; partition: number; offset: string }> = [];
    const replay = this.opts.replay;
    const startAt = replay ? replay.from : (this.cfg.start !== 'committed' && this.cfg.start !== 'earliest' && this.cfg.start !== 'latest' ? Date.parse(this.cfg.start) : undefined);
    const committed = replay ? [] : await admin.fetchOffsets({ groupId: this.groupId, topics: this.topics });
    for (const topic of this.topics) {
      const water = await admin.fetchTopicOffsets(topic);
      const done = new Map((committed.find((c) => c.topic === topic)?.partitions ?? []).map((p) => [p.partition, p.offset]));
      for (const [partition, offset] of done) {
        if (BigInt(offset) < 0n) continue;
        // Acknowledgements below these are no-ops: offsets never move backwards.
        this.resumeAt.set(partitionKeyOf(topic, partition), BigInt(offset));
        this.committed.set(partitionKeyOf(topic, partition), BigInt(offset));
        this.own.set(partitionKeyOf(topic, partition), BigInt(offset));
      }
      const byTime = startAt === undefined ? undefined : await admin.fetchTopicOffsetsByTimestamp(topic, startAt);
      const toTime = replay?.to === undefined ? undefined : await admin.fetchTopicOffsetsByTimestamp(topic, replay.to + (replay.slackMs ?? 0));
      for (const w of water) {
        const key = partitionKeyOf(topic, w.partition);
        if (replay) {
          let end = BigInt(w.high);
          const cut = toTime?.find((t) => t.partition === w.partition);
          if (cut && BigInt(cut.offset) >= 0n && BigInt(cut.offset) < end) end = BigInt(cut.offset);
          const from = byTime?.find((t) => t.partition === w.partition);
          // No record at or after `from`: nothing to read (not the whole partition).
          const start = from ? (BigInt(from.offset) >= 0n ? BigInt(from.offset) : BigInt(w.high)) : BigInt(w.low);
          this.ends.set(key, end);
          if (start < end) this.pendingEnds.add(key);
          // The replay's group is new, so subscribing fromBeginning already starts at the log
          // start: admin.setOffsets (a consumer that joins, pauses and waits out a 5 s fetch)
          // cost 5.1 s before the first message (issue #16), and is kept for a later start.
          if (start === BigInt(w.low) && this.cfg.start !== 'latest') continue;
          seeks.push({ topic, partition: w.partition, offset: String(start) });
        } else if (byTime && this.cfg.topics.includes(topic) && (done.get(w.partition) ?? '-1') === '-1') {
          const at = byTime.find((t) => t.partition === w.partition);
          if (at) seeks.push({ topic, partition: w.partition, offset: at.offset });
        }
      }
    }
    return seeks;
  }

  private async begin(): Promise<void> {
    const admin = this.kafka.admin();
    // A replay names its topics explicitly: a missing one is an error, not something to wait for.
    await waitForTopics(this.health, async () => {
      await admin.connect();
      return admin.listTopics();
    }, this.cfg.topics, { everyMs: this.cfg.topicWaitMs, wait: !this.opts.replay });
    await untilDelivered(this.health, 'metadata', async () => {
      try {
        await admin.connect();
        const found = await this.position(admin);
        for (const topic of this.topics) {
          const partitions = found.filter((s) => s.topic === topic).map(({ partition, offset }) => ({ partition, offset }));
          if (partitions.length) await admin.setOffsets({ groupId: this.groupId, topic, partitions });
        }
      } catch (err) {
        throw new ForesightError('SOURCE_FAILED', `cannot reach Kafka at ${this.cfg.brokers.join(',')}: ${(err as Error).message}`, { retriable: true, cause: err });
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    });
    if (this.opts.replay && this.pendingEnds.size === 0) { this.finished = true; return; }

    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: this.cfg.sessionTimeoutMs,
      maxBytesPerPartition: this.cfg.maxBytesPerPartition,
      // A fetch at the end of the log long-polls this long, and stop() waits for it: 5 s
      // (the default) made every replay and shutdown 5 s slower, measured.
      maxWaitTimeInMs: this.opts.replay ? 100 : 1000,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const { gained, lost } = this.tracker.assign(e.payload.memberAssignment, Date.now());
      this.log?.info({ gained, lost, memberId: e.payload.memberId, assignment: e.payload.memberAssignment }, 'partitions assigned');
      for (const k of lost) this.forget(k);
      this.withdraw(lost);
      // Every partition gained warm-starts from the group's committed offset as of now (other
      // members of the group may have moved it since this one started).
      const resume = !this.opts.replay;
      const looked = this.lookUpEnds(gained, resume);
      if (resume) for (const k of gained) this.lookups.set(k, looked);
      // Partitions kept: still this process's unless another member worked them meanwhile
      // (this one was out of the group: its event loop busy past the session timeout, or
      // frozen). Their batches wait for the answer, as a gained partition's wait for its offset.
      const fresh = new Set(gained);
      const kept = Object.entries(e.payload.memberAssignment).flatMap(([topic, ps]) => ps.map((p) => partitionKeyOf(topic, p))).filter((k) => !fresh.has(k));
      if (resume && this.opts.regainStale && kept.length > 0) {
        const checked = this.regainStale(kept);
        for (const k of kept) this.lookups.set(k, checked);
      }
      this.tick();
    });
    // Idleness is wall time: checked a few times per idleMs, never slower than once a second.
    this.idleTimer = setInterval(() => void this.checkIdle(), Math.max(50, Math.min(1000, this.cfg.idleMs / 4)));
    this.idleTimer.unref();
    consumer.on(consumer.events.CRASH, (e) => {
      // kafkajs restarts the consumer itself after a retriable crash (a broker away): wait.
      if (e.payload.restart) this.health.markDown('fetch', e.payload.error);
      else this.fail(new ForesightError('SOURCE_FAILED', `Kafka consumer crashed: ${e.payload.error.message}`, { cause: e.payload.error }));
    });
    consumer.on(consumer.events.GROUP_JOIN, () => { this.health.started(); this.health.markUp('fetch'); });
    consumer.on(consumer.events.FETCH, () => this.health.markUp('fetch'));
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: this.topics, fromBeginning: this.cfg.start !== 'latest' });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => this.eachBatch(payload),
      });
    } catch (err) {
      throw new ForesightError('SOURCE_FAILED', `cannot start the Kafka consumer: ${(err as Error).message}`, { retriable: true, cause: err });
    }
  }

  private toInput(topic: string, partition: number, m: KafkaMessage, now: number): RawInput {
    const value = m.value ?? Buffer.alloc(0);
    const bytes = value.length;
    // Huge messages are cut here so a 100 MB value never becomes a string; the cleaner
    // dead-letters them as too_large by `bytes`.
    const text = (bytes > this.opts.maxLineBytes ? value.subarray(0, this.opts.maxLineBytes) : value).toString('utf8');
    const input: RawInput = { text, bytes, position: { kind: 'kafka', topic, partition, offset: m.offset }, receivedAt: now };
    if (bytes <= this.opts.maxLineBytes && !isUtf8(value)) input.invalidUtf8 = true;
    return input;
  }

  /**
   * Whether each gained partition has anything to fetch from where this consumer starts
   * (its committed offset, else the log start): an empty one may go idle at once, one with
   * a backlog only after delivering it. Unknown (lookup failed) counts as nothing to fetch,
   * so an unreachable answer cannot stall every window; data, when it comes, counts again.
   */
  private async lookUpEnds(gained: string[], resume = false): Promise<void> {
    if (gained.length === 0) return;
    const wanted = gained.map(splitPartitionKey);
    try {
      await this.logEnds.run(async (admin) => {
        for (const topic of new Set(wanted.map((w) => w.topic))) {
          const water = await admin.fetchTopicOffsets(topic);
          const done = this.opts.replay ? [] : (await admin.fetchOffsets({ groupId: this.groupId, topics: [topic] }))[0]?.partitions ?? [];
          for (const w of wanted.filter((x) => x.topic === topic)) {
            const wm = water.find((o) => o.partition === w.partition);
            if (!wm) continue;
            const committed = BigInt(done.find((d) => d.partition === w.partition)?.offset ?? '-1');
            if (resume && committed >= 0n) {
              this.resumeAt.set(partitionKeyOf(topic, w.partition), committed);
              this.committed.set(partitionKeyOf(topic, w.partition), committed);
              this.own.set(partitionKeyOf(topic, w.partition), committed);
            } else if (resume) {
              this.resumeAt.delete(partitionKeyOf(topic, w.partition));
            }
            const from = this.opts.replay ? (this.pendingEnds.has(partitionKeyOf(topic, w.partition)) ? -1n : BigInt(wm.high)) : committed >= 0n ? committed : this.cfg.start === 'latest' ? BigInt(wm.high) : BigInt(wm.low);
            this.tracker.atEnd(topic, w.partition, from >= BigInt(wm.high), this.opts.replay ? undefined : from);
          }
        }
      });
    } catch (err) {
      this.log?.warn({ partitions: gained, err: (err as Error).message }, 'could not look up partition ends; they may go idle before delivering');
      for (const w of wanted) this.tracker.atEnd(w.topic, w.partition, true);
    }
  }

  /** A partition lost to another member: what this process knew of it is stale if it comes back. */
  private forget(k: string): void {
    this.handed.delete(k);
    this.rewound.delete(k);
    this.resumeAt.delete(k);
    this.committed.delete(k);
    this.own.delete(k);
    this.seeking.delete(k);
  }

  /**
   * Kept partitions that another member of the group worked while this process was out of
   * it (`workedElsewhere`: the group's committed offset is past this process's own) are lost
   * and gained again: a new epoch (the pipeline drops what it built for them: stage one's open
   * windows, stage two's merger and models, detectors and remediator), nothing of them kept
   * here, and a warm start from the group's offset (re-reading `warmupMs` before it; stage
   * two's new remediator adopts what the other member recorded). With nobody else committing
   * (one daemon through a broker outage) they stay as they are and nothing is re-read. When
   * Kafka cannot answer they stay as they are too (the remediator's claims still keep an
   * action from being carried out twice).
   */
  private async regainStale(kept: string[]): Promise<void> {
    let group: Map<string, bigint>;
    try {
      group = await this.logEnds.committed(this.groupId, kept);
    } catch (err) {
      this.log?.warn({ partitions: kept, err: (err as Error).message }, 'could not look up the committed offsets of the partitions kept; keeping their state');
      return;
    }
    const own = new Map(kept.map((k) => [k, this.own.get(k)] as const).filter((e): e is readonly [string, bigint] => e[1] !== undefined));
    const stale = workedElsewhere(kept, group, own);
    const show = (m: ReadonlyMap<string, bigint>): Record<string, string | null> => Object.fromEntries(kept.map((k) => [k, m.has(k) ? String(m.get(k)) : null]));
    this.log?.info({ kept, stale, committed: show(group), own: show(own) }, 'partitions kept in a rebalance checked against the group\'s committed offsets');
    if (stale.length === 0) return;
    const now = Date.now();
    const regained = stale.filter((k) => this.tracker.regain(k, now));
    if (regained.length === 0) return;
    this.log?.warn({ partitions: regained }, 'partitions kept across a rejoin were worked by another member meanwhile (committed past this process): regained, their state rebuilt from the committed offset');
    this.stats.regained += regained.length;
    for (const k of regained) {
      this.forget(k);
      // Never commit below what the other member committed, even for a batch in flight now.
      this.committed.set(k, group.get(k)!);
    }
    this.withdraw(regained);
    await this.lookUpEnds(regained, true);
    this.tick();
  }

  /** Chunks of these partitions queued and not yet taken by the pipeline: the old owner's view, withdrawn (not processed, not committed). */
  private withdraw(keys: readonly string[]): void {
    if (keys.length === 0) return;
    const gone = new Set(keys);
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const pos = this.queue[i]!.inputs[0]?.position;
      if (pos?.kind !== 'kafka' || !gone.has(partitionKeyOf(pos.topic, pos.partition))) continue;
      const [h] = this.queue.splice(i, 1);
      h!.done(false);
    }
  }

  /** A replay by event time keeps only records whose timestamp (the log's event time, see produce.ts) is in [from, to). */
  private outOfRange(m: KafkaMessage): boolean {
    const r = this.opts.replay;
    if (!r || (r.from === undefined && r.to === undefined)) return false;
    const ts = Number(m.timestamp);
    return (r.from !== undefined && ts < r.from) || (r.to !== undefined && ts >= r.to);
  }

  /** Whether a batch yielded by `batches()` is re-read history (warm start) rather than new input. */
  isWarmup(batch: readonly RawInput[]): boolean {
    return this.warmChunks.has(batch as RawInput[]);
  }

  /**
   * Decides a partition's warm start on its first batch after a restart: seeks back to the
   * first message `warmupMs` older than the resume point. True when it sought (the batch is
   * then dropped, unresolved; the fetch restarts at the sought offset).
   */
  private async rewind(topic: string, partition: number, first: KafkaMessage | undefined): Promise<boolean> {
    const key = partitionKeyOf(topic, partition);
    const resume = this.resumeAt.get(key);
    if (this.rewound.has(key) || this.opts.replay || resume === undefined || this.cfg.warmupMs === 0 || !first || !this.consumer) return false;
    this.rewound.add(key);
    const at = Number(first.timestamp) - this.cfg.warmupMs;
    let from: bigint | undefined;
    try {
      const found = (await this.logEnds.run((admin) => admin.fetchTopicOffsetsByTimestamp(topic, at))).find((o) => o.partition === partition);
      if (found && BigInt(found.offset) >= 0n) from = BigInt(found.offset);
    } catch (err) {
      // A cold start is what the daemon did before warm starts existed; worth a warning, not a failure.
      this.log?.warn({ topic, partition, err: (err as Error).message }, 'warm-up offset lookup failed; starting cold');
      return false;
    }
    if (from === undefined || from >= resume) return false;
    this.log?.info({ topic, partition, from: String(from), resume: String(resume), warmupMs: this.cfg.warmupMs }, 'warm start: re-reading history before the committed offset');
    this.stats.warmupFrom.set(key, String(from));
    this.seeking.set(key, from);
    this.consumer.seek({ topic, partition, offset: String(from) });
    return true;
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const key = partitionKeyOf(topic, partition);
    const lookup = this.lookups.get(key);
    if (lookup) { await lookup; this.lookups.delete(key); }
    // A batch of an assignment that ended meanwhile (the partition lost, or regained after a
    // rejoin) hands nothing more over: kafkajs finishes a fetched batch before it rejoins.
    const epoch = this.tracker.epochOf(topic, partition);
    const sought = this.seeking.get(key);
    if (sought !== undefined) {
      // Batches fetched before the seek took effect start past it: not ours to hand over.
      if (batch.messages.length === 0 || BigInt(batch.messages[0]!.offset) > sought) return;
      this.seeking.delete(key);
    } else if (await this.rewind(topic, partition, batch.messages[0])) {
      return;
    }
    const end = this.ends.get(key);
    const resume = this.rewound.has(key) ? this.resumeAt.get(key) : undefined;
    const seen = this.handed.get(key) ?? -1n;
    const now = this.opts.clock.now();
    let chunk: RawInput[] = [];
    let chunkWarm = false;
    let lastOffset: string | undefined;
    const handOver = async (): Promise<boolean> => {
      if (chunk.length === 0) return true;
      if (this.tracker.epochOf(topic, partition) !== epoch) return false;
      const inputs = chunk;
      chunk = [];
      if (chunkWarm) this.warmChunks.add(inputs);
      // Active before the pipeline sees the chunk, so it is never judged idle while its data is in flight.
      this.tracker.delivered(topic, partition, (inputs[inputs.length - 1]!.position as { offset: string }).offset, batch.highWatermark, Date.now());
      const processed = await this.handOff(inputs, heartbeat, () => isRunning() && !isStale());
      if (!processed) return false;
      const last = inputs[inputs.length - 1]!.position as { offset: string };
      this.handed.set(key, BigInt(last.offset));
      resolveOffset(last.offset);
      return true;
    };
    for (const m of batch.messages) {
      const off = BigInt(m.offset);
      if (end !== undefined && off >= end) break;
      lastOffset = m.offset;
      if (off <= seen) { this.stats.redelivered++; resolveOffset(m.offset); continue; }
      if (this.outOfRange(m)) { this.stats.outOfRange++; resolveOffset(m.offset); continue; }
      // A chunk is all history or all new input, never both.
      const warm = resume !== undefined && off < resume;
      if (warm !== chunkWarm && !(await handOver())) return;
      chunkWarm = warm;
      if (warm) this.stats.warmupMessages++;
      else {
        if (!this.stats.firstOffsets.has(key)) this.stats.firstOffsets.set(key, m.offset);
        this.stats.messages++;
      }
      chunk.push(this.toInput(topic, partition, m, now));
      if (chunk.length >= this.opts.batchSize && !(await handOver())) return;
    }
    if (!(await handOver())) return;
    if (end !== undefined && lastOffset !== undefined && BigInt(lastOffset) + 1n >= end) {
      this.pendingEnds.delete(key);
      if (this.pendingEnds.size === 0) { this.finished = true; this.signal(); }
    }
  }

  /** Queues a chunk for the pipeline and waits until it has been processed. */
  private handOff(inputs: RawInput[], heartbeat: () => Promise<void>, alive: () => boolean): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const timer = setInterval(() => {
        if (!alive()) {
          // Not taken yet: withdraw it, the restarted consumer fetches it again.
          const i = this.queue.indexOf(handoff);
          if (i >= 0) this.queue.splice(i, 1);
          finish(false);
          return;
        }
        heartbeat().catch(() => undefined);
      }, HEARTBEAT_MS);
      const finish = (processed: boolean): void => {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        resolve(processed);
      };
      const handoff: Handoff = { inputs, done: finish };
      if (this.closed || this.draining) { finish(false); return; }
      this.queue.push(handoff);
      this.signal();
    });
  }

  async *batches(signal: AbortSignal): AsyncIterable<RawInput[]> {
    const onAbort = (): void => this.signal();
    signal.addEventListener('abort', onAbort, { once: true });
    let current: Handoff | undefined;
    try {
      await this.begin();
      for (;;) {
        current?.done(true);
        current = undefined;
        if (this.failure) throw this.failure;
        if (signal.aborted) return;
        const next = this.queue.shift();
        if (next) { current = next; this.noteHanded(next.inputs); yield next.inputs; continue; }
        if (this.finished) return;
        await new Promise<void>((resolve) => { this.wake = resolve; });
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.draining = true;
      // Whatever was not processed stays unresolved and uncommitted: it is read again.
      current?.done(false);
      for (const h of this.queue.splice(0)) h.done(false);
      try {
        this.consumer?.pause(this.topics.map((topic) => ({ topic })));
      } catch {
        // not running: nothing to pause
      }
    }
  }

  /**
   * Marks a chunk as taken by the pipeline, before it is processed: if the consumer stops
   * meanwhile (a broker outage, a rebalance), the restarted one fetches these offsets again
   * and they must be skipped, not counted twice.
   */
  private noteHanded(inputs: RawInput[]): void {
    for (const r of inputs) {
      if (r.position.kind !== 'kafka') continue;
      const key = partitionKeyOf(r.position.topic, r.position.partition);
      const off = BigInt(r.position.offset);
      if (off > (this.handed.get(key) ?? -1n)) this.handed.set(key, off);
    }
  }

  async ack(batch: RawInput[]): Promise<void> {
    if (this.opts.replay || !this.consumer) return;
    const next = new Map<string, { topic: string; partition: number; offset: bigint }>();
    for (const r of batch) {
      if (r.position.kind !== 'kafka') continue;
      const { topic, partition } = r.position;
      const off = BigInt(r.position.offset) + 1n;
      const k = partitionKeyOf(topic, partition);
      const cur = next.get(k);
      if (!cur || off > cur.offset) next.set(k, { topic, partition, offset: off });
    }
    const commits = [...next.entries()]
      .filter(([k, v]) => v.offset > (this.committed.get(k) ?? -1n))
      .map(([, v]) => ({ topic: v.topic, partition: v.partition, offset: String(v.offset) }));
    if (commits.length === 0) return;
    // Sent counts as this process's own until the broker is known to have refused it (a
    // commit lost with the connection may have been applied).
    const ownBefore = new Map(commits.map((c) => [partitionKeyOf(c.topic, c.partition), this.own.get(partitionKeyOf(c.topic, c.partition))]));
    for (const c of commits) {
      const k = partitionKeyOf(c.topic, c.partition);
      if (BigInt(c.offset) > (this.own.get(k) ?? -1n)) this.own.set(k, BigInt(c.offset));
    }
    const consumer = this.consumer;
    // A broker away is waited out here (health.ts): the pipeline stops pulling meanwhile.
    const done = await untilDelivered(this.health, 'commit', async () => {
      try {
        await consumer.commitOffsets(commits);
        return true;
      } catch (err) {
        // kafkajs's retrier wraps the protocol error: its type is on a cause.
        const type = protocolErrorType(err);
        if (type && REBALANCE_ERRORS.has(type)) {
          this.log?.warn({ type, commits }, 'offset commit skipped during a rebalance; those records will be read again');
          return false;
        }
        throw new ForesightError('SOURCE_FAILED', `cannot commit Kafka offsets: ${(err as Error).message}`, { retriable: true, cause: err });
      }
    });
    if (!done) {
      for (const [k, v] of ownBefore) if (v === undefined) this.own.delete(k); else this.own.set(k, v);
      return;
    }
    this.stats.commits++;
    for (const c of commits) this.committed.set(partitionKeyOf(c.topic, c.partition), BigInt(c.offset));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.idleTimer);
    if (this.ownsLogEnds) await this.logEnds.close();
    this.health.stop();
    for (const h of this.queue.splice(0)) h.done(false);
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer) {
      await consumer.stop().catch(() => undefined);
      await consumer.disconnect().catch(() => undefined);
    }
    if (this.opts.replay) {
      // The throwaway group has no members left; removing it keeps the broker tidy.
      const admin = this.kafka.admin();
      await admin.connect().then(() => admin.deleteGroups([this.groupId])).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  }
}

/** Parses `kafka://TOPIC[,TOPIC2][?from=ISO&to=ISO]` for `foresight replay`. */
export function parseKafkaUrl(url: string): { topics: string[]; range: KafkaReplayRange } {
  const m = /^kafka:\/\/([^?]+)(?:\?(.*))?$/.exec(url);
  if (!m) throw new ForesightError('USAGE', `not a kafka:// URL: ${url}`);
  const topics = decodeURIComponent(m[1]!).split(',').filter((t) => t !== '');
  const params = new URLSearchParams(m[2] ?? '');
  const range: KafkaReplayRange = {};
  for (const [k, v] of params) {
    if (k !== 'from' && k !== 'to') throw new ForesightError('USAGE', `kafka:// URL: unknown parameter ${k} (from, to)`);
    const t = Date.parse(v);
    if (!Number.isFinite(t)) throw new ForesightError('USAGE', `kafka:// URL: ${k}=${v} is not an ISO-8601 time`);
    range[k] = t;
  }
  if (topics.length === 0) throw new ForesightError('USAGE', `kafka:// URL names no topic: ${url}`);
  if (range.from !== undefined && range.to !== undefined && range.to <= range.from) throw new ForesightError('USAGE', 'kafka:// URL: to must be after from');
  return { topics, range };
}
