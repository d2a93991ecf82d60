// `rolloutlab tune` end to end, on spaces whose optimum is worked out by hand.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_support.h"

namespace fs = std::filesystem;

namespace {

using Result = rolloutlab::test::CliResult;
Result run(const std::string& args) { return rolloutlab::test::runCli(args); }
std::string data(const std::string& rel) { return rolloutlab::test::dataDir() + "/tune/" + rel; }

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The lines of `b` that differ from `a` (same line count required).
std::vector<std::string> changedLines(const std::string& a, const std::string& b) {
  const auto la = lines(a), lb = lines(b);
  EXPECT_EQ(la.size(), lb.size());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < std::min(la.size(), lb.size()); ++i) {
    if (la[i] != lb[i]) out.push_back(lb[i]);
  }
  return out;
}

std::string tempDir(const std::string& name) {
  const fs::path p =
      fs::temp_directory_path() / ("rolloutlab-tune-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p.string();
}

// P(at least t failures before the s-th success), failure probability p per trial.
double negBinomTail(int t, int s, double p) {
  double below = 0;
  for (int f = 0; f < t; ++f) {
    below += std::tgamma(f + s) / (std::tgamma(f + 1) * std::tgamma(s)) * std::pow(1 - p, s) *
             std::pow(p, f);
  }
  return 1 - below;
}

TEST(TuneCli, FindsTheFlaggerThresholdTheNegativeBinomialTailGives) {
  // By hand: 5 passing analysis ticks promote (stepWeight 10 to maxWeight 50, Flagger's
  // runCanary); each tick's rollout hook fails with p = 0.1 and every failure counts. The time
  // to promotion grows with the threshold, so the optimum is the smallest threshold whose
  // rollback probability P(NB >= T) is within 5%: 0.410, 0.114, 0.0257 -> T = 3.
  int expected = 0;
  for (int t = 1; t <= 6 && expected == 0; ++t) {
    if (negBinomTail(t, 5, 0.1) <= 0.05) expected = t;
  }
  ASSERT_EQ(expected, 3);
  const std::string out = tempDir("flaky");
  const auto r = run("tune --spec " + data("flaky-canary.yaml") + " --space " +
                     data("threshold-space.yaml") + " --scenarios " + data("flaky-hook.yaml") +
                     " --seed 1 --threads 2 -o json --emit " + out + " --out " + out + ".json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(rolloutlab::test::readFile(out + ".json"));
  EXPECT_EQ(j["kind"], "TuningReport");
  ASSERT_FALSE(j["recommended"].is_null());
  EXPECT_EQ(j["recommended"]["fields"]["threshold"], expected);
  // The re-measure on fresh seeds meets the constraint and covers the closed form.
  const auto& rm = j["recommended"]["remeasured"];
  EXPECT_EQ(rm["constraints"][0]["verdict"], "met");
  EXPECT_LE(rm["falseRollbackRate"]["ci95"][0].get<double>(), negBinomTail(3, 5, 0.1));
  EXPECT_GE(rm["falseRollbackRate"]["ci95"][1].get<double>(), negBinomTail(3, 5, 0.1));
  // Thresholds 1 and 2 are dropped as infeasible.
  for (const auto& c : j["candidates"]) {
    if (c["fields"]["threshold"].get<int>() <= 2) {
      EXPECT_EQ(c["status"], "infeasible");
    }
  }
  // The emitted manifest is the input with the threshold line changed, comment kept.
  const std::string before = rolloutlab::test::readFile(data("flaky-canary.yaml"));
  const std::string after = rolloutlab::test::readFile(out + "/flaky-canary.yaml");
  EXPECT_EQ(changedLines(before, after), std::vector<std::string>{"    threshold: 3   # tuned"});
  EXPECT_EQ(run("validate --strict -o text " + out + "/flaky-canary.yaml").code, 0);
  fs::remove_all(out);
  fs::remove(out + ".json");
}

TEST(TuneCli, TheSameSeedGivesTheSameReportWhateverTheThreads) {
  const std::string args = "tune --spec " + data("flaky-canary.yaml") + " --space " +
                           data("threshold-space.yaml") + " --scenarios " +
                           data("flaky-hook.yaml") + " --seed 4 -o json";
  const std::string fa = tempDir("t1") + ".json", fb = tempDir("t3") + ".json";
  ASSERT_EQ(run(args + " --threads 1 --out " + fa).code, 0);
  ASSERT_EQ(run(args + " --threads 3 --out " + fb).code, 0);
  auto a = nlohmann::json::parse(rolloutlab::test::readFile(fa));
  auto b = nlohmann::json::parse(rolloutlab::test::readFile(fb));
  fs::remove(fa);
  fs::remove(fb);
  a.erase("elapsedSeconds");
  b.erase("elapsedSeconds");
  EXPECT_EQ(a.dump(), b.dump());
}

TEST(TuneCli, FindsTheArgoScheduleAndFailureLimitWorkedOutByHand) {
  // By hand: each of the 3 measurements fails result[0] >= 0.985 with q = Phi(-1) = 0.158655
  // on a good release, and the analysis fails when more than failureLimit do:
  // P(rollback | L) = P(Bin(3, q) > L) = 0.404, 0.0675, 0.0040. With false rollbacks <= 12%,
  // L >= 1. On the bad release (mean 0.9) every measurement fails, so the analysis fails at
  // measurement L + 1 while the canary takes the first setWeight: the excess errors grow with
  // L and with that weight, so the optimum is L = 1 with the schedule [10, 60].
  const double q = 0.5 * std::erfc(1 / std::sqrt(2.0));
  EXPECT_NEAR(q, 0.158655, 1e-6);
  const double p1 = 3 * q * q * (1 - q) + q * q * q;
  EXPECT_NEAR(p1, 0.067526, 1e-5);
  const std::string out = tempDir("gate");
  const auto r = run("tune --spec " + data("gate-rollout.yaml") + " --space " +
                     data("gate-space.yaml") + " --scenarios " + data("gate-scenarios.yaml") +
                     " --seed 2 --threads 2 -o json --emit " + out + " --out " + out + ".json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(rolloutlab::test::readFile(out + ".json"));
  ASSERT_FALSE(j["recommended"].is_null());
  EXPECT_EQ(j["recommended"]["fields"]["setWeights"], nlohmann::json::parse("[10, 60]"));
  EXPECT_EQ(j["recommended"]["fields"]["analysis[gate-check].metrics[success-rate].failureLimit"],
            1);
  const auto& rm = j["recommended"]["remeasured"];
  EXPECT_EQ(rm["constraints"][0]["verdict"], "met");
  EXPECT_LE(rm["falseRollbackRate"]["ci95"][0].get<double>(), p1);
  EXPECT_GE(rm["falseRollbackRate"]["ci95"][1].get<double>(), p1);
  for (const auto& c : j["candidates"]) {
    if (c["fields"]["analysis[gate-check].metrics[success-rate].failureLimit"] == 0) {
      EXPECT_EQ(c["status"], "infeasible");
    }
  }
  const std::string before = rolloutlab::test::readFile(data("gate-rollout.yaml"));
  const std::string after = rolloutlab::test::readFile(out + "/gate-rollout.yaml");
  EXPECT_EQ(
      changedLines(before, after),
      (std::vector<std::string>{"        - setWeight: 10", "      failureLimit: 1   # tuned"}));
  EXPECT_EQ(run("validate --strict -o text " + out + "/gate-rollout.yaml").code, 0);
  fs::remove_all(out);
  fs::remove(out + ".json");
}

TEST(TuneCli, AStepWeightsScheduleReplacesStepWeightAndMaxWeight) {
  // The Canary CRD's oneOf: stepWeights replaces stepWeight, and Flagger ignores maxWeight
  // beside it; the emitted manifest passes validate --strict and keeps every other line.
  const std::string dir = tempDir("steps");
  fs::create_directories(dir);
  const std::string space = dir + "/space.yaml";
  {
    std::ofstream o(space);
    o << "apiVersion: rolloutlab.io/v1alpha1\nkind: TuningSpace\nmetadata: {name: x}\nspec:\n  "
         "fields:\n"
         "    - field: stepWeights\n      schedules: {lists: [[10, 50]]}\n  constraints: "
         "{falseRollbackRate: 0.5}\n"
         "  search: {initialRuns: 16, maxRuns: 16}\n";
  }
  const auto r =
      run("tune --spec " + data("flaky-canary.yaml") + " --space " + space + " --scenarios " +
          data("flaky-hook.yaml") + " --emit " + dir + "/out -o json --out " + dir + "/r.json");
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string emitted = dir + "/out/flaky-canary.yaml";
  EXPECT_EQ(run("validate --strict -o text " + emitted).code, 0);
  auto before = lines(rolloutlab::test::readFile(data("flaky-canary.yaml")));
  auto after = lines(rolloutlab::test::readFile(emitted));
  before.erase(std::remove_if(before.begin(), before.end(),
                              [](const std::string& l) {
                                return l == "    maxWeight: 50" || l == "    stepWeight: 10";
                              }),
               before.end());
  const auto added = std::find(after.begin(), after.end(), "    stepWeights: [10, 50]");
  ASSERT_NE(added, after.end());
  after.erase(added);
  EXPECT_EQ(before, after);
  fs::remove_all(dir);
}

TEST(TuneCli, SigtermWritesTheBestSoFarMarkedPartial) {
  // A race that cannot finish (up to a million runs per candidate), stopped after 1.5 s: the
  // report of the rounds that finished is written, marked partial, exit 1.
  const std::string dir = tempDir("sigterm");
  fs::create_directories(dir);
  const std::string space = dir + "/space.yaml", out = dir + "/report.json";
  {
    std::ofstream o(space);
    o << "apiVersion: rolloutlab.io/v1alpha1\nkind: TuningSpace\nmetadata: {name: x}\nspec:\n  "
         "fields:\n"
         "    - field: threshold\n      range: {min: 3, max: 6, step: 1}\n  constraints: "
         "{falseRollbackRate: 0.000001}\n"
         "  search: {initialRuns: 64, maxRuns: 1000000}\n";
  }
  // A release that never rolls back: no candidate can be shown infeasible, and confirming a
  // false-rollback rate under 1e-6 on its 95% bound takes more runs than maxRuns allows, so the
  // race cannot end on its own before the signal, however fast the machine.
  const std::string scen = dir + "/steady.yaml";
  {
    std::ofstream o(scen);
    o << "apiVersion: rolloutlab.io/v1alpha1\nkind: Scenario\nmetadata: {name: steady}\nspec:\n"
         "  release: good\n  duration: 2h\n  traffic: {rps: 100}\n"
         "  primary: {errorRate: 0.001, latency: {p50: 40ms, p99: 200ms}}\n"
         "  webhooks:\n    load-test: {failProbability: 0}\n";
  }
  const std::string bin = rolloutlab::test::binDir() + "/rolloutlab";
  const std::string spec = data("flaky-canary.yaml");
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(bin.c_str(), bin.c_str(), "tune", "--spec", spec.c_str(), "--space", space.c_str(),
            "--scenarios", scen.c_str(), "--threads", "2", "-o", "json", "--out", out.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::usleep(1500 * 1000);
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 1);
  const auto j = nlohmann::json::parse(rolloutlab::test::readFile(out));
  EXPECT_EQ(j["partial"], true);
  EXPECT_GT(j["runs"].get<long long>(), 0);
  EXPECT_TRUE(j["recommended"].is_null());  // nothing can be confirmed under 0.01% so soon
  fs::remove_all(dir);
}

TEST(TuneCli, BadInputIsAOneLineErrorBeforeAnyRun) {
  // A field the target does not have.
  const std::string space = tempDir("space") + ".yaml";
  {
    std::ofstream o(space);
    o << "apiVersion: rolloutlab.io/v1alpha1\nkind: TuningSpace\nmetadata: {name: x}\nspec:\n  "
         "fields:\n"
         "    - field: metrics[nope].thresholdRange.min\n      values: [99]\n";
  }
  auto r = run("tune --spec " + data("flaky-canary.yaml") + " --space " + space + " --scenarios " +
               data("flaky-hook.yaml"));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "error: " + space +
                       ":6: spec.fields[0].field = \"metrics[nope].thresholdRange.min\": "
                       "Canary/test/flaky has no metric named \"nope\"\n");
  // A value the spec's own rules refuse (Argo fields against a Canary).
  {
    std::ofstream o(space);
    o << "apiVersion: rolloutlab.io/v1alpha1\nkind: TuningSpace\nmetadata: {name: x}\nspec:\n  "
         "fields:\n"
         "    - field: setWeights\n      schedules: {lists: [[10]]}\n";
  }
  r = run("tune --spec " + data("flaky-canary.yaml") + " --space " + space + " --scenarios " +
          data("flaky-hook.yaml"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("no Rollout in the --spec files to tune"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  // A constraint on a scenario that is not run.
  {
    std::ofstream o(space);
    o << "apiVersion: rolloutlab.io/v1alpha1\nkind: TuningSpace\nmetadata: {name: x}\nspec:\n  "
         "fields:\n"
         "    - field: threshold\n      values: [2]\n  constraints:\n    scenarios:\n"
         "      - {name: nowhere, escapeRate: 0.1}\n";
  }
  r = run("tune --spec " + data("flaky-canary.yaml") + " --space " + space + " --scenarios " +
          data("flaky-hook.yaml"));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "error: " + space +
                       ":10: spec.constraints.scenarios[].name = \"nowhere\": names no scenario of "
                       "--scenarios\n");
  // A threshold of 0 is refused by the space's own rule.
  EXPECT_EQ(run("tune --spec " + data("flaky-canary.yaml")).code, 2);
  fs::remove(space);
}

}  // namespace
