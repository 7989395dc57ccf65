/** Per-profile NAB result of one detector over a corpus: threshold optimisation, then scoring. */
import { NAB_PROFILES, PROFILE_NAMES } from './profiles.ts';
import type { NabProfile } from './profiles.ts';
import { normalise, optimizeThreshold, scoreCorpusAt } from './score.ts';
import type { FileScore, ScoredFile } from './score.ts';

export interface ProfileResult {
  threshold: number;
  /** Raw corpus score (sum of per-file scores at `threshold`). */
  score: number;
  normalized: number;
  files: FileScore[];
}

export type CorpusResult = Record<NabProfile, ProfileResult>;

/** `onProfile(done, total)` before the first profile and after each (the caller's progress). */
export function scoreCorpus(files: readonly ScoredFile[], onProfile?: (done: number, total: number) => void): CorpusResult {
  const windowCount = files.reduce((s, f) => s + f.windows.length, 0);
  const out = {} as CorpusResult;
  onProfile?.(0, PROFILE_NAMES.length);
  for (const [k, name] of PROFILE_NAMES.entries()) {
    const cost = NAB_PROFILES[name];
    const { threshold } = optimizeThreshold(files, cost);
    const { total, files: perFile } = scoreCorpusAt(files, cost, threshold);
    out[name] = { threshold, score: total, normalized: normalise(total, windowCount, cost), files: perFile };
    onProfile?.(k + 1, PROFILE_NAMES.length);
  }
  return out;
}
