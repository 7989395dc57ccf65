import type { IngestConfig } from '../config.ts';

/**
 * Is an event time plausible next to the watermark? One line dated 2199 used to become the
 * newest event time, and the watermark then refused 10,200 of the next 10,801 lines as
 * `too_late` (issue #10). Such a line is refused instead, and never moves the watermark.
 *
 * It takes the watermark as an argument rather than reading it: how the watermark is made
 * (one per source partition, the minimum over them) is the window stage's business.
 *
 * A stream that really jumps ahead, a topic quiet for days, must not be refused forever:
 * `timestampJumpLines` consecutive out-of-range lines that agree with each other (each
 * within `maxFutureSkewMs` of the first) are believed, and the next is accepted. Before any
 * watermark exists the first event becomes the reference, so it is checked against the wall
 * clock instead: no log line is dated more than `maxFutureSkewMs` after now (a first line
 * dated 2199 would otherwise set the watermark). Past times are not checked there: replays
 * of old logs are the normal case.
 */

export type RangeVerdict = { ok: true } | { ok: false; detail: string };

export type TimestampGuard = (ts: number, watermark: number) => RangeVerdict;

const OK: RangeVerdict = { ok: true };
const hours = (ms: number): string => `${(ms / 3_600_000).toFixed(ms < 3_600_000 ? 3 : 1)} h`;

export function createTimestampGuard(
  cfg: Pick<IngestConfig, 'maxFutureSkewMs' | 'maxPastAgeMs' | 'timestampJumpLines'>,
  wallClock: () => number = Date.now,
): TimestampGuard {
  let jumpStart = 0;
  let jumpLines = 0;
  return (ts, watermark) => {
    if (!Number.isFinite(watermark)) {
      const now = wallClock();
      if (ts > now + cfg.maxFutureSkewMs) {
        return { ok: false, detail: `event time is ${hours(ts - now)} ahead of the wall clock before any watermark, more than maxFutureSkewMs (${hours(cfg.maxFutureSkewMs)})` };
      }
      return OK;
    }
    if (ts < watermark - cfg.maxPastAgeMs) {
      return { ok: false, detail: `event time is ${hours(watermark - ts)} behind the watermark, more than maxPastAgeMs (${hours(cfg.maxPastAgeMs)})` };
    }
    if (ts <= watermark + cfg.maxFutureSkewMs) {
      jumpLines = 0;
      return OK;
    }
    if (jumpLines > 0 && Math.abs(ts - jumpStart) <= cfg.maxFutureSkewMs) jumpLines++;
    else { jumpStart = ts; jumpLines = 1; }
    if (jumpLines > cfg.timestampJumpLines) { jumpLines = 0; return OK; }
    return { ok: false, detail: `event time is ${hours(ts - watermark)} ahead of the watermark, more than maxFutureSkewMs (${hours(cfg.maxFutureSkewMs)})` };
  };
}
