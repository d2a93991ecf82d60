// `rolloutlab simulate` and `validate` on Argo Rollouts, end to end.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace fs = std::filesystem;

namespace {
using Result = rolloutlab::test::CliResult;
Result run(const std::string& args) { return rolloutlab::test::runCli(args); }
std::string src(const std::string& rel) { return rolloutlab::test::sourceDir() + "/" + rel; }
std::string temp(const std::string& text) {
  static int n = 0;
  const auto p = fs::temp_directory_path() / ("rolloutlab-argo-" + std::to_string(::getpid()) +
                                              "-" + std::to_string(++n) + ".yaml");
  std::ofstream(p) << text;
  return p.string();
}
}  // namespace

TEST(ArgoCli, SimulateScriptPrintsEventsAndOutcome) {
  const std::string args = "simulate --spec " + src("examples") + " --scenario " +
                           src("examples/scripts/argo-background-failure.yaml") + " -o json";
  auto a = run(args);
  auto b = run(args);
  ASSERT_EQ(a.code, 0) << a.out;
  EXPECT_EQ(a.out, b.out);
  const auto j = nlohmann::json::parse(a.out);
  EXPECT_EQ(j["engine"], "argo");
  EXPECT_FALSE(j.contains("ticks"));
  const auto& ev = j["events"];
  ASSERT_GT(ev.size(), 5u);
  for (const char* k : {"t", "currentStepIndex", "canaryWeight", "phase", "abort",
                        "pauseConditions", "analysisRuns"}) {
    EXPECT_TRUE(ev[5].contains(k)) << k;
  }
  const auto& last = ev.back();
  ASSERT_EQ(last["analysisRuns"].size(), 2u);
  const auto& bg = last["analysisRuns"][1];
  EXPECT_EQ(bg["kind"], "background");
  EXPECT_EQ(bg["phase"], "Failed");
  const auto& m = bg["metrics"][0];
  for (const char* k :
       {"phase", "count", "successful", "failed", "inconclusive", "error", "consecutiveError"}) {
    EXPECT_TRUE(m.contains(k)) << k;
  }
  EXPECT_EQ(m["failed"], 3);
  EXPECT_EQ(j["outcome"]["result"], "aborted");
  EXPECT_EQ(j["outcome"]["t"], 320);
  EXPECT_EQ(j["outcome"]["phase"], "Degraded");
}

TEST(ArgoCli, SimulateScenarioGivesTheRunSummary) {
  auto r = run("simulate --spec " + src("examples") + " --target storefront --scenario " +
               src("scenarios/library/error-regression-5pt.yaml") + " --seed 3 -o json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["engine"], "argo");
  EXPECT_EQ(j["summary"]["result"], "aborted");
  EXPECT_EQ(j["outcome"]["result"], "aborted");
  EXPECT_GT(j["summary"]["canaryRequests"].get<double>(), 0);
}

TEST(ArgoCli, ScriptNamingAnUnknownMetricIsBadInput) {
  const std::string p = temp(
      "apiVersion: rolloutlab.io/v1alpha1\nkind: Script\nmetadata: {name: x}\nspec:\n  target: "
      "storefront\n"
      "  measurements:\n    sucess-rate: [[0.99]]\n");
  auto r = run("simulate --spec " + src("examples") + " --scenario " + p);
  fs::remove(p);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(
      r.out.find(
          ":7: spec.measurements.sucess-rate: the rollout has no metric of that name (did you mean "
          "\"success-rate\"? its metrics: success-rate, background-success-rate)\n"),
      std::string::npos)
      << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

TEST(ArgoCli, ScriptWithFlaggerFieldsForARolloutIsOneLine) {
  const std::string p = temp(
      "apiVersion: rolloutlab.io/v1alpha1\nkind: Script\nmetadata: {name: x}\nspec:\n  target: "
      "storefront\n"
      "  measurements:\n    success-rate: [[0.99]]\n  ticks: [{metrics: fail}]\n");
  auto r = run("simulate --spec " + src("examples") + " --scenario " + p);
  fs::remove(p);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find(":8: spec.ticks: a Flagger Canary's field, but the target \"storefront\" is "
                       "an Argo Rollout "
                       "(script it with measurements, podStartup, actions and until)\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

TEST(ArgoCli, ValidateListsRolloutsAndTemplates) {
  auto r = run("validate -o text " + src("examples/apps/storefront"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(
      r.out.find(
          "Rollout shop/storefront: canary (istio), replicas 5, 4 steps: setWeight: 20, analysis, "
          "setWeight: 50, pause: 5m; background analysis from step 2"),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("AnalysisTemplate shop/success-rate-check: 1 metric: success-rate "
                       "(prometheus, every 1m, count 3)"),
            std::string::npos)
      << r.out;
}
