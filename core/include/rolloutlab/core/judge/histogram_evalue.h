#pragma once
/// Anytime-valid two-sample test of a latency distribution from histogram bucket counts: is
/// the canary's latency distribution the primary's? Built on Lindon and Malek's multinomial
/// likelihood ratio against a null allocation and their null-centred Dirichlet prior
/// ("Anytime-Valid Inference for Multinomial Count Data", NeurIPS 2022), adapted to two
/// samples by conditioning on each interval's margins, with a predictable plug-in tilt in
/// place of their mixture.
///
/// Null: within each interval the canary's requests are a uniformly random subset of the
/// interval's requests as far as latency goes (same latency distribution in both arms; any
/// traffic split, changing from interval to interval). Given the interval's per-bucket totals
/// n_j (N in all) and the canary's request count N_c, the canary's bucket counts x are then
/// multivariate hypergeometric. Per interval t, for a tilt theta fixed before the interval
/// (predictable),
///
///   e_t = exp(sum_j x_j theta_j) / (sum_j (n_j / N) exp(theta_j))^N_c,
///
/// exp of a linear function of x, hence convex, whose mean under Multinomial(N_c, n/N) is 1;
/// sampling without replacement is smaller in the convex order (Hoeffding 1963, Theorem 4), so
/// E[e_t | past, margins] <= 1 and E_T = prod_t e_t is a test supermartingale:
/// P(E_T >= 1/alpha for some T) <= alpha (Ville). No traffic weight enters.
///
/// theta_j = log(q_j / (s_t q_j + (1 - s_t) p_j)): the canary's bucket probabilities over the
/// pooled ones they imply at the interval's canary share s_t = N_c / N (a margin, so allowed),
/// with p and q estimated from the previous looks only. p_j = (Y_j + 1/2) / (Y + k/2) from the
/// baseline's counts so far, and q_j = (X_j + m p_j) / (X + m) is the posterior mean of the
/// canary's probabilities under a Dirichlet prior centred on p with m = concentration
/// pseudo-requests (Lindon and Malek's null-centred prior). When the canary's and the
/// baseline's distributions are estimated right, the tilted law is the canary's; the split may
/// change between intervals. docs/statistics-sequential.md has the derivation and the choices
/// against a Dirichlet mixture and against quantile confidence sequences.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace rolloutlab::core::judge {

/// log e_t of one interval (see the file comment): the tilt theta (one per bucket, finite),
/// the canary's and the baseline's bucket counts of the interval (>= 0, same size). 0 when
/// either arm has no requests.
double bucketIntervalLogEValue(std::span<const double> theta, std::span<const std::int64_t> canary,
                               std::span<const std::int64_t> baseline);

/// A quantile of a histogram of per-bucket counts, linear inside the bucket holding it (as
/// Prometheus' histogram_quantile; the first bucket starts at 0, a quantile in the +Inf bucket
/// is the last finite bound). `upperBounds` are the finite bounds, counts has one more entry.
/// NaN without observations.
double bucketQuantile(std::span<const std::int64_t> counts, std::span<const double> upperBounds,
                      double q);

/// The test, fed one interval at a time. Each `update` is one look.
class BucketDistributionTest {
 public:
  /// concentration: the prior's pseudo-request count m (> 0). Throws std::invalid_argument.
  explicit BucketDistributionTest(double concentration = 100.0);
  /// Adds an interval's per-bucket counts of each arm (the same number of buckets at every
  /// look). Throws std::invalid_argument on negative counts or a change of bucket count.
  void update(std::span<const std::int64_t> canary, std::span<const std::int64_t> baseline);

  std::int64_t looks() const { return looks_; }
  /// log E_T, the running product of the intervals' e-values.
  double logEValue() const { return logE_; }
  /// min over looks of 1/E_T, capped at 1.
  double pValue() const { return pValue_; }
  const std::vector<std::int64_t>& canaryTotals() const { return canaryTotals_; }
  const std::vector<std::int64_t>& baselineTotals() const { return baselineTotals_; }
  /// The tilt theta for a next interval with the given canary share of its requests (all 0
  /// before the baseline has requests; empty before the first look).
  std::vector<double> tilt(double canaryShare) const;

 private:
  double concentration_;
  std::int64_t looks_ = 0;
  double logE_ = 0.0;
  double pValue_ = 1.0;
  std::vector<std::int64_t> canaryTotals_;
  std::vector<std::int64_t> baselineTotals_;
  std::vector<double> theta_;  // scratch: the tilt of the current look

  void tiltInto(double canaryShare, std::span<double> theta) const;
};

}  // namespace rolloutlab::core::judge
