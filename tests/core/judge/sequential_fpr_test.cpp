// Distributional acceptance tests of the always-valid tests (statistics reference, proposal
// rows 8 and 9): 10^5 simulated null runs, a look after every observation or every tick, and
// the false-positive rate's upper 99% Clopper-Pearson bound must stay at or below alpha.
// The heavy loops evaluate the library's own boundary (closed form or threshold tables built
// with its functions); a subset of runs is replayed through the incremental objects and must
// reject on exactly the same runs.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <iostream>
#include <vector>

#include "judge_test_util.h"
#include "rolloutlab/core/judge/count_test.h"
#include "rolloutlab/core/judge/msprt.h"
#include "rolloutlab/core/rng.h"

using namespace rolloutlab::core::judge;
using rolloutlab::core::Rng;
using rolloutlab::test::clopperPearsonUpper99;

namespace {

constexpr int kRuns = 100000;
constexpr double kAlpha = 0.05;

void report(const char* what, std::int64_t rejected, std::int64_t runs) {
  std::cout << "[ figure ] " << what << ": FPR " << static_cast<double>(rejected) / runs << " ("
            << rejected << "/" << runs << "), upper 99% CP "
            << clopperPearsonUpper99(rejected, runs) << "\n";
}

// Squared half-width of the mixture interval at variance v: reject when (D - theta0)^2 >= it.
double rejectSquared(double v, double tau2, double alpha) {
  return v * (v + tau2) / tau2 * (2.0 * std::log(1.0 / alpha) + std::log1p(tau2 / v));
}

}  // namespace

TEST(MsprtFpr, KnownVarianceUnequalArmsStaysBelowAlpha) {
  // Baseline 3 observations per look, canary 1 (a 25% canary), sigma 1, tau 0.3, 300 looks.
  constexpr int kLooks = 300;
  const double tau = 0.3, tau2 = tau * tau;
  std::vector<double> bound(kLooks + 1);
  for (int n = 1; n <= kLooks; ++n) {
    const double v = 1.0 / n + 1.0 / (3.0 * n);
    bound[n] = rejectSquared(v, tau2, kAlpha);
  }
  auto run = [&](std::uint64_t seed, MeanContrastMsprt* replay) {
    Rng rng(seed);
    double sumA = 0.0, sumB = 0.0;
    bool rejected = false;
    for (int n = 1; n <= kLooks; ++n) {
      // The baseline's three observations enter through their sum, N(0, 3).
      const double a = std::sqrt(3.0) * rng.normal();
      const double b = rng.normal();
      sumA += a;
      sumB += b;
      const double d = sumB / n - sumA / (3.0 * n);
      rejected = rejected || d * d >= bound[n];
      if (replay) replay->update(Moments{3, a / 3.0, 0.0}, Moments{1, b, 0.0});
    }
    return rejected;
  };
  std::int64_t rejected = 0;
  for (int r = 0; r < kRuns; ++r) rejected += run(1000003ULL * r + 17, nullptr);
  report("mSPRT known variance, 300 looks", rejected, kRuns);
  EXPECT_LE(clopperPearsonUpper99(rejected, kRuns), kAlpha);
  EXPECT_GT(rejected, 0);
  // Replay: the incremental object rejects (p <= alpha) on exactly the same runs.
  MsprtOptions o;
  o.tau = tau;
  o.sigmaBaseline = 1.0;
  o.sigmaCanary = 1.0;
  o.minSamplesPerArm = 1;
  int agree = 0, replayed = 0;
  for (int r = 0; r < 2000; r += 5, ++replayed) {
    MeanContrastMsprt t(o);
    const bool fast = run(1000003ULL * r + 17, &t);
    agree += fast == (t.pValue() <= kAlpha);
  }
  EXPECT_EQ(agree, replayed);
}

TEST(MsprtFpr, PlugInVarianceStaysBelowAlpha) {
  // One observation per arm per look, sigma 2 unknown (sample variances plugged in), tau 0.5,
  // looks from 10 observations per arm to 200.
  constexpr int kLooks = 200, kMin = 10;
  const double tau = 0.5, tau2 = tau * tau;
  auto run = [&](std::uint64_t seed, MeanContrastMsprt* replay) {
    Rng rng(seed);
    Moments a, b;
    bool rejected = false;
    for (int n = 1; n <= kLooks; ++n) {
      const double x = 2.0 * rng.normal(), y = 2.0 * rng.normal();
      a.add(x);
      b.add(y);
      if (replay) replay->update(Moments::fromSamples({&x, 1}), Moments::fromSamples({&y, 1}));
      if (n < kMin || rejected) continue;
      const double v = a.variance() / n + b.variance() / n;
      const double d = b.mean - a.mean;
      // Cheap necessary condition first (log1p >= 0), the exact boundary when it holds.
      if (d * d >= v * (v + tau2) / tau2 * 2.0 * std::log(1.0 / kAlpha))
        rejected = d * d >= rejectSquared(v, tau2, kAlpha);
    }
    return rejected;
  };
  std::int64_t rejected = 0;
  for (int r = 0; r < kRuns; ++r) rejected += run(7000001ULL * r + 3, nullptr);
  report("mSPRT plug-in variance, 200 looks", rejected, kRuns);
  EXPECT_LE(clopperPearsonUpper99(rejected, kRuns), kAlpha);
  MsprtOptions o;
  o.tau = tau;
  o.minSamplesPerArm = kMin;
  int agree = 0, replayed = 0;
  for (int r = 0; r < 2000; r += 5, ++replayed) {
    MeanContrastMsprt t(o);
    const bool fast = run(7000001ULL * r + 3, &t);
    agree += fast == (t.pValue() <= kAlpha);
  }
  EXPECT_EQ(agree, replayed);
}

TEST(MsprtFpr, ProportionNormalApproximationStaysBelowAlpha) {
  // Error probability 5% in both arms; 4 baseline and 1 canary trial per look, 300 looks.
  constexpr int kLooks = 300;
  const double p = 0.05, tau = 0.02;
  auto run = [&](std::uint64_t seed, ProportionMsprt* replay) {
    Rng rng(seed);
    std::int64_t nA = 0, xA = 0, nB = 0, xB = 0;
    bool rejected = false;
    for (int n = 1; n <= kLooks; ++n) {
      std::int64_t dxA = 0;
      for (int k = 0; k < 4; ++k) dxA += rng.uniform() < p;
      const std::int64_t dxB = rng.uniform() < p;
      nA += 4;
      xA += dxA;
      nB += 1;
      xB += dxB;
      if (replay) replay->update(4, dxA, 1, dxB);
      if (rejected) continue;
      double est, var;
      ProportionMsprt::estimateAndVariance(nA, xA, nB, xB, &est, &var);
      rejected =
          normalMixtureLogLikelihoodRatio(est, var, 0.0, tau * tau) >= std::log(1.0 / kAlpha);
    }
    return rejected;
  };
  std::int64_t rejected = 0;
  for (int r = 0; r < kRuns; ++r) rejected += run(9000011ULL * r + 5, nullptr);
  report("proportion mSPRT, 300 looks", rejected, kRuns);
  EXPECT_LE(clopperPearsonUpper99(rejected, kRuns), kAlpha);
  int agree = 0, replayed = 0;
  for (int r = 0; r < 2000; r += 5, ++replayed) {
    ProportionMsprt t(0.0, tau, kAlpha);
    const bool fast = run(9000011ULL * r + 5, &t);
    agree += fast == (t.pValue() <= kAlpha);
  }
  EXPECT_EQ(agree, replayed);
}

TEST(CountTestFpr, ConstantAllocationEveryTickStaysBelowAlpha) {
  // Canary share 10%, a time-varying event rate 4 (1 + 0.8 sin(t / 10)) per tick, 300 ticks.
  constexpr int kTicks = 300;
  const double rho = 0.1, m = 100.0;
  const double logInvAlpha = std::log(1.0 / kAlpha);
  // Rejection region at each total N: canary counts <= lo[N] or >= hi[N] (the log Bayes
  // factor is convex in the canary count); built with the library's closed form.
  constexpr int kMaxN = 4000;
  std::vector<int> lo(kMaxN + 1), hi(kMaxN + 1);
  auto bf = [&](int n, int b) {
    return betaBinomialLogBayesFactor(n - b, b, rho, m * rho, m * (1 - rho));
  };
  for (int n = 0; n <= kMaxN; ++n) {
    const int mid = static_cast<int>(std::lround(rho * n));
    int l = -1;  // largest b <= mid with bf >= threshold
    {
      int a = 0, z = mid;  // bf decreasing on [0, mid]
      if (bf(n, 0) >= logInvAlpha) {
        while (a < z) {
          const int c = (a + z + 1) / 2;
          (bf(n, c) >= logInvAlpha ? a : z) = bf(n, c) >= logInvAlpha ? c : c - 1;
        }
        l = a;
      }
    }
    int h = n + 1;  // smallest b >= mid with bf >= threshold
    {
      int a = mid, z = n;
      if (bf(n, n) >= logInvAlpha) {
        while (a < z) {
          const int c = (a + z) / 2;
          (bf(n, c) >= logInvAlpha ? z : a) = bf(n, c) >= logInvAlpha ? c : c + 1;
        }
        h = a;
      }
    }
    lo[n] = l;
    hi[n] = h;
  }
  auto run = [&](std::uint64_t seed, RateRatioTest* replay) {
    Rng rng(seed);
    std::int64_t nA = 0, nB = 0;
    bool rejected = false;
    for (int t = 1; t <= kTicks; ++t) {
      const double lambda = 4.0 * (1.0 + 0.8 * std::sin(t / 10.0));
      const auto a = rng.poisson(lambda * (1 - rho));
      const auto b = rng.poisson(lambda * rho);
      nA += a;
      nB += b;
      if (replay) replay->update(a, b, rho);
      const auto n = nA + nB;
      if (n <= kMaxN) {
        rejected = rejected || nB <= lo[n] || nB >= hi[n];
      } else {
        rejected = rejected || bf(static_cast<int>(n), static_cast<int>(nB)) >= logInvAlpha;
      }
    }
    return rejected;
  };
  std::int64_t rejected = 0;
  for (int r = 0; r < kRuns; ++r) rejected += run(3000017ULL * r + 11, nullptr);
  report("count test, constant allocation, 300 ticks", rejected, kRuns);
  EXPECT_LE(clopperPearsonUpper99(rejected, kRuns), kAlpha);
  EXPECT_GT(rejected, 0);
  int agree = 0, replayed = 0;
  for (int r = 0; r < 2000; r += 10, ++replayed) {
    RateRatioTest t(CountTestOptions{kAlpha, m});
    const bool fast = run(3000017ULL * r + 11, &t);
    agree += fast == (t.pValue() <= kAlpha);
  }
  EXPECT_EQ(agree, replayed);
}

TEST(CountTestFpr, TimeVaryingAllocationEveryTickStaysBelowAlpha) {
  // The canary weight ramps from 2% to 98% over 40 ticks (it changes every tick) and the
  // event rate changes too; the incremental test is updated once per tick.
  constexpr int kTicks = 40;
  std::int64_t rejected = 0;
  for (int r = 0; r < kRuns; ++r) {
    Rng rng(5000011ULL * r + 7);
    DirichletMultinomialTest t(2, CountTestOptions{kAlpha, 100.0});
    for (int k = 1; k <= kTicks; ++k) {
      const double rho = 0.02 + 0.024 * (k - 1);
      const double lambda = 12.0 * (1.0 + 0.5 * std::cos(k / 4.0));
      const std::int64_t counts[2] = {rng.poisson(lambda * rho), rng.poisson(lambda * (1 - rho))};
      const double alloc[2] = {rho, 1.0 - rho};
      t.update(counts, alloc);
      if (t.pValue() <= kAlpha) break;
    }
    rejected += t.pValue() <= kAlpha;
  }
  report("count test, allocation changing every tick, 40 ticks", rejected, kRuns);
  EXPECT_LE(clopperPearsonUpper99(rejected, kRuns), kAlpha);
}

TEST(CountTestFpr, RateRatioConfidenceSequenceCoversUnderTimeVaryingAllocation) {
  // True rate ratio 1.6; the sequence must contain it at every look in >= 1 - alpha of runs.
  // Miss at some look <=> log M_n(1.6) >= log(1/alpha) at that look (the set's definition),
  // evaluated from the predictive part and the null likelihood at r = 1.6.
  constexpr int kTicks = 40;
  const double r0 = 1.6;
  auto run = [&](std::uint64_t seed, RateRatioTest* replay) {
    Rng rng(seed);
    DirichletMultinomialTest t(2, CountTestOptions{kAlpha, 100.0});
    double nullPart = 0.0;
    bool missed = false;
    for (int k = 1; k <= kTicks; ++k) {
      const double rho = 0.02 + 0.024 * (k - 1);
      const double lambda = 12.0 * (1.0 + 0.5 * std::cos(k / 4.0));
      const std::int64_t b = rng.poisson(lambda * rho * r0), a = rng.poisson(lambda * (1 - rho));
      const std::int64_t counts[2] = {b, a};
      const double alloc[2] = {rho, 1.0 - rho};
      t.update(counts, alloc);
      if (replay) replay->update(a, b, rho);
      const double theta = rho * r0 / (rho * r0 + 1.0 - rho);
      nullPart +=
          static_cast<double>(b) * std::log(theta) + static_cast<double>(a) * std::log1p(-theta);
      missed = missed || t.logPredictive() - nullPart >= std::log(1.0 / kAlpha);
    }
    return missed;
  };
  std::int64_t missed = 0;
  for (int r = 0; r < kRuns; ++r) missed += run(6000029ULL * r + 1, nullptr);
  report("rate-ratio confidence sequence miss rate (r = 1.6), 40 ticks", missed, kRuns);
  EXPECT_LE(clopperPearsonUpper99(missed, kRuns), kAlpha);
  // The solved running interval misses r0 on exactly the same runs.
  int agree = 0, replayed = 0;
  for (int r = 0; r < 3000; r += 10, ++replayed) {
    RateRatioTest t(CountTestOptions{kAlpha, 100.0});
    const bool fast = run(6000029ULL * r + 1, &t);
    agree += fast == !t.rateRatioInterval().contains(r0);
  }
  EXPECT_EQ(agree, replayed);
}
