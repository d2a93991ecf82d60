#pragma once
/// Tests and intervals for proportions:
/// - the exact binomial test with the Clopper-Pearson interval, as R's
///   `binom.test(x, n, p, alternative, conf.level)` (R 4.2.2, src/library/stats/R/binom.test.R);
/// - the score (chi-squared) test of one or more proportions, as R's
///   `prop.test(x, n, p, alternative, conf.level, correct)` (src/library/stats/R/prop.test.R):
///   with one group its interval is the Wilson score interval (with Yates' correction when
///   `correct`), with two groups the interval is the Wald interval of the difference with
///   R's capped continuity correction.

#include <cstdint>
#include <optional>
#include <span>

#include "rolloutlab/core/stats/test_result.h"

namespace rolloutlab::core::stats {

/// Options of the exact binomial test, with R's defaults.
struct BinomOptions {
  double p = 0.5;  ///< hypothesised probability of success, 0 <= p <= 1
  Alternative alternative = Alternative::kTwoSided;
  double confLevel = 0.95;
};

/// Exact test of x successes in n trials. Two-sided p-value by R's rule: the probabilities
/// of all outcomes no more likely than x (relative tolerance 1 + 1e-7). Interval:
/// Clopper-Pearson from beta quantiles. Throws InputError unless 0 <= x <= n, n >= 1.
TestResult binomTest(std::int64_t x, std::int64_t n, const BinomOptions& options = {});

/// Options of prop.test, with R's defaults.
struct PropOptions {
  /// Hypothesised probabilities, one per group, each in (0, 1). Empty: 0.5 for one group,
  /// equality of the proportions for two or more (R's p = NULL).
  std::span<const double> p;
  Alternative alternative = Alternative::kTwoSided;  ///< R forces two.sided for > 2 groups
  double confLevel = 0.95;
  bool correct = true;  ///< Yates' continuity correction (only with one or two groups)
};

/// prop.test(x, n): X-squared statistic with df, p-value, the sample proportions as the
/// estimate and, for one group or two groups without p, the confidence interval (of p, or of
/// p1 - p2). Throws InputError on bad counts, or when an expected count is zero (R returns NaN).
TestResult propTest(std::span<const std::int64_t> x, std::span<const std::int64_t> n,
                    const PropOptions& options = {});

/// The Wilson score interval of x successes in n trials: prop.test(x, n, correct =
/// correct)$conf.int, two-sided at confLevel.
Interval wilsonInterval(std::int64_t x, std::int64_t n, double confLevel = 0.95,
                        bool correct = false);

/// The Clopper-Pearson interval: binom.test(x, n)$conf.int, two-sided at confLevel.
Interval clopperPearsonInterval(std::int64_t x, std::int64_t n, double confLevel = 0.95);

}  // namespace rolloutlab::core::stats
