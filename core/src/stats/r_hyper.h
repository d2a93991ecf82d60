#pragma once
// The hypergeometric density and distribution function as R 4.2.2 computes them
// (src/nmath/dhyper.c, phyper.c, dbinom.c, stirlerr.c, bd0.c), so that fisher.test's
// conditional law, and the roots R finds on it, agree with R to the last bit.
//
// The density is Loader's saddle-point form ("Fast and accurate computation of binomial
// probabilities", C. Loader, 2000): dhyper(x; r, b, n) = dbinom(x; r, p) dbinom(n - x; b, p) /
// dbinom(n; r + b, p) with p = n / (r + b), each binomial term
//   exp(stirlerr(n) - stirlerr(x) - stirlerr(n - x) - bd0(x, n p) - bd0(n - x, n q)) /
//   sqrt(2 pi x (1 - x / n)),
// stirlerr(n) = log n! - log(sqrt(2 pi n) (n / e)^n) (tabulated up to 15, its asymptotic series
// above) and bd0(x, np) = x log(x / np) + np - x (a series when x is near np). The lower tail
// sums the ratios of consecutive probabilities downwards from x in extended precision.

#include <cmath>
#include <limits>

namespace rolloutlab::core::stats::detail {

/// stirlerr(n) for integer n >= 0 (R's table at integers; its series above 15).
inline double rStirlerr(double n) {
  // log n! - log(sqrt(2 pi n) (n/e)^n) for n = 0..15, correctly rounded.
  static constexpr double kTable[16] = {
      0.0,
      0.08106146679532726,
      0.0413406959554093,
      0.02767792568499834,
      0.020790672103765093,
      0.016644691189821193,
      0.013876128823070748,
      0.01189670994589177,
      0.010411265261972096,
      0.009255462182712733,
      0.00833056343336287,
      0.007573675487951841,
      0.00694284010720953,
      0.006408994188004207,
      0.0059513701127588475,
      0.005554733551962801,
  };
  // Coefficients of the series 1/(12 n) - 1/(360 n^3) + 1/(1260 n^5) - ...
  constexpr double kS0 = 0.083333333333333333333;
  constexpr double kS1 = 0.00277777777777777777778;
  constexpr double kS2 = 0.00079365079365079365079365;
  constexpr double kS3 = 0.000595238095238095238095238;
  constexpr double kS4 = 0.0008417508417508417508417508;
  if (n <= 15.0) return kTable[static_cast<int>(n)];
  const double nn = n * n;
  if (n > 500) return (kS0 - kS1 / nn) / n;
  if (n > 80) return (kS0 - (kS1 - kS2 / nn) / nn) / n;
  if (n > 35) return (kS0 - (kS1 - (kS2 - kS3 / nn) / nn) / nn) / n;
  return (kS0 - (kS1 - (kS2 - (kS3 - kS4 / nn) / nn) / nn) / nn) / n;
}

/// bd0(x, np) = x log(x / np) + np - x, by its Taylor series in v = (x - np) / (x + np) when
/// |x - np| < 0.1 (x + np).
inline double rBd0(double x, double np) {
  if (std::fabs(x - np) < 0.1 * (x + np)) {
    double v = (x - np) / (x + np);
    double s = (x - np) * v;
    if (std::fabs(s) < std::numeric_limits<double>::min()) return s;
    double ej = 2 * x * v;
    v = v * v;
    for (int j = 1; j < 1000; ++j) {
      ej *= v;
      const double s1 = s + ej / ((j << 1) + 1);
      if (s1 == s) return s1;
      s = s1;
    }
  }
  return x * std::log(x / np) + np - x;
}

/// log dbinom(x; n, p) with q = 1 - p given separately (R's dbinom_raw, log scale).
inline double rDbinomRawLog(double x, double n, double p, double q) {
  if (p == 0) return x == 0 ? 0.0 : -INFINITY;
  if (q == 0) return x == n ? 0.0 : -INFINITY;
  if (x == 0) {
    if (n == 0) return 0.0;
    return p < 0.1 ? -rBd0(n, n * q) - n * p : n * std::log(q);
  }
  if (x == n) return q < 0.1 ? -rBd0(n, n * p) - n * q : n * std::log(p);
  if (x < 0 || x > n) return -INFINITY;
  const double lc =
      rStirlerr(n) - rStirlerr(x) - rStirlerr(n - x) - rBd0(x, n * p) - rBd0(n - x, n * q);
  constexpr double kLn2Pi = 1.837877066409345483560659472811;
  const double lf = kLn2Pi + std::log(x) + std::log1p(-x / n);
  return lc - 0.5 * lf;
}

/// dhyper(x, r, b, n, log = TRUE): x white balls among n drawn from r white and b black.
inline double rDhyperLog(double x, double r, double b, double n) {
  if (n < x || r < x || n - x > b) return -INFINITY;
  if (n == 0) return x == 0 ? 0.0 : -INFINITY;
  const double p = n / (r + b);
  const double q = (r + b - n) / (r + b);
  const double p1 = rDbinomRawLog(x, r, p, q);
  const double p2 = rDbinomRawLog(n - x, b, p, q);
  const double p3 = rDbinomRawLog(n, r + b, p, q);
  return p1 + p2 - p3;
}

/// dhyper(x, r, b, n) on the probability scale (R's p1 * p2 / p3).
inline double rDhyper(double x, double r, double b, double n) {
  if (n < x || r < x || n - x > b) return 0.0;
  if (n == 0) return x == 0 ? 1.0 : 0.0;
  const double p = n / (r + b);
  const double q = (r + b - n) / (r + b);
  const double p1 = std::exp(rDbinomRawLog(x, r, p, q));
  const double p2 = std::exp(rDbinomRawLog(n - x, b, p, q));
  const double p3 = std::exp(rDbinomRawLog(n, r + b, p, q));
  return p1 * p2 / p3;
}

/// phyper(x, nr, nb, n, lower.tail) for integer arguments (R's phyper with pdhyper).
inline double rPhyper(double x, double nr, double nb, double n, bool lower) {
  x = std::floor(x + 1e-7);
  if (x * (nr + nb) > n * nr) {
    // Sum the other, shorter tail.
    const double oldNb = nb;
    nb = nr;
    nr = oldNb;
    x = n - x - 1;
    lower = !lower;
  }
  if (x < 0 || x < n - nb) return lower ? 0.0 : 1.0;
  if (x >= nr || x >= n) return lower ? 1.0 : 0.0;
  const double d = rDhyper(x, nr, nb, n);
  if (d == 0.0) return lower ? 0.0 : 1.0;
  // P(X <= x) / P(X = x): the ratios of consecutive probabilities summed downwards.
  long double sum = 0.0L;
  long double term = 1.0L;
  double k = x;
  while (k > 0 && term >= std::numeric_limits<double>::epsilon() * sum) {
    term *= k * (nb - n + k) / (n + 1 - k) / (nr + 1 - k);
    sum += term;
    k--;
  }
  const double pd = 1 + static_cast<double>(sum);
  return lower ? d * pd : 0.5 - d * pd + 0.5;
}

}  // namespace rolloutlab::core::stats::detail
