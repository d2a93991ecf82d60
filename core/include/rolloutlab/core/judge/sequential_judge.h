#pragma once
/// rolloutlab's sequential canary judge: consulted at every tick, it keeps the probability of
/// failing a good canary at or below alpha over all looks, decides per metric on the size of
/// the effect, and works on per-request counts and samples rather than per-minute averages.
///
///   SequentialJudge judge(config);
///   for each tick: judge.observe(tickData); if (judge.decision() != kContinue) stop;
///
/// Per metric i with alpha_i = alpha * weight_i / sum(weights) (weighted Bonferroni):
///  - error rate: the two-arm count test (count_test.h) on the errors of canary and baseline,
///    allocation = the canary's share of requests in the tick; its confidence sequence for
///    the rate ratio r (errors per request, canary / baseline) decides;
///  - mean latency: two mSPRTs (msprt.h) on theta_c = mu_canary - c mu_baseline, one at
///    c = 1 + allowed (fail test) and one at c = 1 + meaningful (pass test);
///  - latency distribution: the two-sample bucket test (histogram_evalue.h) on the per-bucket
///    counts of the latency histogram; it fails once its e-value reaches 1/alpha_i while the
///    canary's `quantile` (interpolated in its bucket) exceeds the baseline's by more than
///    allowedChange. A test of "same distribution" cannot confirm sameness: it never passes,
///    so a judge with such a metric passes only at the end (inconclusiveAtEnd).
/// A metric fails when the evidence excludes every change up to `allowedChange` (the canary
/// is worse than allowed), passes when it excludes a `meaningfulChange` regression, and
/// continues otherwise. The canary fails when any metric fails and passes when all pass.
/// Guarantees, derivations and references: docs/statistics-sequential.md.

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "rolloutlab/core/judge/count_test.h"
#include "rolloutlab/core/judge/histogram_evalue.h"
#include "rolloutlab/core/judge/msprt.h"

namespace rolloutlab::core::judge {

/// What a metric measures.
enum class SequentialMetricKind {
  kErrorRate,            ///< errors per request, from request and error counts
  kLatencyMean,          ///< mean of per-request values (latency), from per-tick sample moments
  kLatencyDistribution,  ///< latency distribution, from per-tick histogram bucket counts
};
/// Which change of the canary is a regression.
enum class SequentialRegression {
  kIncrease,  ///< higher is worse (errors, latency)
  kDecrease,  ///< lower is worse (throughput, successes)
};
/// A metric's or the canary's verdict.
enum class SequentialVerdict {
  kContinue,  ///< not enough evidence either way yet
  kPass,      ///< a meaningful regression is excluded
  kFail,      ///< the canary is worse than the allowed change
};

const char* toString(SequentialMetricKind k);
const char* toString(SequentialRegression r);
const char* toString(SequentialVerdict v);

/// One metric of the sequential judge. Changes are relative to the baseline: 0.1 = 10%.
struct SequentialMetricConfig {
  std::string name;
  SequentialMetricKind kind = SequentialMetricKind::kErrorRate;
  SequentialRegression regression = SequentialRegression::kIncrease;
  double allowedChange = 0.0;     ///< fail only beyond this change, >= 0 (< 1 for decreases)
  double meaningfulChange = 0.5;  ///< pass once this change is excluded, > allowedChange
  double weight = 1.0;            ///< share of alpha, > 0
  double concentration = 100.0;   ///< error rate: prior pseudo-count total of the count test
  /// Latency: mixing standard deviation of the mSPRT in the metric's units (about the size of
  /// the smallest difference worth detecting). Required for kLatencyMean.
  double tau = std::numeric_limits<double>::quiet_NaN();
  /// Latency: looks start once each arm has this many samples (plug-in variances), >= 2.
  std::int64_t minSamplesPerArm = 100;
  /// Latency distribution: the quantile whose change is compared with allowedChange, in (0, 1).
  double quantile = 0.99;
  bool isValid(std::string* error) const;
};

/// The judge's configuration; defaults in one place.
struct SequentialJudgeConfig {
  double alpha = 0.05;  ///< probability of failing a canary that is within every allowed change
  std::vector<SequentialMetricConfig> metrics;
  /// finalDecision() for a canary still undecided at the end of the analysis.
  SequentialVerdict inconclusiveAtEnd = SequentialVerdict::kPass;
  bool isValid(std::string* error) const;
};

/// Requests and errors of one arm in one tick.
struct ArmCounts {
  std::int64_t requests = 0;
  std::int64_t errors = 0;
};

/// One metric's data for the interval since the last look.
struct MetricTick {
  std::string name;
  ArmCounts baselineCounts;  ///< kErrorRate
  ArmCounts canaryCounts;    ///< kErrorRate
  /// kErrorRate: the canary's traffic share in the interval, used only when no requests are
  /// given (NaN: take canary requests / all requests).
  double canaryShare = std::numeric_limits<double>::quiet_NaN();
  Moments baselineSamples;  ///< kLatencyMean: per-request values of the interval
  Moments canarySamples;    ///< kLatencyMean
  /// kLatencyDistribution: per-bucket (not cumulative) request counts of the interval, one per
  /// finite bound of bucketUpperBounds and a last one for +Inf (the same layout at every look).
  std::vector<std::int64_t> baselineBuckets;
  std::vector<std::int64_t> canaryBuckets;
  std::vector<double> bucketUpperBounds;  ///< finite upper bounds, ascending (e.g. ms)
};

/// Everything observed since the last look. Metrics may be missing (no data this tick).
struct TickData {
  double timeSeconds = 0.0;
  std::vector<MetricTick> metrics;
};

/// Moments of a Prometheus histogram's observations, each bucket's count placed at the middle
/// of the bucket (the first bucket from 0, the +Inf bucket at the last finite bound).
/// upperBounds ascending (`le`), cumulativeCounts non-decreasing, same size.
Moments momentsFromHistogram(std::span<const double> upperBounds,
                             std::span<const double> cumulativeCounts);

/// A metric's state after the last look.
struct SequentialMetricStatus {
  std::string name;
  SequentialMetricKind kind = SequentialMetricKind::kErrorRate;
  SequentialVerdict verdict = SequentialVerdict::kContinue;
  std::string reason;
  double alpha = 0.0;  ///< this metric's share of alpha
  /// canary / baseline: rate ratio (errors), ratio of means (latency mean) or ratio of the
  /// configured quantiles (latency distribution); NaN before data.
  double estimate = std::numeric_limits<double>::quiet_NaN();
  /// On the same ratio scale, a confidence sequence (running intersection over looks): for
  /// errors the rate ratio's, for latency the set of ratios c with 0 in the interval of
  /// theta_c = mu_canary - c mu_baseline; [0, inf] for the latency distribution.
  Interval interval;
  double pValue = 1.0;  ///< always-valid p-value of "no difference"
  std::int64_t looks = 0;
  std::int64_t decidedAtLook = 0;  ///< 0 while continuing
  std::int64_t baselineN = 0;      ///< errors (error rate) or samples (latency) so far
  std::int64_t canaryN = 0;
};

/// The incremental judge. Not thread-safe; cheap to copy.
class SequentialJudge {
 public:
  /// Throws InputError (field, value, rule) when the config is not valid.
  explicit SequentialJudge(SequentialJudgeConfig config);
  /// One look. Throws InputError for a metric not in the config or impossible counts.
  void observe(const TickData& tick);
  /// kFail as soon as a metric fails, kPass once all have passed, else kContinue. Sticky.
  SequentialVerdict decision() const { return decision_; }
  /// decision(), with an undecided canary resolved by config.inconclusiveAtEnd.
  SequentialVerdict finalDecision() const;
  const std::vector<SequentialMetricStatus>& metrics() const { return status_; }
  /// One line: which metric decided and why, or why the judge continues.
  std::string reason() const;
  std::int64_t looks() const { return looks_; }
  double lastTimeSeconds() const { return lastTime_; }
  const SequentialJudgeConfig& config() const { return config_; }

 private:
  struct State {
    std::optional<RateRatioTest> counts;
    std::optional<MeanContrastMsprt> failTest;
    std::optional<MeanContrastMsprt> passTest;
    std::optional<BucketDistributionTest> distribution;
    std::vector<double> bounds;  // latency distribution: the bucket bounds of the first look
    Interval ratioSequence;      // latency: running intersection of the per-look ratio sets
  };
  void evaluate(std::size_t i);

  SequentialJudgeConfig config_;
  std::vector<State> state_;
  std::vector<SequentialMetricStatus> status_;
  SequentialVerdict decision_ = SequentialVerdict::kContinue;
  std::int64_t looks_ = 0;
  double lastTime_ = 0.0;
};

}  // namespace rolloutlab::core::judge
