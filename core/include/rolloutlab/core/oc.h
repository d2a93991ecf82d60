#pragma once
/// Operating characteristics: streaming, mergeable, order-independent aggregates of run
/// summaries. Counts and sums are kept exactly (integers and fixed point), so merging the
/// aggregates of any split of the runs (threads, shards) gives bit-identical results.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace rolloutlab::core {

/// 128-bit integer for exact fixed-point sums (a GCC/Clang extension).
__extension__ typedef __int128 Int128;
/// Decimal text of an Int128, and back (nullopt on bad text).
std::string int128ToString(Int128 v);
bool int128FromString(const std::string& s, Int128& out);

/// Exact counts of values on a fine grid (decision times fall on ticks; kept in ms).
class ExactHistogram {
 public:
  void add(std::int64_t v, std::int64_t count = 1);
  void merge(const ExactHistogram& o);
  std::int64_t count() const { return n_; }
  /// The smallest value v with P(X <= v) >= q (type-1 quantile); 0 when empty.
  std::int64_t quantile(double q) const;
  double mean() const;
  const std::map<std::int64_t, std::int64_t>& bins() const { return bins_; }

 private:
  std::map<std::int64_t, std::int64_t> bins_;
  std::int64_t n_ = 0;
  Int128 sum_ = 0;
};

/// A log-linear histogram of real values with relative resolution `kRelativeResolution`:
/// bucket b holds values in [g^b, g^(b+1)) with g = 1 + 2 x resolution (negatives mirrored,
/// |v| < 1e-9 in a zero bucket); a quantile is reported as the bucket's geometric midpoint,
/// within the resolution of the true order statistic. Means are exact (fixed-point sums).
class LogHistogram {
 public:
  static constexpr double kRelativeResolution = 0.005;
  void add(double v);
  void merge(const LogHistogram& o);
  std::int64_t count() const { return n_; }
  double quantile(double q) const;
  double mean() const;
  /// Buckets as (index, count); index 0 is the zero bucket, +b positive, -b negative.
  const std::map<std::int32_t, std::int64_t>& bins() const { return bins_; }
  /// The values bucket `b` holds: [lo, hi) for b > 0, (lo, hi] for b < 0 (mirrored), and
  /// (-1e-9, 1e-9) for the zero bucket.
  static std::pair<double, double> bucketRange(std::int32_t b);
  /// Restores from serialized parts (see bins(), sumMicro()).
  void restore(const std::map<std::int32_t, std::int64_t>& bins, Int128 sumMicro);
  Int128 sumMicro() const { return sumMicro_; }

 private:
  std::map<std::int32_t, std::int64_t> bins_;
  std::int64_t n_ = 0;
  Int128 sumMicro_ = 0;  // sum of round(v x 1e6)
};

/// A shadow judge's verdicts over runs.
struct JudgeAggregate {
  std::int64_t runs = 0;
  std::int64_t fail = 0;
  std::int64_t pass = 0;
  std::int64_t undecided = 0;
  ExactHistogram timeToFailMs;
  ExactHistogram timeToPassMs;
  void merge(const JudgeAggregate& o);
};

/// What one run contributes.
struct RunRecord {
  enum class Result { kPromoted, kRolledBack, kOther };
  Result result = Result::kOther;
  double timeToDecision = -1;   ///< seconds; < 0 when the run did not decide
  double timeToPromotion = -1;  ///< seconds; < 0 unless promoted
  double canaryRequests = 0;
  double canaryErrors = 0;
  double excessErrors = 0;
  std::int64_t metricChecks = 0;
  std::int64_t failedMetricChecks = 0;
  /// Per shadow judge: 0 undecided, 1 pass, 2 fail, and when (seconds).
  std::vector<std::pair<int, double>> judges;
};

/// Aggregate of the runs of one (spec, scenario) pair.
struct PairAggregate {
  std::int64_t runs = 0;
  std::int64_t promoted = 0;
  std::int64_t rolledBack = 0;
  std::int64_t other = 0;
  ExactHistogram timeToDecisionMs;
  ExactHistogram timeToPromotionMs;
  LogHistogram canaryRequests;
  LogHistogram canaryErrors;
  LogHistogram excessErrors;
  std::int64_t metricChecks = 0;
  std::int64_t failedMetricChecks = 0;
  std::vector<JudgeAggregate> judges;

  void add(const RunRecord& r);
  void merge(const PairAggregate& o);
};

}  // namespace rolloutlab::core
