// `rolloutlab judge`: argument handling, sample and config formats, strict decoding with
// one-line file:line errors, output formats and exit codes.

#include "rolloutlab/app/judge_command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "judge_fixture.h"

namespace fs = std::filesystem;
using rolloutlab::app::runJudgeCommand;

namespace {

using Result = rolloutlab::test::JudgeResult;

class JudgeCommand : public rolloutlab::test::JudgeFixture {
 protected:
};

// 30 points around 10 (baseline-like), and a series around 20.
std::string series(const std::string& metric, double offset, int n = 30) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    const double v = offset + ((i * 7919) % 31) / 10.0;  // deterministic spread 0..3
    s += metric + "," + std::to_string(v) + "\n";
  }
  return s;
}

const char* kConfig = R"(name: demo
metrics:
  - name: latency
    groups: [perf]
    analysisConfigurations:
      canary:
        direction: increase
  - name: cpu
    groups: [perf]
classifier:
  groupWeights: {perf: 100}
  scoreThresholds: {pass: 75, marginal: 50}
)";

}  // namespace

TEST_F(JudgeCommand, KayentaModePassesEqualSamplesWithExitZero) {
  const auto base = write("base.csv", "metric,value\n" + series("latency", 10) + series("cpu", 1));
  const auto can =
      write("canary.csv", "metric,value\n" + series("latency", 10.01) + series("cpu", 1));
  const auto cfg = write("cfg.yaml", kConfig);
  const auto r = run({"--baseline", base, "--canary", can, "--config", cfg, "-o", "json"});
  EXPECT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::ordered_json::parse(r.out);
  EXPECT_EQ(j["mode"], "kayenta");
  EXPECT_EQ(j["classification"], "Pass");
  EXPECT_EQ(j["score"], 100);
  ASSERT_EQ(j["metrics"].size(), 2u);
  EXPECT_EQ(j["metrics"][0]["name"], "latency");
  EXPECT_EQ(j["metrics"][1]["classification"], "Pass");
  EXPECT_EQ(j["metrics"][1]["reason"], "The Canary and Baseline data are identical");
  EXPECT_TRUE(j["metrics"][1]["interval"].is_null());
  // Stable key order.
  std::vector<std::string> keys;
  for (auto it = j["metrics"][0].begin(); it != j["metrics"][0].end(); ++it)
    keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"name", "classification", "reason", "critical", "muted",
                                            "groups", "interval", "estimate", "tolerance", "ratio",
                                            "effectSize", "canary", "baseline"}));
}

TEST_F(JudgeCommand, KayentaModeFailsARegressionWithExitOne) {
  const auto base = write("base.csv", "metric,value\n" + series("latency", 10) + series("cpu", 1));
  const auto can = write("canary.csv", "metric,value\n" + series("latency", 20) + series("cpu", 1));
  const auto cfg = write("cfg.yaml", kConfig);
  const auto r = run({"--baseline", base, "--canary", can, "--config", cfg, "-o", "table"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("latency  High"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("score 50: Marginal"), std::string::npos) << r.out;
}

TEST_F(JudgeCommand, JsonSamplesWithNullsAndNoConfig) {
  const auto base = write("b.json", R"({"latency": [10, 11, 12, null, 13, 12.5, 11.5, 10.5]})");
  const auto can = write("c.json", R"({"latency": [30, 31, 32, 33, null, 32.5, 31.5, 30.5]})");
  const auto r = run({"--baseline", base, "--canary", can, "-o", "json"});
  EXPECT_EQ(r.code, 1) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["metrics"][0]["classification"], "High");
  EXPECT_EQ(j["metrics"][0]["baseline"]["count"], 7);  // the null was removed (nanStrategy)
  EXPECT_EQ(j["groups"][0]["name"], "default");
}

TEST_F(JudgeCommand, SingleColumnTakesTheConfigsOnlyMetric) {
  const auto base = write("b.csv", "10\n11\n12\n13\n");
  const auto can = write("c.csv", "10\n11\n12\n13\n");
  const auto cfg = write("cfg.yaml", "metrics:\n  - name: p99\n    groups: [g]\n");
  const auto r = run({"--baseline", base, "--canary", can, "--config", cfg, "-o", "json"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["metrics"][0]["name"], "p99");
  // A named single column ("latency" header) is that metric.
  const auto named = write("n.csv", "latency\n1\n2\n3\n");
  const auto r2 = run({"--baseline", named, "--canary", named, "-o", "json"});
  EXPECT_EQ(nlohmann::json::parse(r2.out)["metrics"][0]["name"], "latency");
}

TEST_F(JudgeCommand, StandardInputAsOneFile) {
  const auto base = write("b.csv", "metric,value\n" + series("latency", 10));
  const auto r = run({"--baseline", base, "--canary", "-", "-o", "json"},
                     "metric,value\n" + series("latency", 10));
  EXPECT_EQ(r.code, 0) << r.err;
}

TEST_F(JudgeCommand, UnknownConfigFieldNamesFileLineAndNearestField) {
  const auto base = write("b.csv", "metric,value\n" + series("latency", 10));
  const auto cfg = write("cfg.yaml",
                         "metrics:\n  - name: latency\n    analysisConfigurations:\n      canary:\n"
                         "        directon: increase\n");
  const auto r = run({"--baseline", base, "--canary", base, "--config", cfg});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "error: " + cfg +
                       ":5: metrics[0].analysisConfigurations.canary.directon: unknown field (did "
                       "you mean \"direction\"?)\n");
}

TEST_F(JudgeCommand, BadConfigValueNamesFieldValueAndRule) {
  const auto base = write("b.csv", "metric,value\n" + series("latency", 10));
  const auto cfg =
      write("cfg.json",
            "{\n  \"metrics\": [\n    {\"name\": \"latency\",\n     \"analysisConfigurations\": "
            "{\"canary\": {\"direction\": \"up\"}}}\n  ]\n}\n");
  const auto r = run({"--baseline", base, "--canary", base, "--config", cfg});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "error: " + cfg +
                ":4: metrics[0].analysisConfigurations.canary.direction = \"up\": must be one of "
                "increase, decrease, either\n");
  const auto cfg2 = write("cfg2.yaml",
                          "metrics:\n  - name: latency\n    analysisConfigurations:\n"
                          "      canary:\n        critical: yes\n");
  const auto r2 = run({"--baseline", base, "--canary", base, "--config", cfg2});
  EXPECT_EQ(r2.err,
            "error: " + cfg2 +
                ":5: metrics[0].analysisConfigurations.canary.critical = \"yes\": must be true "
                "or false\n");
}

TEST_F(JudgeCommand, BadSampleNamesFileAndLine) {
  const auto base = write("b.csv", "metric,value\nlatency,1\nlatency,fast\n");
  const auto r = run({"--baseline", base, "--canary", base});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "error: " + base + ":3: value = \"fast\": must be a number (or empty/NaN)\n");
  const auto hdr = write("h.csv", "name,val\nx,1\n");
  EXPECT_NE(run({"--baseline", hdr, "--canary", hdr}).err.find(":1: header = \"name,val\""),
            std::string::npos);
  EXPECT_EQ(run({"--baseline", (dir_ / "missing.csv").string(), "--canary", base}).code, 1);
  const auto cfg = write("cfg.yaml", "metrics:\n  - name: cpu\n");
  const auto r2 = run({"--baseline", write("ok.csv", "metric,value\nlatency,1\n"), "--canary",
                       write("ok2.csv", "metric,value\nlatency,2\n"), "--config", cfg});
  EXPECT_NE(r2.err.find("metric = \"latency\": has no metric config of this name"),
            std::string::npos)
      << r2.err;
}

TEST_F(JudgeCommand, WrongCommandLineExitsTwo) {
  EXPECT_EQ(run({"--baseline", "a.csv"}).code, 2);
  EXPECT_EQ(run({"--baseline", "a.csv", "--canary", "b.csv", "--mode", "bayes"}).code, 2);
  EXPECT_EQ(run({"--baseline", "a.csv", "--canary", "b.csv", "-o", "xml"}).code, 2);
  const auto r = run({"--frobnicate"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "rolloutlab judge: unknown option --frobnicate (rolloutlab judge --help)\n");
  EXPECT_EQ(run({"--help"}).code, 0);
}

// Issue 16: every command parses flags alike: --flag=value as --flag value, the last of a
// repeated flag counts, and standard input can be named once.
TEST_F(JudgeCommand, TakesFlagEqualsValueLikeEveryCommand) {
  const auto base = write("base.csv", "metric,value\n" + series("latency", 10));
  const auto can = write("canary.csv", "metric,value\n" + series("latency", 20));
  const auto spaced = run({"--baseline", base, "--canary", can, "-o", "json"});
  const auto equals = run({"--baseline=" + base, "--canary=" + can, "--output=json"});
  EXPECT_EQ(spaced.code, 1) << spaced.err;
  EXPECT_EQ(equals.code, spaced.code) << equals.err;
  EXPECT_EQ(equals.out, spaced.out);
  const auto last = run({"--baseline", can, "--baseline", base, "--canary", can, "-o", "json"});
  EXPECT_EQ(last.out, spaced.out);
  const auto fromStdin = run({"--baseline", "-", "--canary", can, "-o", "json"},
                             "metric,value\n" + series("latency", 10));
  EXPECT_EQ(fromStdin.code, 1) << fromStdin.err;
  EXPECT_EQ(nlohmann::json::parse(fromStdin.out)["metrics"],
            nlohmann::json::parse(spaced.out)["metrics"]);
  const auto twice = run({"--baseline", "-", "--canary", "-"});
  EXPECT_EQ(twice.code, 2);
  EXPECT_EQ(
      twice.err,
      "rolloutlab judge: --canary = \"-\": standard input is already read by --baseline (it can be "
      "read once) (rolloutlab judge --help)\n");
}

TEST_F(JudgeCommand, SequentialModeComparesErrorsPerRequest) {
  // Per minute: baseline 5000 requests and 2 errors, canary 500 requests and 2 errors: the
  // same error count per minute (Kayenta passes it) but 10x the errors per request.
  std::string b = "time,metric,value\n", c = "time,metric,value\n";
  for (int t = 0; t < 30; ++t) {
    const std::string ts = std::to_string(60 * t);
    b += ts + ",errors,2\n" + ts + ",requests,5000\n";
    c += ts + ",errors,2\n" + ts + ",requests,500\n";
  }
  const auto base = write("b.csv", b);
  const auto can = write("c.csv", c);
  const auto cfg =
      write("cfg.yaml",
            "metrics:\n  - name: errors\n    groups: [e]\n    analysisConfigurations:\n"
            "      sequential: {kind: errorRate, requests: requests, allowedChange: 0.5, "
            "meaningfulChange: 1}\n");
  const auto k = run({"--baseline", base, "--canary", can, "--config", cfg});
  EXPECT_EQ(k.code, 0) << k.out << k.err;  // Kayenta: identical per-minute series
  const auto s = run(
      {"--baseline", base, "--canary", can, "--config", cfg, "--mode", "sequential", "-o", "json"});
  EXPECT_EQ(s.code, 1) << s.err;
  const auto j = nlohmann::json::parse(s.out);
  EXPECT_EQ(j["classification"], "Fail");
  EXPECT_EQ(j["metrics"][0]["classification"], "Fail");
  EXPECT_NEAR(j["metrics"][0]["estimate"].get<double>(), 10.0, 1e-6);
  EXPECT_GT(j["metrics"][0]["interval"]["lower"].get<double>(), 1.5);
  EXPECT_LT(j["metrics"][0]["decidedAtLook"].get<int>(), 30);
}

TEST_F(JudgeCommand, SequentialModeWithoutRegressionPassesAtTheEnd) {
  std::string b = "time,metric,value\n", c = "time,metric,value\n";
  for (int t = 0; t < 20; ++t) {
    for (int k = 0; k < 5; ++k) {
      const double v = 100.0 + ((t * 5 + k) * 37 % 17) - 8.0;
      b += std::to_string(t) + ",latency," + std::to_string(v) + "\n";
      c += std::to_string(t) + ",latency," + std::to_string(v + 0.5) + "\n";
    }
  }
  const auto r = run({"--baseline", write("b.csv", b), "--canary", write("c.csv", c), "--mode",
                      "sequential", "-o", "table"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("decision after 20 looks"), std::string::npos) << r.out;
}

TEST_F(JudgeCommand, OutputIsByteStableAndUsesShortestFloats) {
  // One distinct value per sample: Kayenta's noise path, seeded by --seed.
  const auto base = write("b.csv", "metric,value\nx,0.1\nx,0.1\nx,0.1\n");
  const auto can = write("c.csv", "metric,value\nx,0.3\nx,0.3\nx,0.3\n");
  const auto a = run({"--baseline", base, "--canary", can, "-o", "json", "--seed", "7"});
  const auto b = run({"--baseline", base, "--canary", can, "-o", "json", "--seed", "7"});
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out.find("\"mean\": 0.1,"), std::string::npos) << a.out;  // not 0.10000000000000001
  const auto c = run({"--baseline", base, "--canary", can, "-o", "json", "--seed", "8"});
  EXPECT_NE(a.out, c.out);
}
