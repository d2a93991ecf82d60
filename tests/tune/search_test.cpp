// The search against a model whose operating characteristics are known in closed form: each
// analysis tick fails with probability p (good releases p = 0.1, bad ones 0.6), the canary is
// promoted after S = 5 passing ticks and rolled back when `threshold` ticks have failed, as
// Flagger counts failed checks (they never reset). The rollback probability is then a
// negative binomial tail: P(at least T failures before the S-th success).

#include "rolloutlab/tune/search.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

#include "rolloutlab/core/rng.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/tune/space.h"
#include "rolloutlab/tune/surrogate.h"

namespace rolloutlab::tune {
namespace {

constexpr int kS = 5;

// P(at least t failures before the s-th success), failure probability p per trial.
double negBinomTail(int t, int s, double p) {
  double below = 0;
  for (int f = 0; f < t; ++f) {
    below += std::tgamma(f + s) / (std::tgamma(f + 1) * std::tgamma(s)) * std::pow(1 - p, s) *
             std::pow(p, f);
  }
  return 1 - below;
}

class TickModel final : public Evaluator {
 public:
  TickModel(std::uint64_t seed, double pGood, double pBad) : seed_(seed), p_{pGood, pBad} {
    info_ = {{"good-flaky", false}, {"bad-regression", true}};
  }
  const std::vector<ScenarioInfo>& scenarios() const override { return info_; }
  bool run(const std::vector<Candidate>& candidates, const std::vector<Task>& tasks,
           std::vector<std::vector<RunOutcome>>& out) override {
    out.assign(tasks.size(), {});
    for (std::size_t t = 0; t < tasks.size(); ++t) {
      const auto& task = tasks[t];
      const int threshold = static_cast<int>(candidates[task.candidate].values[0].x);
      for (std::int64_t r = task.begin; r < task.end; ++r) {
        if (cancelAfter_ >= 0 && runs_ >= cancelAfter_) return false;
        ++runs_;
        // Common random numbers: the draws depend on (stream, scenario, replicate) only.
        core::Rng rng(core::deriveSeed(seed_, static_cast<std::uint64_t>(task.stream),
                                       task.scenario, static_cast<std::uint64_t>(r)));
        int ok = 0, failed = 0, ticks = 0;
        while (ok < kS && failed < threshold) {
          ++ticks;
          (rng.uniform() < p_[task.scenario] ? failed : ok) += 1;
        }
        RunOutcome o;
        o.result = ok == kS ? RunOutcome::Result::kPromoted : RunOutcome::Result::kRolledBack;
        o.timeToPromotion = ok == kS ? 60.0 * ticks : -1;
        o.excessErrors = task.scenario == 1 ? 100.0 * ticks : 0;
        out[t].push_back(o);
      }
    }
    return true;
  }
  std::int64_t runs_ = 0;
  std::int64_t cancelAfter_ = -1;

 private:
  std::uint64_t seed_;
  double p_[2];
  std::vector<ScenarioInfo> info_;
};

TuningSpace thresholdSpace(double maxFalseRollback, double maxEscape, SearchMethod method) {
  TuningSpace s;
  s.name = "threshold";
  Field f;
  f.name = "threshold";
  f.type = FieldType::kInteger;
  f.target = FieldTarget::kFlaggerAnalysis;
  f.key = "threshold";
  for (int t = 1; t <= 10; ++t) f.values.push_back(f.valueOf(t));
  s.fields.push_back(f);
  s.constraints.push_back({Measure::kFalseRollbackRate, maxFalseRollback, "", 0});
  s.constraints.push_back({Measure::kEscapeRate, maxEscape, "", 0});
  s.search.method = method;
  s.search.initialRuns = 16;
  s.search.maxRuns = 1024;
  return s;
}

TEST(TuneSearch, FindsTheThresholdANegativeBinomialTailGives) {
  // The expectation, by hand: the objective (time to promotion of good releases) grows with
  // the threshold, so the optimum is the smallest threshold whose false-rollback probability
  // is within the budget: P(rollback | T) = P(NB(5, 0.9) >= T), 0.41, 0.114, 0.0257, 0.0050...
  const double a = 0.05;
  int expected = 0;
  for (int t = 1; t <= 10 && expected == 0; ++t) {
    if (negBinomTail(t, kS, 0.1) <= a) expected = t;
  }
  ASSERT_EQ(expected, 3);
  EXPECT_NEAR(negBinomTail(3, kS, 0.1), 0.0256915, 1e-6);
  TickModel model(7, 0.1, 0.6);
  const auto space = thresholdSpace(a, 1.0, SearchMethod::kRacing);
  const auto res = runSearch(space, model, 7, {});
  ASSERT_GE(res.recommended, 0);
  EXPECT_EQ(res.candidates[static_cast<std::size_t>(res.recommended)].candidate.values[0].x,
            expected);
  EXPECT_FALSE(res.partial);
  // T = 1 and 2 break the budget: dropped as infeasible.
  for (const auto& c : res.candidates) {
    if (c.candidate.values[0].x <= 2) {
      EXPECT_EQ(c.status, Status::kInfeasible) << c.candidate.values[0].text;
    }
  }
  // The re-measure on fresh seeds meets the constraint, and agrees with the closed form.
  ASSERT_GT(res.remeasureRunsPerScenario, 0);
  EXPECT_EQ(res.remeasuredVerdicts[0], Verdict::kMet);
  EXPECT_LE(res.remeasured.falseRollbackRate.lo, negBinomTail(3, kS, 0.1));
  EXPECT_GE(res.remeasured.falseRollbackRate.hi, negBinomTail(3, kS, 0.1));
}

TEST(TuneSearch, AnEscapeBudgetBoundsTheThresholdFromAbove) {
  // Escape = P(fewer than T failures before 5 successes) at p = 0.6: 0.0102, 0.0410, 0.0963,
  // 0.174, 0.267. With escapes <= 0.3 and the objective the excess errors of bad releases
  // (which grow with T), the optimum is again the smallest feasible T; with escapes <= 0.02
  // only T = 1 escapes rarely enough, and T = 1 rolls back 41% of good releases: nothing is
  // feasible.
  EXPECT_NEAR(1 - negBinomTail(3, kS, 0.6), 0.096256, 1e-6);
  TickModel model(11, 0.1, 0.6);
  auto space = thresholdSpace(0.05, 0.3, SearchMethod::kRacing);
  space.objective = Objective{0, 1, 0};
  auto res = runSearch(space, model, 11, {});
  ASSERT_GE(res.recommended, 0);
  EXPECT_EQ(res.candidates[static_cast<std::size_t>(res.recommended)].candidate.values[0].x, 3);
  space.constraints[1].max = 0.02;
  TickModel model2(11, 0.1, 0.6);
  res = runSearch(space, model2, 11, {});
  EXPECT_EQ(res.recommended, -1);
  EXPECT_TRUE(res.paretoFront.empty());
}

TEST(TuneSearch, RacingSpendsFarFewerRunsThanFixedNForTheSameRecommendation) {
  TickModel racing(3, 0.1, 0.6), fixed(3, 0.1, 0.6);
  const auto a = runSearch(thresholdSpace(0.05, 1.0, SearchMethod::kRacing), racing, 3, {});
  const auto b = runSearch(thresholdSpace(0.05, 1.0, SearchMethod::kFixed), fixed, 3, {});
  ASSERT_GE(a.recommended, 0);
  ASSERT_GE(b.recommended, 0);
  EXPECT_EQ(a.candidates[static_cast<std::size_t>(a.recommended)].candidate.values[0].text,
            b.candidates[static_cast<std::size_t>(b.recommended)].candidate.values[0].text);
  EXPECT_EQ(b.runs, 10 * 2 * 1024);
  EXPECT_LT(a.runs * 3, b.runs) << a.runs << " vs " << b.runs;
}

TEST(TuneSearch, TheSameSeedGivesTheSameSearch) {
  TickModel m1(5, 0.1, 0.6), m2(5, 0.1, 0.6);
  const auto space = thresholdSpace(0.05, 1.0, SearchMethod::kRacing);
  const auto a = runSearch(space, m1, 5, {});
  const auto b = runSearch(space, m2, 5, {});
  ASSERT_EQ(a.candidates.size(), b.candidates.size());
  EXPECT_EQ(a.runs, b.runs);
  EXPECT_EQ(a.recommended, b.recommended);
  for (std::size_t i = 0; i < a.candidates.size(); ++i) {
    EXPECT_EQ(a.candidates[i].status, b.candidates[i].status);
    EXPECT_EQ(a.candidates[i].oc.falseRollbackRate.value,
              b.candidates[i].oc.falseRollbackRate.value);
  }
}

TEST(TuneSearch, ABudgetStopsTheSearchWithinIt) {
  TickModel model(5, 0.1, 0.6);
  SearchOptions opt;
  opt.budget = 700;
  const auto res = runSearch(thresholdSpace(0.05, 1.0, SearchMethod::kRacing), model, 5, opt);
  EXPECT_TRUE(res.budgetExhausted);
  EXPECT_LE(res.runs, 700);
}

TEST(TuneSearch, ACancelledSearchIsPartial) {
  TickModel model(5, 0.1, 0.6);
  model.cancelAfter_ = 500;
  const auto res = runSearch(thresholdSpace(0.05, 1.0, SearchMethod::kRacing), model, 5, {});
  EXPECT_TRUE(res.partial);
  EXPECT_EQ(res.remeasureRunsPerScenario, 0);
}

TEST(TuneSearch, ALatinHypercubeSampleCoversEveryStratumOnce) {
  TuningSpace s;
  Field f;
  f.name = "metrics[x].thresholdRange.min";
  f.type = FieldType::kNumber;
  f.continuous = true;
  f.lo = 0;
  f.hi = 100;
  for (int i = 0; i < 5; ++i) f.values.push_back(f.valueOf(25.0 * i));
  s.fields = {f, f};
  s.fields[1].name = "metrics[y].thresholdRange.min";
  s.search.candidates = 20;  // the grid has 25 points: a sample of 20
  const auto cands = initialCandidates(s, 9);
  ASSERT_EQ(cands.size(), 20u);
  for (std::size_t k = 0; k < 2; ++k) {
    std::vector<int> strata(20, 0);
    for (const auto& c : cands)
      strata[static_cast<std::size_t>(std::min(19.0, std::floor(c.values[k].x / 5.0)))]++;
    for (int n : strata) EXPECT_EQ(n, 1);
  }
}

TEST(TuneSurrogate, LogisticRegressionRecoversKnownCoefficients) {
  // Rollback probability logit(p) = -3 + 4 x over x in [0, 1], observed exactly (expected
  // counts): IRLS returns the generating coefficients (and zero for x^2).
  std::vector<BinomialObs> obs;
  for (int i = 0; i <= 10; ++i) {
    const double x = i / 10.0;
    const double p = 1 / (1 + std::exp(-(-3 + 4 * x)));
    obs.push_back({{x}, static_cast<std::int64_t>(std::llround(p * 1e6)), 1000000});
  }
  LogisticModel m;
  ASSERT_TRUE(m.fit(obs, 0));
  ASSERT_EQ(m.coefficients().size(), 3u);
  EXPECT_NEAR(m.coefficients()[0], -3, 1e-3);
  EXPECT_NEAR(m.coefficients()[1], 4, 1e-3);
  EXPECT_NEAR(m.coefficients()[2], 0, 1e-3);
  EXPECT_NEAR(m.predict({0.5}), 1 / (1 + std::exp(1.0)), 1e-4);
  QuadraticModel q;
  std::vector<MeanObs> means;
  for (int i = 0; i <= 4; ++i)
    means.push_back({{i / 4.0}, 2 + 3 * (i / 4.0) - (i / 4.0) * (i / 4.0), 1});
  ASSERT_TRUE(q.fit(means, 0));
  EXPECT_NEAR(q.predict({0.3}), 2 + 0.9 - 0.09, 1e-9);
}

}  // namespace
}  // namespace rolloutlab::tune
