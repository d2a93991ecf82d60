#pragma once
/// Group-sequential designs: critical values and cumulative alpha spent for K looks at given
/// information fractions, as r-cran-rpact's `getDesignGroupSequential(kMax, alpha, sided,
/// typeOfDesign, informationRates)` (rpact 3.3.4).
///
/// Under H0 the look statistics Z_1..Z_K are jointly normal with corr(Z_j, Z_k) =
/// sqrt(t_j / t_k). A design rejects at the first look k where Z_k >= c_k (sided = 1) or
/// |Z_k| >= c_k (sided = 2, symmetric two-sided boundaries); alpha is the total one-sided
/// (sided = 1, rpact's default) or two-sided (sided = 2) type-I error.
///
/// - OF (O'Brien-Fleming) and P (Pocock): constant-shape boundaries c_k = C / sqrt(t_k) and
///   c_k = C, with C solved so that the total crossing probability is alpha.
/// - asOF and asP (Lan-DeMets alpha spending): alpha*(t) = 2 s (1 - Phi(z_{1 - alpha/(2 s)} /
///   sqrt(t))) with s = sided, and alpha*(t) = alpha ln(1 + (e - 1) t); c_k is solved so that
///   the probability of first crossing at look k is alpha*(t_k) - alpha*(t_{k-1}).
///
/// Crossing probabilities are computed by the recursive numerical integration of Armitage,
/// McPherson and Rowe (Jennison & Turnbull, ch. 19) with composite Gauss-Legendre rules on
/// panels two kernel standard deviations wide (boundaries agree with a grid four times finer
/// to ~1e-13); boundaries are solved to full double precision.
/// rpact integrates on a fixed 91-point Newton-Cotes grid over boundaries clamped to [-6, 8]:
/// it agrees to ~1e-7 where that grid is adequate, drifts by up to ~1e-4 for closely spaced
/// looks (e.g. rates 0.2 and 0.21), reports Inf for a first boundary whose spent alpha
/// underflows its 1 - pnorm and caps later ones at 8. This library reports the exact values.

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace rolloutlab::core::stats {

/// rpact's typeOfDesign values implemented here.
enum class BoundaryType {
  kOBrienFleming,          ///< "OF": c_k = C / sqrt(t_k)
  kPocock,                 ///< "P": c_k = C
  kSpendingOBrienFleming,  ///< "asOF": Lan-DeMets O'Brien-Fleming-type alpha spending
  kSpendingPocock,         ///< "asP": Lan-DeMets Pocock-type alpha spending
};

/// rpact's spelling: "OF", "P", "asOF", "asP".
const char* toString(BoundaryType t);
std::optional<BoundaryType> boundaryTypeFromString(std::string_view s);

/// Inputs of a design, with rpact's defaults.
struct GroupSequentialOptions {
  int looks = 3;         ///< K, 1..20 (rpact's kMax)
  double alpha = 0.025;  ///< total type-I error, 1e-6 <= alpha < 0.5
  int sided = 1;         ///< 1: upper boundary only; 2: symmetric two-sided
  BoundaryType type = BoundaryType::kOBrienFleming;
  std::vector<double> informationRates;  ///< t_1 < ... < t_K = 1, all > 0; empty: k / K
};

/// A design's boundaries, per look.
struct GroupSequentialDesign {
  GroupSequentialOptions options;      ///< with informationRates filled in
  std::vector<double> criticalValues;  ///< c_k on the z scale (+infinity: no rejection)
  std::vector<double> alphaSpent;      ///< cumulative P_H0(reject by look k)
  std::vector<double> stageLevels;     ///< 1 - Phi(c_k), the nominal one-sided level
};

/// Computes the design. Throws InputError (naming the option and the rule) for looks outside
/// 1..20, alpha outside [1e-6, 0.5), sided not 1 or 2, or information rates that are not
/// strictly increasing in (0, 1] ending at 1, or whose count differs from looks.
GroupSequentialDesign groupSequentialDesign(const GroupSequentialOptions& options);

/// Cumulative P_H0(reject by look k) for given boundaries: sum over looks of the probability of
/// first crossing. Boundaries may be +infinity. Same preconditions on the rates.
std::vector<double> cumulativeCrossingProbability(std::span<const double> informationRates,
                                                  std::span<const double> criticalValues,
                                                  int sided);

}  // namespace rolloutlab::core::stats
