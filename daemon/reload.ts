import type { Config } from './config.ts';

/**
 * What a config reload (SIGHUP) may change in a running daemon. Live: the log level,
 * per-service policies and SLOs, breach and anomaly thresholds, remediator guardrails, mode and
 * actuators — all read per decision. Everything else (source, stores, HTTP listener,
 * ingest windows, models, log-pattern detector, instance name) is wired into open connections and state at
 * start: a reload that changes it is refused as a whole, naming the keys, and the running
 * config stays.
 */
export const LIVE_KEYS: readonly string[] = ['log', 'services', 'detector.breach', 'detector.anomaly', 'remediator'];

/** Leaf paths (`a.b.c`, arrays compared whole) at which two config values differ. */
export function changedPaths(a: unknown, b: unknown, path = ''): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedPaths(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path || '(top level)'];
}

export interface ReloadPlan {
  /** Keys that change and can change live. */
  changed: string[];
  /** Keys that change but cannot while running: the reload is refused when any is here. */
  refused: string[];
}

export function planReload(current: Config, next: Config): ReloadPlan {
  const paths = changedPaths(current, next);
  const live = (p: string): boolean => LIVE_KEYS.some((k) => p === k || p.startsWith(`${k}.`));
  return { changed: paths.filter(live), refused: paths.filter((p) => !live(p)) };
}
