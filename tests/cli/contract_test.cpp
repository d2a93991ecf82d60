// Issue 16, one CLI contract: every command parses flags alike, prints the same documents in
// JSON and YAML, reads `-` from standard input once, and refuses to guess which spec to run.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "rolloutlab/app/output.h"
#include "test_support.h"

namespace fs = std::filesystem;

namespace {
using Result = rolloutlab::test::CliResult;
// Standard error joins standard output; `stdinFile` feeds standard input.
Result run(const std::string& args, const std::string& stdinFile = "") {
  return rolloutlab::test::runCli(args, stdinFile);
}
std::string src(const std::string& rel) { return rolloutlab::test::sourceDir() + "/" + rel; }
}  // namespace

TEST(CliContract, ValidateReadsAManifestStreamFromStdin) {
  // `kustomize build overlays/prod | rolloutlab validate -`
  const auto r = run("validate -o text -", src("examples/apps/podinfo/canary.yaml"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("<stdin>:3: Canary test/podinfo: canary (istio)"), std::string::npos)
      << r.out;
  // A multi-document stream, as `helm template` prints one: every object is listed.
  const auto dir = fs::temp_directory_path() / ("rolloutlab-stdin-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto stream = (dir / "stream.yaml").string();
  std::ofstream(stream) << rolloutlab::test::readFile(src("examples/apps/podinfo/canary.yaml"))
                        << "\n---\n"
                        << rolloutlab::test::readFile(src("examples/apps/storefront/rollout.yaml"))
                        << "\n---\n"
                        << rolloutlab::test::readFile(
                               src("examples/apps/storefront/analysis-templates.yaml"));
  const auto j = run("validate -o json -", stream);
  EXPECT_EQ(j.code, 0) << j.out;
  const auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["kind"], "ValidationReport");
  std::vector<std::string> kinds;
  for (const auto& o : doc["objects"]) kinds.push_back(o["kind"]);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "Canary"), 1);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "Rollout"), 1);
  // A bad document on stdin is named <stdin> with its line.
  std::ofstream(dir / "bad.yaml")
      << "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: x}\n"
         "spec:\n  analysis:\n    interval: soon\n";
  const auto bad = run("validate -o text -", (dir / "bad.yaml").string());
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("error: <stdin>:6: spec.analysis.interval"), std::string::npos) << bad.out;
  // batch --spec - : a whole batch over a spec piped in.
  const auto b = run("batch --spec - --scenarios " +
                         src("scenarios/library/good-high-traffic.yaml") + " --runs 2 -o json",
                     src("examples/apps/podinfo/canary.yaml"));
  EXPECT_EQ(b.code, 0) << b.out;
  EXPECT_EQ(nlohmann::json::parse(b.out)["inputs"][0]["path"], "<stdin>");
  fs::remove_all(dir);
}

TEST(CliContract, StdinIsReadOnce) {
  const auto r = run("simulate --spec - --scenario -", src("examples/apps/podinfo/canary.yaml"));
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out,
            "rolloutlab simulate: --scenario = \"-\": standard input is already read by --spec (it "
            "can be "
            "read once) (rolloutlab simulate --help)\n");
  EXPECT_EQ(run("merge - -").code, 2);
  EXPECT_EQ(run("stats welch --x - --y -").code, 2);
}

TEST(CliContract, YamlIsTheSameDocumentAsJson) {
  // Read back by yaml-cpp (YAML 1.2 core schema): the same value, key for key.
  for (const std::string& args : std::vector<std::string>{
           "simulate --spec " + src("examples") + " --target podinfo --scenario " +
               src("scenarios/library/error-regression-1pt.yaml") + " --seed 7 --judge " +
               src("examples/judges"),
           "simulate --spec " + src("examples") + " --scenario " +
               src("examples/scripts/argo-background-failure.yaml"),
           "validate " + src("examples"), std::string("stats prop --x 12,30 --n 1000,1000"),
           "stats gsd --looks 4 --alpha 0.025 --sided 1 --type asOF"}) {
    const auto j = run(args + " -o json");
    const auto y = run(args + " -o yaml");
    ASSERT_EQ(j.code, 0) << args << "\n" << j.out;
    ASSERT_EQ(y.code, 0) << args << "\n" << y.out;
    EXPECT_EQ(y.out.rfind("apiVersion: rolloutlab.io/v1alpha1\nkind: ", 0), 0u) << y.out;
    const auto fromJson = nlohmann::ordered_json::parse(j.out);
    const auto fromYaml = rolloutlab::app::yamlToJson(YAML::Load(y.out));
    EXPECT_EQ(fromYaml, fromJson) << args;
  }
}

TEST(CliContract, YamlWriterQuotesWhatWouldReadBackAsAnotherType) {
  using rolloutlab::app::toYaml;
  using rolloutlab::app::yamlToJson;
  const nlohmann::ordered_json j = {
      {"yes", "no"},
      {"on", "true"},
      {"n", "1.5"},
      {"t", "2024-01-01T00:00:00Z"},
      {"colon", "a: b"},
      {"hash", "x #y"},
      {"empty", ""},
      {"null", nullptr},
      {"small", 1e-05},
      {"big", 1e+300},
      {"neg", -0.25},
      {"list", {1, "two", nullptr}},
      {"pairs", {{0, 3}}},
      {"nested", {{"a", {{"b", nlohmann::ordered_json::array()}}}}},
      {"objects", {{{"k", 1}, {"l", "v"}}, nlohmann::ordered_json::object()}},
      {"ctl", std::string("tab\there\x7f")}};
  const std::string y = toYaml(j);
  EXPECT_EQ(yamlToJson(YAML::Load(y)), j) << y;
  EXPECT_NE(y.find("small: 1.0e-05\n"), std::string::npos) << y;  // a float to YAML 1.1 readers too
  EXPECT_NE(y.find("\"yes\": \"no\"\n"), std::string::npos) << y;
  EXPECT_NE(y.find("pairs: [[0, 3]]\n"), std::string::npos) << y;
}

TEST(CliContract, SeveralSpecsNeedATarget) {
  // examples/ holds two Canaries and a Rollout: a Scenario or Replay without --target used to
  // run the first silently.
  auto r = run("simulate --spec " + src("examples") + " --scenario " +
               src("scenarios/library/good-high-traffic.yaml"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(
      r.out.find("several specs are loaded (Canary shop/checkout, Canary test/podinfo, Rollout "
                 "shop/storefront): name the one to run with --target"),
      std::string::npos)
      << r.out;
  r = run("simulate --spec " + src("examples") + " --scenario " +
          src("examples/replays/podinfo-error-spike.yaml"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("several specs are loaded"), std::string::npos) << r.out;
  // A Script without spec.target among several specs: the same error, naming the Script.
  const auto dir = fs::temp_directory_path() / ("rolloutlab-target-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto script = (dir / "s.yaml").string();
  std::ofstream(script)
      << "apiVersion: rolloutlab.io/v1alpha1\nkind: Script\nmetadata: {name: s}\nspec:\n"
         "  ticks:\n    - {revision: new}\n";
  r = run("simulate --spec " + src("examples") + " --scenario " + script);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("error: " + script + ": --target: several specs are loaded"),
            std::string::npos)
      << r.out;
  // One spec loaded: no name needed.
  r = run("simulate --spec " + src("examples/apps/podinfo") + " --scenario " + script + " -o json");
  EXPECT_EQ(r.code, 0) << r.out;
  fs::remove_all(dir);
}

TEST(CliContract, FlagFormsAndRepeatsMeanTheSameEverywhere) {
  const std::string spec = src("examples/apps/podinfo");
  const std::string scen = src("scenarios/library/error-regression-1pt.yaml");
  const auto spaced = run("simulate --spec " + spec + " --scenario " + scen + " --seed 3 -o json");
  const auto equals =
      run("simulate --spec=" + spec + " --scenario=" + scen + " --seed=3 --output=json");
  const auto repeated = run("simulate --spec " + spec + " --scenario " + scen +
                            " --seed 9 --seed 3 -o table -o json");
  ASSERT_EQ(spaced.code, 0) << spaced.out;
  EXPECT_EQ(equals.out, spaced.out);
  EXPECT_EQ(repeated.out, spaced.out);
  // Wrong usage: exit 2, one line naming the flag, for every command.
  for (const std::string& cmd : std::vector<std::string>{"validate", "batch", "merge", "judge",
                                                         "stats binom", "simulate", "replay"}) {
    const auto r = run(cmd + " --frobnicate=1");
    EXPECT_EQ(r.code, 2) << cmd;
    EXPECT_EQ(r.out, "rolloutlab " + cmd + ": unknown option --frobnicate (rolloutlab " + cmd +
                         " --help)\n");
    const auto o = run(cmd + " -o xml");
    EXPECT_EQ(o.code, 2) << cmd << ": " << o.out;
    EXPECT_NE(o.out.find("-o = \"xml\": must be one of json|yaml"), std::string::npos)
        << cmd << ": " << o.out;
  }
}

TEST(CliContract, EveryCommandHelpListsEveryFlagWithItsMeaning) {
  const std::map<std::string, std::vector<std::string>> flags = {
      {"validate", {"--strict", "-o,--output"}},
      {"simulate",
       {"--spec", "--scenario", "--seed", "--replicate", "--target", "--judge", "--mesh-provider"}},
      {"batch",
       {"--spec", "--scenarios", "--runs", "--seed", "--threads", "--shard", "--judge", "--out"}},
      {"merge", {"-o,--output", "--out"}},
      {"judge", {"--baseline", "--canary", "--config", "--mode", "--seed"}},
      {"stats ranksum",
       {"--x", "--y", "--alternative", "--mu", "--exact", "--correct", "--conf-level",
        "--conf-int"}},
      {"stats gsd", {"--looks", "--alpha", "--type", "--sided", "--info-rates"}},
      {"replay",
       {"--spec",
        "--target",
        "--replay",
        "--from",
        "--to",
        "--step",
        "--prometheus",
        "--timeout",
        "--retries",
        "--ca-file",
        "--server-errors",
        "--deadline",
        "--bearer-token-file",
        "--bearer-token-env",
        "--basic-auth-env",
        "--query-range",
        "--csv",
        "--series",
        "--access-log",
        "--log-format",
        "--scrape-interval",
        "--variant-field",
        "--canary-match",
        "--primary-match",
        "--counterfactual",
        "--block-steps",
        "--scenario",
        "--seed",
        "--replicate",
        "--judge"}}};
  for (const auto& [cmd, names] : flags) {
    const auto r = run(cmd + " --help");
    EXPECT_EQ(r.code, 0) << cmd;
    EXPECT_NE(r.out.find("Usage: rolloutlab " + cmd), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Exit codes:"), std::string::npos) << cmd;
    for (const auto& n : names) {
      // The flag at the start of its line, followed by its meaning on the same line.
      const auto at = r.out.find("\n  " + n + " ");
      ASSERT_NE(at, std::string::npos) << cmd << " " << n << "\n" << r.out;
      // The meaning follows on the same line, or on the next one when the flag's name is long.
      const auto eol = r.out.find('\n', at + 1);
      std::string line = r.out.substr(at + 1, eol - at - 1);
      if (line.size() <= 36) line = r.out.substr(eol + 1, r.out.find('\n', eol + 1) - eol - 1);
      EXPECT_GT(line.size(), 36u) << cmd << ": no meaning for " << n << ": " << line;
    }
  }
}
