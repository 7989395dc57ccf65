/**
 * Grouping accuracy, the usual log-parsing metric (Zhu et al., ICSE-SEIP 2019): a line counts
 * as parsed correctly when the set of lines its predicted group holds is exactly the set of
 * lines sharing its ground-truth event id.
 */
export function groupingAccuracy(predicted: readonly string[], truth: readonly string[]): number {
  if (predicted.length !== truth.length) throw new Error('predicted and truth differ in length');
  if (predicted.length === 0) return 1;
  const byPred = new Map<string, number[]>();
  predicted.forEach((p, i) => { const g = byPred.get(p); if (g) g.push(i); else byPred.set(p, [i]); });
  const truthSize = new Map<string, number>();
  for (const t of truth) truthSize.set(t, (truthSize.get(t) ?? 0) + 1);
  let correct = 0;
  for (const lines of byPred.values()) {
    const t0 = truth[lines[0] as number] as string;
    if (lines.every((i) => truth[i] === t0) && truthSize.get(t0) === lines.length) correct += lines.length;
  }
  return correct / predicted.length;
}
