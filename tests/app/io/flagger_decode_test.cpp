// Decoding and validation of Flagger objects: every reference manifest loads, and each error
// and warning rule names file, line, field, value and rule.

#include "rolloutlab/io/flagger_decode.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "rolloutlab/app/workspace.h"
#include "rolloutlab/io/documents.h"
#include "test_support.h"

namespace fs = std::filesystem;
using rolloutlab::app::loadWorkspace;
using rolloutlab::core::Severity;

namespace {

rolloutlab::app::Workspace loadText(const std::string& text) {
  const auto dir = fs::temp_directory_path() / ("rolloutlab-decode-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto path = dir / "canary.yaml";
  {
    std::ofstream out(path);
    out << text;
  }
  auto ws = loadWorkspace({path.string()});
  fs::remove_all(dir);
  return ws;
}

std::vector<std::string> messages(const rolloutlab::app::Workspace& ws, Severity s) {
  std::vector<std::string> out;
  for (const auto& d : ws.diagnostics.items) {
    if (d.severity != s) continue;
    std::string m = d.toString();
    m = m.substr(m.find("canary.yaml"));
    out.push_back(m);
  }
  return out;
}

const char* kHead = R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
  namespace: test
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  service:
    port: 9898
  analysis:
)";

}  // namespace

TEST(FlaggerReference, EveryManifestLoads) {
  ROLLOUTLAB_SKIP_WITHOUT_REFERENCE("flagger");
  // Every Canary and MetricTemplate under shared/reference/flagger decodes. Two documents are
  // genuinely invalid and reported as such: a documentation excerpt that elides targetRef,
  // and a MetricTemplate in flagger.app/v1alpha1, a version the 1.44 CRD does not serve.
  const std::string dir = rolloutlab::test::referencePath("flagger");
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  auto ws = loadWorkspace({dir});
  std::vector<std::string> errors;
  for (const auto& d : ws.diagnostics.items) {
    if (d.severity == Severity::kError)
      errors.push_back(fs::path(d.file).filename().string() + ": " + d.field);
  }
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "docs__gitbook__tutorials__istio-progressive-delivery.md__doc3-Canary.yaml:"
                        " spec.targetRef",
                        "docs__gitbook__usage__metrics.md__doc7-MetricTemplate.yaml: apiVersion"}));
  EXPECT_GE(ws.canaries.size(), 16u);
  EXPECT_GE(ws.metricTemplates.size(), 8u);
  // The CRDs and the AlertProvider are listed as skipped kinds.
  EXPECT_EQ(ws.skipped.size(), 4u);
  for (const auto& f : fs::directory_iterator(dir)) {
    if (f.path().extension() != ".yaml") continue;
    const auto one = loadWorkspace({f.path().string()});
    EXPECT_FALSE(one.objects.empty() && one.skipped.empty()) << f.path();
  }
}

TEST(FlaggerReference, DefaultsAppliedInOnePlace) {
  ROLLOUTLAB_SKIP_WITHOUT_REFERENCE("flagger");
  auto ws = loadWorkspace(
      {rolloutlab::test::referencePath("flagger/artifacts__examples__istio-canary.yaml")});
  ASSERT_EQ(ws.canaries.size(), 1u);
  const auto& c = ws.canaries[0];
  EXPECT_EQ(c.analysisIntervalSeconds(), 15);
  EXPECT_EQ(c.analysisThreshold(), 10);
  EXPECT_EQ(c.analysis.maxWeight, 50);
  EXPECT_EQ(c.analysis.stepWeight, 5);
  EXPECT_EQ(c.analysis.metrics.size(), 2u);
  EXPECT_EQ(c.analysis.metrics[1].interval, "30s");
  EXPECT_EQ(c.progressDeadline(), 600);
  EXPECT_EQ(c.analysis.webhooks[0].type, rolloutlab::core::flagger::WebhookType::kPreRollout);
}

TEST(FlaggerValidate, WrongTypesPatternsAndEnums) {
  auto ws = loadText(std::string(kHead) + R"(    interval: soon
    threshold: "five"
    stepWeight: 10.5
    metrics:
      - name: request-success-rate
        interval: 1h
        thresholdRange: {min: 99}
    webhooks:
      - name: gate
        type: confirm-rolout
        url: http://gate/
)");
  const auto e = messages(ws, Severity::kError);
  EXPECT_EQ(
      e, (std::vector<std::string>{
             "canary.yaml:14: spec.analysis.interval = \"soon\": must match ^[0-9]+(m|s)",
             "canary.yaml:15: spec.analysis.threshold = \"five\": must be a number, not string",
             "canary.yaml:16: spec.analysis.stepWeight = 10.5: must be a whole number (the "
             "controller decodes it into an int)",
             "canary.yaml:19: spec.analysis.metrics[0].interval = \"1h\": must match ^[0-9]+(m|s)",
             "canary.yaml:23: spec.analysis.webhooks[0].type = \"confirm-rolout\": must be one of "
             "\"\", "
             "confirm-rollout, pre-rollout, rollout, confirm-promotion, post-rollout, event, "
             "rollback, confirm-traffic-increase (did you mean \"confirm-rollout\"?)"}));
  EXPECT_TRUE(ws.canaries.empty());
}

TEST(FlaggerValidate, OneOfAnalysisSetsAndUnknownFields) {
  auto ws = loadText(std::string(kHead) + R"(    interval: 1m
    threshold: 5
    iterations: 10
    stepWeight: 5
    stepWieght: 3
)");
  const auto e = messages(ws, Severity::kError);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(
      e[0],
      "canary.yaml:18: spec.analysis.stepWieght: unknown field (did you mean \"stepWeight\"?)");
  EXPECT_EQ(
      e[1],
      "canary.yaml:14: spec.analysis: must have interval, threshold and exactly one of iterations, "
      "stepWeight, stepWeights (CRD oneOf): more than one of iterations, stepWeight, stepWeights "
      "is set");
}

TEST(FlaggerValidate, MissingRequiredFields) {
  auto ws = loadText(R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
spec:
  analysis:
    interval: 1m
    stepWeight: 5
)");
  const auto e = messages(ws, Severity::kError);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0], "canary.yaml:6: spec.targetRef: required field is missing");
  EXPECT_EQ(e[1],
            "canary.yaml:7: spec.analysis: must have interval, threshold and exactly one of "
            "iterations, stepWeight, stepWeights (CRD oneOf): threshold is missing");
}

TEST(FlaggerValidate, WarningsSayWhatFlaggerDoesInstead) {
  auto ws = loadText(std::string(kHead) + R"(    interval: 1m
    threshold: 0
    maxWeight: 50
    stepWeight: 20
    metrics:
      - name: request-success-rate
        thresholdRange: {min: 99.5, max: 99}
      - name: typo-rate
)");
  EXPECT_TRUE(messages(ws, Severity::kError).empty());
  const auto w = messages(ws, Severity::kWarning);
  EXPECT_EQ(
      w,
      (std::vector<std::string>{
          "canary.yaml:15: spec.analysis.threshold = 0: threshold <= 0: Flagger uses 1 (the "
          "first failed check rolls back)",
          "canary.yaml:17: spec.analysis.stepWeight = 20: never reaches maxWeight 50 exactly: the "
          "weight overshoots to 60 before promotion",
          "canary.yaml:20: spec.analysis.metrics[0].thresholdRange: min > max: every check of this "
          "metric fails",
          "canary.yaml:21: spec.analysis.metrics[1].name = \"typo-rate\": neither builtin "
          "(request-success-rate, request-duration) nor backed by a query or templateRef: the "
          "check "
          "fails every tick"}));
}

TEST(FlaggerValidate, StepWeightsMustIncreaseAndMaxWeightOver100) {
  auto ws = loadText(std::string(kHead) + R"(    interval: 1m
    threshold: 2
    stepWeights: [10, 30, 20]
)");
  auto w = messages(ws, Severity::kWarning);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("stepWeights must increase"), std::string::npos);
  ws = loadText(std::string(kHead) + R"(    interval: 1m
    threshold: 2
    stepWeight: 50
    maxWeight: 150
)");
  w = messages(ws, Severity::kWarning);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("capped at 100"), std::string::npos);
}

TEST(Documents, EmptyFileNotYamlAndNoObject) {
  const auto dir = fs::temp_directory_path() / ("rolloutlab-docs-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  const auto empty = write("empty.yaml", "");
  const auto bad = write("bad.yaml", "a: [1, 2\nb: 3\n");
  const auto noobj = write("values.yaml", "replicas: 3\n");
  const auto truncated = write(
      "trunc.yaml", "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: \"pod");
  auto r = rolloutlab::io::readDocuments(
      {empty, bad, noobj, truncated, (dir / "missing.yaml").string()});
  std::vector<std::string> got;
  for (const auto& d : r.diagnostics.items) {
    got.push_back(fs::path(d.file).filename().string() + ":" + std::to_string(d.line) + ": " +
                  d.rule);
  }
  EXPECT_EQ(got, (std::vector<std::string>{
                     "empty.yaml:0: file is empty: no document",
                     "bad.yaml:2: not valid YAML: end of sequence flow not found",
                     "values.yaml:1: document 1 has no apiVersion: not a Kubernetes object",
                     "trunc.yaml:4: not valid YAML: illegal EOF in scalar",
                     "missing.yaml:0: no such file or directory"}));
  // An empty directory is an error too.
  fs::create_directories(dir / "emptydir");
  r = rolloutlab::io::readDocuments({(dir / "emptydir").string()});
  ASSERT_EQ(r.diagnostics.items.size(), 1u);
  EXPECT_EQ(r.diagnostics.items[0].rule, "directory holds no .yaml, .yml or .json file");
  fs::remove_all(dir);
}

TEST(Documents, HugeFileIsRefused) {
  rolloutlab::io::ReadOptions o;
  o.maxFileBytes = 16;
  const auto p =
      fs::temp_directory_path() / ("rolloutlab-huge-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(p) << "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n";
  auto r = rolloutlab::io::readDocuments({p.string()}, o);
  fs::remove(p);
  ASSERT_EQ(r.diagnostics.errors(), 1);
  EXPECT_NE(r.diagnostics.items[0].rule.find("too large"), std::string::npos);
}

TEST(Documents, Sha256KnownAnswers) {
  // FIPS 180-4 examples.
  EXPECT_EQ(rolloutlab::io::sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(rolloutlab::io::sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(rolloutlab::io::sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
