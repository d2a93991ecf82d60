#include "rolloutlab/core/stats/quantile.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "support.h"

namespace rolloutlab::core::stats {

double quantile7Sorted(std::span<const double> sorted, double prob) {
  assert(!sorted.empty() && std::is_sorted(sorted.begin(), sorted.end()));
  // R: index <- 1 + max(n - 1, 0) * probs; lo <- floor(index); hi <- ceiling(index);
  // qs <- x[lo]; interpolate only when index > lo and x[hi] != qs.
  const double index = 1 + static_cast<double>(sorted.size() - 1) * prob;
  const double lo = std::floor(index);
  const double hi = std::ceil(index);
  const double qs = sorted[static_cast<std::size_t>(lo) - 1];
  const double upper = sorted[static_cast<std::size_t>(hi) - 1];
  if (index > lo && upper != qs) {
    const double h = index - lo;
    return (1 - h) * qs + h * upper;
  }
  return qs;
}

std::vector<double> quantile7(std::span<const double> x, std::span<const double> probs) {
  detail::requireSize(x, 1, "x");
  detail::requireFinite(x, "x");
  constexpr double kFuzz = 100 * std::numeric_limits<double>::epsilon();
  for (std::size_t i = 0; i < probs.size(); ++i) {
    if (!(probs[i] >= -kFuzz && probs[i] <= 1 + kFuzz)) {
      detail::fail("probs[" + std::to_string(i) + "]", detail::formatNumber(probs[i]),
                   "must be within [0, 1]");
    }
  }
  std::vector<double> sorted(x.begin(), x.end());
  std::sort(sorted.begin(), sorted.end());
  std::vector<double> out;
  out.reserve(probs.size());
  for (double p : probs) out.push_back(quantile7Sorted(sorted, std::clamp(p, 0.0, 1.0)));
  return out;
}

}  // namespace rolloutlab::core::stats
