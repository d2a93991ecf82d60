// The two-sample histogram e-value (histogram_evalue.h): hand-worked values on small tables,
// its expectation by exact enumeration, its false-positive rate under continuous looks at
// several cadences (10^5 null runs), its power, and the judge's tail-latency metric.

#include "rolloutlab/core/judge/histogram_evalue.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <iostream>
#include <vector>

#include "judge_test_util.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/judge/sequential_judge.h"
#include "rolloutlab/core/rng.h"

using namespace rolloutlab::core::judge;
using rolloutlab::core::InputError;
using rolloutlab::core::Rng;
using rolloutlab::test::clopperPearsonUpper99;

namespace {

using Counts = std::vector<std::int64_t>;

double evalue(const std::vector<double>& theta, const Counts& canary, const Counts& baseline) {
  return std::exp(bucketIntervalLogEValue(theta, canary, baseline));
}

// Every way the canary's nc requests can be drawn, without replacement, from a population
// with `pop[j]` requests in bucket j: calls f(x, probability).
template <class F>
void hypergeometric(const Counts& pop, std::int64_t nc, F f) {
  const std::size_t k = pop.size();
  std::int64_t n = 0;
  for (auto c : pop) n += c;
  auto choose = [](std::int64_t a, std::int64_t b) {
    return std::exp(std::lgamma(a + 1.0) - std::lgamma(b + 1.0) - std::lgamma(a - b + 1.0));
  };
  Counts x(k, 0);
  auto rec = [&](auto&& self, std::size_t j, std::int64_t left) -> void {
    if (j + 1 == k) {
      if (left > pop[j]) return;
      x[j] = left;
      double p = 1.0;
      for (std::size_t i = 0; i < k; ++i) p *= choose(pop[i], x[i]);
      f(x, p / choose(n, nc));
      return;
    }
    for (std::int64_t v = 0; v <= std::min(left, pop[j]); ++v) {
      x[j] = v;
      self(self, j + 1, left - v);
    }
  };
  rec(rec, 0, nc);
}

}  // namespace

TEST(HistogramEValue, HandWorkedSmallTables) {
  const double l2 = std::log(2.0);
  // Two buckets, theta (log 2, 0); canary (1, 0), baseline (0, 1): pooled shares (1/2, 1/2),
  // Z = 2/2 + 1/2 = 3/2, e = 2 / (3/2) = 4/3.
  EXPECT_NEAR(evalue({l2, 0}, {1, 0}, {0, 1}), 4.0 / 3.0, 1e-14);
  // No tilt: e = 1 whatever the table.
  EXPECT_NEAR(evalue({0, 0, 0}, {3, 1, 0}, {0, 1, 2}), 1.0, 1e-14);
  // Three buckets, theta (log 2, 0, -log 2), canary (1, 1, 0), baseline (0, 1, 2): pooled
  // (1, 2, 2)/5, Z = 2/5 + 2/5 + 1/5 = 1, e = 2 * 1 * 1 / 1^2 = 2.
  EXPECT_NEAR(evalue({l2, 0, -l2}, {1, 1, 0}, {0, 1, 2}), 2.0, 1e-14);
  // theta (log 3, 0), canary (1, 1), baseline (1, 1): Z = 3/2 + 1/2 = 2, e = 3 / 2^2.
  EXPECT_NEAR(evalue({std::log(3.0), 0}, {1, 1}, {1, 1}), 0.75, 1e-14);
  // A bucket no request fell in does not enter Z: theta (log 2, 0, 5), canary (1, 0, 0),
  // baseline (0, 1, 0): as the first table.
  EXPECT_NEAR(evalue({l2, 0, 5}, {1, 0, 0}, {0, 1, 0}), 4.0 / 3.0, 1e-14);
  // One arm only: the margins fix the table, e = 1.
  EXPECT_EQ(bucketIntervalLogEValue(std::vector<double>{1, 0}, Counts{3, 0}, Counts{0, 0}), 0.0);
  EXPECT_EQ(bucketIntervalLogEValue(std::vector<double>{1, 0}, Counts{0, 0}, Counts{2, 5}), 0.0);
}

TEST(HistogramEValue, SequentialUpdateTiltsByThePreviousLooks) {
  // m = 1, two buckets. Interval 1: canary (1, 0), baseline (0, 1): no previous look, theta =
  // 0, e1 = 1. Then p = ((0 + 1/2)/2, (1 + 1/2)/2) = (1/4, 3/4), q = ((1 + 1/4)/2,
  // (0 + 3/4)/2) = (5/8, 3/8). Interval 2, the same table, canary share s = 1/2: pooled
  // (p + q)/2 = (7/16, 9/16), theta = (log 10/7, log 2/3); Z = (10/7)/2 + (2/3)/2 = 22/21,
  // e2 = (10/7) / (22/21) = 15/11.
  BucketDistributionTest t(1.0);
  t.update(Counts{1, 0}, Counts{0, 1});
  EXPECT_NEAR(t.logEValue(), 0.0, 1e-14);
  const auto th = t.tilt(0.5);
  ASSERT_EQ(th.size(), 2u);
  EXPECT_NEAR(th[0], std::log(10.0 / 7.0), 1e-14);
  EXPECT_NEAR(th[1], std::log(2.0 / 3.0), 1e-14);
  // At share 0 the tilt is log(q / p): (log 5/2, log 1/2).
  EXPECT_NEAR(t.tilt(0.0)[0], std::log(2.5), 1e-14);
  EXPECT_NEAR(t.tilt(0.0)[1], std::log(0.5), 1e-14);
  t.update(Counts{1, 0}, Counts{0, 1});
  EXPECT_NEAR(t.logEValue(), std::log(15.0 / 11.0), 1e-14);
  EXPECT_NEAR(t.pValue(), 11.0 / 15.0, 1e-14);
  EXPECT_EQ(t.looks(), 2);
  EXPECT_EQ(t.canaryTotals(), (Counts{2, 0}));
  EXPECT_EQ(t.baselineTotals(), (Counts{0, 2}));
  // An interval without canary requests is a look that leaves the e-value alone.
  t.update(Counts{0, 0}, Counts{4, 4});
  EXPECT_NEAR(t.logEValue(), std::log(15.0 / 11.0), 1e-14);
  EXPECT_EQ(t.looks(), 3);
  EXPECT_THROW(t.update(Counts{1, 0, 0}, Counts{0, 1, 0}), std::invalid_argument);
  EXPECT_THROW(t.update(Counts{-1, 0}, Counts{0, 1}), std::invalid_argument);
  EXPECT_THROW(BucketDistributionTest(0.0), std::invalid_argument);
}

TEST(HistogramEValue, ExpectationUnderTheNullIsAtMostOne) {
  // Given the margins, the null draws the canary's requests without replacement (multivariate
  // hypergeometric); the e-value's mean is then at most 1 (Hoeffding's convex ordering).
  // Exact enumeration on small tables and tilts.
  const std::vector<std::vector<double>> tilts = {{1, 0, -1}, {3, -0.5, 0}, {-2, -2, 1.5}};
  const std::vector<Counts> pops = {{2, 1, 2}, {4, 3, 1}, {1, 1, 6}};
  for (const auto& theta : tilts) {
    for (const auto& pop : pops) {
      std::int64_t n = 0;
      for (auto c : pop) n += c;
      for (std::int64_t nc = 1; nc < n; ++nc) {
        double without = 0.0, mass = 0.0;
        hypergeometric(pop, nc, [&](const Counts& x, double p) {
          Counts y(pop.size());
          for (std::size_t j = 0; j < pop.size(); ++j) y[j] = pop[j] - x[j];
          without += p * evalue(theta, x, y);
          mass += p;
        });
        EXPECT_NEAR(mass, 1.0, 1e-12);
        EXPECT_LE(without, 1.0 + 1e-12) << "nc " << nc << " pop " << pop[0] << pop[1] << pop[2];
        // One draw is the same with or without replacement: the mean is exactly 1 then.
        if (nc == 1) {
          EXPECT_NEAR(without, 1.0, 1e-12);
        }
      }
    }
  }
}

TEST(HistogramEValue, QuantileInterpolatesInsideTheBucket) {
  const std::vector<double> bounds{1.0, 2.0};
  // rank 0.5 * 10 = 5 falls half way through bucket (1, 2].
  EXPECT_DOUBLE_EQ(bucketQuantile(Counts{0, 10, 0}, bounds, 0.5), 1.5);
  // rank 0.99 * 100 = 99 in bucket (1, 2] holding 50 of ranks 50..100: 1 + 49/50.
  EXPECT_DOUBLE_EQ(bucketQuantile(Counts{50, 50, 0}, bounds, 0.99), 1.98);
  // In the +Inf bucket: the last finite bound.
  EXPECT_DOUBLE_EQ(bucketQuantile(Counts{1, 0, 9}, bounds, 0.5), 2.0);
  EXPECT_TRUE(std::isnan(bucketQuantile(Counts{0, 0, 0}, bounds, 0.5)));
}

namespace {

// One null run: 400 requests in 20-request intervals whose canary share changes every
// interval (0.1 .. 0.5), every request's bucket drawn from the same distribution in both arms.
// Looks at three cadences over the same requests: every 8 requests, every interval, every 5
// intervals. Returns a bit per cadence: rejected at some look.
constexpr int kCadences = 3;
int nullRun(std::uint64_t seed, double alpha) {
  static const double kCum[4] = {0.5, 0.8, 0.95, 1.0};
  static const double kShare[5] = {0.1, 0.2, 0.3, 0.4, 0.5};
  static const int kEvery[kCadences] = {8, 20, 100};
  Rng rng(seed);
  std::vector<BucketDistributionTest> tests(kCadences, BucketDistributionTest(10.0));
  std::vector<Counts> canary(kCadences, Counts(4, 0)), baseline(kCadences, Counts(4, 0));
  const double bound = std::log(1.0 / alpha);
  int rejected = 0;
  for (int r = 1; r <= 400; ++r) {
    const double share = kShare[((r - 1) / 20) % 5];
    // One draw for both: the high 32 bits route the request, the low 32 pick its bucket.
    const std::uint64_t bits = rng.next();
    const bool toCanary = static_cast<double>(bits >> 32) * 0x1.0p-32 < share;
    const double u = static_cast<double>(bits & 0xffffffffULL) * 0x1.0p-32;
    std::size_t b = 0;
    while (u >= kCum[b]) ++b;
    for (int c = 0; c < kCadences; ++c) {
      ++(toCanary ? canary[c] : baseline[c])[b];
      if (r % kEvery[c] == 0) {
        tests[c].update(canary[c], baseline[c]);
        canary[c].assign(4, 0);
        baseline[c].assign(4, 0);
        if (tests[c].logEValue() >= bound) rejected |= 1 << c;
      }
    }
  }
  return rejected;
}

}  // namespace

TEST(HistogramEValueFpr, ContinuousLooksAtThreeCadencesStayBelowAlpha) {
  // 10^5 null runs; the upper 99% Clopper-Pearson bound of the false-positive rate must stay
  // at or below alpha at every cadence (a look every 8 requests, 20, or 100).
  constexpr int kRuns = 100000;
  constexpr double kAlpha = 0.05;
  std::int64_t rejected[kCadences] = {0, 0, 0};
  for (int r = 0; r < kRuns; ++r) {
    const int bits = nullRun(4000037ULL * r + 29, kAlpha);
    for (int c = 0; c < kCadences; ++c) rejected[c] += (bits >> c) & 1;
  }
  const char* names[kCadences] = {"every 8 requests (50 looks)", "every 20 (20 looks)",
                                  "every 100 (4 looks)"};
  for (int c = 0; c < kCadences; ++c) {
    std::cout << "[ figure ] histogram e-value, look " << names[c] << ": FPR "
              << static_cast<double>(rejected[c]) / kRuns << " (" << rejected[c] << "/" << kRuns
              << "), upper 99% CP " << clopperPearsonUpper99(rejected[c], kRuns) << "\n";
    EXPECT_LE(clopperPearsonUpper99(rejected[c], kRuns), kAlpha) << names[c];
  }
}

TEST(HistogramEValue, DetectsAHeavierTail) {
  // Baseline buckets (0.5, 0.3, 0.15, 0.05), canary (0.45, 0.3, 0.15, 0.10): the slowest
  // bucket doubles. 200 requests per interval at a 20% canary share, 30 intervals (6,000
  // requests, 1,200 canary). The likelihood ratio with the true tilt gains about 13 nats over
  // them on average; the plug-in tilt, learning it, rejects at alpha = 0.05 in most runs.
  const double base[4] = {0.5, 0.8, 0.95, 1.0};
  const double slow[4] = {0.45, 0.75, 0.9, 1.0};
  int rejected = 0;
  constexpr int kRuns = 500;
  for (int r = 0; r < kRuns; ++r) {
    Rng rng(9000001ULL * r + 7);
    BucketDistributionTest t(100.0);
    bool hit = false;
    for (int i = 0; i < 30 && !hit; ++i) {
      Counts c(4, 0), b(4, 0);
      for (int q = 0; q < 200; ++q) {
        const bool toCanary = rng.uniform() < 0.2;
        const double* cum = toCanary ? slow : base;
        const double u = rng.uniform();
        std::size_t k = 0;
        while (u >= cum[k]) ++k;
        ++(toCanary ? c : b)[k];
      }
      t.update(c, b);
      hit = t.logEValue() >= std::log(20.0);
    }
    rejected += hit;
  }
  std::cout << "[ figure ] histogram e-value power (slowest bucket 5% -> 10%): "
            << static_cast<double>(rejected) / kRuns << "\n";
  EXPECT_GE(rejected, kRuns * 85 / 100);
}

namespace {

SequentialJudgeConfig tailJudge(double allowed = 0.0) {
  SequentialMetricConfig m;
  m.name = "tail";
  m.kind = SequentialMetricKind::kLatencyDistribution;
  m.allowedChange = allowed;
  m.quantile = 0.9;
  m.concentration = 100.0;
  SequentialJudgeConfig c;
  c.metrics = {m};
  return c;
}

// 20 ticks of 500 requests, 30% to the canary, with the given bucket probabilities (bounds
// 10, 20, 50 ms). Returns the judge after the last tick or the failing one.
SequentialJudge runTail(const SequentialJudgeConfig& cfg, const double* canaryCum,
                        std::uint64_t seed) {
  const double base[4] = {0.5, 0.8, 0.95, 1.0};
  SequentialJudge judge(cfg);
  Rng rng(seed);
  for (int t = 1; t <= 20 && judge.decision() == SequentialVerdict::kContinue; ++t) {
    MetricTick mt;
    mt.name = "tail";
    mt.bucketUpperBounds = {10.0, 20.0, 50.0};
    mt.canaryBuckets.assign(4, 0);
    mt.baselineBuckets.assign(4, 0);
    for (int q = 0; q < 500; ++q) {
      const bool toCanary = rng.uniform() < 0.3;
      const double* cum = toCanary ? canaryCum : base;
      const double u = rng.uniform();
      std::size_t k = 0;
      while (u >= cum[k]) ++k;
      ++(toCanary ? mt.canaryBuckets : mt.baselineBuckets)[k];
    }
    TickData td;
    td.timeSeconds = 60.0 * t;
    td.metrics.push_back(mt);
    judge.observe(td);
  }
  return judge;
}

}  // namespace

TEST(SequentialJudgeTail, FailsASlowerTailButNotAFasterOne) {
  const double slower[4] = {0.45, 0.75, 0.9, 1.0};  // P(> 20 ms) 0.2 -> 0.25, P(> 50) x2
  const double faster[4] = {0.55, 0.85, 0.99, 1.0};
  const auto slow = runTail(tailJudge(), slower, 1);
  EXPECT_EQ(slow.decision(), SequentialVerdict::kFail) << slow.reason();
  EXPECT_NE(slow.reason().find("tail: the latency distribution differs"), std::string::npos)
      << slow.reason();
  EXPECT_GT(slow.metrics()[0].estimate, 1.0);
  // A faster canary differs as surely, but its P90 is lower: no regression, no verdict; the
  // judge never passes early with a distribution metric.
  const auto fast = runTail(tailJudge(), faster, 1);
  EXPECT_EQ(fast.decision(), SequentialVerdict::kContinue) << fast.reason();
  EXPECT_LT(fast.metrics()[0].estimate, 1.0);
  EXPECT_LT(fast.metrics()[0].pValue, 0.05);
  EXPECT_EQ(fast.finalDecision(), SequentialVerdict::kPass);
  // A margin wider than the change keeps the slower canary too.
  const auto allowed = runTail(tailJudge(5.0), slower, 1);
  EXPECT_EQ(allowed.decision(), SequentialVerdict::kContinue) << allowed.reason();
}

TEST(SequentialJudgeTail, RefusesBadConfigAndBadTicks) {
  auto cfg = tailJudge();
  cfg.metrics[0].quantile = 1.0;
  std::string why;
  EXPECT_FALSE(cfg.isValid(&why));
  EXPECT_EQ(why, "metrics[tail].quantile = 1: must be in (0, 1)");
  cfg.metrics[0].quantile = 0.99;
  cfg.metrics[0].concentration = -1.0;
  EXPECT_FALSE(cfg.isValid(&why));
  EXPECT_EQ(why, "metrics[tail].concentration = -1: must be positive and finite");

  SequentialJudge judge(tailJudge());
  MetricTick mt;
  mt.name = "tail";
  mt.bucketUpperBounds = {10.0, 20.0};
  mt.canaryBuckets = {1, 2};  // one short: no +Inf bucket
  mt.baselineBuckets = {1, 2, 3};
  TickData td;
  td.metrics.push_back(mt);
  EXPECT_THROW(judge.observe(td), InputError);
  td.metrics[0].canaryBuckets = {1, 2, 0};
  judge.observe(td);
  td.metrics[0].bucketUpperBounds = {10.0, 25.0};  // the layout changed
  EXPECT_THROW(judge.observe(td), InputError);
}
