// The one Flagger tick loop and the seed-stream registry of the run layer (sim/).

#include <gtest/gtest.h>

#include <set>

#include "flagger_fixtures.h"
#include "rolloutlab/core/rng.h"
#include "rolloutlab/sim/batch.h"
#include "rolloutlab/sim/flagger_loop.h"
#include "rolloutlab/sim/seeds.h"

namespace fl = rolloutlab::core::flagger;
namespace sim = rolloutlab::sim;
using rolloutlab::test::FakeWorld;

namespace {

// The fake world of the engine tests behind the loop's world interface, counting its calls.
class LoopWorld final : public sim::FlaggerRunWorld {
 public:
  FakeWorld fake;
  std::vector<double> afterTicks;
  fl::Readiness primaryReady(double t, fl::Phase p) override { return fake.primaryReady(t, p); }
  fl::Readiness canaryReady(double t, fl::Phase p) override { return fake.canaryReady(t, p); }
  bool webhook(double t, const fl::WebhookSpec& h, int i, fl::Phase p) override {
    return fake.webhook(t, h, i, p);
  }
  fl::MetricAnswer metric(double t, const fl::MetricSpec& m, int i, fl::CheckKind k) override {
    return fake.metric(t, m, i, k);
  }
  void afterTick(double t, const fl::TickRecord&) override { afterTicks.push_back(t); }
  std::optional<sim::RunTotals> runTotals(double t) override {
    sim::RunTotals r;
    r.canaryRequests = t;  // stands for "the totals up to the outcome's time"
    return r;
  }
  bool answersCheck(int, fl::CheckKind kind) const override {
    return kind == fl::CheckKind::kInlineQuery;
  }
  fl::MetricAnswer peekCheck(double, int, fl::CheckKind) override {
    return fl::MetricAnswer::of(1);
  }
  sim::IntervalTrafficSource* intervalTraffic() override { return nullptr; }
};

fl::CanarySpec longCanary() {
  fl::CanarySpec c = rolloutlab::test::makeCanarySpec();
  c.analysis.stepWeight = 5;  // 10 iterations to maxWeight 50: more than a dozen ticks
  return c;
}

}  // namespace

// Flagger's job runs advanceCanary at once and then on every tick of a Go time.Ticker
// (pkg/controller/job.go CanaryJob.Start): tick n is at (n - 1) * interval exactly. With an
// interval of 0.1 s a running sum drifts from the product from the 7th tick on (0.6 vs
// 0.6000000000000001), so this fails for `t += interval`.
TEST(FlaggerLoop, TickNIsAtNMinusOneTimesTheInterval) {
  const fl::FlaggerEngine engine(longCanary(), {});
  LoopWorld world;
  sim::FlaggerLoopOptions o;
  o.interval = 0.1;
  o.duration = 100;
  sim::SimulationResult res;
  sim::runFlaggerTrace(engine, world, o, true, false, res);
  ASSERT_GT(res.run.ticks.size(), 12u);
  for (std::size_t i = 0; i < res.run.ticks.size(); ++i) {
    EXPECT_EQ(res.run.ticks[i].t, static_cast<double>(i) * 0.1) << "tick " << i + 1;
    EXPECT_EQ(res.run.ticks[i].tick, static_cast<int>(i) + 1);
    EXPECT_EQ(world.afterTicks[i], static_cast<double>(i) * 0.1);
  }
  // Promoted: the engine-neutral outcome, the engine's own and the summary agree.
  EXPECT_EQ(res.summary.outcome.decision, sim::RunOutcome::Decision::kPromoted);
  EXPECT_EQ(res.summary.outcome.result, "promoted");
  EXPECT_EQ(res.run.outcome.result, fl::Outcome::Result::kPromoted);
  EXPECT_EQ(res.summary.outcome.tick, static_cast<int>(res.run.ticks.size()));
  EXPECT_EQ(res.summary.outcome.t, res.run.ticks.back().t);
  EXPECT_EQ(res.summary.timeToPromotion, res.run.ticks.back().t);
  EXPECT_EQ(res.summary.ticks, static_cast<int>(res.run.ticks.size()));
  // Totals are read at the outcome's time.
  EXPECT_EQ(res.summary.totals.canaryRequests, res.run.ticks.back().t);
}

TEST(FlaggerLoop, SummaryCountsEveryMetricCheckAndTheTraceMeasuresAnsweredChecks) {
  const fl::FlaggerEngine engine(longCanary(), {});
  LoopWorld world;
  world.fake.defaultValue = 98;  // below the metric's min 99: every check fails
  sim::FlaggerLoopOptions o;
  o.interval = 60;
  o.duration = 3600;
  sim::SimulationResult res;
  sim::runFlaggerTrace(engine, world, o, true, false, res);
  int checks = 0, failed = 0;
  for (const auto& t : res.run.ticks) {
    for (const auto& m : t.metrics) {
      ++checks;
      if (m.result != fl::MetricCheck::Result::kPass) ++failed;
    }
  }
  ASSERT_GT(checks, 0);
  EXPECT_EQ(res.summary.metricChecks, checks);
  EXPECT_EQ(res.summary.failedMetricChecks, failed);
  EXPECT_EQ(res.summary.outcome.decision, sim::RunOutcome::Decision::kRolledBack);
  EXPECT_EQ(res.summary.outcome.result, "rolled_back");
  // One measured row per tick, one value per answered check (the inline query only).
  ASSERT_EQ(res.measured.size(), res.run.ticks.size());
  for (const auto& row : res.measured) EXPECT_EQ(row.size(), 1u);
  // The batch path gives the same summary.
  LoopWorld again;
  again.fake.defaultValue = 98;
  const sim::RunSummary s = sim::runFlaggerLoop(engine, again, o);
  EXPECT_EQ(s.metricChecks, checks);
  EXPECT_EQ(s.outcome.t, res.summary.outcome.t);
  EXPECT_EQ(sim::runRecord(s).result, rolloutlab::core::RunRecord::Result::kRolledBack);
}

TEST(FlaggerLoop, ShadowJudgesWithoutTrafficAreAnInternalError) {
  const fl::FlaggerEngine engine(longCanary(), {});
  LoopWorld world;
  std::vector<sim::JudgeSpec> judges(1);
  sim::FlaggerLoopOptions o;
  o.judges = &judges;
  EXPECT_THROW(sim::runFlaggerLoop(engine, world, o), std::logic_error);
}

TEST(SeedStreams, AreDistinctAndStable) {
  for (std::uint64_t seed : {0ull, 1ull, 42ull, 0xFFFFFFFFFFFFFFFFull}) {
    std::set<std::uint64_t> seen;
    for (auto s : sim::allSeedStreams()) {
      EXPECT_TRUE(seen.insert(sim::streamSeed(seed, s)).second) << sim::toString(s);
    }
    for (std::size_t j = 0; j < 8; ++j)
      EXPECT_TRUE(seen.insert(sim::shadowJudgeSeed(seed, j)).second);
    // The tuner's indexed streams: the surrogate's proposals and the fresh evaluation seeds.
    for (std::uint64_t j = 0; j < 8; ++j) {
      EXPECT_TRUE(seen.insert(sim::tuneSurrogateSeed(seed, j)).second) << "surrogate " << j;
      if (j > 0) {
        EXPECT_TRUE(seen.insert(sim::tuneEvaluationSeed(seed, j)).second) << "fresh " << j;
      }
    }
  }
  // Stream 0 of the tuner's evaluation is the search's seed itself (batch --seed S reproduces it).
  EXPECT_EQ(sim::tuneEvaluationSeed(77, 0), 77u);
  // The derivations are part of every recorded result: they never change.
  EXPECT_EQ(sim::streamSeed(9, sim::SeedStream::kGates), rolloutlab::core::deriveSeed(9, 2));
  EXPECT_EQ(sim::streamSeed(9, sim::SeedStream::kReplayGates),
            rolloutlab::core::deriveSeed(9, rolloutlab::core::stableHash("replay-gates")));
  EXPECT_EQ(sim::shadowJudgeSeed(9, 2), rolloutlab::core::deriveSeed(9, 102));
  EXPECT_EQ(sim::streamSeed(9, sim::SeedStream::kTuneLatinHypercube),
            rolloutlab::core::deriveSeed(9, rolloutlab::core::stableHash("tune/latin-hypercube")));
  EXPECT_EQ(sim::tuneSurrogateSeed(9, 12),
            rolloutlab::core::deriveSeed(9, rolloutlab::core::stableHash("tune/surrogate"), 12));
  EXPECT_EQ(sim::tuneEvaluationSeed(9, 1),
            rolloutlab::core::deriveSeed(9, rolloutlab::core::stableHash("tune/fresh"), 1));
  EXPECT_EQ(sim::streamSeed(9, sim::SeedStream::kWorkbenchReseed),
            rolloutlab::core::deriveSeed(9, rolloutlab::core::stableHash("reseed")));
  EXPECT_EQ(sim::pairSeed(3, "Canary/a/b", "s"),
            rolloutlab::core::deriveSeed(3, rolloutlab::core::stableHash("Canary/a/b"),
                                         rolloutlab::core::stableHash("s")));
}
