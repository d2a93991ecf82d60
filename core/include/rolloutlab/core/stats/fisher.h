#pragma once
/// Fisher's exact test for a 2x2 table, as R's `fisher.test(matrix(c(a, b, c, d), 2, 2,
/// byrow = TRUE), alternative, or, conf.int = TRUE, conf.level)` (R 4.2.2,
/// src/library/stats/R/fisher.test.R, the 2 x 2 branch).
///
/// The table is
///
///             col 1   col 2
///     row 1     a       b
///     row 2     c       d
///
/// and, given the margins, a follows Fisher's noncentral hypergeometric distribution with odds
/// ratio psi. R's rules, reproduced:
/// - two.sided p-value: the sum of the probabilities (under psi = or) of all tables no more
///   likely than the observed one, with relative tolerance 1 + 1e-7;
/// - less / greater: P(A <= a) / P(A >= a) under psi = or;
/// - estimate: the conditional maximum-likelihood odds ratio (0 when a is at the lower end of
///   its support, infinity at the upper end);
/// - interval: the psi at which the one-sided tail probabilities equal alpha (two-sided:
///   alpha/2 on each side); 0 or infinity at the support ends.
/// R finds the estimate and the interval ends with uniroot at its default tolerance (about
/// 1.2e-4 on psi, or on 1/psi above 1). Computation kR (default) does the same on R's own
/// evaluation of the law (dhyper, phyper, long-double sums) and gives R's numbers bit for bit;
/// kExact solves the same equations to full double precision (on log psi), within R's
/// tolerance of R and ~1e-10 of a tightened R. The p-value is R's arithmetic under both.

#include <array>
#include <cstdint>

#include "rolloutlab/core/stats/test_result.h"

namespace rolloutlab::core::stats {

/// Options of Fisher's test, with R's defaults.
struct FisherOptions {
  Alternative alternative = Alternative::kTwoSided;
  double oddsRatio = 1.0;  ///< the hypothesised odds ratio (R's `or`), 0 <= or <= infinity
  bool confInt = true;
  double confLevel = 0.95;
  /// kR: the estimate and interval ends found as R finds them (uniroot at its default
  /// tolerance), R's numbers bit for bit; kExact: the exact roots of the same equations.
  Computation computation = Computation::kR;
};

/// Largest support (number of possible values of a given the margins) accepted.
inline constexpr std::int64_t kFisherMaxSupport = 10'000'000;

/// Fisher's exact test of the 2x2 table {a, b, c, d} (row by row). Counts must be
/// non-negative; throws InputError otherwise, or when the support exceeds kFisherMaxSupport.
TestResult fisherExactTest(const std::array<std::int64_t, 4>& table,
                           const FisherOptions& options = {});

}  // namespace rolloutlab::core::stats
