/**
 * The error function by W. J. Cody's rational Chebyshev approximations ("Rational Chebyshev
 * Approximations for the Error Function", 1969; netlib specfun/erf), the same translation,
 * constants and order of operations as mathjs 15's `erf` for numbers, so results are
 * bit-identical (test/unit/models/erf.test.ts). mathjs was imported for this function
 * alone, and importing it cost 1.6–1.9 s of CPU at every start of a daemon, replay or eval
 * (issue #16, measured under load ~10 on the 2-core machine).
 */
/* eslint-disable no-loss-of-precision -- Cody's coefficients, written as published */

const THRESH = 0.46875;
const SQRPI = 5.6418958354775628695e-1;
const MAX_NUM = Math.pow(2, 53);

const P0 = [3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03, 1.85777706184603153e-1] as const;
const Q0 = [2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03] as const;
const P1 = [5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
  1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8] as const;
const Q1 = [1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03, 3.29079923573345963e03,
  4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03] as const;
const P2 = [3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2] as const;
const Q2 = [2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1, 6.05183413124413191e-2, 2.33520497626869185e-3] as const;

/** mathjs's `sign` for numbers is Math.sign. */
const sign = Math.sign;

/** erf(y) for 0 <= y <= 0.46875. */
function erf1(y: number): number {
  const ysq = y * y;
  let xnum = P0[4] * ysq;
  let xden = ysq;
  for (let i = 0; i < 3; i += 1) {
    xnum = (xnum + (P0[i] as number)) * ysq;
    xden = (xden + (Q0[i] as number)) * ysq;
  }
  return (y * (xnum + P0[3])) / (xden + Q0[3]);
}

/** erfc(y) for 0.46875 <= y <= 4. */
function erfc2(y: number): number {
  let xnum = P1[8] * y;
  let xden = y;
  for (let i = 0; i < 7; i += 1) {
    xnum = (xnum + (P1[i] as number)) * y;
    xden = (xden + (Q1[i] as number)) * y;
  }
  const result = (xnum + P1[7]) / (xden + Q1[7]);
  // mathjs writes parseInt(y * 16): the same as trunc for 7.5 <= y * 16 < 2^57, all it sees here.
  const ysq = Math.trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(-ysq * ysq) * Math.exp(-del) * result;
}

/** erfc(y) for y > 4. */
function erfc3(y: number): number {
  let ysq = 1 / (y * y);
  let xnum = P2[5] * ysq;
  let xden = ysq;
  for (let i = 0; i < 4; i += 1) {
    xnum = (xnum + (P2[i] as number)) * ysq;
    xden = (xden + (Q2[i] as number)) * ysq;
  }
  let result = (ysq * (xnum + P2[4])) / (xden + Q2[4]);
  result = (SQRPI - result) / y;
  ysq = Math.trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(-ysq * ysq) * Math.exp(-del) * result;
}

export function erf(x: number): number {
  const y = Math.abs(x);
  if (y >= MAX_NUM) return sign(x);
  if (y <= THRESH) return sign(x) * erf1(y);
  if (y <= 4.0) return sign(x) * (1 - erfc2(y));
  return sign(x) * (1 - erfc3(y));
}
