// rolloutlab's sequential judge: decisions per metric from the always-valid tests, the alpha
// split, incremental use tick by tick, and its false-failure rate under continuous looks.

#include "rolloutlab/core/judge/sequential_judge.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "judge_test_util.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/rng.h"

using namespace rolloutlab::core::judge;
using rolloutlab::core::InputError;
using rolloutlab::core::Rng;
using rolloutlab::test::clopperPearsonUpper99;

namespace {

SequentialMetricConfig errors(double allowed = 0.0, double meaningful = 0.5) {
  SequentialMetricConfig m;
  m.name = "errors";
  m.kind = SequentialMetricKind::kErrorRate;
  m.allowedChange = allowed;
  m.meaningfulChange = meaningful;
  return m;
}

SequentialMetricConfig latency(double tau, double allowed = 0.0, double meaningful = 0.2) {
  SequentialMetricConfig m;
  m.name = "latency";
  m.kind = SequentialMetricKind::kLatencyMean;
  m.tau = tau;
  m.allowedChange = allowed;
  m.meaningfulChange = meaningful;
  return m;
}

// Moments of k normal samples drawn by their sufficient statistics.
Moments normalBatch(Rng& rng, std::int64_t k, double mu, double sigma) {
  Moments m;
  if (k <= 0) return m;
  m.count = k;
  m.mean = mu + sigma / std::sqrt(static_cast<double>(k)) * rng.normal();
  m.m2 = k > 1 ? sigma * sigma * 2.0 * rng.gamma(0.5 * static_cast<double>(k - 1)) : 0.0;
  return m;
}

// One minute of traffic: `requests` split by the canary weight, per-request error
// probabilities and latencies (ms).
struct World {
  std::int64_t requests = 6000;
  double weight = 0.1;
  double errorBaseline = 0.01, errorCanary = 0.01;
  double latencyBaseline = 100.0, latencyCanary = 100.0, latencySd = 30.0;
  bool withLatency = true;
};

TickData tick(Rng& rng, const World& w, double t) {
  TickData d;
  d.timeSeconds = t;
  MetricTick e;
  e.name = "errors";
  const auto canary = rng.binomial(w.requests, w.weight);
  e.canaryCounts = {canary, rng.binomial(canary, w.errorCanary)};
  e.baselineCounts = {w.requests - canary, rng.binomial(w.requests - canary, w.errorBaseline)};
  d.metrics.push_back(e);
  if (w.withLatency) {
    MetricTick l;
    l.name = "latency";
    l.baselineSamples = normalBatch(rng, w.requests - canary, w.latencyBaseline, w.latencySd);
    l.canarySamples = normalBatch(rng, canary, w.latencyCanary, w.latencySd);
    d.metrics.push_back(l);
  }
  return d;
}

}  // namespace

TEST(SequentialJudgeConfig, ValidationNamesTheFieldValueAndRule) {
  SequentialJudgeConfig c;
  std::string err;
  EXPECT_FALSE(c.isValid(&err));
  EXPECT_EQ(err, "metrics = []: must name at least one metric");
  c.metrics = {latency(std::nan(""))};
  EXPECT_FALSE(c.isValid(&err));
  EXPECT_EQ(err.substr(0, 36), "metrics[latency].tau = nan: must be ");
  c.metrics = {errors(0.3, 0.2)};
  EXPECT_FALSE(c.isValid(&err));
  EXPECT_EQ(
      err, "metrics[errors].meaningfulChange = 0.2: must be finite and greater than allowedChange");
  EXPECT_THROW(SequentialJudge{c}, InputError);
}

TEST(SequentialJudge, SplitsAlphaByWeight) {
  SequentialJudgeConfig c;
  c.alpha = 0.05;
  c.metrics = {errors(), latency(5.0)};
  c.metrics[1].weight = 3.0;
  SequentialJudge j(c);
  EXPECT_DOUBLE_EQ(j.metrics()[0].alpha, 0.0125);
  EXPECT_DOUBLE_EQ(j.metrics()[1].alpha, 0.0375);
}

TEST(SequentialJudge, FailsQuicklyOnAHigherErrorRate) {
  // Canary errors 2.5% against 1%, 10% canary at 100 rps: fails within a few minutes.
  SequentialJudgeConfig c;
  c.metrics = {errors(0.1, 0.5), latency(5.0)};
  SequentialJudge j(c);
  Rng rng(21);
  World w;
  w.errorCanary = 0.025;
  int t = 0;
  while (j.decision() == SequentialVerdict::kContinue && t < 60)
    j.observe(tick(rng, w, 60.0 * ++t));
  EXPECT_EQ(j.decision(), SequentialVerdict::kFail);
  EXPECT_LE(t, 15);
  EXPECT_EQ(j.metrics()[0].verdict, SequentialVerdict::kFail);
  EXPECT_GT(j.metrics()[0].interval.lower, 1.1);
  EXPECT_NE(j.reason().find("errors: rate ratio is beyond the allowed increase of 10%"),
            std::string::npos)
      << j.reason();
}

TEST(SequentialJudge, FailsOnAHigherMeanLatency) {
  SequentialJudgeConfig c;
  c.metrics = {errors(), latency(5.0, 0.05, 0.2)};
  SequentialJudge j(c);
  Rng rng(22);
  World w;
  w.latencyCanary = 115.0;  // +15% against an allowed +5%
  int t = 0;
  while (j.decision() == SequentialVerdict::kContinue && t < 60)
    j.observe(tick(rng, w, 60.0 * ++t));
  EXPECT_EQ(j.decision(), SequentialVerdict::kFail);
  EXPECT_EQ(j.metrics()[1].verdict, SequentialVerdict::kFail);
  EXPECT_GT(j.metrics()[1].interval.lower, 1.05);
  EXPECT_NEAR(j.metrics()[1].estimate, 1.15, 0.03);
}

TEST(SequentialJudge, PassesOnceMeaningfulRegressionsAreExcluded) {
  // No change at all, high traffic: both metrics exclude their meaningful regressions.
  SequentialJudgeConfig c;
  c.metrics = {errors(0.0, 0.5), latency(5.0, 0.0, 0.1)};
  SequentialJudge j(c);
  Rng rng(23);
  World w;
  w.requests = 60000;
  w.weight = 0.2;
  int t = 0;
  while (j.decision() == SequentialVerdict::kContinue && t < 120)
    j.observe(tick(rng, w, 60.0 * ++t));
  EXPECT_EQ(j.decision(), SequentialVerdict::kPass);
  for (const auto& m : j.metrics()) EXPECT_EQ(m.verdict, SequentialVerdict::kPass) << m.reason;
  EXPECT_LT(j.metrics()[0].interval.upper, 1.5);
  EXPECT_LT(j.metrics()[1].interval.upper, 1.1);
  EXPECT_EQ(j.reason(), "every metric excludes a meaningful regression");
}

TEST(SequentialJudge, DecisionIsStickyAndFinalDecisionResolvesInconclusive) {
  SequentialJudgeConfig c;
  c.metrics = {errors(0.0, 0.5)};
  c.inconclusiveAtEnd = SequentialVerdict::kFail;
  SequentialJudge j(c);
  Rng rng(24);
  World w;
  w.requests = 100;
  w.withLatency = false;
  j.observe(tick(rng, w, 60));
  EXPECT_EQ(j.decision(), SequentialVerdict::kContinue);
  EXPECT_EQ(j.finalDecision(), SequentialVerdict::kFail);
  w.requests = 20000;
  w.errorCanary = 0.2;
  for (int t = 2; t < 10; ++t) j.observe(tick(rng, w, 60.0 * t));
  ASSERT_EQ(j.decision(), SequentialVerdict::kFail);
  const auto at = j.metrics()[0].decidedAtLook;
  w.errorCanary = 0.01;  // better data later does not undo the decision
  for (int t = 10; t < 40; ++t) j.observe(tick(rng, w, 60.0 * t));
  EXPECT_EQ(j.decision(), SequentialVerdict::kFail);
  EXPECT_EQ(j.metrics()[0].decidedAtLook, at);
}

TEST(SequentialJudge, RejectsUnknownMetricsAndImpossibleCounts) {
  SequentialJudgeConfig c;
  c.metrics = {errors()};
  SequentialJudge j(c);
  TickData d;
  d.metrics.push_back(MetricTick{});
  d.metrics[0].name = "cpu";
  EXPECT_THROW(j.observe(d), InputError);
  d.metrics[0].name = "errors";
  d.metrics[0].canaryCounts = {10, 11};
  d.metrics[0].baselineCounts = {10, 1};
  EXPECT_THROW(j.observe(d), InputError);
  d.metrics[0].canaryCounts = {0, 2};  // errors without requests nor a canary share
  d.metrics[0].baselineCounts = {0, 1};
  EXPECT_THROW(j.observe(d), InputError);
  d.metrics[0].canaryShare = 0.25;  // with the share they are usable
  EXPECT_NO_THROW(j.observe(d));
  EXPECT_EQ(j.metrics()[0].canaryN, 2);
}

TEST(SequentialJudge, HistogramMomentsUseBucketMidpoints) {
  // Prometheus buckets le = 0.1, 0.25, 0.5, +Inf with cumulative 2, 5, 6, 7: values placed at
  // 0.05 (x2), 0.175 (x3), 0.375 (x1) and 0.5 (x1, the +Inf bucket at the last bound).
  const double le[] = {0.1, 0.25, 0.5, std::numeric_limits<double>::infinity()};
  const double cum[] = {2, 5, 6, 7};
  const auto m = momentsFromHistogram(le, cum);
  EXPECT_EQ(m.count, 7);
  const double mean = (2 * 0.05 + 3 * 0.175 + 0.375 + 0.5) / 7;
  EXPECT_NEAR(m.mean, mean, 1e-15);
  const double ss = 2 * std::pow(0.05 - mean, 2) + 3 * std::pow(0.175 - mean, 2) +
                    std::pow(0.375 - mean, 2) + std::pow(0.5 - mean, 2);
  EXPECT_NEAR(m.m2, ss, 1e-15);
  const double bad[] = {2, 1, 6, 7};
  EXPECT_THROW(momentsFromHistogram(le, bad), InputError);
}

TEST(SequentialJudgeFpr, FalseFailureRateStaysBelowAlphaUnderContinuousLooks) {
  // A good canary (no change in errors or latency), a look every minute for 30 minutes at
  // 20 rps with a 10% canary: P(the judge ever fails it) <= alpha.
  constexpr int kRuns = 3000, kTicks = 30;
  SequentialJudgeConfig c;
  c.alpha = 0.05;
  c.metrics = {errors(0.0, 0.5), latency(3.0, 0.0, 0.2)};
  c.metrics[1].minSamplesPerArm = 30;
  World w;
  w.requests = 1200;
  w.errorBaseline = w.errorCanary = 0.02;
  std::int64_t failed = 0;
  for (int r = 0; r < kRuns; ++r) {
    SequentialJudge j(c);
    Rng rng(4000037ULL * r + 9);
    for (int t = 1; t <= kTicks && j.decision() == SequentialVerdict::kContinue; ++t)
      j.observe(tick(rng, w, 60.0 * t));
    failed += j.decision() == SequentialVerdict::kFail;
  }
  std::cout << "[ figure ] sequential judge false failures: " << failed << "/" << kRuns
            << ", upper 99% CP " << clopperPearsonUpper99(failed, kRuns) << "\n";
  EXPECT_LE(clopperPearsonUpper99(failed, kRuns), c.alpha);
}
