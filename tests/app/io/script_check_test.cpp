// A Script checked against the spec it drives (io::scriptMismatches): whatever the target would
// silently ignore is refused with file:line, the field path and the nearest known name.
#include <gtest/gtest.h>

#include "argo_fixtures.h"
#include "flagger_fixtures.h"
#include "rolloutlab/core/flagger/run.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/io/script_decode.h"

namespace fl = rolloutlab::core::flagger;
namespace ar = rolloutlab::core::argo;
using rolloutlab::core::Diagnostics;
using rolloutlab::core::Script;

namespace {

/// Decodes a Script whose `spec:` body is `body` (line 5 is its first line).
Script script(const std::string& body, Diagnostics* decodeErrors = nullptr) {
  auto docs = rolloutlab::io::readDocumentsFromString(
      "apiVersion: rolloutlab.io/v1alpha1\nkind: Script\nmetadata: {name: s}\nspec:\n" + body,
      "s.yaml");
  Diagnostics diags;
  Script s;
  rolloutlab::io::decodeScript(docs.documents.at(0), diags, s);
  if (decodeErrors) *decodeErrors = diags;
  return s;
}

std::string firstDecodeError(const std::string& body) {
  Diagnostics d;
  script(body, &d);
  return d.items.empty() ? std::string() : d.items.front().toString();
}

/// podinfo with request-success-rate and request-duration, a rollout hook `load-test`, a
/// pre-rollout hook `acceptance-test` and an event hook `notify`.
fl::CanarySpec canary() {
  auto c = rolloutlab::test::makeCanarySpec();
  c.analysis.metrics.push_back(rolloutlab::test::makeMetric("request-duration", std::nullopt, 500));
  c.analysis.webhooks.push_back(
      rolloutlab::test::makeHook("acceptance-test", fl::WebhookType::kPreRollout));
  c.analysis.webhooks.push_back(rolloutlab::test::makeHook("load-test", fl::WebhookType::kRollout));
  c.analysis.webhooks.push_back(rolloutlab::test::makeHook("notify", fl::WebhookType::kEvent));
  return c;
}

std::vector<std::string> mismatches(const std::string& body) {
  std::vector<std::string> out;
  for (const auto& d : rolloutlab::io::scriptMismatches(script(body), canary()).items)
    out.push_back(d.toString());
  return out;
}

const char* kMetrics = "its metrics: request-success-rate, request-duration)";
const char* kHooks =
    "its webhooks: acceptance-test (pre-rollout), load-test (rollout), notify (event))";

}  // namespace

TEST(ScriptCheck, MisspeltMetricInATickIsRefusedWithTheNearestName) {
  // The typo would be ignored and the scripted failure never happen: the canary would promote.
  const auto e =
      mismatches("  ticks:\n    - {revision: new}\n    - {metrics: {request-sucess-rate: fail}}\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0],
            std::string(
                "s.yaml:7: spec.ticks[1].metrics.request-sucess-rate: the canary has no metric of "
                "that name (did you mean \"request-success-rate\"? ") +
                kMetrics);
}

TEST(ScriptCheck, MisspeltMetricInDefaultsIsRefused) {
  const auto e = mismatches(
      "  defaults:\n    metrics: {request-durations: 900}\n  ticks: [{revision: new}]\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(
      e[0],
      std::string("s.yaml:6: spec.defaults.metrics.request-durations: the canary has no metric of "
                  "that name (did you mean \"request-duration\"? ") +
          kMetrics);
}

TEST(ScriptCheck, FarOffMetricNameListsTheCanarysMetricsWithoutAGuess) {
  const auto e = mismatches("  ticks:\n    - {metrics: {error-budget: fail}}\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(
      e[0],
      std::string("s.yaml:6: spec.ticks[0].metrics.error-budget: the canary has no metric of that "
                  "name (") +
          kMetrics);
}

TEST(ScriptCheck, WebhookKeysMustNameAWebhookOrATypeTheCanaryHas) {
  // By name, by type, and "" for the rollout hook: all answered (flagger/run.cpp ScriptWorld).
  EXPECT_TRUE(mismatches("  defaults:\n    webhooks: {load-test: fail, pre-rollout: fail, \"\": "
                         "pass}\n  ticks: [{}]\n")
                  .empty());
  auto e = mismatches("  ticks:\n    - {webhooks: {load-tset: fail}}\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(
      e[0],
      std::string("s.yaml:6: spec.ticks[0].webhooks.load-tset: the canary has no webhook of that "
                  "name or type (did you mean \"load-test\"? ") +
          kHooks);
  // A Flagger webhook type the canary has no hook of.
  e = mismatches("  defaults:\n    webhooks: {confirm-promotion: fail}\n  ticks: [{}]\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0],
            std::string("s.yaml:6: spec.defaults.webhooks.confirm-promotion: the canary has no "
                        "confirm-promotion webhook (") +
                kHooks);
  // An event hook is never asked (it only notifies).
  e = mismatches("  ticks:\n    - {webhooks: {notify: fail}}\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0],
            "s.yaml:6: spec.ticks[0].webhooks.notify: names an event webhook, which only notifies: "
            "its answer "
            "changes nothing");
}

TEST(ScriptCheck, ArgoFieldsInACanaryScriptAreRefused) {
  const auto e = mismatches(
      "  ticks: [{}]\n  measurements:\n    request-success-rate: [[99]]\n  podStartup: 30s\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0],
            "s.yaml:6: spec.measurements: an Argo Rollout's field, but the target \"podinfo\" is a "
            "Flagger Canary "
            "(script it with ticks and defaults)");
  EXPECT_EQ(e[1],
            "s.yaml:8: spec.podStartup: an Argo Rollout's field, but the target \"podinfo\" is a "
            "Flagger Canary "
            "(script it with ticks and defaults)");
}

TEST(ScriptCheck, ErrorsComeInTheOrderTheyAreWritten) {
  const auto d =
      rolloutlab::io::scriptMismatches(script("  defaults:\n    metrics: {latency: fail}\n  "
                                              "ticks:\n    - {metrics: {request-sucess-rate: 1}}\n"
                                              "  until: 10m\n"),
                                       canary());
  ASSERT_EQ(d.items.size(), 3u);
  EXPECT_EQ(d.items[0].line, 6);
  EXPECT_EQ(d.items[1].line, 8);
  EXPECT_EQ(d.items[2].line, 9);
  EXPECT_EQ(d.items[2].field, "spec.until");
  try {
    d.throwIfErrors();
    FAIL() << "no error";
  } catch (const rolloutlab::core::InputError& err) {
    EXPECT_EQ(
        err.diagnostic().toString(),
        std::string(
            "s.yaml:6: spec.defaults.metrics.latency: the canary has no metric of that name (") +
            kMetrics);
  }
}

TEST(ScriptCheck, AWellFormedScriptFitsAndStillRuns) {
  // The scripted failure happens: every analysis tick fails the success rate, and the canary
  // (threshold 2) rolls back.
  const Script s = script(
      "  defaults: {webhooks: {load-test: pass}, metrics: {request-success-rate: fail, "
      "request-duration: 400}}\n"
      "  ticks:\n    - {revision: new}\n    - {}\n    - {}\n    - {}\n    - {}\n");
  EXPECT_TRUE(rolloutlab::io::scriptMismatches(s, canary()).items.empty());
  const fl::FlaggerEngine engine(canary(), {});
  const auto run = fl::runScript(engine, s);
  EXPECT_EQ(run.outcome.result, fl::Outcome::Result::kRolledBack);
}

TEST(ScriptCheck, FlaggerFieldsAndMisspeltMetricsInARolloutScriptAreRefused) {
  const auto f = rolloutlab::test::loadArgo(
      rolloutlab::test::canaryRollout(
          "        - setWeight: 20\n        - analysis: {templates: [{templateName: sr}]}\n") +
      rolloutlab::test::promTemplate("sr", "success-rate",
                                     "      successCondition: result[0] > 0.9\n"));
  ASSERT_EQ(f.diagnostics.errors(), 0) << f.diagnostics.items.at(0).toString();
  const ar::ArgoEngine engine(f.rollouts.at(0), f.catalog);
  const auto d =
      rolloutlab::io::scriptMismatches(script("  measurements:\n    sucess-rate: [[0.99]]\n  "
                                              "defaults: {metrics: fail}\n  ticks: [{}]\n"),
                                       engine);
  std::vector<std::string> e;
  for (const auto& x : d.items) e.push_back(x.toString());
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0],
            "s.yaml:6: spec.measurements.sucess-rate: the rollout has no metric of that name (did "
            "you mean "
            "\"success-rate\"? its metrics: success-rate)");
  EXPECT_EQ(e[1],
            "s.yaml:7: spec.defaults: a Flagger Canary's field, but the target \"demo\" is an Argo "
            "Rollout "
            "(script it with measurements, podStartup, actions and until)");
  EXPECT_EQ(e[2],
            "s.yaml:8: spec.ticks: a Flagger Canary's field, but the target \"demo\" is an Argo "
            "Rollout (script "
            "it with measurements, podStartup, actions and until)");
  EXPECT_TRUE(rolloutlab::io::scriptMismatches(
                  script("  measurements:\n    success-rate: [[0.99]]\n"), engine)
                  .items.empty());
}

TEST(ScriptCheck, ActionTimesMustBePositiveAndInOrder) {
  EXPECT_EQ(firstDecodeError("  actions: [{at: 0s, action: abort}]\n"),
            "s.yaml:5: spec.actions[0].at = \"0s\": must be after the new revision (> 0s; t counts "
            "from it)");
  EXPECT_EQ(firstDecodeError(
                "  actions:\n    - {at: 2m, action: abort}\n    - {at: 90s, action: retry}\n"),
            "s.yaml:7: spec.actions[1].at = \"90s\": before the previous action "
            "(spec.actions[0].at = \"2m\"): "
            "actions must be in time order");
  // Equal times are in order (both apply at that instant, in the order written).
  EXPECT_EQ(firstDecodeError(
                "  actions:\n    - {at: 2m, action: abort}\n    - {at: 120, action: retry}\n"),
            "");
}

TEST(ScriptCheck, UntilMustBePositiveAndNotBeforeTheLastAction) {
  EXPECT_EQ(firstDecodeError("  measurements: {m: [[1]]}\n  until: 0\n"),
            "s.yaml:6: spec.until = 0: must be positive (the run ends at this time)");
  EXPECT_EQ(firstDecodeError("  actions:\n    - {at: 5m, action: promote}\n  until: 4m\n"),
            "s.yaml:7: spec.until = \"4m\": before the last action (spec.actions[0].at = \"5m\"), "
            "which would "
            "never happen");
  EXPECT_EQ(firstDecodeError("  actions:\n    - {at: 5m, action: promote}\n  until: 5m\n"), "");
}
