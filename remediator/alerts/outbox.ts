/**
 * A durable outbox: messages are appended (and fsynced) to `outbox.ndjson` before anyone is
 * told they were queued, and a delivery is journalled there too, so a restart resumes with
 * exactly what was not yet delivered. Each idempotency key is queued once and delivered
 * once: a key already delivered (or already queued) is not queued again, which is what
 * makes re-derived messages after a restart harmless. The journal is compacted on open.
 *
 *   outbox.ndjson        {"op":"add","msg":{…},"queuedAt":…} | {"op":"done","key":…} | {"op":"dead","key":…}
 *   outbox-dead.ndjson   messages given up on (after `giveUpAfterMs`, or refused with a 4xx), with the reason
 */
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ForesightError } from '../../core/errors.ts';
import type { AlertMessage } from './planner.ts';

export interface Queued {
  msg: AlertMessage;
  queuedAt: number;
  attempts: number;
  nextAt: number;
  lastError?: string;
}

type JournalLine =
  | { op: 'add'; msg: AlertMessage; queuedAt: number }
  | { op: 'done'; key: string; at: number; attempts: number }
  | { op: 'dead'; key: string; at: number; reason: string };

export class Outbox {
  readonly pending = new Map<string, Queued>();
  /** Keys delivered or given up on: never queued again. */
  private readonly finished = new Set<string>();
  private fh: FileHandle | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(readonly dir: string) {}

  static async open(dir: string): Promise<Outbox> {
    const o = new Outbox(dir);
    await mkdir(dir, { recursive: true });
    const path = join(dir, 'outbox.ndjson');
    let text = '';
    try { text = await readFile(path, 'utf8'); } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ForesightError('SINK_UNAVAILABLE', `cannot read ${path}`, { cause: err });
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let j: JournalLine;
      try { j = JSON.parse(line) as JournalLine; } catch { continue; } // a line torn by a crash: its add was never acknowledged
      if (j.op === 'add') { if (!o.finished.has(j.msg.key)) o.pending.set(j.msg.key, { msg: j.msg, queuedAt: j.queuedAt, attempts: 0, nextAt: 0 }); }
      else { o.pending.delete(j.key); o.finished.add(j.key); }
    }
    // Compact: one `done` per finished key and one `add` per pending message.
    const tmp = `${path}.tmp`;
    const fh = await open(tmp, 'w');
    const lines = [...o.finished].map((key) => JSON.stringify({ op: 'done', key, at: 0, attempts: 0 }))
      .concat([...o.pending.values()].map((q) => JSON.stringify({ op: 'add', msg: q.msg, queuedAt: q.queuedAt })));
    await fh.writeFile(lines.length ? lines.join('\n') + '\n' : '');
    await fh.datasync();
    await fh.close();
    await rename(tmp, path);
    o.fh = await open(path, 'a');
    return o;
  }

  private append(lines: JournalLine[], file?: string): Promise<void> {
    const run = this.chain.then(async () => {
      if (file) {
        const fh = await open(join(this.dir, file), 'a');
        try { await fh.writeFile(lines.map((l) => JSON.stringify(l) + '\n').join('')); await fh.datasync(); } finally { await fh.close(); }
        return;
      }
      if (!this.fh) throw new ForesightError('SINK_UNAVAILABLE', 'the outbox is closed');
      await this.fh.writeFile(lines.map((l) => JSON.stringify(l) + '\n').join(''));
      await this.fh.datasync();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Queues the messages whose keys are new; resolves once they are on disk. Returns how many were new. */
  async add(msgs: readonly AlertMessage[], now: number): Promise<number> {
    const fresh = msgs.filter((m, i) => !this.finished.has(m.key) && !this.pending.has(m.key) && msgs.findIndex((x) => x.key === m.key) === i);
    if (fresh.length === 0) return 0;
    await this.append(fresh.map((msg) => ({ op: 'add', msg, queuedAt: now })));
    for (const msg of fresh) this.pending.set(msg.key, { msg, queuedAt: now, attempts: 0, nextAt: now });
    return fresh.length;
  }

  async done(key: string, now: number): Promise<void> {
    const q = this.pending.get(key);
    await this.append([{ op: 'done', key, at: now, attempts: q?.attempts ?? 0 }]);
    this.pending.delete(key);
    this.finished.add(key);
  }

  async dead(key: string, now: number, reason: string): Promise<void> {
    const q = this.pending.get(key);
    if (q) await this.append([{ op: 'add', msg: q.msg, queuedAt: q.queuedAt }, { op: 'dead', key, at: now, reason }], 'outbox-dead.ndjson');
    await this.append([{ op: 'dead', key, at: now, reason }]);
    this.pending.delete(key);
    this.finished.add(key);
  }

  isFinished(key: string): boolean {
    return this.finished.has(key);
  }

  async close(): Promise<void> {
    await this.chain;
    await this.fh?.close();
    this.fh = undefined;
  }
}
