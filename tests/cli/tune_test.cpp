// `rolloutlab tune` end to end, on spaces whose optimum is worked out by hand.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
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

// ---- pause schedules --------------------------------------------------------------------------

TEST(TuneCli, APauseListOnTheStorefrontRolloutEmitsExactlyItsThreeDurations) {
  // The storefront Rollout with three timed pauses (2m, 300, "10m"); the space's one list
  // [30s, 1m, 5m] gives them in order. The emitted manifest is the hand-written expected one:
  // every other byte as written, the quoted "10m" still quoted.
  const std::string out = tempDir("pauses");
  const auto r = run("tune --spec " + data("pauses/storefront.yaml") + " --space " +
                     data("pauses/list-space.yaml") + " --scenarios " + data("pauses/steady.yaml") +
                     " --threads 2 -o json --emit " + out + " --out " + out + ".json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(rolloutlab::test::readFile(out + ".json"));
  EXPECT_EQ(j["recommended"]["fields"]["pause"], "[30s, 1m, 5m]");
  ASSERT_EQ(j["recommended"]["patches"].size(), 3u);
  EXPECT_EQ(j["recommended"]["patches"][1]["path"], "spec.strategy.canary.steps[4].pause.duration");
  EXPECT_EQ(j["recommended"]["patches"][1]["from"], "300");
  EXPECT_EQ(j["recommended"]["patches"][1]["to"], "1m");
  EXPECT_EQ(rolloutlab::test::readFile(out + "/storefront.yaml"),
            rolloutlab::test::readFile(data("pauses/expected-storefront.yaml")));
  EXPECT_EQ(run("validate --strict -o text " + out + "/storefront.yaml").code, 0);
  fs::remove_all(out);
  fs::remove(out + ".json");
}

TEST(TuneCli, APauseListThatDoesNotFitTheRolloutIsAOneLineError) {
  const std::string space = tempDir("pause-count") + ".yaml";
  {
    std::ofstream o(space);
    o << "apiVersion: rolloutlab.io/v1alpha1\nkind: TuningSpace\nmetadata: {name: x}\nspec:\n  "
         "fields:\n"
         "    - field: pause\n      schedules: {lists: [[30s, 1m]]}\n";
  }
  const auto r = run("tune --spec " + data("pauses/storefront.yaml") + " --space " + space +
                     " --scenarios " + data("pauses/steady.yaml"));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "error: " + space +
                       ":6: spec.fields[0].schedules.lists = [30s, 1m]: has 2 durations but "
                       "Rollout/shop/storefront has 3 timed pause steps (one duration per timed "
                       "pause step, in order)\n");
  fs::remove(space);
}

// ---- recordings as tuning scenarios -------------------------------------------------------------

// The canary's recorded request-success-rate in a metric CSV (time,variant,metric,value), by
// Unix time.
std::map<long long, double> recordedCanary(const std::string& csv, const std::string& metric) {
  std::map<long long, double> out;
  std::istringstream in(rolloutlab::test::readFile(csv));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "time,variant,metric,value");
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::istringstream ls(line);
    for (std::string x; std::getline(ls, x, ',');) f.push_back(x);
    if (f.size() != 4 || f[1] != "canary" || f[2] != metric) continue;
    std::tm tm{};
    std::istringstream ts(f[0]);
    ts >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
    out[static_cast<long long>(timegm(&tm))] = std::stod(f[3]);
  }
  return out;
}

std::string spikeSpace(const std::string& dir, const std::string& field,
                       const std::string& values) {
  const std::string space = dir + "/space.yaml";
  std::ofstream o(space);
  o << "apiVersion: rolloutlab.io/v1alpha1\nkind: TuningSpace\nmetadata: {name: spike}\nspec:\n"
       "  target: Canary/test/podinfo\n  fields:\n    - field: "
    << field << "\n      values: " << values
    << "\n  constraints:\n    scenarios:\n"
       "      - {name: podinfo-error-spike, outcome: rolledBack}\n"
       "  objective: excessErrors\n";
  return space;
}

TEST(TuneCli, ATraceReplayTunesTheThresholdWorkedOutFromTheRecordedValues) {
  // By hand from the CSV: the podinfo Canary ticks every minute (interval 1m) from 10:00 to
  // 10:30 and reads the latest recorded value at each tick; its check fails below 99
  // (thresholdRange.min). Once the canary's success rate falls it stays below 99 to the end of
  // the window, so the failed checks run from the first failing tick to the last; the rollback
  // comes on the tick after the threshold-th failed check (Flagger scheduler.go: failedChecks
  // >= threshold is looked at before the tick's analysis). A threshold T rolls back within the
  // window when T <= (failing ticks) - 1. Before the fall every check passes and the canary is
  // still short of maxWeight 50 (10% a tick from the second tick), so it cannot promote first.
  const auto sr =
      recordedCanary(rolloutlab::test::sourceDir() + "/examples/replays/podinfo-error-spike.csv",
                     "request-success-rate");
  const long long from = 1709632800;  // 2024-03-05T10:00:00Z
  const long long to = from + 30 * 60;
  std::vector<bool> fails;
  for (long long t = from; t <= to; t += 60) {
    auto it = sr.upper_bound(t);
    ASSERT_NE(it, sr.begin());
    fails.push_back(std::prev(it)->second < 99);
  }
  const auto first = std::find(fails.begin(), fails.end(), true);
  ASSERT_NE(first, fails.end());
  ASSERT_TRUE(std::all_of(first, fails.end(), [](bool b) { return b; }));
  const long tick = first - fails.begin() + 1;  // 1-based
  ASSERT_LE(10 * (tick - 2), 50);               // the weight before the fall: not promoted yet
  const long maxThreshold = (fails.end() - first) - 1;
  EXPECT_EQ(maxThreshold, 25);
  // Listed from the most tolerant: on ties (every feasible candidate has 0 excess errors on a
  // recording of values) the earlier candidate wins.
  const std::vector<int> listed = {30, 26, 25, 20, 5};
  int expected = 0;
  for (int t : listed) {
    if (t <= maxThreshold) {
      expected = t;
      break;
    }
  }
  const std::string dir = tempDir("spike");
  fs::create_directories(dir);
  const std::string space = spikeSpace(dir, "threshold", "[30, 26, 25, 20, 5]");
  const auto r = run("tune --spec " + rolloutlab::test::sourceDir() +
                     "/examples/apps/podinfo/canary.yaml --space " + space + " --scenarios " +
                     rolloutlab::test::sourceDir() +
                     "/examples/replays/podinfo-error-spike.yaml -o json --out " + dir + "/r.json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(rolloutlab::test::readFile(dir + "/r.json"));
  EXPECT_EQ(j["recommended"]["fields"]["threshold"], expected);
  EXPECT_EQ(j["scenarios"][0]["once"], true);
  EXPECT_EQ(j["runs"], 5);  // one run of the recording per candidate
  for (const auto& c : j["candidates"]) {
    const long t = c["fields"]["threshold"].get<long>();
    EXPECT_EQ(c["status"], t <= maxThreshold ? "feasible" : "infeasible") << t;
    EXPECT_EQ(c["runsPerScenario"], 1);
  }
  EXPECT_EQ(j["recommended"]["remeasured"]["constraints"][0]["verdict"], "met");
  fs::remove_all(dir);
}

TEST(TuneCli, ATraceReplayRefusesAFieldThatShapesTheTraffic) {
  const std::string dir = tempDir("spike-refuse");
  fs::create_directories(dir);
  const std::string space = spikeSpace(dir, "stepWeight", "[10, 20]");
  const std::string replay =
      rolloutlab::test::sourceDir() + "/examples/replays/podinfo-error-spike.yaml";
  auto r = run("tune --spec " + rolloutlab::test::sourceDir() +
               "/examples/apps/podinfo/canary.yaml --space " + space + " --scenarios " + replay);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "error: " + space +
                       ":7: spec.fields[0].field = \"stepWeight\": cannot be tuned on the Replay "
                       "podinfo-error-spike (" +
                       replay +
                       ":7), which replays recorded values: it sets the canary's traffic "
                       "weights, which changes what the recording shows (tune decision fields on "
                       "it, or give it counterfactual: model)\n");
  // A Replay of a live Prometheus: tune reads files only.
  const std::string live = dir + "/live.yaml";
  {
    std::ofstream o(live);
    o << "apiVersion: rolloutlab.io/v1alpha1\nkind: Replay\nmetadata: {name: live}\nspec:\n"
         "  from: 2024-03-05T10:00:00Z\n  to: 2024-03-05T10:30:00Z\n"
         "  prometheus: {url: http://127.0.0.1:9}\n";
  }
  r = run("tune --spec " + rolloutlab::test::sourceDir() +
          "/examples/apps/podinfo/canary.yaml --space " + spikeSpace(dir, "threshold", "[5]") +
          " --scenarios " + live);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_NE(r.out.find("spec.prometheus = \"live\": tune reads recordings from files only"),
            std::string::npos)
      << r.out;
  // An outcome constraint on a Scenario (many runs, not one).
  {
    std::ofstream o(dir + "/space2.yaml");
    o << "apiVersion: rolloutlab.io/v1alpha1\nkind: TuningSpace\nmetadata: {name: x}\nspec:\n"
         "  fields:\n    - field: threshold\n      values: [2]\n  constraints:\n    scenarios:\n"
         "      - {name: flaky-hook, outcome: promoted}\n";
  }
  r = run("tune --spec " + data("flaky-canary.yaml") + " --space " + dir + "/space2.yaml" +
          " --scenarios " + data("flaky-hook.yaml"));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "error: " + dir +
                       "/space2.yaml:10: spec.constraints.scenarios[].outcome = \"flaky-hook\": "
                       "is for a Replay run as recorded (one deterministic run); on a Scenario "
                       "bound escapeRate or falseRollbackRate\n");
  fs::remove_all(dir);
}

TEST(TuneCli, AReplayBesideScenariosGivesTheSameReportWhateverTheThreads) {
  const std::string dir = tempDir("spike-threads");
  fs::create_directories(dir);
  const std::string space = spikeSpace(dir, "threshold", "[30, 25, 10, 5, 2, 1]");
  const std::string args =
      "tune --spec " + rolloutlab::test::sourceDir() + "/examples/apps/podinfo/canary.yaml" +
      " --space " + space + " --scenarios " + rolloutlab::test::sourceDir() +
      "/examples/replays/podinfo-error-spike.yaml " + rolloutlab::test::sourceDir() +
      "/scenarios/library/good-low-traffic.yaml --seed 3 -o json --budget 400";
  ASSERT_EQ(run(args + " --threads 1 --out " + dir + "/a.json").code, 0);
  ASSERT_EQ(run(args + " --threads 3 --out " + dir + "/b.json").code, 0);
  auto a = nlohmann::json::parse(rolloutlab::test::readFile(dir + "/a.json"));
  auto b = nlohmann::json::parse(rolloutlab::test::readFile(dir + "/b.json"));
  a.erase("elapsedSeconds");
  b.erase("elapsedSeconds");
  EXPECT_EQ(a.dump(), b.dump());
  EXPECT_EQ(a["scenarios"][0]["once"], false);  // good-low-traffic
  EXPECT_EQ(a["scenarios"][1]["once"], true);   // the recording
  fs::remove_all(dir);
}

}  // namespace
