import type { CostMatrix } from './score.ts';

/** NAB's config/profiles.json (tnWeight is unused by the scorer). */
export const NAB_PROFILES = {
  standard: { tpWeight: 1.0, fnWeight: 1.0, fpWeight: 0.11 },
  reward_low_FP_rate: { tpWeight: 1.0, fnWeight: 1.0, fpWeight: 0.22 },
  reward_low_FN_rate: { tpWeight: 1.0, fnWeight: 2.0, fpWeight: 0.11 },
} as const satisfies Record<string, CostMatrix>;

export type NabProfile = keyof typeof NAB_PROFILES;
export const PROFILE_NAMES = Object.keys(NAB_PROFILES) as NabProfile[];
