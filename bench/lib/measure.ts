import { cpus, loadavg } from 'node:os';

/** CPU time (user + system, all of this process's threads) that `fn` took, in ms. */
export function cpuMs(fn: () => unknown): number {
  const c = process.cpuUsage();
  fn();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
}

export async function cpuMsAsync(fn: () => Promise<unknown>): Promise<number> {
  const c = process.cpuUsage();
  await fn();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
}

/** A goal of issue #16 and whether this run met it; `lowerIsBetter` for costs. */
export function goal(name: string, value: number, target: number, lowerIsBetter = false): { name: string; value: number; target: number; met: boolean; ofTarget: number } {
  const v = Number(value.toPrecision(4));
  return { name, value: v, target, met: lowerIsBetter ? value <= target : value >= target, ofTarget: Number((lowerIsBetter ? target / value : value / target).toFixed(3)) };
}

/** What the machine was doing: the benches run on a shared 2-core box, so say so. */
export function loadNote(): { machine: string; loadavg1m: number; date: string; node: string } {
  const c = cpus();
  return { machine: `${c.length} × ${c[0]?.model ?? 'cpu'}`, loadavg1m: Number((loadavg()[0] ?? 0).toFixed(2)), date: new Date().toISOString().slice(0, 10), node: process.version };
}
