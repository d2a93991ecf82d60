#pragma once
/// The risk-budget vocabulary: operating characteristics estimated from runs (with 95%
/// intervals), constraints on them and the objective a tuner minimises. It speaks the batch
/// report's language (false-rollback rate on good releases, escape rate on bad ones, mean
/// excess errors per bad release, time to promotion of good ones), so that a policy gate can
/// judge a batch report with the same rules as the tuner.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace rolloutlab::tune {

/// One run as the tuner sees it (an engine-neutral outcome).
struct RunOutcome {
  enum class Result : std::uint8_t { kOther, kPromoted, kRolledBack };
  Result result = Result::kOther;
  double timeToPromotion = -1;  ///< seconds, < 0 unless promoted
  double excessErrors = 0;      ///< canary errors above the baseline's rate
};

/// Streaming sums of the runs of one (candidate, scenario) pair, added in replicate order.
struct PairStats {
  std::int64_t runs = 0;
  std::int64_t promoted = 0;
  std::int64_t rolledBack = 0;
  std::int64_t promotedTimed = 0;
  double timeSum = 0, timeSumSq = 0;      ///< of timeToPromotion over promoted runs
  double excessSum = 0, excessSumSq = 0;  ///< over all runs
  void add(const RunOutcome& o);
  void merge(const PairStats& o);
};

/// An estimate with its 95% interval; `n` the runs it rests on. `value` is NaN when n = 0.
struct Estimate {
  double value = std::numeric_limits<double>::quiet_NaN();
  double lo = std::numeric_limits<double>::quiet_NaN();
  double hi = std::numeric_limits<double>::quiet_NaN();
  std::int64_t n = 0;
  bool known() const { return n > 0 && value == value; }
};

/// A proportion with Wilson's score interval (R's prop.test(correct = FALSE)$conf.int).
Estimate proportionEstimate(std::int64_t k, std::int64_t n);
/// A mean with the normal interval mean +- 1.96 sd / sqrt(n) (sd with n - 1).
Estimate meanEstimate(double sum, double sumSq, std::int64_t n);

/// The operating characteristics of one spec over a suite (or one scenario).
struct Characteristics {
  Estimate falseRollbackRate;    ///< rolled back / runs, good releases
  Estimate escapeRate;           ///< promoted / runs, bad releases
  Estimate meanExcessErrors;     ///< excess errors per bad release
  Estimate meanTimeToPromotion;  ///< seconds, promoted good releases
  Estimate goodPromotionRate;    ///< promoted / runs, good releases
  /// Over every run, good or bad: the share not rolled back and the share not promoted (what
  /// an `outcome` constraint on one recording bounds at 0).
  Estimate notRolledBackRate;
  Estimate notPromotedRate;
};

/// Pools (good, bad) pair statistics into the suite's characteristics.
Characteristics characterise(const std::vector<PairStats>& pairs, const std::vector<bool>& bad);

enum class Measure {
  kFalseRollbackRate,
  kEscapeRate,
  kMeanExcessErrors,
  kMeanTimeToPromotion,
  kNotRolledBackRate,  ///< `outcome: rolledBack` on one scenario: at most 0
  kNotPromotedRate,    ///< `outcome: promoted` on one scenario: at most 0
};
const char* toString(Measure m);  ///< the field name: falseRollbackRate, escapeRate, ...
/// Whether the measure is a rate (bounds in [0, 1]).
bool isRate(Measure m);
const Estimate& pick(const Characteristics& c, Measure m);

/// `measure <= max` over the suite, or over one scenario when `scenario` is set. A constraint
/// is met when the upper end of the 95% interval is at most `max`, violated when the lower end
/// is above it, undecided in between (more runs decide it). On a scenario that is one
/// deterministic run (a recording replayed as it is) the estimate is that run's value and its
/// interval the value itself: the constraint is met or violated exactly.
struct Constraint {
  Measure measure = Measure::kFalseRollbackRate;
  double max = 0;
  std::string scenario;
  /// On a scenario that is one deterministic run (set by `tune` once it knows the scenarios;
  /// describe() says so).
  bool exact = false;
  int line = 0;                  ///< in the document that stated it
  std::string describe() const;  ///< "falseRollbackRate <= 0.05 (upper 95% bound)" [on scenario]
};

enum class Verdict { kMet, kViolated, kUndecided };
const char* toString(Verdict v);
Verdict judge(const Constraint& c, const Estimate& e);

/// What the tuner minimises: a weighted sum of mean time to promotion (seconds), mean excess
/// errors per bad release and the false-rollback rate (point estimates; intervals by the same
/// weights).
struct Objective {
  double timeToPromotion = 1;
  double excessErrors = 0;
  double falseRollbackRate = 0;
  std::string describe() const;
  /// The objective's estimate; unknown (NaN) when a weighted part is unknown.
  Estimate of(const Characteristics& c) const;
};

}  // namespace rolloutlab::tune
