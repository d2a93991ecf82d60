#pragma once
/// The result every classical test returns: the fields of R's `htest` object.
///
/// Each test in rolloutlab::core::stats reproduces one named R function (see
/// docs/statistics.md); its result carries the same statistic, p-value, estimate and interval
/// that R prints, plus R's method line and any warning R would give.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rolloutlab::core::stats {

/// The alternative hypothesis, as R's `alternative` argument.
enum class Alternative {
  kTwoSided,  ///< "two.sided": the true location/parameter differs from the null value
  kLess,      ///< "less": it is smaller than the null value
  kGreater,   ///< "greater": it is larger than the null value
};

/// R's spelling: "two.sided", "less", "greater".
const char* toString(Alternative a);
/// Parses R's spelling (exactly); nullopt for anything else.
std::optional<Alternative> alternativeFromString(std::string_view s);

/// How a test computes the estimates and interval ends that R finds numerically (with
/// `uniroot`): R's way, to reproduce R's numbers, or exactly. See docs/statistics.md.
enum class Computation {
  kR,      ///< "r": R's algorithm (R_zeroin2 at R's tolerance): R's numbers, bit for bit
  kExact,  ///< "exact": the exact root of the same equation, to full double precision
};

/// "r" or "exact".
const char* toString(Computation c);
/// Parses "r" or "exact"; nullopt for anything else.
std::optional<Computation> computationFromString(std::string_view s);

/// A confidence interval [lo, hi]; an unbounded end is -infinity / +infinity.
struct Interval {
  double lo = 0.0;
  double hi = 0.0;
};

/// One test's outcome, field for field as R's `htest` (print.htest shows the same).
struct TestResult {
  std::string method;  ///< R's method line, e.g. "Wilcoxon rank sum exact test"
  Alternative alternative = Alternative::kTwoSided;
  std::optional<double> statistic;  ///< absent where R reports none (Fisher)
  std::string statisticName;        ///< "W", "t", "X-squared", "number of successes"
  std::optional<double> parameter;  ///< degrees of freedom or number of trials, if any
  std::string parameterName;        ///< "df", "number of trials"
  double pValue = 1.0;
  std::vector<double> estimate;            ///< R's estimate (one or two values)
  std::vector<std::string> estimateNames;  ///< e.g. "difference in location"
  std::optional<Interval> confInt;         ///< absent when no interval was asked for
  double confLevel = 0.95;            ///< the level of confInt (R lowers it when not achievable)
  std::optional<double> nullValue;    ///< the hypothesised value (mu, p, odds ratio)
  std::string nullValueName;          ///< e.g. "location shift", "probability of success"
  std::vector<std::string> warnings;  ///< warnings R would print for the same call
  /// The computation used for the estimate and interval, for tests that offer the choice.
  std::optional<Computation> computation;
};

}  // namespace rolloutlab::core::stats
