// The rolloutlab executable end to end: exit codes and one-line errors.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "test_support.h"

namespace fs = std::filesystem;

namespace {
using Result = rolloutlab::test::CliResult;
Result run(const std::string& args) { return rolloutlab::test::runCli(args); }
std::string src(const std::string& rel) { return rolloutlab::test::sourceDir() + "/" + rel; }
}  // namespace

TEST(Cli, ValidateExampleIsClean) {
  auto r = run("validate -o text " + src("examples"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("Canary test/podinfo: canary (istio)"), std::string::npos);
  EXPECT_NE(r.out.find("skipped Deployment test/podinfo"), std::string::npos);
}

TEST(Cli, ValidateStrictTurnsWarningsIntoErrors) {
  ROLLOUTLAB_SKIP_WITHOUT_REFERENCE("flagger");
  const std::string ref =
      rolloutlab::test::referencePath("flagger/artifacts__examples__kuma-canary.yaml");
  EXPECT_EQ(run("validate -o text " + ref).code, 0);
  auto r = run("validate --strict -o text " + ref);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("error: "), std::string::npos);
}

TEST(Cli, SimulateIsByteStable) {
  const std::string args = "simulate --spec " + src("examples") + " --scenario " +
                           src("examples/scripts/two-failures-then-recover.yaml") +
                           " --seed 7 -o json";
  auto a = run(args);
  auto b = run(args);
  EXPECT_EQ(a.code, 0) << a.out;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out.find("\"outcome\": {\n    \"result\": \"promoted\""), std::string::npos) << a.out;
  EXPECT_NE(a.out.find("\"seed\": 7"), std::string::npos);
}

TEST(Cli, ExitCodes) {
  EXPECT_EQ(run("").code, 2);
  EXPECT_EQ(run("frobnicate").code, 2);
  EXPECT_EQ(run("simulate --spec").code, 2);
  EXPECT_EQ(run("simulate --spec x --scenario y --seed -1").code, 2);
  auto r = run("simulate --spec /nonexistent --scenario " +
               src("examples/scripts/two-failures-then-recover.yaml"));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "error: /nonexistent: no such file or directory\n");
  r = run("simulate --spec " + src("examples") + " --scenario " +
          src("examples/scripts/two-failures-then-recover.yaml") + " --target nope");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("--target = \"nope\": no Canary of that name is loaded"), std::string::npos)
      << r.out;
  EXPECT_EQ(run("--version").code, 0);
}

TEST(Cli, BadScriptIsRejectedBeforeAnyWork) {
  const auto p =
      fs::temp_directory_path() / ("rolloutlab-script-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(p) << "apiVersion: rolloutlab.io/v1alpha1\nkind: Script\nmetadata: {name: "
                      "x}\nspec:\n  tiks: []\n";
  auto r = run("simulate --spec " + src("examples") + " --scenario " + p.string());
  fs::remove(p);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find(":5: spec.tiks: unknown field (did you mean \"ticks\"?)"), std::string::npos)
      << r.out;
}

namespace {
/// `rolloutlab simulate` of the examples with a Script whose `spec:` body is `body`.
Result simulateScript(const std::string& body) {
  const auto p = fs::temp_directory_path() /
                 ("rolloutlab-script-check-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(p)
      << "apiVersion: rolloutlab.io/v1alpha1\nkind: Script\nmetadata: {name: x}\nspec:\n"
      << body;
  auto r = run("simulate --spec " + src("examples") + " --scenario " + p.string());
  fs::remove(p);
  return r;
}
}  // namespace

TEST(Cli, ScriptNamingAMetricTheCanaryLacksIsOneLineWithTheNearestName) {
  const auto r = simulateScript(
      "  target: podinfo\n  ticks:\n    - {revision: new}\n"
      "    - {metrics: {request-sucess-rate: fail}}\n");
  EXPECT_EQ(r.code, 1);
  const std::string p = (fs::temp_directory_path() /
                         ("rolloutlab-script-check-" + std::to_string(::getpid()) + ".yaml"))
                            .string();
  EXPECT_EQ(r.out, "error: " + p +
                       ":8: spec.ticks[1].metrics.request-sucess-rate: the canary has no metric of "
                       "that name (did "
                       "you mean \"request-success-rate\"? its metrics: request-success-rate, "
                       "request-duration)\n");
}

TEST(Cli, ScriptNamingAWebhookTheCanaryLacksIsOneLine) {
  const auto r = simulateScript(
      "  target: podinfo\n  defaults:\n    webhooks: {load-tset: fail}\n  ticks: [{}]\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find(":7: spec.defaults.webhooks.load-tset: the canary has no webhook of that "
                       "name or type (did "
                       "you mean \"load-test\"? its webhooks: acceptance-test (pre-rollout), "
                       "load-test (rollout))\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

TEST(Cli, ScriptWithArgoFieldsForACanaryIsOneLine) {
  const auto r =
      simulateScript("  target: podinfo\n  ticks: [{}]\n  actions: [{at: 1m, action: promote}]\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(
      r.out.find(
          ":7: spec.actions: an Argo Rollout's field, but the target \"podinfo\" is a Flagger "
          "Canary (script it with ticks and defaults)\n"),
      std::string::npos)
      << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

TEST(Cli, ScriptActionAtZeroIsOneLine) {
  const auto r = simulateScript("  target: storefront\n  actions: [{at: 0, action: abort}]\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(
      r.out.find(
          ":6: spec.actions[0].at = 0: must be after the new revision (> 0s; t counts from it)\n"),
      std::string::npos)
      << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

TEST(Cli, FourShardProcessesMergeToTheSingleRun) {
  // Four separate processes, each a shard, merged by `rolloutlab merge`, against one run.
  const auto dir = fs::temp_directory_path() / ("rolloutlab-shards-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string common = "batch --spec " + src("examples/apps/podinfo") + " --scenarios " +
                             src("scenarios/library/error-regression-1pt.yaml") + " " +
                             src("scenarios/library/good-low-traffic.yaml") +
                             " --runs 200 --seed 5 -o json";
  std::string shards;
  for (int k = 0; k < 4; ++k) {
    const auto out = (dir / ("s" + std::to_string(k) + ".json")).string();
    auto r = run(common + " --threads 1 --shard " + std::to_string(k) + "/4 --out " + out);
    ASSERT_EQ(r.code, 0) << r.out;
    shards += " " + out;
  }
  const auto merged = (dir / "merged.json").string();
  ASSERT_EQ(run("merge" + shards + " --out " + merged).code, 0);
  const auto single = (dir / "single.json").string();
  ASSERT_EQ(run(common + " --threads 2 --out " + single).code, 0);
  auto strip = [](std::string s) {
    const auto p = s.find("\"elapsedSeconds\"");
    return s.substr(0, p);
  };
  EXPECT_EQ(strip(rolloutlab::test::readFile(merged)), strip(rolloutlab::test::readFile(single)));
  fs::remove_all(dir);
}

TEST(Cli, BatchRejectsBadInputBeforeAnyRun) {
  auto r = run("batch --spec " + src("examples") + " --scenarios /nonexistent.yaml --runs 10");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "error: /nonexistent.yaml: no such file or directory\n");
  EXPECT_EQ(run("batch --spec x --scenarios y --shard 4/4").code, 2);
  EXPECT_EQ(run("batch --spec x --scenarios y --runs 0").code, 2);
}

namespace {
// Starts a batch far too long to finish, stops it with `sig` after 1.5 s and checks that the
// finished runs are written (atomically) as a complete report with "partial": true, exit 1.
void checkSignalWritesPartialReport(int sig, const std::string& tag) {
  const auto dir =
      fs::temp_directory_path() / ("rolloutlab-" + tag + "-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string out = (dir / "partial.json").string();
  const std::string bin = rolloutlab::test::binDir() + "/rolloutlab";
  const std::string spec = src("examples/apps/podinfo");
  const std::string scen = src("scenarios/library/good-high-traffic.yaml");
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(bin.c_str(), bin.c_str(), "batch", "--spec", spec.c_str(), "--scenarios", scen.c_str(),
            "--runs", "1000000000", "--threads", "2", "-o", "json", "--out", out.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::usleep(1500 * 1000);
  ::kill(pid, sig);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 1);
  const std::string text = rolloutlab::test::readFile(out);
  EXPECT_NE(text.find("\"partial\": true"), std::string::npos);
  EXPECT_NE(text.find("\"elapsedSeconds\""), std::string::npos);  // complete JSON
  fs::remove_all(dir);
}
}  // namespace

TEST(Cli, CtrlCWritesTheFinishedRunsMarkedPartial) {
  // SIGINT during a long batch: the workers stop, the report of the finished runs is written.
  checkSignalWritesPartialReport(SIGINT, "sigint");
}

TEST(Cli, SigtermWritesTheFinishedRunsMarkedPartial) {
  // SIGTERM is how Kubernetes stops an evicted pod of the Indexed Job: a shard keeps its work.
  checkSignalWritesPartialReport(SIGTERM, "sigterm");
}

TEST(Cli, OtherCommandsStopAtOnceOnSigintAndSigterm) {
  // Only batch watches the cancel flag; any other command (here a replay waiting on a server
  // that accepts connections and never answers) takes the signal's default action at once.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 16), 0);  // never accepted: every request waits
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  const std::string bin = rolloutlab::test::binDir() + "/rolloutlab";
  const std::string spec = src("examples/apps/podinfo");
  for (const int sig : {SIGINT, SIGTERM}) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::execl(bin.c_str(), bin.c_str(), "replay", "--spec", spec.c_str(), "--prometheus",
              url.c_str(), "--from", "1704067200", "--to", "1704069000", "--timeout", "30s", "-o",
              "json", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::usleep(500 * 1000);
    const auto t0 = std::chrono::steady_clock::now();
    ::kill(pid, sig);
    int status = 0;
    ::waitpid(pid, &status, 0);
    const double waited =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(WIFSIGNALED(status)) << "signal " << sig << ": exit " << WEXITSTATUS(status);
    EXPECT_EQ(WTERMSIG(status), sig);
    EXPECT_LT(waited, 5.0) << "signal " << sig;
  }
  ::close(listener);
}
