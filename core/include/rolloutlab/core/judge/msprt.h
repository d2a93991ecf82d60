#pragma once
/// Mixture sequential probability ratio tests (mSPRT) for a contrast of two means and for a
/// difference of two proportions, with always-valid p-values and confidence sequences.
///
/// Johari, Koomen, Pekelis and Walsh, "Always valid inference", Operations Research 2022 (KDD
/// 2017 "Peeking at A/B tests"). The estimate D_n of a contrast theta is treated as Gaussian
/// with variance v_n; mixing the likelihood ratio over theta ~ N(theta0, tau^2) gives
///
///   log Lambda_n = -1/2 log(1 + tau^2 / v_n) + tau^2 (D_n - theta0)^2 / (2 v_n (v_n + tau^2)),
///
/// which for n pairs with per-pair variance V (v_n = V / n) is the paper's
/// sqrt(V / (V + n tau^2)) exp(n^2 tau^2 (D_n - theta0)^2 / (2 V (V + n tau^2))).
/// Lambda_n is a nonnegative martingale under theta = theta0 (exactly, with known variances;
/// asymptotically with plug-in variances), so P(Lambda_n >= 1/alpha for some n) <= alpha
/// (Ville). Looks can be taken after every observation or after every batch.
/// docs/statistics-sequential.md gives the derivation for unequal and time-varying arm sizes.

#include <cstdint>
#include <limits>
#include <span>
#include <string>

namespace rolloutlab::core::judge {

/// A closed interval [lower, upper]; an end may be infinite. Empty when lower > upper.
struct Interval {
  double lower = -std::numeric_limits<double>::infinity();
  double upper = std::numeric_limits<double>::infinity();
  bool contains(double x) const { return lower <= x && x <= upper; }
  bool empty() const { return lower > upper; }
};

/// Running count, mean and sum of squared deviations of a sample; batches merge exactly
/// (Chan, Golub and LeVeque's pairwise update), so a tick's summary can be added at once.
struct Moments {
  std::int64_t count = 0;
  double mean = 0.0;
  double m2 = 0.0;  ///< sum of squared deviations from the mean

  void add(double x);
  void merge(const Moments& other);
  /// Sample variance with n - 1 in the denominator; NaN below two observations.
  double variance() const;
  static Moments fromSamples(std::span<const double> xs);
  /// From a count, a sum and a sum of squares (e.g. Prometheus `_count`, `_sum` and a
  /// squared-sum series). Loses precision when the variance is tiny against the mean.
  static Moments fromSums(std::int64_t count, double sum, double sumSquares);
};

/// log Lambda of the normal mixture for an estimate with variance `variance` (> 0), null value
/// theta0 and mixing variance tau2 (> 0). See the file comment.
double normalMixtureLogLikelihoodRatio(double estimate, double variance, double theta0,
                                       double tau2);

/// The set of theta0 with log Lambda(theta0) < log(1/alpha): estimate +- half-width with
/// half-width^2 = v (v + tau^2) / tau^2 * (2 log(1/alpha) + log(1 + tau^2 / v)).
Interval normalMixtureConfidenceInterval(double estimate, double variance, double tau2,
                                         double alpha);

/// The always-valid state of one normal-mixture test, fed (estimate, variance) at each look.
class NormalMixtureSequence {
 public:
  NormalMixtureSequence(double theta0, double tau2, double alpha);
  /// One look. A non-finite or non-positive variance leaves the state unchanged.
  void look(double estimate, double variance);

  std::int64_t looks() const { return looks_; }
  double estimate() const { return estimate_; }
  double variance() const { return variance_; }
  /// log Lambda at the last look (0 before the first).
  double logLikelihoodRatio() const { return logLambda_; }
  /// p_n = min(p_{n-1}, 1 / Lambda_n), starting at 1.
  double pValue() const { return pValue_; }
  /// The confidence interval of the last look alone.
  Interval currentInterval() const { return current_; }
  /// The running intersection of all intervals so far: covers theta at every look with
  /// probability >= 1 - alpha.
  Interval confidenceSequence() const { return running_; }
  double alpha() const { return alpha_; }

 private:
  double theta0_;
  double tau2_;
  double alpha_;
  std::int64_t looks_ = 0;
  double estimate_ = std::numeric_limits<double>::quiet_NaN();
  double variance_ = std::numeric_limits<double>::quiet_NaN();
  double logLambda_ = 0.0;
  double pValue_ = 1.0;
  Interval current_;
  Interval running_;
};

/// Options of the mean-contrast mSPRT. The contrast is theta = mu_canary - c * mu_baseline.
struct MsprtOptions {
  double alpha = 0.05;    ///< level of the test and of the confidence sequence, in (0, 1)
  double tau = 1.0;       ///< mixing standard deviation, metric units (set it near the MDE)
  double theta0 = 0.0;    ///< null value of the contrast, metric units
  double contrast = 1.0;  ///< c in theta = mu_canary - c mu_baseline (> 0)
  /// Known per-observation standard deviations (metric units). When both are set the test is
  /// exact; when NaN the sample variances are plugged in at every look.
  double sigmaBaseline = std::numeric_limits<double>::quiet_NaN();
  double sigmaCanary = std::numeric_limits<double>::quiet_NaN();
  /// Looks are skipped until each arm has this many observations (>= 2 with plug-in).
  std::int64_t minSamplesPerArm = 2;

  bool knownVariance() const;
  /// Checks every field; on failure writes `field = value: rule` to *error.
  bool isValid(std::string* error) const;
};

/// mSPRT for theta = mu_canary - c mu_baseline from two streams of observations. Each
/// `update` adds one batch per arm (possibly empty) and is one look.
class MeanContrastMsprt {
 public:
  /// Throws std::invalid_argument when the options are not valid.
  explicit MeanContrastMsprt(const MsprtOptions& options);
  void update(const Moments& baselineBatch, const Moments& canaryBatch);
  /// Convenience: one observation of one arm, one look.
  void addBaseline(double x);
  void addCanary(double x);

  const Moments& baseline() const { return baseline_; }
  const Moments& canary() const { return canary_; }
  const NormalMixtureSequence& sequence() const { return seq_; }
  double pValue() const { return seq_.pValue(); }
  Interval confidenceSequence() const { return seq_.confidenceSequence(); }
  const MsprtOptions& options() const { return options_; }

 private:
  void lookNow();
  MsprtOptions options_;
  Moments baseline_;
  Moments canary_;
  NormalMixtureSequence seq_;
};

/// mSPRT for the difference of two proportions p_canary - p_baseline by the normal
/// approximation, with plug-in variances p~(1 - p~)/n where p~ = (x + 1/2)/(n + 1) keeps the
/// variance positive at 0 or n successes.
class ProportionMsprt {
 public:
  ProportionMsprt(double theta0, double tau, double alpha, std::int64_t minTrialsPerArm = 1);
  /// One look after adding the batch's trials and successes of each arm.
  void update(std::int64_t baselineTrials, std::int64_t baselineSuccesses,
              std::int64_t canaryTrials, std::int64_t canarySuccesses);

  std::int64_t baselineTrials() const { return nA_; }
  std::int64_t baselineSuccesses() const { return xA_; }
  std::int64_t canaryTrials() const { return nB_; }
  std::int64_t canarySuccesses() const { return xB_; }
  const NormalMixtureSequence& sequence() const { return seq_; }
  double pValue() const { return seq_.pValue(); }
  Interval confidenceSequence() const { return seq_.confidenceSequence(); }

  /// The estimate and its plug-in variance for the given totals (the formula used at a look).
  static void estimateAndVariance(std::int64_t nA, std::int64_t xA, std::int64_t nB,
                                  std::int64_t xB, double* estimate, double* variance);

 private:
  std::int64_t minTrials_;
  std::int64_t nA_ = 0, xA_ = 0, nB_ = 0, xB_ = 0;
  NormalMixtureSequence seq_;
};

}  // namespace rolloutlab::core::judge
