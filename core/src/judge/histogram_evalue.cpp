#include "rolloutlab/core/judge/histogram_evalue.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "judge_util.h"

namespace rolloutlab::core::judge {

double bucketIntervalLogEValue(std::span<const double> theta, std::span<const std::int64_t> canary,
                               std::span<const std::int64_t> baseline) {
  const std::size_t k = theta.size();
  if (canary.size() != k || baseline.size() != k)
    throw std::invalid_argument(
        "bucket test: theta, canary and baseline need one entry per bucket");
  std::int64_t nc = 0, n = 0;
  for (std::size_t j = 0; j < k; ++j) {
    if (canary[j] < 0 || baseline[j] < 0)
      throw std::invalid_argument("bucket test: negative count");
    nc += canary[j];
    n += canary[j] + baseline[j];
  }
  if (nc == 0 || nc == n) return 0.0;  // one arm only: the margins fix the table
  // log Z = log sum_j (n_j / N) e^theta_j, shifted by the largest theta for range.
  double top = -std::numeric_limits<double>::infinity();
  for (std::size_t j = 0; j < k; ++j)
    if (canary[j] + baseline[j] > 0) top = std::max(top, theta[j]);
  long double z = 0.0L, gain = 0.0L;
  for (std::size_t j = 0; j < k; ++j) {
    const std::int64_t nj = canary[j] + baseline[j];
    if (nj == 0) continue;
    z += static_cast<long double>(nj) * std::exp(theta[j] - top);
    gain += static_cast<long double>(canary[j]) * theta[j];
  }
  const double logZ = top + std::log(static_cast<double>(z)) - std::log(static_cast<double>(n));
  return static_cast<double>(gain) - static_cast<double>(nc) * logZ;
}

double bucketQuantile(std::span<const std::int64_t> counts, std::span<const double> upperBounds,
                      double q) {
  double total = 0.0;
  for (auto c : counts) total += static_cast<double>(c);
  if (total <= 0.0) return std::numeric_limits<double>::quiet_NaN();
  const double rank = q * total;
  double cum = 0.0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const double before = cum;
    cum += static_cast<double>(counts[i]);
    if (cum >= rank) {
      if (i >= upperBounds.size()) return upperBounds.empty() ? 0.0 : upperBounds.back();
      const double lo = i == 0 ? 0.0 : upperBounds[i - 1];
      return counts[i] > 0
                 ? lo + (upperBounds[i] - lo) * (rank - before) / static_cast<double>(counts[i])
                 : upperBounds[i];
    }
  }
  return upperBounds.empty() ? 0.0 : upperBounds.back();
}

BucketDistributionTest::BucketDistributionTest(double concentration)
    : concentration_(concentration) {
  if (!(concentration > 0.0) || !std::isfinite(concentration))
    throw std::invalid_argument("bucket test: concentration = " +
                                detail::formatDouble(concentration) + ": must be positive");
}

std::vector<double> BucketDistributionTest::tilt(double canaryShare) const {
  std::vector<double> theta(canaryTotals_.size(), 0.0);
  tiltInto(canaryShare, theta);
  return theta;
}

void BucketDistributionTest::tiltInto(double share, std::span<double> theta) const {
  const std::size_t k = canaryTotals_.size();
  std::int64_t x = 0, y = 0;
  for (std::size_t j = 0; j < k; ++j) {
    x += canaryTotals_[j];
    y += baselineTotals_[j];
  }
  if (y == 0) {
    std::fill(theta.begin(), theta.end(), 0.0);
    return;
  }
  const double kd = static_cast<double>(k);
  for (std::size_t j = 0; j < k; ++j) {
    // The baseline's smoothed shares, the canary's posterior mean under a Dirichlet prior of
    // m pseudo-requests centred on them, and the pooled shares they imply at this split.
    const double p =
        (static_cast<double>(baselineTotals_[j]) + 0.5) / (static_cast<double>(y) + 0.5 * kd);
    const double q = (static_cast<double>(canaryTotals_[j]) + concentration_ * p) /
                     (static_cast<double>(x) + concentration_);
    theta[j] = std::log(q / ((1.0 - share) * p + share * q));
  }
}

void BucketDistributionTest::update(std::span<const std::int64_t> canary,
                                    std::span<const std::int64_t> baseline) {
  if (canary.size() != baseline.size() || canary.empty())
    throw std::invalid_argument("bucket test: the arms need the same, non-zero number of buckets");
  if (!canaryTotals_.empty() && canaryTotals_.size() != canary.size())
    throw std::invalid_argument("bucket test: " + std::to_string(canary.size()) +
                                " buckets after " + std::to_string(canaryTotals_.size()));
  const std::size_t k = canary.size();
  std::int64_t nc = 0, n = 0;
  for (std::size_t j = 0; j < k; ++j) {
    if (canary[j] < 0 || baseline[j] < 0)
      throw std::invalid_argument("bucket test: negative count");
    nc += canary[j];
    n += canary[j] + baseline[j];
  }
  ++looks_;
  if (canaryTotals_.empty()) {
    canaryTotals_.assign(k, 0);
    baselineTotals_.assign(k, 0);
  }
  // The tilt comes from the previous looks and this interval's margins only (predictable given
  // what the test conditions on).
  if (nc > 0 && nc < n) {
    theta_.resize(k);
    tiltInto(static_cast<double>(nc) / static_cast<double>(n), theta_);
    logE_ += bucketIntervalLogEValue(theta_, canary, baseline);
  }
  for (std::size_t j = 0; j < k; ++j) {
    canaryTotals_[j] += canary[j];
    baselineTotals_[j] += baseline[j];
  }
  pValue_ = std::min(pValue_, std::exp(-logE_));
}

}  // namespace rolloutlab::core::judge
