/**
 * How surprising a template's first lines are. A template a service never logged is not
 * necessarily new: a routine error logged once an hour first shows up whenever it happens to
 * (in the memory-leak example, orders' and payments' `… failed: internal server error` and
 * `… database deadlock detected` lines, 9–16 each in 4 hours, were raised as new templates
 * 8 times and alerted 7 times on services that stayed healthy).
 *
 * The null hypothesis is that the template was there all along at a rate too low to have been
 * seen: having gone unseen in the `before` lines the service logged, its rate is at most
 * 3 / before (the rule of three, 95 %). Its warn lines since first sight, `count` in `since`
 * lines, are scored by the Poisson upper tail at that rate: one line after a short history
 * is no surprise, the same line recurring, or many at once, is.
 */

const LOG10E = Math.LOG10E;

/** ln(k!): exact sum up to 30, Stirling's series beyond (error below 1e-9). */
function lnFactorial(k: number): number {
  if (k < 2) return 0;
  if (k <= 30) {
    let s = 0;
    for (let i = 2; i <= k; i++) s += Math.log(i);
    return s;
  }
  return k * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI * k) + 1 / (12 * k) - 1 / (360 * k ** 3);
}

/**
 * log10 P(X ≥ k) for X ~ Poisson(lambda). Exact for lambda < k (the only case that can be
 * surprising): the first term times the geometric-like sum of the following ratios. For
 * lambda ≥ k the tail is at least about one half; 0 is returned (no surprise).
 */
export function log10PoissonTail(k: number, lambda: number): number {
  if (k <= 0) return 0;
  if (lambda <= 0) return -Infinity;
  if (lambda >= k) return 0;
  const first = (-lambda + k * Math.log(lambda) - lnFactorial(k)) * LOG10E;
  let sum = 1;
  let term = 1;
  for (let i = k + 1; i < k + 10_000; i++) {
    term *= lambda / i;
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return Math.min(0, first + Math.log10(sum));
}

/**
 * Novelty score of a template's warn lines: -log10 of the Poisson tail of `count` warn lines
 * in `since` lines at the highest rate unseen in `before` lines (3 / before), / 10, clipped to
 * [0, 1]. 0 when the service has no history.
 */
export function noveltyScore(count: number, since: number, before: number): number {
  if (before <= 0 || count <= 0) return 0;
  const lambda = (3 * since) / before;
  return Math.min(1, Math.max(0, -log10PoissonTail(count, lambda) / 10));
}
