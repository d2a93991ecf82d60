#pragma once
/// Random numbers for simulation: small, cheap to seed, counter-derived, reproducible.
///
/// Every run takes an explicit seed. Per-run seeds are derived from the master seed and the
/// run's identity (`deriveSeed`), never from a clock or the order in which threads pick work,
/// so a batch gives the same numbers for any thread count or shard split.

#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

namespace rolloutlab::core {

/// SplitMix64 step: the standard 64-bit finaliser, used to expand seeds.
inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// FNV-1a 64-bit hash of a string: stable identity of a spec/scenario name in seed derivation.
std::uint64_t stableHash(std::string_view s);

/// Seed of one run from the master seed and the run's identity (e.g. spec and scenario
/// hashes and the replicate index). Order of arguments matters; the mapping never changes
/// between releases, so results stay reproducible.
std::uint64_t deriveSeed(std::uint64_t master, std::uint64_t a, std::uint64_t b = 0,
                         std::uint64_t c = 0);

/// A record of the top-level draws a computation made (for benchmarks: the cost of the random
/// numbers alone). Enabled per thread by pointing `DrawLog::current` at one.
struct DrawLog {
  enum class Kind : std::uint8_t { kPoisson, kBinomial, kNormal, kUniform, kGamma };
  struct Draw {
    Kind kind;
    double a;  ///< mean, p, shape
    std::int64_t n;
  };
  std::vector<Draw> draws;
  static inline thread_local DrawLog* current = nullptr;
};

/// xoshiro256** 1.0 (Blackman & Vigna): the generator every sampler draws from.
class Rng {
 public:
  using result_type = std::uint64_t;
  explicit Rng(std::uint64_t seed = 0) { reseed(seed); }
  void reseed(std::uint64_t seed);

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~0ULL; }
  result_type operator()() { return next(); }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Uniform on (0, 1): never 0, for logarithms.
  double uniformPos() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }

  /// Standard normal (Marsaglia polar method, no cached second value: draws are stateless).
  double normal();
  /// Exponential with rate 1.
  double exponential() { return -std::log(uniformPos()); }
  /// Gamma(shape, 1) (Marsaglia-Tsang; shape < 1 by the boost u^(1/shape) trick).
  double gamma(double shape);
  /// Poisson(mean): inversion below mean 10, PTRS (Hormann 1993) above. mean <= 0 gives 0.
  std::int64_t poisson(double mean);
  /// Binomial(n, p): inversion when min(p, 1-p)*n < 10, BTRS (Hormann 1993) otherwise.
  /// Inline, the sampler out of line: the draws of a multinomial's or a bridge's loop pay no
  /// call but the sampler's.
  std::int64_t binomial(std::int64_t n, double p) {
    if (DrawLog::current != nullptr) [[unlikely]]
      return binomialLogged(n, p);
    return binomialUnlogged(n, p);
  }
  /// Negative binomial by its Poisson-gamma mixture: mean m, variance m + m^2/k (k > 0).
  std::int64_t negativeBinomial(double mean, double k);

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::int64_t binomialLogged(std::int64_t n, double p);
  std::int64_t binomialUnlogged(std::int64_t n, double p) {
    if (n <= 0 || !(p > 0.0)) return 0;
    if (p >= 1.0) return n;
    // Above one half, n minus a draw at 1 - p (exact: Sterbenz, so 1 - p < 0.5 and no second
    // flip). A flag, not a second call: the same numbers without a call per draw.
    const bool flip = p > 0.5;
    const std::int64_t x = binomialAtMostHalf(n, flip ? 1.0 - p : p);
    return flip ? n - x : x;
  }
  std::int64_t binomialAtMostHalf(std::int64_t n, double p);
  std::uint64_t s_[4];
};

/// log(k!) exactly enough for rejection samplers (table below 128, Stirling series above).
double logFactorial(std::int64_t k);

}  // namespace rolloutlab::core
