#pragma once
/// Wilcoxon rank-sum (Mann-Whitney) test with the Hodges-Lehmann estimate and interval, as R's
/// `wilcox.test(x, y, alternative, mu, exact, correct, conf.int, conf.level)` (R 4.2.2,
/// src/library/stats/R/wilcox.test.R, two-sample branch).
///
/// What R does, and what this library does:
/// - W = sum of the ranks of x - mu in c(x - mu, y) (average ranks for ties) - n_x(n_x+1)/2.
/// - exact = auto means R's rule: exact when n_x < 50 and n_y < 50. The exact path is taken
///   only when c(x - mu, y) has no ties; with ties R (and this library) fall back to the normal
///   approximation and warn.
/// - Exact path: p-value from the exact null distribution of W (R's pwilcox); the interval ends
///   are order statistics of the n_x*n_y differences x_i - y_j picked by qwilcox, and the
///   estimate is their median. These agree with R to the last bit.
/// - Normal path: tie-corrected variance, continuity correction 0.5 (sign of the deviation for
///   two.sided) when `correct`. R finds the interval ends with uniroot (tol.root = 1e-4,
///   absolute, in data units) on the standardized statistic as a function of the shift d, and
///   the estimate with uniroot on the uncorrected statistic (correct = FALSE, zq = 0).
///   - computation kR (default): the same R_zeroin2 steps on the same statistic, evaluated as R
///     evaluates it: R's interval and estimate bit for bit (at any tolRoot).
///   - computation kExact: the statistic is a step function of d that jumps only at the
///     differences x_i - y_j, so the exact root is one of them: the k-th smallest difference
///     for a k found from the statistic's closed form. The estimate is the Hodges-Lehmann median
///     of the differences (the midpoint of the stretch [D(P/2), D(P/2+1)] where the
///     uncorrected statistic is zero when P = n_x*n_y is even), as on the exact path.
/// - R drops NA values silently; this library rejects NaN and infinite values (InputError).
///
/// Cost: O((n+m) log(n+m)) for the test; per interval end O(n+m) per uniroot step (kR) or
/// O((n+m) log) (kExact); no n*m arrays.

#include <cstdint>
#include <span>
#include <vector>

#include "rolloutlab/core/stats/test_result.h"

namespace rolloutlab::core::stats {

/// R's `exact` argument: NULL (auto), TRUE or FALSE.
enum class ExactMode {
  kAuto,  ///< exact when both samples have fewer than 50 values (R's rule for exact = NULL)
  kYes,   ///< exact when there are no ties (R's exact = TRUE)
  kNo,    ///< always the normal approximation
};

/// Options of the rank-sum test, with R's defaults.
struct RankSumOptions {
  Alternative alternative = Alternative::kTwoSided;
  double mu = 0.0;  ///< hypothesised location shift of x relative to y (data units)
  ExactMode exact = ExactMode::kAuto;
  bool correct = true;  ///< continuity correction on the normal path
  bool confInt = true;  ///< compute the Hodges-Lehmann estimate and interval
  double confLevel = 0.95;
  /// Normal path only: kR finds the interval ends and the estimate as R does (uniroot at
  /// tolRoot), kExact computes the exact roots (see the file comment). The exact path is the
  /// same either way.
  Computation computation = Computation::kR;
  double tolRoot = 1e-4;  ///< R's tol.root: uniroot's absolute tolerance in data units (kR)
};

/// The two-sample Wilcoxon rank-sum test of x against y (statistic W, see the file comment).
/// Throws InputError for empty samples, non-finite values, bad options, zero variance on the
/// normal path, an interval when each sample holds a single value (R stops there too), and an
/// exact distribution beyond WilcoxonDistribution::kMaxPairs.
TestResult rankSumTest(std::span<const double> x, std::span<const double> y,
                       const RankSumOptions& options = {});

/// The exact null distribution of W for sample sizes m and n (R's dwilcox/pwilcox/qwilcox).
/// Built once in O(min(m,n) * m*n) time and O(m*n) memory; limited to m*n <= kMaxPairs.
class WilcoxonDistribution {
 public:
  static constexpr std::int64_t kMaxPairs = 250000;
  WilcoxonDistribution(int m, int n);

  /// P(W <= q), R's pwilcox(q, m, n).
  double cdf(double q) const;
  /// P(W > q), R's pwilcox(q, m, n, lower.tail = FALSE).
  double upperTail(double q) const;
  /// P(W = w).
  double pmf(std::int64_t w) const;
  /// Smallest q with P(W <= q) >= p (with R's 10*DBL_EPSILON fuzz), R's qwilcox(p, m, n).
  std::int64_t quantile(double p) const;

 private:
  double sumPmf(std::int64_t from, std::int64_t to) const;
  std::int64_t m_ = 0;
  std::int64_t n_ = 0;
  std::vector<double> half_;  // P(W = w) for w = 0 .. floor(mn/2); the rest by symmetry
};

/// The k-th smallest (1-based) of the n*m differences x[i] - y[j], each computed in double as
/// R's outer(x, y, "-") does; x and y must be sorted ascending and finite. Exact (the result
/// is one of the differences) in O((n + m) * log) time and O(n + m) memory.
double kthPairwiseDifference(std::span<const double> xSorted, std::span<const double> ySorted,
                             std::int64_t k);

/// The shifts d at which R's standardized rank-sum statistic of (x - d, y), minus zq, changes
/// sign (R's `wdiff` inside wilcox.test). The statistic is a non-increasing step function of d
/// with jumps at the differences x_i - y_j: the root is a single difference (lo == hi) unless
/// the statistic equals zq exactly on a stretch, which happens for zq = 0 (the estimate); then
/// [lo, hi] is that stretch. R returns the ends of the search range [min x - max y,
/// max x - min y] when the statistic does not change sign inside it; so does this function.
struct ShiftRoot {
  double lo = 0.0;
  double hi = 0.0;
  /// The midpoint, computed as R's mean() of two values (extended-precision sum).
  double mid() const;
};

/// The root of W(d) = zq, W standardized with tie-corrected variance and R's continuity
/// correction for `alternative` when `correct` (two.sided: 0.5 * sign of the deviation;
/// greater: +0.5; less: -0.5). x and y sorted ascending, finite, non-empty.
/// Kayenta's judge uses correct = true, two.sided and zq = 0 for its estimate.
ShiftRoot rankSumShiftRoot(std::span<const double> xSorted, std::span<const double> ySorted,
                           double zq, bool correct, Alternative alternative);

}  // namespace rolloutlab::core::stats
