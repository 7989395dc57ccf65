/**
 * `log_pattern` detections against a LogHub set's alert labels (BGL's `Label` ≠ `-`): the
 * set's lines go through our miner and the window accumulator (one service, windows of
 * `windowMs` on the `Timestamp` column) into the log_pattern stage; a line counts as flagged
 * when a detection names its template in its window. Precision and recall are over lines,
 * beside a baseline that flags the first window of every template holding an error-level
 * line (new error template only, no warm-up, no rates).
 */
import { templatesSchema } from '../../ingest/config.ts';
import { parseLevel } from '../../ingest/clean/level.ts';
import { DrainMiner } from '../../ingest/templates/drain.ts';
import type { LabelledLines } from '../../ingest/templates/loghub.ts';
import { WindowAccumulator } from '../../ingest/window/accumulator.ts';
import type { LogLevel, MetricPoint } from '../../ingest/types.ts';
import { logPatternConfigSchema } from '../../detector/logpattern/config.ts';
import { createLogPatternStage } from '../../detector/logpattern/stage.ts';

export interface FlagScores { precision: number | null; recall: number; flaggedLines: number; detections: number }

export interface LabelScores {
  alertLines: number;
  windowMs: number;
  logPattern: FlagScores;
  baseline: FlagScores;
}

function levelOf(v: string | undefined): LogLevel {
  const r = parseLevel(v ?? 'info');
  if (r.ok) return r.level;
  // BGL's own names.
  return /^(severe|failure)$/i.test(v ?? '') ? 'error' : 'info';
}

const round = (x: number): number => Number(x.toFixed(4));

function score(flag: boolean[], alert: boolean[], detections: number): FlagScores {
  let tp = 0;
  let flagged = 0;
  let alerts = 0;
  for (let i = 0; i < flag.length; i++) {
    if (flag[i]) flagged++;
    if (alert[i]) alerts++;
    if (flag[i] && alert[i]) tp++;
  }
  return { precision: flagged ? round(tp / flagged) : null, recall: alerts ? round(tp / alerts) : 0, flaggedLines: flagged, detections };
}

/** Undefined when the set has no labels or timestamps. */
export function evaluateLabels(set: LabelledLines, windowMs = 3_600_000): LabelScores | undefined {
  const { labels, timestamps } = set;
  if (!labels || !timestamps) return undefined;
  const miner = new DrainMiner(templatesSchema.parse({}));
  const ids: string[] = [];
  const win: number[] = [];
  const levels = set.contents.map((_, i) => levelOf(set.levels?.[i]));
  const points: MetricPoint[] = [];
  let acc: WindowAccumulator | undefined;
  for (let i = 0; i < set.contents.length; i++) {
    const ts = timestamps[i]! * 1000;
    const start = ts - (ts % windowMs);
    if (acc && acc.windowStart !== start) { points.push(acc.point(windowMs, 0)); acc = undefined; }
    acc ??= new WindowAccumulator('set', start, 0.01);
    const message = set.contents[i]!;
    const template = miner.add(message);
    acc.add({ ts, service: 'set', level: levels[i]!, message, template, attrs: {} });
    ids.push(template.id);
    win.push(start);
  }
  if (acc) points.push(acc.point(windowMs, 0));
  const alert = labels.map((l) => l !== '-');

  const found = createLogPatternStage(logPatternConfigSchema.parse({})).handle(points);
  const hit = new Set(found.map((d) => `${d.at}\u0000${String(d.evidence.templateId)}`));
  const flag = ids.map((id, i) => hit.has(`${win[i]}\u0000${id}`));

  // Baseline: the first window in which a template has an error-level line.
  const firstError = new Map<string, number>();
  ids.forEach((id, i) => { if (levels[i] === 'error' || levels[i] === 'fatal') if (!firstError.has(id)) firstError.set(id, win[i]!); });
  const baseFlag = ids.map((id, i) => firstError.get(id) === win[i]);

  return { alertLines: alert.filter(Boolean).length, windowMs, logPattern: score(flag, alert, found.length), baseline: score(baseFlag, alert, firstError.size) };
}
