import { templatesSchema } from '../../../ingest/config.ts';
import { DrainMiner } from '../../../ingest/templates/drain.ts';
import { WindowAccumulator } from '../../../ingest/window/accumulator.ts';
import type { LogLevel, MetricPoint } from '../../../ingest/types.ts';

export const W = 60_000;

/** Literal log lines through the real miner and window accumulator, one point per window. */
export function windows(lines: (w: number) => Array<[LogLevel, string]>, n: number, service = 'checkout'): MetricPoint[] {
  const miner = new DrainMiner(templatesSchema.parse({}));
  const out: MetricPoint[] = [];
  for (let w = 0; w < n; w++) {
    const acc = new WindowAccumulator(service, w * W, 0.01);
    for (const [level, message] of lines(w)) acc.add({ ts: w * W + 1, service, level, message, template: miner.add(message), attrs: {} });
    out.push(acc.point(W, 5));
  }
  return out;
}
