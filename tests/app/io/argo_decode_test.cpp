// Argo Rollouts decoding and validation: the reference manifests, CRD schema rules and the
// controller's checks (pkg/apis/rollouts/validation/validation.go, validation_references.go,
// utils/analysis/factory.go ValidateMetric).

#include <gtest/gtest.h>

#include <filesystem>

#include "argo_fixtures.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/io/script_decode.h"
#include "test_support.h"

namespace fs = std::filesystem;
namespace ar = rolloutlab::core::argo;
using rolloutlab::test::canaryRollout;
using rolloutlab::test::loadArgo;
using rolloutlab::test::promTemplate;

namespace {

std::vector<std::string> errors(const rolloutlab::core::Diagnostics& d) {
  std::vector<std::string> out;
  for (const auto& x : d.items) {
    if (x.severity == rolloutlab::core::Severity::kError) out.push_back(x.toString());
  }
  return out;
}

std::string firstError(const std::string& yaml) {
  const auto f = loadArgo(yaml);
  const auto e = errors(f.diagnostics);
  return e.empty() ? "" : e.front();
}

}  // namespace

TEST(ArgoDecode, EveryReferenceManifestLoads) {
  ROLLOUTLAB_SKIP_WITHOUT_REFERENCE("argo-rollouts");
  // The whole folder, so that templates in other files resolve. Exactly one document is
  // invalid: the linkerd example's AnalysisTemplate writes `linkerd.io/inject: {{args...}}`
  // unquoted, a YAML map where the CRD requires a string annotation value (see the folder's
  // README); the API server rejects it.
  const std::string dir = rolloutlab::test::referencePath("argo-rollouts");
  auto ws = rolloutlab::app::loadWorkspace({dir});
  const auto e = errors(ws.diagnostics);
  ASSERT_EQ(e.size(), 1u) << (e.empty() ? "" : e[0]);
  EXPECT_EQ(e[0], dir +
                      "/examples__traffic-management__rollout-linkerd.yaml:101: "
                      "spec.metrics[0].provider.job.spec.template.metadata.annotations.linkerd.io/"
                      "inject = {...}: "
                      "must be a string, not object (an unquoted {{...}} is a YAML map: quote it)");
  int rollouts = 0, templates = 0;
  for (const auto& f : fs::directory_iterator(dir)) {
    if (f.path().extension() != ".yaml") continue;
    const auto docs = rolloutlab::io::readDocuments({f.path().string()});
    for (const auto& d : docs.documents) {
      rollouts += d.kind == "Rollout";
      templates += d.kind == "AnalysisTemplate" || d.kind == "ClusterAnalysisTemplate";
    }
  }
  EXPECT_EQ(static_cast<int>(ws.rollouts.size()), rollouts);
  EXPECT_EQ(static_cast<int>(ws.argoTemplates.templates.size() +
                             ws.argoTemplates.clusterTemplates.size()),
            templates - 1);
  // Every Rollout is listed with a strategy summary; experiment steps are flagged.
  for (const auto& o : ws.objects) {
    if (o.kind == "Rollout") {
      EXPECT_TRUE(o.summary.rfind("canary", 0) == 0 || o.summary.rfind("blueGreen", 0) == 0)
          << o.summary;
    }
  }
}

TEST(ArgoDecode, ReferenceRolloutsThatCanRunBuildAnEngine) {
  ROLLOUTLAB_SKIP_WITHOUT_REFERENCE("argo-rollouts");
  const std::string dir = rolloutlab::test::referencePath("argo-rollouts");
  auto ws = rolloutlab::app::loadWorkspace({dir});
  int built = 0, refused = 0;
  for (const auto& r : ws.rollouts) {
    try {
      ar::ArgoEngine e(r, ws.argoTemplates);
      ++built;
    } catch (const rolloutlab::core::InputError& ex) {
      EXPECT_NE(std::string(ex.what()).find("experiment"), std::string::npos) << ex.what();
      ++refused;
    }
  }
  EXPECT_EQ(refused, 4);  // the four experiment examples
  EXPECT_GT(built, 10);
}

TEST(ArgoDecode, StepsNeedExactlyOneAction) {
  // validation.go hasMultipleStepsType / InvalidStepMessage
  const std::string rule =
      "Step must have one of the following set: experiment, setWeight, setCanaryScale, plugin or "
      "pause";
  EXPECT_NE(
      firstError(canaryRollout("        - {}\n")).find("spec.strategy.canary.steps[0]: " + rule),
      std::string::npos);
  EXPECT_NE(firstError(canaryRollout("        - {setWeight: 10, pause: {}}\n")).find(rule),
            std::string::npos);
}

TEST(ArgoDecode, SetWeightWithinMaxWeight) {
  EXPECT_NE(firstError(canaryRollout("        - setWeight: 101\n"))
                .find("spec.strategy.canary.steps[0].setWeight = 101: SetWeight needs to be "
                      "between 0 and 100"),
            std::string::npos);
  EXPECT_NE(firstError(canaryRollout("        - setWeight: -1\n"))
                .find("SetWeight needs to be between 0 and 100"),
            std::string::npos);
}

TEST(ArgoDecode, PauseDurations) {
  // types.go RolloutPause.DurationSeconds: int, bare number string, or Go duration; -1 otherwise.
  auto f = loadArgo(
      canaryRollout("        - pause: {duration: 10}\n        - pause: {duration: \"20\"}\n"
                    "        - pause: {duration: 1m30s}\n        - pause: {}\n"));
  ASSERT_EQ(f.rollouts.size(), 1u);
  const auto& s = f.rollouts[0].canary->steps;
  EXPECT_EQ(s[0].pauseSeconds, 10);
  EXPECT_EQ(s[1].pauseSeconds, 20);
  EXPECT_EQ(s[2].pauseSeconds, 90);
  EXPECT_EQ(s[3].pauseSeconds, std::nullopt);
  EXPECT_NE(firstError(canaryRollout("        - pause: {duration: 1d}\n"))
                .find("spec.strategy.canary.steps[0].pause.duration = \"1d\": Duration needs to be "
                      "greater than 0 (not a duration: the controller reads it as -1)"),
            std::string::npos);
}

TEST(ArgoDecode, BadIntervalIsAnInvalidMetric) {
  // factory.go ValidateMetric: interval must parse as a Go duration ("1d" does not).
  const std::string e = firstError(promTemplate("t", "m", "      interval: 1d\n"));
  EXPECT_NE(e.find("spec.metrics[0]: invalid interval string: time: invalid duration \"1d\""),
            std::string::npos)
      << e;
}

TEST(ArgoDecode, CountAboveOneNeedsAnInterval) {
  const std::string e = firstError(promTemplate("t", "m", "      count: 3\n"));
  EXPECT_NE(e.find("interval must be specified when count > 1"), std::string::npos) << e;
}

TEST(ArgoDecode, MissingArgumentsAreRejected) {
  // helpers.go MergeArgs -> ResolveArgs: "args.<name> was not resolved".
  const std::string tpl =
      "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t, namespace: "
      "shop}\nspec:\n"
      "  args: [{name: service}]\n  metrics:\n    - name: m\n"
      "      provider: {prometheus: {address: x, query: 'up{s=\"{{args.service}}\"}'}}\n---\n";
  const std::string e =
      firstError(tpl + canaryRollout("        - analysis: {templates: [{templateName: t}]}\n"));
  EXPECT_NE(e.find("spec.strategy.canary.steps[0].analysis: args.service was not resolved"),
            std::string::npos)
      << e;
  EXPECT_EQ(firstError(tpl + canaryRollout(
                                 "        - analysis:\n            templates: [{templateName: t}]\n"
                                 "            args: [{name: service, value: web}]\n")),
            "");
}

TEST(ArgoDecode, DuplicateMetricNamesAcrossTemplates) {
  // helpers.go flattenMetrics
  const std::string e = firstError(
      promTemplate("a", "m", "") + promTemplate("b", "m", "") +
      canaryRollout("        - analysis: {templates: [{templateName: a}, {templateName: b}]}\n"));
  EXPECT_NE(e.find("two metrics have the same name 'm'"), std::string::npos) << e;
}

TEST(ArgoDecode, MissingTemplate) {
  const std::string e =
      firstError(canaryRollout("        - analysis: {templates: [{templateName: nope}]}\n"));
  EXPECT_NE(e.find("analysistemplate.argoproj.io \"nope\" not found"), std::string::npos) << e;
}

TEST(ArgoDecode, IndefiniteMetricInAStepIsInvalid) {
  // validation_references.go ValidateAnalysisTemplateWithType: step/pre/post analyses must end.
  const std::string e =
      firstError(promTemplate("t", "m", "      interval: 10s\n") +
                 canaryRollout("        - analysis: {templates: [{templateName: t}]}\n"));
  EXPECT_NE(
      e.find("AnalysisTemplate t has metric m which runs indefinitely. Invalid value for count: "),
      std::string::npos)
      << e;
  // ...but fine as background analysis.
  EXPECT_EQ(firstError(promTemplate("t", "m", "      interval: 10s\n") +
                       canaryRollout("        - setWeight: 10\n",
                                     "      analysis: {templates: [{templateName: t}]}\n")),
            "");
}

TEST(ArgoDecode, ConditionCompileErrorsPointAtTheColumn) {
  auto f = loadArgo(promTemplate("t", "m", "      successCondition: result[0] >= foo\n"));
  const auto e = errors(f.diagnostics);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("spec.metrics[0].successCondition = \"result[0] >= foo\": does not compile: "
                      "1:14: unknown name foo"),
            std::string::npos)
      << e[0];
  // The column in the file: the scalar starts at column 25; "foo" is the 14th character.
  EXPECT_EQ(f.diagnostics.items[0].column, 25 + 13);
}

TEST(ArgoDecode, UnknownFieldsNameTheNearestOne) {
  const std::string e =
      firstError(promTemplate("t", "m", "      succesCondition: result[0] > 1\n"));
  EXPECT_NE(
      e.find("spec.metrics[0].succesCondition: unknown field (did you mean \"successCondition\"?)"),
      std::string::npos)
      << e;
}

TEST(ArgoDecode, TrafficRoutingNeedsBothServices) {
  const std::string yaml =
      "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: demo}\nspec:\n"
      "  selector: {matchLabels: {app: demo}}\n"
      "  strategy:\n    canary:\n      trafficRouting: {nginx: {stableIngress: x}}\n      steps: "
      "[{setWeight: 5}]\n";
  EXPECT_NE(firstError(yaml).find(
                "Canary service and Stable service must to be set to use Traffic Routing"),
            std::string::npos);
}

TEST(ArgoDecode, ScriptArgoFields) {
  const std::string text =
      "apiVersion: rolloutlab.io/v1alpha1\nkind: Script\nmetadata: {name: s}\nspec:\n  target: "
      "demo\n"
      "  measurements:\n    success-rate: [[0.99], [0.97], NaN, [], error, 0.95]\n    web: "
      "[{Status: 200}]\n"
      "  podStartup: 30s\n  actions:\n    - {at: 100s, action: promote}\n    - {at: 120, action: "
      "promote-full}\n";
  auto docs = rolloutlab::io::readDocumentsFromString(text, "s.yaml");
  rolloutlab::core::Diagnostics diags;
  rolloutlab::core::Script s;
  ASSERT_TRUE(rolloutlab::io::decodeScript(docs.documents.at(0), diags, s))
      << diags.items.at(0).toString();
  const auto& m = s.measurements.at("success-rate");
  ASSERT_EQ(m.size(), 6u);
  EXPECT_EQ(ar::scriptValue(m[0].value, ar::ProviderKind::kPrometheus).toString(), "[0.99]");
  EXPECT_EQ(ar::scriptValue(m[0].value, ar::ProviderKind::kPrometheus).kind(),
            ar::Value::Kind::kFloatArray);
  EXPECT_TRUE(std::isnan(ar::scriptValue(m[2].value, ar::ProviderKind::kPrometheus).asFloat()));
  EXPECT_EQ(ar::scriptValue(m[3].value, ar::ProviderKind::kPrometheus).asFloats().size(), 0u);
  EXPECT_TRUE(m[4].error);
  EXPECT_EQ(ar::scriptValue(m[5].value, ar::ProviderKind::kPrometheus).asFloat(), 0.95);
  EXPECT_EQ(ar::scriptValue(s.measurements.at("web")[0].value, ar::ProviderKind::kWeb).kind(),
            ar::Value::Kind::kMap);
  EXPECT_EQ(s.podStartup, 30);
  ASSERT_EQ(s.actions.size(), 2u);
  EXPECT_EQ(s.actions[1].at, 120);
  EXPECT_EQ(s.actions[1].action, "promote-full");
}

TEST(ArgoDecode, ScriptRejectsUnknownActionsAndFields) {
  auto decode = [](const std::string& spec) {
    auto docs = rolloutlab::io::readDocumentsFromString(
        "apiVersion: rolloutlab.io/v1alpha1\nkind: Script\nmetadata: {name: s}\nspec:\n" + spec,
        "s.yaml");
    rolloutlab::core::Diagnostics diags;
    rolloutlab::core::Script s;
    rolloutlab::io::decodeScript(docs.documents.at(0), diags, s);
    return diags.items.empty() ? std::string() : diags.items[0].toString();
  };
  EXPECT_EQ(decode("  actions: [{at: 10s, action: promte}]\n"),
            "s.yaml:5: spec.actions[0].action = \"promte\": must be one of promote, promote-full, "
            "abort, retry, "
            "pause, resume (did you mean \"promote\"?)");
  EXPECT_EQ(decode("  podStartups: 10s\n"),
            "s.yaml:5: spec.podStartups: unknown field (did you mean \"podStartup\"?)");
  EXPECT_EQ(decode("  measurements: {m: 0.5}\n"),
            "s.yaml:5: spec.measurements.m = 0.5: must be a list of measurements, consumed in "
            "order (e.g. [[0.99], "
            "0.95, NaN, [], error])");
}
