#pragma once
/// Special functions the sequential tests need, evaluated the way R evaluates them, so that
/// log Bayes factors agree with R's `lbeta` / `lgamma` one-liners to ~1e-13 relative.

#include <span>

namespace rolloutlab::core::judge {

/// log B(a, b) for a, b > 0. Same decomposition as R's `lbeta` (nmath/lbeta.c): Stirling
/// remainder terms when an argument is >= 10, so no catastrophic cancellation of lgamma values
/// at large counts. Returns +inf when min(a, b) == 0, NaN when an argument is negative or NaN.
double logBeta(double a, double b);

/// log Gamma(x) as R's `lgamma` computes it for x > 0: Stirling with the remainder series
/// above 10, log|Gamma(x)| below.
double logGamma(double x);

/// log of the multivariate beta function: sum_i lgamma(a_i) - lgamma(sum_i a_i). For two
/// arguments it equals logBeta(a_0, a_1) (and is computed by it).
double logMultivariateBeta(std::span<const double> a);

/// Stirling remainder lgamma(x) - [(x - 1/2) log x - x + log sqrt(2 pi)] for x >= 10
/// (R's `lgammacor`), to ~1e-18 absolute. NaN below 10.
double stirlingRemainder(double x);

}  // namespace rolloutlab::core::judge
