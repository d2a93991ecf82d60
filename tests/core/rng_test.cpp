#include "rolloutlab/core/rng.h"

#include <gtest/gtest.h>

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/poisson.hpp>
#include <cmath>
#include <cstring>
#include <map>
#include <vector>

using rolloutlab::core::Rng;

TEST(Rng, SameSeedSameStream) {
  Rng a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next();
    EXPECT_EQ(x, b.next());
    EXPECT_NE(x, c.next());
  }
}

TEST(Rng, XoshiroReferenceOutput) {
  // Reference: xoshiro256** seeded with state {1, 2, 3, 4} (Vigna's reference C code)
  // produces 11520, 0, 1509978240, 1215971899390074240 as its first four outputs.
  Rng r(0);
  // Set the state through reseed-independent means: compare against the published values by
  // running the algorithm on the known state via a copy of the step.
  std::uint64_t s[4] = {1, 2, 3, 4};
  auto rotl = [](std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  std::vector<std::uint64_t> got;
  for (int i = 0; i < 4; ++i) {
    const std::uint64_t result = rotl(s[1] * 5, 7) * 9;
    const std::uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    got.push_back(result);
  }
  EXPECT_EQ(got,
            (std::vector<std::uint64_t>{11520ULL, 0ULL, 1509978240ULL, 1215971899390074240ULL}));
}

TEST(Rng, DeriveSeedDependsOnEveryPart) {
  using rolloutlab::core::deriveSeed;
  const auto s = deriveSeed(1, 2, 3, 4);
  EXPECT_EQ(s, deriveSeed(1, 2, 3, 4));
  EXPECT_NE(s, deriveSeed(0, 2, 3, 4));
  EXPECT_NE(s, deriveSeed(1, 0, 3, 4));
  EXPECT_NE(s, deriveSeed(1, 2, 0, 4));
  EXPECT_NE(s, deriveSeed(1, 2, 3, 0));
  EXPECT_NE(deriveSeed(1, 2, 3, 4), deriveSeed(1, 3, 2, 4));
}

namespace {
// Pearson chi-square goodness of fit of draws against a pmf, pooling tails below 5 expected.
// Returns the p-value.
template <class Draw, class Pmf>
double chiSquareP(int n, Draw draw, Pmf pmf, long lo, long hi) {
  std::map<long, int> counts;
  for (int i = 0; i < n; ++i) counts[draw()]++;
  double stat = 0.0;
  int cells = 0;
  double pooledE = 0.0, pooledO = 0.0;
  double coveredP = 0.0;
  for (long k = lo; k <= hi; ++k) {
    const double p = pmf(k);
    coveredP += p;
    const double e = n * p;
    const double o = counts.count(k) ? counts[k] : 0;
    if (e < 5.0) {
      pooledE += e;
      pooledO += o;
      continue;
    }
    stat += (o - e) * (o - e) / e;
    ++cells;
  }
  double outside = 0;
  for (auto& [k, c] : counts)
    if (k < lo || k > hi) outside += c;
  pooledE += n * (1.0 - coveredP);
  pooledO += outside;
  if (pooledE > 0) {
    stat += (pooledO - pooledE) * (pooledO - pooledE) / pooledE;
    ++cells;
  }
  boost::math::chi_squared chi(cells - 1);
  return boost::math::cdf(boost::math::complement(chi, stat));
}
}  // namespace

// Each goodness-of-fit test fails by chance with probability 1e-4 (fixed seeds make it
// deterministic; the threshold guards against a sampler that is wrong).
struct BinomCase {
  long n;
  double p;
};
class RngBinomial : public ::testing::TestWithParam<BinomCase> {};
TEST_P(RngBinomial, MatchesPmf) {
  const auto c = GetParam();
  Rng r(7 + c.n);
  boost::math::binomial_distribution<> d(static_cast<double>(c.n), c.p);
  const double mean = c.n * c.p, sd = std::sqrt(c.n * c.p * (1 - c.p));
  const long lo = std::max(0L, static_cast<long>(mean - 8 * sd - 2));
  const long hi = std::min(c.n, static_cast<long>(mean + 8 * sd + 2));
  const double pv = chiSquareP(
      200000, [&] { return static_cast<long>(r.binomial(c.n, c.p)); },
      [&](long k) { return boost::math::pdf(d, static_cast<double>(k)); }, lo, hi);
  EXPECT_GT(pv, 1e-4) << "n=" << c.n << " p=" << c.p;
}
INSTANTIATE_TEST_SUITE_P(Cases, RngBinomial,
                         ::testing::Values(BinomCase{20, 0.1}, BinomCase{100, 0.03},
                                           BinomCase{100, 0.5}, BinomCase{1000, 0.02},
                                           BinomCase{60000, 0.01}, BinomCase{50, 0.93},
                                           BinomCase{1000000, 0.3}));

class RngPoisson : public ::testing::TestWithParam<double> {};
TEST_P(RngPoisson, MatchesPmf) {
  const double mean = GetParam();
  Rng r(static_cast<std::uint64_t>(mean * 1000) + 1);
  boost::math::poisson_distribution<> d(mean);
  const double sd = std::sqrt(mean);
  const long lo = std::max(0L, static_cast<long>(mean - 8 * sd - 2));
  const long hi = static_cast<long>(mean + 8 * sd + 4);
  const double pv = chiSquareP(
      200000, [&] { return static_cast<long>(r.poisson(mean)); },
      [&](long k) { return boost::math::pdf(d, static_cast<double>(k)); }, lo, hi);
  EXPECT_GT(pv, 1e-4) << "mean=" << mean;
}
INSTANTIATE_TEST_SUITE_P(Cases, RngPoisson,
                         ::testing::Values(0.5, 3.0, 9.9, 10.0, 37.5, 1500.0, 60000.0));

TEST(Rng, LogFactorialMatchesLgamma) {
  for (long k : {0L, 1L, 5L, 127L, 128L, 129L, 1000L, 123456789L}) {
    EXPECT_NEAR(rolloutlab::core::logFactorial(k), std::lgamma(k + 1.0),
                1e-12 * std::max(1.0, std::lgamma(k + 1.0)))
        << k;
  }
}

namespace {
// log(k!) as the library defines it, without its memo: the table below 128, the Stirling series
// with three correction terms above.
double referenceLogFactorial(std::int64_t k) {
  if (k < 128) {
    double t = 0.0;
    for (std::int64_t i = 1; i <= k; ++i) t += std::log(static_cast<double>(i));
    return t;
  }
  const double x = static_cast<double>(k) + 1.0;
  const double ix = 1.0 / x;
  const double ix2 = ix * ix;
  return (x - 0.5) * std::log(x) - x + 0.91893853320467274178 +
         ix * (1.0 / 12.0 - ix2 * (1.0 / 360.0 - ix2 * (1.0 / 1260.0)));
}

// The samplers as Hormann (1993) writes them, every constant computed before the loop and
// p > 1/2 by recursion: the reference the library's draws must equal number for number (it
// computes the mode's terms only when the squeeze fails and flips p instead of recursing).
std::int64_t textbookBinomial(Rng& r, std::int64_t n, double p) {
  const auto logFactorial = referenceLogFactorial;
  if (n <= 0 || !(p > 0.0)) return 0;
  if (p >= 1.0) return n;
  if (p > 0.5) return n - textbookBinomial(r, n, 1.0 - p);
  const double q = 1.0 - p;
  const double np = static_cast<double>(n) * p;
  if (np < 10.0) {
    const double s = p / q;
    const double a = static_cast<double>(n + 1) * s;
    double pr = std::exp(static_cast<double>(n) * std::log1p(-p));
    double u = r.uniform();
    std::int64_t x = 0;
    while (u > pr) {
      u -= pr;
      ++x;
      if (x > n) {
        u = r.uniform();
        x = 0;
        pr = std::exp(static_cast<double>(n) * std::log1p(-p));
        continue;
      }
      pr *= (a / static_cast<double>(x) - s);
    }
    return x;
  }
  const double spq = std::sqrt(np * q);
  const double b = 1.15 + 2.53 * spq;
  const double a = -0.0873 + 0.0248 * b + 0.01 * p;
  const double c = np + 0.5;
  const double vr = 0.92 - 4.2 / b;
  const double alpha = (2.83 + 5.1 / b) * spq;
  const double lpq = std::log(p / q);
  const auto m = static_cast<std::int64_t>(std::floor(static_cast<double>(n + 1) * p));
  const double h = logFactorial(m) + logFactorial(n - m);
  for (;;) {
    const double u = r.uniform() - 0.5;
    double v = r.uniformPos();
    const double us = 0.5 - std::fabs(u);
    const double kd = std::floor((2.0 * a / us + b) * u + c);
    if (kd < 0.0 || kd > static_cast<double>(n)) continue;
    const auto k = static_cast<std::int64_t>(kd);
    if (us >= 0.07 && v <= vr) return k;
    v = std::log(v * alpha / (a / (us * us) + b));
    if (v <= h - logFactorial(k) - logFactorial(n - k) + static_cast<double>(k - m) * lpq) return k;
  }
}

std::int64_t textbookPoisson(Rng& r, double mean) {
  const auto logFactorial = referenceLogFactorial;
  if (!(mean > 0.0)) return 0;
  if (mean < 10.0) {
    const double enlam = std::exp(-mean);
    std::int64_t x = 0;
    double prod = 1.0;
    for (;;) {
      prod *= r.uniform();
      if (prod > enlam) {
        ++x;
      } else {
        return x;
      }
    }
  }
  const double slam = std::sqrt(mean);
  const double loglam = std::log(mean);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    const double u = r.uniform() - 0.5;
    const double v = r.uniformPos();
    const double us = 0.5 - std::fabs(u);
    const double kd = std::floor((2.0 * a / us + b) * u + mean + 0.43);
    if (kd < 0.0) continue;
    const auto k = static_cast<std::int64_t>(kd);
    if (us >= 0.07 && v <= vr) return k;
    if (us < 0.013 && v > us) continue;
    if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <=
        -mean + kd * loglam - logFactorial(k))
      return k;
  }
}
}  // namespace

TEST(Rng, BinomialAndPoissonEqualTheTextbookSamplersDrawForDraw) {
  // Parameters from every regime (inversion, BTRS, p above and at one half, p at the double
  // next to 0, 1/2 and 1, n from 1 to 10^9), each draw followed by the next uniform so that a
  // sampler that consumed one number more or less is caught as well as a different value.
  Rng params(2026);
  Rng lib(99), ref(99);
  double recent[8] = {0.5, 0.1, 0.01, 0.3, 0.02, 0.7, 0.99, 1e-4};
  const double edges[] = {0.5,
                          std::nextafter(0.5, 1.0),
                          std::nextafter(0.5, 0.0),
                          std::nextafter(1.0, 0.0),
                          1e-300,
                          0.0,
                          1.0};
  for (int i = 0; i < 300000; ++i) {
    const auto n = static_cast<std::int64_t>(std::exp(params.uniform() * std::log(1e9)));
    // Every third draw asks again for one of the last probabilities with a new n (a sampler
    // that remembers values by p must give the same numbers).
    double p = i % 50 == 0  ? edges[(i / 50) % 7]
               : i % 3 == 0 ? recent[static_cast<std::size_t>(params.uniform() * 8)]
                            : params.uniform();
    if (i % 3 == 1) recent[static_cast<std::size_t>(i / 3) % 8] = p;
    ASSERT_EQ(lib.binomial(n, p), textbookBinomial(ref, n, p))
        << "draw " << i << " n=" << n << " p=" << p;
    ASSERT_EQ(lib.uniform(), ref.uniform()) << "after draw " << i;
    const double mean = std::exp(params.uniform() * std::log(1e7)) - 1.0;
    ASSERT_EQ(lib.poisson(mean), textbookPoisson(ref, mean)) << "draw " << i << " mean=" << mean;
    ASSERT_EQ(lib.uniform(), ref.uniform()) << "after Poisson draw " << i;
  }
}

TEST(Rng, LogFactorialIsTheSeriesValueWhetherRememberedOrNot) {
  // Values asked again (the memo's hits), new ones that take an asked value's slot (its
  // evictions) and values never asked: each is the series' own double, bit for bit.
  Rng r(11);
  std::vector<std::int64_t> asked;
  for (int i = 0; i < 400000; ++i) {
    std::int64_t k = 0;
    if (!asked.empty() && r.uniform() < 0.5) {
      k = asked[static_cast<std::size_t>(r.uniform() * static_cast<double>(asked.size()))];
    } else {
      k = static_cast<std::int64_t>(std::exp(r.uniform() * std::log(1e12)));
      asked.push_back(k);
    }
    const double want = referenceLogFactorial(k);
    const double got = rolloutlab::core::logFactorial(k);
    ASSERT_EQ(std::memcmp(&want, &got, sizeof want), 0) << "k=" << k << " ask " << i;
  }
}
