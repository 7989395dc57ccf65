/**
 * Cross-validation for `eval forecast --folds K`: the same families and the same dealing into
 * folds as `eval leadtime --folds` (folds.ts), applied to series.
 *
 *   series `scenario/service` ─► family of its scenario ─► fold of its family
 *   per fold: train on the series of every other family, score the fold's own series
 *
 * Pure: ids and families in, splits out.
 */
import { ForesightError } from '../../core/errors.ts';
import { foldsOf, type Family } from './folds.ts';

export interface ForecastFold {
  /** Families whose series are scored in this fold and never trained on. */
  heldOut: Family[];
  /** Series the fold's model trains on: every series of the other families. */
  train: string[];
  /** Series scored: every series of the held-out families. */
  test: string[];
}

/** The scenario a series comes from: series ids are `scenario/service`. */
export function scenarioOfSeries(id: string): string {
  const slash = id.indexOf('/');
  if (slash <= 0) throw new RangeError(`series id ${id} is not scenario/service`);
  return id.slice(0, slash);
}

/**
 * Splits series into folds by their scenario's family: each family is held out in exactly one
 * fold, so every series is scored once, by a model trained without any series of its family.
 * `families` maps scenario names to families; every series' scenario must be in it.
 */
export function forecastFolds(seriesIds: readonly string[], families: ReadonlyMap<string, Family>, k: number): ForecastFold[] {
  const familyOfSeries = (id: string): Family => {
    const f = families.get(scenarioOfSeries(id));
    if (f === undefined) throw new RangeError(`no family for the scenario of series ${id}`);
    return f;
  };
  const present = new Set(seriesIds.map(familyOfSeries));
  if (present.size < 2) throw new ForesightError('USAGE', `--folds needs scenarios of at least 2 families, found ${[...present].join(', ') || 'none'}`);
  return foldsOf(present, k).map((heldOut) => {
    const out = new Set(heldOut);
    return {
      heldOut,
      train: seriesIds.filter((id) => !out.has(familyOfSeries(id))),
      test: seriesIds.filter((id) => out.has(familyOfSeries(id))),
    };
  });
}
