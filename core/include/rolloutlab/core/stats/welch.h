#pragma once
/// Welch's two-sample t-test, as R's `t.test(x, y, alternative, mu, conf.level,
/// var.equal = FALSE)` (R 4.2.2, src/library/stats/R/t.test.R): t = (mean x - mean y - mu) /
/// stderr with stderr = sqrt(var x / n_x + var y / n_y), Welch-Satterthwaite degrees of
/// freedom, Student t with non-integer df. Means and variances are accumulated in long double
/// as R does.

#include <span>

#include "rolloutlab/core/stats/test_result.h"

namespace rolloutlab::core::stats {

/// Options of the Welch test, with R's defaults.
struct WelchOptions {
  Alternative alternative = Alternative::kTwoSided;
  double mu = 0.0;  ///< hypothesised difference of the means (data units)
  double confLevel = 0.95;
};

/// Welch's test of x against y. Statistic "t", parameter "df", estimate {mean x, mean y},
/// interval for the difference in means. Throws InputError for fewer than 2 values in a
/// sample, non-finite values, or essentially constant data (R: "data are essentially
/// constant").
TestResult welchTest(std::span<const double> x, std::span<const double> y,
                     const WelchOptions& options = {});

}  // namespace rolloutlab::core::stats
