// Shadow judges in simulations: they observe the same series at the same ticks and never
// change the rollout; their error rates are what their guarantees say.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "rolloutlab/app/batch.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/core/stats/proportion.h"
#include "test_support.h"

using namespace rolloutlab;
namespace fs = std::filesystem;

namespace {
app::BatchResult run(const std::vector<std::string>& scenarioFiles, bool judges,
                     std::int64_t runs) {
  auto specs = app::loadWorkspace({test::sourceDir() + "/examples/apps/podinfo"});
  std::vector<std::string> paths;
  for (const auto& f : scenarioFiles)
    paths.push_back(test::sourceDir() + "/scenarios/library/" + f);
  auto scen = app::loadWorkspace(paths);
  app::BatchOptions o;
  o.runs = runs;
  o.seed = 11;
  o.threads = 2;
  if (judges) o.judges = app::loadWorkspace({test::sourceDir() + "/examples/judges"}).judges;
  return app::runBatch(app::batchSpecs(specs, "istio"), scen.scenarios, {}, o);
}
}  // namespace

TEST(ShadowJudge, NeverChangesTheRollout) {
  // The spec's own results are identical, run for run, with and without shadow judges.
  const auto a = run({"good-low-traffic.yaml", "error-regression-1pt.yaml"}, false, 300);
  const auto b = run({"good-low-traffic.yaml", "error-regression-1pt.yaml"}, true, 300);
  ASSERT_EQ(a.pairs.size(), b.pairs.size());
  for (std::size_t i = 0; i < a.pairs.size(); ++i) {
    EXPECT_EQ(a.pairs[i].agg.promoted, b.pairs[i].agg.promoted);
    EXPECT_EQ(a.pairs[i].agg.rolledBack, b.pairs[i].agg.rolledBack);
    EXPECT_EQ(a.pairs[i].agg.canaryRequests.sumMicro(), b.pairs[i].agg.canaryRequests.sumMicro());
    EXPECT_EQ(a.pairs[i].agg.timeToDecisionMs.bins(), b.pairs[i].agg.timeToDecisionMs.bins());
  }
  ASSERT_EQ(b.judges.size(), 3u);
}

TEST(ShadowJudge, SequentialJudgeKeepsItsFalseFailRate) {
  // A good release (the canary differs from the primary only by chance): the sequential
  // judge's false-fail probability is at most alpha = 0.05 whatever the number of looks.
  // 2,000 runs: the upper 99% Clopper-Pearson bound must stay at or below alpha.
  const auto r = run({"good-high-traffic.yaml"}, true, 2000);
  const auto& j = r.pairs.at(0).agg.judges.at(1);
  ASSERT_EQ(r.judges.at(1), "sequential");
  const auto ci = core::stats::clopperPearsonInterval(j.fail, j.runs, 0.98);
  EXPECT_LE(ci.hi, 0.05) << j.fail << " of " << j.runs;
}

TEST(ShadowJudge, JudgesDetectALargeRegression) {
  // +5 points of errors at 1000 rps: both judges fail it in nearly every run, and the
  // sequential one within the first looks.
  const auto r = run({"error-regression-5pt.yaml"}, true, 300);
  const auto& k = r.pairs.at(0).agg.judges.at(0);
  const auto& s = r.pairs.at(0).agg.judges.at(1);
  EXPECT_GE(k.fail, 290);
  EXPECT_GE(s.fail, 295);
  EXPECT_LE(s.timeToFailMs.quantile(0.5), 180000);
}

TEST(ShadowJudge, KayentaJudgesAtTheStageSchedule) {
  // Kayenta's stage judges at warmup + i x interval after the canary's first traffic (3, 6,
  // 9 minutes here); a failing verdict can only come at one of those times. The canary gets
  // traffic from the second tick (t = 60 s) on, so judgments fall at t = 240, 420, 600.
  const auto r = run({"error-regression-2pt.yaml"}, true, 200);
  const auto& k = r.pairs.at(0).agg.judges.at(0);
  for (const auto& [ms, count] : k.timeToFailMs.bins()) {
    EXPECT_TRUE(ms == 240000 || ms == 420000 || ms == 600000) << ms;
  }
}

TEST(ShadowJudge, JudgeDocumentsAreStrict) {
  const auto dir = fs::temp_directory_path() / ("rolloutlab-judge-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "j.yaml")
      << "apiVersion: rolloutlab.io/v1alpha1\nkind: Judge\nmetadata: {name: x}\nspec:\n"
         "  sequential:\n    alpha: 0.05\n    metrics:\n      - {name: e, source: latencyP99}\n";
  auto ws = app::loadWorkspace({(dir / "j.yaml").string()});
  fs::remove_all(dir);
  ASSERT_GE(ws.diagnostics.errors(), 1);
  EXPECT_NE(
      ws.diagnostics.items[0].toString().find(
          "spec.sequential.metrics[0].source = \"latencyP99\": must be errorRate, latencyMean or "
          "latencyDistribution"),
      std::string::npos)
      << ws.diagnostics.items[0].toString();
}

// --judge takes Judge documents: simulate, batch and replay refuse, with one line and exit 1,
// a file that holds none (here a Canary) and a Judge that does not decode, before any run.
TEST(ShadowJudge, EveryCommandRefusesAJudgeFileWithoutAJudge) {
  const std::string src = test::sourceDir();
  const std::string canary = src + "/examples/apps/podinfo/canary.yaml";
  const std::string scenario = src + "/scenarios/library/good-high-traffic.yaml";
  const std::string replay = src + "/examples/replays/podinfo-error-spike.yaml";
  const auto dir = fs::temp_directory_path() / ("rolloutlab-nojudge-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string bad = (dir / "bad.yaml").string();
  std::ofstream(bad)
      << "apiVersion: rolloutlab.io/v1alpha1\nkind: Judge\nmetadata: {name: x}\nspec:\n"
         "  sequential:\n    alpha: 2\n    metrics:\n      - {name: e, source: errorRate}\n";
  for (const auto& [judgeFile, want] : std::vector<std::pair<std::string, std::string>>{
           {canary, canary + ": kind: holds no Judge document"}, {bad, bad + ":6:"}}) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"simulate", "--spec", canary, "--scenario", scenario, "--judge", judgeFile},
             {"simulate", "--spec", canary, "--scenario", replay, "--judge", judgeFile},
             {"batch", "--spec", canary, "--scenarios", scenario, "--runs", "2", "--judge",
              judgeFile},
             {"replay", "--spec", canary, "--replay", replay, "--judge", judgeFile}}) {
      std::istringstream in;
      std::ostringstream out, err;
      app::Streams io{in, out, err};
      EXPECT_EQ(app::runMain(args, io), 1) << args[0] << " " << args[4] << ": " << err.str();
      EXPECT_EQ(out.str(), "") << args[0];
      const std::string e = err.str();
      EXPECT_EQ(std::count(e.begin(), e.end(), '\n'), 1) << e;
      EXPECT_NE(e.find(want), std::string::npos) << args[0] << " " << args[4] << ": " << e;
    }
  }
  fs::remove_all(dir);
}
