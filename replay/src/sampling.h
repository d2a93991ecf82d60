#pragma once
// Exact discrete draws the counterfactual routing needs beyond core::Rng: the hypergeometric
// (which of a step's recorded requests stay on the primary) and multinomial splits.

#include <cmath>
#include <cstdint>
#include <vector>

#include "rolloutlab/core/rng.h"

namespace rolloutlab::replay::detail {

/// Hypergeometric(N, K, n): successes among n draws without replacement from N items of which K
/// are successes. Inversion from the mode (exact up to rounding; expected work O(sd)).
inline std::int64_t hypergeometric(core::Rng& rng, std::int64_t N, std::int64_t K, std::int64_t n) {
  if (n <= 0 || K <= 0) return 0;
  if (K >= N) return n;
  if (n >= N) return K;
  const std::int64_t lo = std::max<std::int64_t>(0, n - (N - K));
  const std::int64_t hi = std::min(n, K);
  if (lo == hi) return lo;
  auto logPmf = [&](std::int64_t k) {
    return core::logFactorial(K) - core::logFactorial(k) - core::logFactorial(K - k) +
           core::logFactorial(N - K) - core::logFactorial(n - k) -
           core::logFactorial(N - K - n + k) - core::logFactorial(N) + core::logFactorial(n) +
           core::logFactorial(N - n);
  };
  std::int64_t mode = static_cast<std::int64_t>(std::floor(
      static_cast<double>(n + 1) * static_cast<double>(K + 1) / static_cast<double>(N + 2)));
  mode = std::min(hi, std::max(lo, mode));
  const double pm = std::exp(logPmf(mode));
  double u = rng.uniform();
  if (u < pm) return mode;
  u -= pm;
  // Walk outwards, alternately down and up, with the pmf's ratio recurrences.
  std::int64_t down = mode, up = mode;
  double pDown = pm, pUp = pm;
  for (;;) {
    bool moved = false;
    if (down > lo) {
      // p(k-1) = p(k) * k (N - K - n + k) / ((K - k + 1) (n - k + 1))
      const double k = static_cast<double>(down);
      pDown *= k * (static_cast<double>(N - K - n) + k) /
               ((static_cast<double>(K) - k + 1.0) * (static_cast<double>(n) - k + 1.0));
      --down;
      moved = true;
      if (u < pDown) return down;
      u -= pDown;
    }
    if (up < hi) {
      // p(k+1) = p(k) * (K - k) (n - k) / ((k + 1) (N - K - n + k + 1))
      const double k = static_cast<double>(up);
      pUp *= (static_cast<double>(K) - k) * (static_cast<double>(n) - k) /
             ((k + 1.0) * (static_cast<double>(N - K - n) + k + 1.0));
      ++up;
      moved = true;
      if (u < pUp) return up;
      u -= pUp;
    }
    if (!moved) return mode;  // rounding left some mass: the mode takes it
  }
}

/// Splits n draws among categories with the given weights (multinomial, by conditional
/// binomials); adds to out[i].
template <class W, class Out>
void multinomialAdd(core::Rng& rng, std::int64_t n, const W* weights, std::size_t k, Out* out) {
  double rest = 0;
  for (std::size_t i = 0; i < k; ++i) rest += static_cast<double>(weights[i]);
  if (rest <= 0) return;
  for (std::size_t i = 0; i < k && n > 0; ++i) {
    const double w = static_cast<double>(weights[i]);
    if (w <= 0) continue;
    if (w >= rest) {
      out[i] += static_cast<Out>(n);
      return;
    }
    const std::int64_t x = rng.binomial(n, w / rest);
    out[i] += static_cast<Out>(x);
    n -= x;
    rest -= w;
  }
  if (n > 0) {
    for (std::size_t i = k; i-- > 0;) {
      if (static_cast<double>(weights[i]) > 0) {
        out[i] += static_cast<Out>(n);
        return;
      }
    }
  }
}

/// Draws `n` of `counts` without replacement (multivariate hypergeometric); adds the drawn
/// counts to out[i].
template <class C, class Out>
void hypergeometricAdd(core::Rng& rng, std::int64_t n, const C* counts, std::size_t k, Out* out) {
  std::int64_t total = 0;
  for (std::size_t i = 0; i < k; ++i) total += static_cast<std::int64_t>(counts[i]);
  if (n >= total) {
    for (std::size_t i = 0; i < k; ++i) out[i] += static_cast<Out>(counts[i]);
    return;
  }
  for (std::size_t i = 0; i < k && n > 0; ++i) {
    const auto c = static_cast<std::int64_t>(counts[i]);
    if (c <= 0) continue;
    const std::int64_t x = hypergeometric(rng, total, c, n);
    out[i] += static_cast<Out>(x);
    n -= x;
    total -= c;
  }
}

}  // namespace rolloutlab::replay::detail
