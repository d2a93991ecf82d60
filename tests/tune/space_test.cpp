#include "rolloutlab/tune/space.h"

#include <gtest/gtest.h>

#include "rolloutlab/io/documents.h"

namespace rolloutlab::tune {
namespace {

struct Decoded {
  bool ok = false;
  TuningSpace space;
  core::Diagnostics diags;
};

Decoded decode(const std::string& yaml) {
  Decoded d;
  const auto docs = io::readDocumentsFromString(yaml, "space.yaml");
  EXPECT_EQ(docs.documents.size(), 1u);
  if (docs.documents.empty()) return d;
  d.ok = decodeTuningSpace(docs.documents.front(), d.diags, d.space);
  return d;
}

std::string firstError(const Decoded& d) {
  for (const auto& x : d.diags.items) {
    if (x.severity == core::Severity::kError) return x.toString();
  }
  return "";
}

const char* kHead =
    "apiVersion: rolloutlab.io/v1alpha1\n"
    "kind: TuningSpace\n"
    "metadata: {name: t}\n"
    "spec:\n";

TEST(TuningSpaceDecode, ReadsFieldsConstraintsObjectiveAndSearch) {
  const auto d = decode(std::string(kHead) +
                        "  target: Canary/test/podinfo\n"
                        "  fields:\n"
                        "    - field: threshold\n"
                        "      range: {min: 2, max: 10, step: 2}\n"
                        "    - field: interval\n"
                        "      values: [30s, 1m, 90]\n"
                        "    - field: metrics[request-success-rate].thresholdRange.min\n"
                        "      range: {min: 98, max: 99.5}\n"
                        "    - field: stepWeights\n"
                        "      schedules:\n"
                        "        linear: {start: 10, step: [10, 20], max: 50}\n"
                        "        geometric: {start: 5, factor: 2, max: 50}\n"
                        "        lists: [[10, 50]]\n"
                        "  constraints:\n"
                        "    falseRollbackRate: 0.05\n"
                        "    escapeRate: 0.5\n"
                        "    scenarios:\n"
                        "      - {name: error-regression-5pt, escapeRate: 0.01}\n"
                        "  objective: {timeToPromotion: 1, excessErrors: 0.5}\n"
                        "  search: {initialRuns: 4, maxRuns: 64, method: fixed}\n");
  ASSERT_TRUE(d.ok) << firstError(d);
  const auto& s = d.space;
  ASSERT_EQ(s.fields.size(), 4u);
  EXPECT_EQ(s.fields[0].values.size(), 5u);  // 2 4 6 8 10
  EXPECT_EQ(s.fields[0].values[4].text, "10");
  EXPECT_EQ(s.fields[1].values[0].text, "30s");
  EXPECT_EQ(s.fields[1].values[1].text, "1m");
  EXPECT_EQ(s.fields[1].values[2].text, "90s");
  EXPECT_TRUE(s.fields[2].continuous);
  EXPECT_EQ(s.fields[2].values.size(), 5u);
  EXPECT_EQ(s.fields[2].values[1].text, "98.375");
  // linear 10 by 10 to 50, 10 by 20 (then 50), geometric 5 10 20 40 50, the list.
  ASSERT_EQ(s.fields[3].values.size(), 4u);
  EXPECT_EQ(s.fields[3].values[0].text, "[10, 20, 30, 40, 50]");
  EXPECT_EQ(s.fields[3].values[1].text, "[10, 30, 50]");
  EXPECT_EQ(s.fields[3].values[2].text, "[5, 10, 20, 40, 50]");
  EXPECT_EQ(s.fields[3].values[3].text, "[10, 50]");
  ASSERT_EQ(s.constraints.size(), 3u);
  EXPECT_EQ(s.constraints[2].scenario, "error-regression-5pt");
  EXPECT_EQ(s.constraints[2].measure, Measure::kEscapeRate);
  EXPECT_EQ(s.objective.excessErrors, 0.5);
  EXPECT_EQ(s.search.method, SearchMethod::kFixed);
  EXPECT_EQ(s.gridSize(), 5.0 * 3 * 5 * 4);
}

TEST(TuningSpaceDecode, ArgoFieldsAndConditionTemplates) {
  const auto d =
      decode(std::string(kHead) +
             "  fields:\n"
             "    - field: setWeights\n"
             "      schedules: {lists: [[20, 50], [10, 30]]}\n"
             "    - field: analysis[success-rate].metrics[success-rate].failureLimit\n"
             "      values: [0, 1, 2]\n"
             "    - field: analysis[success-rate].metrics[success-rate].successCondition\n"
             "      template: \"result[0] >= {{x}}\"\n"
             "      values: [0.95, 0.99]\n");
  ASSERT_TRUE(d.ok) << firstError(d);
  EXPECT_EQ(d.space.fields[0].target, FieldTarget::kArgoSetWeights);
  EXPECT_EQ(d.space.fields[1].templateName, "success-rate");
  EXPECT_EQ(d.space.fields[2].values[1].text, "result[0] >= 0.99");
}

struct Bad {
  std::string body;
  std::string expected;  // the whole one-line diagnostic
};

class TuningSpaceBadInput : public ::testing::TestWithParam<Bad> {};

TEST_P(TuningSpaceBadInput, IsOneLineNamingFileLineFieldAndRule) {
  const auto d = decode(std::string(kHead) + GetParam().body);
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(firstError(d), GetParam().expected);
  EXPECT_EQ(firstError(d).find('\n'), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TuningSpaceBadInput,
    ::testing::Values(
        Bad{"  fields:\n    - field: treshold\n      values: [1]\n",
            "space.yaml:6: spec.fields[0].field = \"treshold\": must be a Flagger field (interval, "
            "threshold, "
            "stepWeight, stepWeights, maxWeight, iterations, stepWeightPromotion, "
            "metrics[NAME].thresholdRange.min|max, "
            "metrics[NAME].interval) or an Argo one (setWeights, pause, "
            "analysis[TEMPLATE].metrics[NAME].interval|count|"
            "failureLimit|consecutiveErrorLimit|inconclusiveLimit|successCondition|"
            "failureCondition)"},
        Bad{"  fields:\n    - field: threshold\n      values: [0, 2]\n",
            "space.yaml:7: spec.fields[0].values[0] = 0: must be between 1 and 1000 for threshold"},
        Bad{"  fields:\n    - field: threshold\n      values: [1]\n      range: {min: 1, max: 2}\n",
            "space.yaml:6: spec.fields[0]: needs exactly one of values, range, schedules"},
        Bad{"  fields:\n    - field: interval\n      values: [soon]\n",
            "space.yaml:7: spec.fields[0].values[0] = \"soon\": must be a duration (e.g. 30s, "
            "1h30m) or seconds >= 0, at most 2562047h (Go's time.Duration)"},
        Bad{"  fields:\n    - field: threshold\n      range: {min: 5, max: 2, step: 1}\n",
            "space.yaml:7: spec.fields[0].range.max = 2: must be at least range.min"},
        Bad{"  fields:\n    - field: stepWeights\n      values: [10]\n",
            "space.yaml:6: spec.fields[0]: stepWeights is a list of weights: give schedules "
            "(linear, geometric, lists)"},
        Bad{"  fields:\n    - field: analysis[t].metrics[m].successCondition\n      values: [1]\n",
            "space.yaml:6: spec.fields[0].template: required field is missing"},
        Bad{"  fields:\n    - field: threshold\n      values: [2]\n  constraints: "
            "{falseRollbackRate: 5}\n",
            "space.yaml:8: spec.constraints.falseRollbackRate = 5: must be a rate between 0 and 1"},
        Bad{"  fields:\n    - field: threshold\n      values: [2]\n  constraints: "
            "{falseRollbackRat: 0.1}\n",
            "space.yaml:8: spec.constraints.falseRollbackRat: unknown field (did you mean "
            "\"falseRollbackRate\"?)"},
        Bad{"  fields:\n    - field: threshold\n      values: [2]\n  objective: fastest\n",
            "space.yaml:8: spec.objective = \"fastest\": must be timeToPromotion, excessErrors, "
            "falseRollbackRate or a "
            "map of their weights"},
        Bad{"  fields:\n    - field: threshold\n      values: [2]\n    - field: setWeights\n"
            "      schedules: {lists: [[10]]}\n",
            "space.yaml:6: spec.fields: mixes Flagger fields and Argo fields: a space tunes one "
            "Canary or one Rollout"},
        Bad{"  fields:\n    - field: stepWeight\n      values: [10]\n    - field: stepWeights\n"
            "      schedules: {lists: [[10, 50]]}\n",
            "space.yaml:6: spec.fields: tunes stepWeights with stepWeight, iterations or "
            "maxWeight: the Canary CRD allows "
            "only one of the first three (oneOf) and Flagger ignores maxWeight beside stepWeights"},
        Bad{"  fields:\n    - field: threshold\n      values: [2]\n  search: {initialRuns: 64, "
            "maxRuns: 8}\n",
            "space.yaml:8: spec.search.maxRuns = 8: must be at least initialRuns (64)"}));

}  // namespace
}  // namespace rolloutlab::tune

namespace rolloutlab::tune {
namespace {

TEST(TuningSpaceDecode, PauseSchedulesUseTheWeightScheduleSyntaxWithDurations) {
  const auto d = decode(std::string(kHead) +
                        "  fields:\n"
                        "    - field: pause\n"
                        "      schedules:\n"
                        "        linear: {start: [30s, 1m], step: 30s, max: 2m}\n"
                        "        geometric: {start: 20, factor: [1.5, 3]}\n"
                        "        lists: [[30s, 1m, 5m], [90]]\n");
  ASSERT_TRUE(d.ok) << firstError(d);
  const Field& f = d.space.fields.at(0);
  EXPECT_EQ(f.type, FieldType::kPauseSchedule);
  EXPECT_FALSE(f.numeric());
  ASSERT_EQ(f.values.size(), 6u);
  // By hand, for 5 timed pauses: linear 30s + 30s i, at most 2m: 30, 60, 90, 120, 120;
  // geometric round(20 x 1.5^i): 20, 30, 45, 67.5 -> 68, 101.25 -> 101; round(20 x 3^i): 20,
  // 60, 180, 540, 1620; a list's last duration repeats beyond its end.
  using V = std::vector<long long>;
  EXPECT_EQ(f.values[0].text, "linear(start 30s, step 30s, max 2m)");
  EXPECT_EQ(f.values[0].pauses(5), (V{30, 60, 90, 120, 120}));
  EXPECT_EQ(f.values[1].pauses(5), (V{60, 90, 120, 120, 120}));
  EXPECT_EQ(f.values[2].text, "geometric(start 20s, factor 1.5)");
  EXPECT_EQ(f.values[2].pauses(5), (V{20, 30, 45, 68, 101}));
  EXPECT_EQ(f.values[3].pauses(5), (V{20, 60, 180, 540, 1620}));
  EXPECT_EQ(f.values[4].text, "[30s, 1m, 5m]");
  EXPECT_EQ(f.values[4].pauses(2), (V{30, 60}));
  EXPECT_EQ(f.values[4].pauses(4), (V{30, 60, 300, 300}));
  EXPECT_EQ(f.values[5].text, "[90s]");
  EXPECT_EQ(f.values[5].pauses(3), (V{90, 90, 90}));
}

TEST(TuningSpaceDecode, PauseScheduleErrorsNameFileLineFieldAndRule) {
  auto d = decode(std::string(kHead) +
                  "  fields:\n"
                  "    - field: pause\n"
                  "      schedules:\n"
                  "        lists: [[30s, soon]]\n");
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(firstError(d).rfind("space.yaml:8: spec.fields[0].schedules.lists[0][1] = ", 0), 0u)
      << firstError(d);
  d = decode(std::string(kHead) +
             "  fields:\n"
             "    - field: pause\n"
             "      schedules:\n"
             "        linear: {start: 30s}\n");
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(firstError(d),
            "space.yaml:8: spec.fields[0].schedules.linear.step: required field is missing");
  d = decode(std::string(kHead) +
             "  fields:\n"
             "    - field: threshold\n"
             "      schedules: {lists: [[1]]}\n");
  EXPECT_FALSE(d.ok);
  EXPECT_NE(firstError(d).find("is only for stepWeights, setWeights and pause"), std::string::npos)
      << firstError(d);
}

TEST(TuningSpaceDecode, AnOutcomeConstraintBoundsOneScenario) {
  const auto d = decode(std::string(kHead) +
                        "  fields:\n"
                        "    - field: threshold\n"
                        "      values: [5]\n"
                        "  constraints:\n"
                        "    scenarios:\n"
                        "      - {name: incident, outcome: rolledBack}\n"
                        "      - {name: calm, outcome: promoted}\n");
  ASSERT_TRUE(d.ok) << firstError(d);
  ASSERT_EQ(d.space.constraints.size(), 2u);
  EXPECT_EQ(d.space.constraints[0].measure, Measure::kNotRolledBackRate);
  EXPECT_EQ(d.space.constraints[0].max, 0);
  EXPECT_EQ(d.space.constraints[0].scenario, "incident");
  EXPECT_EQ(d.space.constraints[1].measure, Measure::kNotPromotedRate);
  const auto bad = decode(std::string(kHead) +
                          "  fields:\n"
                          "    - field: threshold\n"
                          "      values: [5]\n"
                          "  constraints:\n"
                          "    scenarios:\n"
                          "      - {name: incident, outcome: rollback}\n");
  EXPECT_EQ(firstError(bad),
            "space.yaml:10: spec.constraints.scenarios[0].outcome = \"rollback\": must be "
            "rolledBack or promoted");
}

}  // namespace
}  // namespace rolloutlab::tune
