#pragma once
// R's own summation rules, reproduced so that means and variances agree with R to the last bit
// in ordinary cases: R accumulates in long double and refines the mean with a second pass
// (src/main/summary.c, real_mean; src/library/stats/src/cov.c, the MEAN and variance loops).

#include <cmath>
#include <span>

namespace rolloutlab::core::stats::detail {

/// R's mean(x): long double sum / n, then one refinement pass.
inline double rMean(std::span<const double> x) {
  const auto n = static_cast<long double>(x.size());
  long double s = 0.0L;
  for (double v : x) s += v;
  s /= n;
  if (std::isfinite(static_cast<double>(s))) {
    long double t = 0.0L;
    for (double v : x) t += v - s;
    s += t / n;
  }
  return static_cast<double>(s);
}

/// R's mean(c(a, b)).
inline double rMean2(double a, double b) {
  const double pair[2] = {a, b};
  return rMean(pair);
}

/// R's var(x) (n - 1 denominator): the mean as in cov.c, then a long double sum of squared
/// double deviations.
inline double rVar(std::span<const double> x) {
  const double mean = rMean(x);
  long double sum = 0.0L;
  for (double v : x) {
    const double d = v - mean;
    sum += d * d;
  }
  return static_cast<double>(sum / static_cast<long double>(x.size() - 1));
}

}  // namespace rolloutlab::core::stats::detail
