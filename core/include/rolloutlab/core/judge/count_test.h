#pragma once
/// Anytime-valid tests of count data after Lindon and Malek, "Anytime-Valid Inference for
/// Multinomial Count Data", NeurIPS 2022: Dirichlet-multinomial (two arms: beta-binomial)
/// Bayes factors that are test martingales under the null, with always-valid p-values and a
/// confidence sequence for the rate ratio of two arms.
///
/// Null: the arms' event intensities are equal per unit of exposure, lambda_i(t) proportional
/// to rho_i(t) lambda(t) with an arbitrary common, time-varying lambda(t). Given that an event
/// happens at time t it comes from arm i with probability rho_i(t) (its allocation, e.g. the
/// canary's traffic weight), whatever lambda(t) is: the test needs only the counts.
///
/// Constant allocation rho (two arms, concentration (a, b)):
///   log BF = lbeta(a + n_B, b + n_A) - lbeta(a, b) - n_B log rho - n_A log(1 - rho).
/// Time-varying allocation: the Bayes factor is built as a product over batches of
/// beta-binomial predictive probabilities divided by the null binomial ones; when the
/// allocation changes between batches, the running pseudo-counts are re-expressed at the new
/// allocation (same estimated intensity ratio, same Fisher information about it). Any such
/// predictable choice keeps the product a test martingale; with a constant allocation the
/// product is exactly the closed form above. docs/statistics-sequential.md has the derivation.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "rolloutlab/core/judge/msprt.h"

namespace rolloutlab::core::judge {

/// Closed-form two-arm log Bayes factor at a constant allocation rho (the canary's, arm B's,
/// share of exposure) with beta concentration (a, b) (R: lbeta(a+nB, b+nA) - lbeta(a, b) -
/// nB*log(rho) - nA*log(1-rho)).
double betaBinomialLogBayesFactor(std::int64_t nBaseline, std::int64_t nCanary, double rho,
                                  double a, double b);

/// Closed-form k-arm log Bayes factor at a constant allocation with Dirichlet concentration
/// alpha: lmvbeta(alpha + n) - lmvbeta(alpha) - sum_i n_i log rho_i.
double dirichletMultinomialLogBayesFactor(std::span<const std::int64_t> counts,
                                          std::span<const double> allocation,
                                          std::span<const double> concentration);

/// Re-expresses Dirichlet pseudo-counts held at allocation `from` at allocation `to`: the
/// implied intensity ratios alpha_i / from_i are kept, and the total is scaled so that the
/// Fisher information sum_i alpha_i (1 - theta_i) stays the same. In place.
void remapConcentration(std::span<const double> from, std::span<const double> to,
                        std::span<double> concentration);

/// Options of the count tests.
struct CountTestOptions {
  double alpha = 0.05;           ///< level, in (0, 1)
  double concentration = 100.0;  ///< prior pseudo-count total m: alpha_i = m rho_i (> 0)
  bool isValid(std::string* error) const;
};

/// k-arm Dirichlet-multinomial test of "intensities equal up to allocation", fed batch by
/// batch. Each `update` is one look.
class DirichletMultinomialTest {
 public:
  /// Throws std::invalid_argument on bad options or arms < 2.
  DirichletMultinomialTest(int arms, const CountTestOptions& options = {});
  /// Adds a batch: counts[i] events of arm i while arm i's allocation was allocation[i]
  /// (positive, summing to 1 within 1e-9). Throws std::invalid_argument on bad input.
  void update(std::span<const std::int64_t> counts, std::span<const double> allocation);

  int arms() const { return arms_; }
  std::int64_t looks() const { return looks_; }
  const std::vector<std::int64_t>& totals() const { return totals_; }
  double logBayesFactor() const { return logPredictive_ - logNull_; }
  /// log of the product of predictive probabilities (the numerator of the Bayes factor).
  double logPredictive() const { return logPredictive_; }
  /// min over looks of 1/BF, capped at 1.
  double pValue() const { return pValue_; }
  double alpha() const { return options_.alpha; }

 private:
  int arms_;
  CountTestOptions options_;
  std::int64_t looks_ = 0;
  std::vector<std::int64_t> totals_;
  // The current segment: allocation, pseudo-counts at its start and counts within it.
  bool started_ = false;
  std::vector<double> segAllocation_;
  std::vector<double> segPrior_;
  std::vector<std::int64_t> segCounts_;
  std::vector<double> scratch_;
  double logPredictiveBefore_ = 0.0;  // sum over closed segments
  double logNullBefore_ = 0.0;
  double logPredictive_ = 0.0;
  double logNull_ = 0.0;
  double pValue_ = 1.0;
};

/// Two-arm count test (baseline A, canary B) with a confidence sequence for the rate ratio
/// r = (canary intensity per unit exposure) / (baseline intensity per unit exposure).
class RateRatioTest {
 public:
  explicit RateRatioTest(const CountTestOptions& options = {});
  /// Adds one batch: events of each arm while the canary's share of exposure was rho, in
  /// (0, 1). One look. Throws std::invalid_argument on negative counts or rho outside (0, 1).
  void update(std::int64_t nBaseline, std::int64_t nCanary, double rho);

  std::int64_t looks() const { return test_.looks(); }
  std::int64_t baselineEvents() const { return test_.totals()[1]; }
  std::int64_t canaryEvents() const { return test_.totals()[0]; }
  double logBayesFactor() const { return test_.logBayesFactor(); }
  double pValue() const { return test_.pValue(); }
  /// Maximum-likelihood rate ratio (0 or inf at the edges, NaN before any event).
  double rateRatioEstimate() const { return estimate_; }
  /// {r0 : log M_n(r0) < log(1/alpha)} at the last look.
  Interval currentRateRatioInterval() const { return current_; }
  /// Running intersection over looks: covers the true r at all looks with prob >= 1 - alpha.
  /// When the intersection is empty it collapses to the current estimate.
  Interval rateRatioInterval() const { return running_; }
  /// log M_n(r0): evidence against H0: r = r0 (r0 = 1 gives logBayesFactor()).
  double logEvidenceAgainst(double r0) const;

 private:
  struct Group {
    double logitRho;
    std::int64_t nA;
    std::int64_t nB;
  };
  double logLikelihood(double logRatio) const;
  void solveInterval();

  DirichletMultinomialTest test_;  // arm 0 = canary (B), arm 1 = baseline (A)
  std::vector<Group> groups_;      // counts aggregated by allocation
  double estimate_;
  Interval current_;
  Interval running_;
};

}  // namespace rolloutlab::core::judge
