#pragma once
/// Sample quantiles by R's default definition, `quantile(x, probs, type = 7)` (R 4.2.2,
/// src/library/stats/R/quantile.R): with h = (n - 1) p, the value is
/// x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]) on the sorted sample (0-based),
/// written as R computes it, (1 - g) x[lo] + g x[hi]. Kayenta's percentiles (commons-math
/// Percentile, EstimationType.R_7) are the same.

#include <span>
#include <vector>

namespace rolloutlab::core::stats {

/// Type-7 quantiles of x at each of probs (same order). probs within [0, 1] up to R's fuzz of
/// 100 * DBL_EPSILON (then clamped). Throws InputError for an empty sample, non-finite x or
/// probs outside [0, 1]. O(n log n).
std::vector<double> quantile7(std::span<const double> x, std::span<const double> probs);

/// One type-7 quantile of an already sorted sample (no checks beyond a debug assert).
double quantile7Sorted(std::span<const double> sorted, double prob);

}  // namespace rolloutlab::core::stats
