#include "rolloutlab/core/judge/special_functions.h"

#include <cmath>
#include <limits>
#include <numeric>

namespace rolloutlab::core::judge {

namespace {
constexpr double kLogSqrt2Pi = 0.918938533204672741780329736406;  // log(sqrt(2 pi))
}  // namespace

double stirlingRemainder(double x) {
  if (!(x >= 10.0)) return std::numeric_limits<double>::quiet_NaN();
  // Asymptotic series sum_k B_2k / (2k (2k - 1) x^(2k - 1)), eight terms: the next term is
  // below 2e-18 at x = 10 and smaller beyond.
  static constexpr double kCoef[] = {
      1.0 / 12.0,   -1.0 / 360.0,      1.0 / 1260.0, -1.0 / 1680.0,
      1.0 / 1188.0, -691.0 / 360360.0, 1.0 / 156.0,  -3617.0 / 122400.0,
  };
  const double ix = 1.0 / x;
  const double ix2 = ix * ix;
  double sum = 0.0;
  for (int k = 7; k >= 0; --k) sum = sum * ix2 + kCoef[k];
  return sum * ix;
}

double logBeta(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  const double p = std::min(a, b);
  const double q = std::max(a, b);
  if (p < 0.0) return std::numeric_limits<double>::quiet_NaN();
  if (p == 0.0) return std::numeric_limits<double>::infinity();
  if (!std::isfinite(q)) return -std::numeric_limits<double>::infinity();
  if (p >= 10.0) {
    // Both large: Stirling for all three gammas, remainders kept separately.
    const double corr = stirlingRemainder(p) + stirlingRemainder(q) - stirlingRemainder(p + q);
    return -0.5 * std::log(q) + kLogSqrt2Pi + corr + (p - 0.5) * std::log(p / (p + q)) +
           q * std::log1p(-p / (p + q));
  }
  if (q >= 10.0) {
    // p small, q large: Stirling for Gamma(q) and Gamma(p + q) only.
    const double corr = stirlingRemainder(q) - stirlingRemainder(p + q);
    return std::lgamma(p) + corr + p - p * std::log(p + q) + (q - 0.5) * std::log1p(-p / (p + q));
  }
  if (q < 1e-306) return std::lgamma(p) + (std::lgamma(q) - std::lgamma(p + q));
  return std::log(std::tgamma(p) * (std::tgamma(q) / std::tgamma(p + q)));
}

double logGamma(double x) {
  if (x > 10.0) return kLogSqrt2Pi + (x - 0.5) * std::log(x) - x + stirlingRemainder(x);
  if (x > 0.0) return std::log(std::abs(std::tgamma(x)));
  return std::lgamma(x);
}

double logMultivariateBeta(std::span<const double> a) {
  if (a.size() == 2) return logBeta(a[0], a[1]);
  // Extended-precision sums, as R's sum() accumulates: the terms cancel heavily at large counts.
  long double sumLgamma = 0.0L;
  long double total = 0.0L;
  for (double v : a) {
    sumLgamma += logGamma(v);
    total += v;
  }
  return static_cast<double>(sumLgamma) - logGamma(static_cast<double>(total));
}

}  // namespace rolloutlab::core::judge
