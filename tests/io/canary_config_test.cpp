// The Kayenta canary config of `rolloutlab judge --config` (io::decodeCanaryConfig): what it
// reads, and its one-line errors from io's strict decoding helpers.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/io/judge_decode.h"

namespace io = rolloutlab::io;
namespace jd = rolloutlab::core::judge;

namespace {

std::string errorOf(const std::string& text) {
  try {
    (void)io::decodeCanaryConfig(text, "c.yaml");
  } catch (const rolloutlab::core::InputError& e) {
    return e.diagnostic().toString();
  }
  return "(no error)";
}

}  // namespace

TEST(CanaryConfig, ReadsClassifierSequentialAndMetrics) {
  const auto c = io::decodeCanaryConfig(R"({
  "name": "podinfo", "judge": {"name": "NetflixACAJudge-v1.0"},
  "classifier": {"groupWeights": {"latency": 70, "errors": 30},
                 "scoreThresholds": {"pass": 90, "marginal": 60}},
  "sequential": {"alpha": 0.01, "inconclusiveAtEnd": "fail"},
  "metrics": [
    {"name": "p99", "groups": ["latency"],
     "analysisConfigurations": {"canary": {"direction": "decrease", "critical": true,
                                           "effectSize": {"allowedDecrease": 0.8},
                                           "outliers": {"strategy": "remove", "outlierFactor": 3}}}},
    {"name": "5xx", "groups": ["errors"],
     "analysisConfigurations": {"sequential": {"kind": "errorRate", "requests": "requests",
                                               "canaryShare": 0.1, "tau": 2,
                                               "minSamplesPerArm": 20}}}
  ]
})",
                                        "c.json");
  ASSERT_EQ(c.kayenta.groupWeights.size(), 2u);
  EXPECT_EQ(c.kayenta.groupWeights[0], (std::pair<std::string, double>{"latency", 70}));
  EXPECT_EQ(c.kayenta.groupWeights[1], (std::pair<std::string, double>{"errors", 30}));
  EXPECT_EQ(c.kayenta.thresholds.pass, 90);
  EXPECT_EQ(c.kayenta.thresholds.marginal, 60);
  EXPECT_EQ(c.sequential.alpha, 0.01);
  EXPECT_EQ(c.sequential.inconclusiveAtEnd, jd::SequentialVerdict::kFail);
  ASSERT_EQ(c.kayenta.metrics.size(), 2u);
  ASSERT_EQ(c.sequential.metrics.size(), 2u);
  ASSERT_EQ(c.extras.size(), 2u);
  const auto& p99 = c.kayenta.metrics[0];
  EXPECT_EQ(p99.name, "p99");
  EXPECT_EQ(p99.groups, std::vector<std::string>{"latency"});
  EXPECT_EQ(p99.direction, jd::KayentaDirection::kDecrease);
  EXPECT_TRUE(p99.critical);
  EXPECT_EQ(p99.allowedDecrease, 0.8);
  EXPECT_EQ(p99.outlierFactor, 3);
  // A decreasing Kayenta metric regresses downwards in the sequential judge too.
  EXPECT_EQ(c.sequential.metrics[0].regression, jd::SequentialRegression::kDecrease);
  EXPECT_EQ(c.sequential.metrics[0].kind, jd::SequentialMetricKind::kLatencyMean);
  EXPECT_EQ(c.sequential.metrics[0].minSamplesPerArm, 10);
  EXPECT_FALSE(c.extras[0].tauSet);
  const auto& errors = c.sequential.metrics[1];
  EXPECT_EQ(errors.name, "5xx");
  EXPECT_EQ(errors.kind, jd::SequentialMetricKind::kErrorRate);
  EXPECT_EQ(errors.tau, 2);
  EXPECT_EQ(errors.minSamplesPerArm, 20);
  EXPECT_EQ(c.extras[1].requests, "requests");
  EXPECT_EQ(c.extras[1].canaryShare, 0.1);
  EXPECT_TRUE(c.extras[1].tauSet);
}

TEST(CanaryConfig, EachWrongInputIsOneLineNamingFileLineFieldAndRule) {
  const std::pair<const char*, const char*> cases[] = {
      {"metrics:\n  - name: a\n    groupz: [x]\n",
       "c.yaml:3: metrics[0].groupz: unknown field (did you mean \"groups\"?)"},
      {"metrics:\n  - name: a\nmetrics:\n  - name: b\n",
       "c.yaml:3: metrics: duplicate field: the key is already defined in this mapping"},
      {"classifier:\n  scoreThresholds: {pass: high}\nmetrics: [{name: a}]\n",
       "c.yaml:2: classifier.scoreThresholds.pass = \"high\": must be a number, not string"},
      {"sequential: {alpha: .nan}\nmetrics: [{name: a}]\n",
       "c.yaml:1: sequential.alpha = .nan: must be a finite number (JSON has no NaN or Inf)"},
      {"metrics:\n  - name: a\n    analysisConfigurations:\n      canary: {critical: yes}\n",
       "c.yaml:4: metrics[0].analysisConfigurations.canary.critical = \"yes\": must be true or "
       "false"},
      {"metrics:\n  - name: a\n    analysisConfigurations:\n      canary: {direction: up}\n",
       "c.yaml:4: metrics[0].analysisConfigurations.canary.direction = \"up\": must be one of "
       "increase, decrease, either"},
      {"metrics:\n  - name: a\n    analysisConfigurations:\n"
       "      sequential: {minSamplesPerArm: 2.5}\n",
       "c.yaml:4: metrics[0].analysisConfigurations.sequential.minSamplesPerArm = 2.5: must be an "
       "integer >= 2"},
      {"metrics:\n  - name: a\n    analysisConfigurations:\n      sequential: {canaryShare: 1}\n",
       "c.yaml:4: metrics[0].analysisConfigurations.sequential.canaryShare = 1: must be in (0, 1)"},
      {"metrics:\n  - name: a\n  - name: a\n",
       "c.yaml:3: metrics[1].name = \"a\": duplicate metric name"},
      {"metrics:\n  - groups: [x]\n", "c.yaml:2: metrics[0].name: required field is missing"},
      {"metrics: {name: a}\n", "c.yaml:1: metrics = {...}: must be an array, not object"},
      {"name: x\n", "c.yaml:1: metrics: required field is missing"},
      {"metrics: [\n", "c.yaml:2: not valid YAML/JSON: end of sequence flow not found"},
      {"", "c.yaml: holds no document"},
  };
  for (const auto& [text, want] : cases) {
    SCOPED_TRACE(text);
    EXPECT_EQ(errorOf(text), want);
  }
}
