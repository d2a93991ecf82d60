// Batches: determinism across thread counts and shard splits, interval coverage, and the
// operating characteristics of a spec whose answer has a closed form.
#include "rolloutlab/app/batch.h"

#include <gtest/gtest.h>

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>

#include "flagger_fixtures.h"
#include "rolloutlab/core/rng.h"
#include "rolloutlab/core/stats/proportion.h"
#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/scenarios/flagger_world.h"
#include "test_support.h"

using namespace rolloutlab;
using app::BatchOptions;

namespace {

io::Json withoutElapsed(io::Json j) {
  j.erase("elapsedSeconds");
  return j;
}

struct Suite {
  app::Workspace specs;
  app::Workspace scen;
  Suite() {
    specs = app::loadWorkspace({test::sourceDir() + "/examples"});
    scen = app::loadWorkspace({test::sourceDir() + "/scenarios/library/good-low-traffic.yaml",
                               test::sourceDir() + "/scenarios/library/error-regression-1pt.yaml",
                               test::sourceDir() + "/scenarios/library/metrics-outage.yaml"});
  }
  app::BatchResult run(int threads, int shard = 0, int shards = 1, std::int64_t runs = 150) const {
    BatchOptions o;
    o.runs = runs;
    o.seed = 7;
    o.threads = threads;
    o.shardIndex = shard;
    o.shardCount = shards;
    std::vector<io::FileIdentity> inputs = specs.files;
    inputs.insert(inputs.end(), scen.files.begin(), scen.files.end());
    return app::runBatch(app::batchSpecs(specs, "istio"), scen.scenarios, inputs, o);
  }
};

}  // namespace

TEST(Batch, IdenticalForAnyThreadCount) {
  Suite s;
  const auto one = withoutElapsed(app::batchJson(s.run(1))).dump();
  EXPECT_EQ(one, withoutElapsed(app::batchJson(s.run(2))).dump());
  EXPECT_EQ(one, withoutElapsed(app::batchJson(s.run(3))).dump());
}

TEST(Batch, MergedShardsEqualTheUnshardedRun) {
  Suite s;
  const auto whole = withoutElapsed(app::batchJson(s.run(2))).dump();
  for (int n : {2, 4, 7}) {
    std::vector<app::BatchResult> parts;
    std::vector<std::string> names;
    for (int k = 0; k < n; ++k) {
      // Through JSON, as shards written by separate processes would be.
      parts.push_back(
          app::batchFromJson(app::batchJson(s.run(1, k, n)), "shard" + std::to_string(k)));
      names.push_back("shard" + std::to_string(k));
    }
    EXPECT_EQ(whole, withoutElapsed(app::batchJson(app::mergeBatches(parts, names))).dump())
        << n << " shards";
  }
}

TEST(Batch, MergeRejectsMismatchedOrMissingShards) {
  Suite s;
  auto a = s.run(1, 0, 2, 10);
  auto b = s.run(1, 1, 2, 10);
  EXPECT_THROW(app::mergeBatches({a}, {"a"}), core::InputError);           // shard 1 missing
  EXPECT_THROW(app::mergeBatches({a, a}, {"a", "a2"}), core::InputError);  // shard 0 twice
  b.seed = 5;
  EXPECT_THROW(app::mergeBatches({a, b}, {"a", "b"}), core::InputError);
}

TEST(Batch, RunsAreReproducibleWithSimulate) {
  // Run r of a pair uses replicateSeed(pair seed, r): replaying it alone gives the same run.
  Suite s;
  const auto r = s.run(1, 0, 1, 20);
  const auto& pair = r.pairs.at(0);
  const auto& scenario = s.scen.scenarios.at(0);
  ASSERT_EQ(pair.scenario, scenario.name);
  const auto& canary = s.specs.canaries.at(0);
  sim::CompiledScenario sc(scenario);
  scenarios::FlaggerPlan plan(canary, io::resolveTemplates(canary, s.specs.metricTemplates), sc);
  core::PairAggregate agg;
  for (int rep = 0; rep < 20; ++rep) {
    const auto res = scenarios::simulateFlagger(
        plan, sc, app::replicateSeed(pair.seed, static_cast<std::uint64_t>(rep)), false);
    core::RunRecord rec;
    rec.result = res.run.outcome.result == core::flagger::Outcome::Result::kPromoted
                     ? core::RunRecord::Result::kPromoted
                 : res.run.outcome.result == core::flagger::Outcome::Result::kRolledBack
                     ? core::RunRecord::Result::kRolledBack
                     : core::RunRecord::Result::kOther;
    rec.timeToDecision = res.summary.timeToDecision;
    rec.timeToPromotion = res.summary.timeToPromotion;
    rec.canaryRequests = res.summary.totals.canaryRequests;
    rec.canaryErrors = res.summary.totals.canaryErrors;
    rec.excessErrors = res.summary.totals.excessErrors;
    agg.add(rec);
  }
  EXPECT_EQ(agg.promoted, pair.agg.promoted);
  EXPECT_EQ(agg.rolledBack, pair.agg.rolledBack);
  EXPECT_EQ(agg.canaryRequests.sumMicro(), pair.agg.canaryRequests.sumMicro());
}

TEST(Batch, WilsonIntervalsCoverAKnownBernoulli) {
  // 20,000 samples of Binomial(n, p) per case: the share of 95% intervals that cover p must
  // match the interval's exact coverage sum_k P(k) 1[p in CI(k)] (z within 4.5), and that
  // coverage must be near the nominal 95% (the Wilson interval's coverage oscillates with
  // n and p; within [0.92, 0.98] here).
  core::Rng rng(2024);
  for (auto [n, p] :
       std::vector<std::pair<int, double>>{{50, 0.1}, {200, 0.02}, {1000, 0.5}, {1000, 0.01}}) {
    double exact = 0;
    boost::math::binomial_distribution<> bin(n, p);
    for (int k = 0; k <= n; ++k) {
      const auto ci = core::stats::wilsonInterval(k, n, 0.95);
      if (ci.lo <= p && p <= ci.hi) exact += boost::math::pdf(bin, k);
    }
    int covered = 0;
    const int reps = 20000;
    for (int i = 0; i < reps; ++i) {
      const auto k = rng.binomial(n, p);
      const auto ci = core::stats::wilsonInterval(k, n, 0.95);
      covered += ci.lo <= p && p <= ci.hi;
    }
    const double c = static_cast<double>(covered) / reps;
    EXPECT_LT(std::fabs(c - exact) / std::sqrt(exact * (1 - exact) / reps), 4.5) << n << " " << p;
    EXPECT_GT(exact, 0.92) << n << " " << p;
    EXPECT_LT(exact, 0.98) << n << " " << p;
  }
}

TEST(Batch, OperatingCharacteristicsMatchTheClosedForm) {
  // A spec with threshold 2 and stepWeight 10 up to 50 needs 5 passing checks; each check
  // fails independently with q = P(N(0,1) > 1) (a modelled metric against max 1). It rolls
  // back iff the 2nd failure comes before the 5th pass:
  //   P = sum_{j=0..4} C(1 + j, 1) q^2 (1 - q)^j   (negative binomial).
  auto spec = test::makeCanarySpec();
  spec.analysis.threshold = 2;
  spec.analysis.metrics = {test::makeMetric("custom", std::nullopt, 1.0)};
  spec.analysis.metrics[0].query = "vector(0)";
  sim::Scenario s;
  s.name = "normal-metric";
  s.traffic.rps = 100;
  sim::MetricModelSpec m;
  m.kind = sim::MetricModelSpec::Kind::kNormal;
  m.mean = 0;
  m.sd = 1;
  m.badMean = 0;
  m.badSd = 1;
  s.metrics.models["custom"] = m;
  app::BatchSpec bs;
  bs.key = "Canary/test/podinfo";
  bs.engine = "flagger";
  bs.compile = [spec](const sim::CompiledScenario& sc) {
    struct Plan final : app::PairPlan {
      Plan(const core::flagger::CanarySpec& c, const sim::CompiledScenario& sc)
          : sc_(sc), plan_(c, {nullptr}, sc) {}
      std::unique_ptr<app::PairWorker> makeWorker() const override {
        struct W final : app::PairWorker {
          W(const scenarios::FlaggerPlan& p, const sim::CompiledScenario& sc)
              : p_(p), sc_(sc), w_(p, sc) {}
          sim::RunSummary run(std::uint64_t seed,
                              const std::vector<sim::JudgeSpec>& judges) override {
            return scenarios::runFlagger(p_, sc_, w_, seed, judges);
          }
          const scenarios::FlaggerPlan& p_;
          const sim::CompiledScenario& sc_;
          scenarios::FlaggerSyntheticWorld w_;
        };
        return std::make_unique<W>(plan_, sc_);
      }
      const sim::CompiledScenario& sc_;
      scenarios::FlaggerPlan plan_;
    };
    return std::unique_ptr<app::PairPlan>(std::make_unique<Plan>(spec, sc));
  };
  BatchOptions o;
  o.runs = 20000;
  o.seed = 7;
  o.threads = 2;
  const auto r = app::runBatch({bs}, {s}, {}, o);
  const double q = 1.0 - boost::math::cdf(boost::math::normal(), 1.0);
  double p = 0;
  for (int j = 0; j <= 4; ++j) p += (1 + j) * q * q * std::pow(1 - q, j);
  const auto& a = r.pairs.at(0).agg;
  const double phat = static_cast<double>(a.rolledBack) / static_cast<double>(a.runs);
  EXPECT_LT(std::fabs(phat - p) / std::sqrt(p * (1 - p) / a.runs), 4.5) << phat << " vs " << p;
  // The reported 95% interval misses the truth 5% of the time by design; its 99.9% sibling
  // must cover it (false-failure rate 0.1%).
  const auto ci = core::stats::wilsonInterval(a.rolledBack, a.runs, 0.999);
  EXPECT_LE(ci.lo, p);
  EXPECT_GE(ci.hi, p);
  EXPECT_EQ(a.promoted + a.rolledBack, a.runs);
  // Decisions fall on ticks: a clean promotion takes ceil(50/10) + 4 = 9 ticks (t = 480 s),
  // one more per failed check.
  EXPECT_EQ(a.timeToPromotionMs.quantile(0.0), 480000);
  for (const auto& [ms, count] : a.timeToPromotionMs.bins()) EXPECT_EQ(ms % 60000, 0);
}

TEST(OcAggregates, ExactQuantilesAndMeans) {
  core::ExactHistogram h;
  for (int v : {3, 1, 2, 2, 5}) h.add(v * 1000);
  EXPECT_EQ(h.quantile(0.5), 2000);
  EXPECT_EQ(h.quantile(0.9), 5000);
  EXPECT_DOUBLE_EQ(h.mean(), 2600);
  core::LogHistogram l;
  for (double v : {10.0, 100.0, 1000.0, 0.0, -5.0}) l.add(v);
  EXPECT_NEAR(l.quantile(0.8), 100.0, 100.0 * 0.006);
  EXPECT_NEAR(l.quantile(1.0), 1000.0, 1000.0 * 0.006);
  EXPECT_NEAR(l.quantile(0.2), -5.0, 5 * 0.006);
  EXPECT_DOUBLE_EQ(l.mean(), (10 + 100 + 1000 - 5) / 5.0);
  EXPECT_EQ(core::int128ToString(l.sumMicro()), "1105000000");
  // Each value lies in the range of the bucket it was counted in.
  for (double v : {10.0, 100.0, 1000.0, -5.0, 0.0, 3.7e-7}) {
    core::LogHistogram one;
    one.add(v);
    const auto [lo, hi] = core::LogHistogram::bucketRange(one.bins().begin()->first);
    EXPECT_LE(lo, v);
    EXPECT_GE(hi, v);
    if (v != 0) {
      EXPECT_LE(hi - lo, std::fabs(v) * 2.1 * core::LogHistogram::kRelativeResolution);
    }
  }
}
