// Argo's verdict on a measurement: argo-rollouts utils/evaluate/evaluate.go `EvaluateResult`
// (the table in ../shared/reference/argo-rollouts-semantics.md §B.8), its tests
// (utils/evaluate/evaluate_test.go) and the documented outcomes in docs/features/analysis.md
// ("Handling Metric Results": NaN and Infinity, Empty array) and docs/analysis/*.md.

#include "rolloutlab/core/argo/expr/evaluate.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "test_support.h"

using rolloutlab::core::argo::AnalysisPhase;
using rolloutlab::core::argo::compile;
using rolloutlab::core::argo::evaluateResult;
using rolloutlab::core::argo::isNilOrEmpty;
using rolloutlab::core::argo::MetricConditions;
using rolloutlab::core::argo::Value;
using rolloutlab::core::argo::Verdict;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

AnalysisPhase phase(const Value& result, std::string_view success, std::string_view failure) {
  return evaluateResult(result, success, failure).phase;
}

Value vec(std::vector<double> v) { return Value::floats(std::move(v)); }

const char* kNoData = "metric result is nil or empty: no data returned from the metric provider";

}  // namespace

// evaluate.go `EvaluateResult`, row "none / none": Successful unless there is an error
// (TestEvaluateResultNoFailureConditionAndNoSuccessCondition).
TEST(ArgoEvaluate, NoConditionsIsSuccessful) {
  EXPECT_EQ(phase(Value::boolean(true), "", ""), AnalysisPhase::kSuccessful);
  EXPECT_EQ(phase(Value(), "", ""), AnalysisPhase::kSuccessful);
  EXPECT_EQ(phase(vec({}), "", ""), AnalysisPhase::kSuccessful);
}

// Row "given / none": true → Successful, false → Failed
// (TestEvaluateResultNoFailureConditionAndNotSuccessful).
TEST(ArgoEvaluate, SuccessConditionOnly) {
  EXPECT_EQ(phase(Value::boolean(true), "true", ""), AnalysisPhase::kSuccessful);
  EXPECT_EQ(phase(Value::boolean(true), "false", ""), AnalysisPhase::kFailed);
  EXPECT_EQ(phase(vec({0.97}), "result[0] >= 0.95", ""), AnalysisPhase::kSuccessful);
  EXPECT_EQ(phase(vec({0.90}), "result[0] >= 0.95", ""), AnalysisPhase::kFailed);
}

// Row "none / given": true → Failed, false → Successful
// (TestEvaluateResultNoSuccessConditionAndNotFailing).
TEST(ArgoEvaluate, FailureConditionOnly) {
  EXPECT_EQ(phase(Value::boolean(true), "", "false"), AnalysisPhase::kSuccessful);
  EXPECT_EQ(phase(Value::boolean(true), "", "true"), AnalysisPhase::kFailed);
  EXPECT_EQ(phase(vec({12}), "", "result[0] >= 10"), AnalysisPhase::kFailed);
  EXPECT_EQ(phase(vec({3}), "", "result[0] >= 10"), AnalysisPhase::kSuccessful);
}

// Row "given / given": failure wins even when success also holds (TestEvaluateResultWithFailure),
// success alone → Successful (TestEvaluateResultWithSuccess), neither → Inconclusive
// (TestEvaluateResultInconclusive).
TEST(ArgoEvaluate, BothConditions) {
  EXPECT_EQ(phase(Value::boolean(true), "true", "false"), AnalysisPhase::kSuccessful);
  EXPECT_EQ(phase(Value::boolean(true), "true", "true"), AnalysisPhase::kFailed);
  EXPECT_EQ(phase(Value::boolean(true), "false", "true"), AnalysisPhase::kFailed);
  EXPECT_EQ(phase(Value::boolean(true), "false", "false"), AnalysisPhase::kInconclusive);
  EXPECT_EQ(phase(Value::number(0.92), "result >= 0.95", "result < 0.90"),
            AnalysisPhase::kInconclusive);
}

// NaN under each combination. docs/features/analysis.md "NaN and Infinity" gives the first
// three; the others follow from EvaluateResult with every comparison on NaN false.
TEST(ArgoEvaluate, NaNUnderEachCombination) {
  const Value nan = Value::number(kNaN);
  EXPECT_EQ(phase(nan, "isNaN(result) || result >= 0.95", ""), AnalysisPhase::kSuccessful);
  EXPECT_EQ(phase(nan, "result >= 0.95", "result < 0.95"), AnalysisPhase::kInconclusive);
  EXPECT_EQ(phase(nan, "result >= 0.95", ""), AnalysisPhase::kFailed);
  EXPECT_EQ(phase(nan, "", "result > 0.05"), AnalysisPhase::kSuccessful);
  EXPECT_EQ(phase(nan, "", "isNaN(result)"), AnalysisPhase::kFailed);
  EXPECT_EQ(phase(nan, "", ""), AnalysisPhase::kSuccessful);
  // The same through a Prometheus vector.
  const Value nanVector = vec({kNaN});
  EXPECT_EQ(phase(nanVector, "result[0] >= 0.95", ""), AnalysisPhase::kFailed);
  EXPECT_EQ(phase(nanVector, "result[0] >= 0.95", "result[0] < 0.90"),
            AnalysisPhase::kInconclusive);
  EXPECT_EQ(phase(nanVector, "", "result[0] > 0.05"), AnalysisPhase::kSuccessful);
  EXPECT_EQ(phase(nanVector, "", "result[0] != 0.05"), AnalysisPhase::kFailed);  // != is true
}

// docs/features/analysis.md "NaN and Infinity": +Inf compares normally.
TEST(ArgoEvaluate, Infinity) {
  EXPECT_EQ(phase(Value::number(kInf), "result >= 0.95", ""), AnalysisPhase::kSuccessful);
  EXPECT_EQ(phase(Value::number(kInf), "", "isInf(result)"), AnalysisPhase::kFailed);
}

// docs/features/analysis.md "Empty array" (Prometheus): a guard makes it Successful or Failed;
// without one the index fails, and evaluate.go `formatEvalError` replaces the message for a nil
// or empty result (TestEvaluateResultErrorMessageWithEmptySlice / ...WithNilResult).
TEST(ArgoEvaluate, EmptyVector) {
  EXPECT_EQ(phase(vec({}), "len(result) == 0 || result[0] >= 0.95", ""),
            AnalysisPhase::kSuccessful);
  EXPECT_EQ(phase(vec({}), "len(result) > 0 && result[0] >= 0.95", ""), AnalysisPhase::kFailed);
  const Verdict v = evaluateResult(vec({}), "result[0] >= 0.95", "");
  EXPECT_EQ(v.phase, AnalysisPhase::kError);
  EXPECT_EQ(v.message,
            std::string("could not evaluate successCondition \"result[0] >= 0.95\": ") + kNoData);
  ASSERT_TRUE(v.error);
  EXPECT_EQ(v.errorLocation(), "successCondition: 1:7: index out of range: 0 (array length is 0)");
  // default() does not help: its argument is evaluated first.
  EXPECT_EQ(phase(vec({}), "default(result[0], 0) >= 0.95", ""), AnalysisPhase::kError);
  // isNil is false for an empty list.
  EXPECT_EQ(phase(vec({}), "isNil(result)", ""), AnalysisPhase::kFailed);
  EXPECT_TRUE(isNilOrEmpty(vec({})));
  EXPECT_TRUE(isNilOrEmpty(Value::array({})));
  EXPECT_TRUE(isNilOrEmpty(Value()));
  EXPECT_FALSE(isNilOrEmpty(Value::map({})));
  EXPECT_FALSE(isNilOrEmpty(Value::string("")));
}

// A nil result (Datadog with no data, docs/analysis/datadog.md): a bare comparison is an error
// with the nil-or-empty message; default(result, 0) gives the fallback.
TEST(ArgoEvaluate, NilResult) {
  const Verdict v = evaluateResult(Value(), "result[0] >= 0.95", "");
  EXPECT_EQ(v.phase, AnalysisPhase::kError);
  EXPECT_NE(v.message.find(kNoData), std::string::npos);
  EXPECT_NE(v.message.find("successCondition"), std::string::npos);
  EXPECT_EQ(phase(Value(), "result < 0.05", ""), AnalysisPhase::kError);
  EXPECT_EQ(phase(Value(), "default(result, 0) < 0.05", ""), AnalysisPhase::kSuccessful);
  EXPECT_EQ(phase(Value(), "", "default(result, 0) > 5"), AnalysisPhase::kSuccessful);
  EXPECT_EQ(phase(Value::number(7), "", "default(result, 0) > 5"), AnalysisPhase::kFailed);
  EXPECT_EQ(phase(Value(), "isNil(result)", ""), AnalysisPhase::kSuccessful);
}

// evaluate.go: the success condition is evaluated first and its error is returned; a failing
// failure condition errors with its own name (TestEvaluateResultWithErrorOnSuccessCondition,
// ...OnFailureCondition, TestEvaluateResultErrorMessageWithInvalidExpression,
// TestEvaluateResultErrorMessageOnFailureCondition). The message carries expr's message
// without its position.
TEST(ArgoEvaluate, ExpressionErrors) {
  Verdict v = evaluateResult(Value::boolean(true), "a == true", "true");
  EXPECT_EQ(v.phase, AnalysisPhase::kError);
  EXPECT_EQ(v.message, "could not evaluate successCondition \"a == true\": unknown name a");
  EXPECT_EQ(v.errorLocation(), "successCondition: 1:1: unknown name a");
  v = evaluateResult(Value::boolean(true), "true", "a == true");
  EXPECT_EQ(v.phase, AnalysisPhase::kError);
  EXPECT_EQ(v.condition, "failureCondition");
  v = evaluateResult(Value::boolean(true), "true", "invalidVar == true");
  EXPECT_EQ(v.message,
            "could not evaluate failureCondition \"invalidVar == true\": unknown name invalidVar");
  // Both broken: the success condition's error is the one reported.
  v = evaluateResult(Value::boolean(true), "x > 1", "y > 1");
  EXPECT_EQ(v.condition, "successCondition");
  // A non-bool condition is an error, not a failure (evaluate.go `EvalCondition`).
  v = evaluateResult(Value::number(1), "result", "");
  EXPECT_EQ(v.phase, AnalysisPhase::kError);
  EXPECT_EQ(v.message,
            "could not evaluate successCondition \"result\": expected bool, but got "
            "float64");
  // A syntax error makes every measurement Error (Argo compiles at each measurement).
  EXPECT_EQ(phase(Value::number(1), "result >=", ""), AnalysisPhase::kError);
  // Successful and Failed verdicts carry no message.
  EXPECT_TRUE(evaluateResult(Value::number(1), "result > 0", "").message.empty());
}

// The web provider passes a non-JSON body as a string; a condition comparing it with a bool is
// a compile error for a string result (checker.go `binaryNode` "=="), hence Error, not Failed.
TEST(ArgoEvaluate, StringResultTypeMismatchIsError) {
  EXPECT_EQ(phase(Value::string("true"), "result == 'true'", ""), AnalysisPhase::kSuccessful);
  const Verdict v = evaluateResult(Value::string("true"), "result == true", "");
  EXPECT_EQ(v.phase, AnalysisPhase::kError);
  EXPECT_EQ(v.message,
            "could not evaluate successCondition \"result == true\": invalid "
            "operation: == (mismatched types string and bool)");
  // The same condition on a JSON boolean is fine.
  EXPECT_EQ(phase(Value::boolean(true), "result == true", ""), AnalysisPhase::kSuccessful);
}

// Every condition in the reference templates compiles and gives the verdict its template
// documents: test/e2e/functional/analysistemplate-web-background-inconclusive.yaml queries
// dns.google (a JSON object whose Status is 0), matching neither 999 nor -1 → Inconclusive.
TEST(ArgoEvaluate, ReferenceTemplates) {
  ROLLOUTLAB_SKIP_WITHOUT_REFERENCE("argo-rollouts");
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(rolloutlab::test::referencePath("argo-rollouts"));
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  // `  successCondition: <expression>` lines (the CRDs only name the fields).
  auto conditionIn = [](std::string l, std::string* key) -> std::string {
    const std::size_t first = l.find_first_not_of(' ');
    if (first == std::string::npos) return {};
    l = l.substr(first);
    for (const char* k : {"successCondition:", "failureCondition:"}) {
      if (l.rfind(k, 0) != 0) continue;
      std::string value = l.substr(std::string(k).size());
      value.erase(0, value.find_first_not_of(' '));
      value.erase(value.find_last_not_of(" \r") + 1);
      if (value.size() >= 2 && (value[0] == '"' || value[0] == '\'') && value.back() == value[0]) {
        value = value.substr(1, value.size() - 2);  // a quoted YAML scalar
      }
      *key = std::string(k, std::string(k).size() - 1);
      return value;
    }
    return {};
  };
  int found = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    const std::string text = rolloutlab::test::readFile(entry.path().string());
    std::string success, failure;
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string key;
      const std::string condition = conditionIn(text.substr(start, end - start), &key);
      start = end + 1;
      if (condition.empty()) continue;
      ++found;
      EXPECT_NO_THROW(compile(condition)) << entry.path() << ": " << condition;
      (key == "successCondition" ? success : failure) = condition;
    }
    if (entry.path().filename() ==
        "test__e2e__functional__analysistemplate-web-background-inconclusive.yaml") {
      const Value dns = Value::map(
          {{"Status", Value::number(0)},
           {"TC", Value::boolean(false)},
           {"RD", Value::boolean(true)},
           {"Answer", Value::array({Value::map({{"name", Value::string("google.com.")},
                                                {"type", Value::number(1)},
                                                {"data", Value::string("142.250.74.46")}})})}});
      EXPECT_EQ(success, "result.Status == 999");
      EXPECT_EQ(failure, "result.Status == -1");
      EXPECT_EQ(phase(dns, success, failure), AnalysisPhase::kInconclusive);
    }
  }
  EXPECT_GE(found, 2);
}

// Conditions from argo-rollouts docs/ and examples/ (at the reference commit), each on a
// plausible result, with the verdict the documentation states or EvaluateResult implies.
TEST(ArgoEvaluate, DocumentedConditions) {
  struct Case {
    const char* success;
    const char* failure;
    Value result;
    AnalysisPhase want;
  };
  const Value newRelic =
      Value::map({{"ok", Value::boolean(true)}, {"successPercent", Value::number(0.97)}});
  const Value cloudWatch = Value::array({Value::map(
      {{"Id", Value::string("rate")},
       {"Values", Value::array({Value::number(0.001), Value::number(0.004), Value::number(0.0),
                                Value::number(0.002), Value::number(0.009)})}})});
  const std::vector<Case> cases = {
      {"result[0] >= 0.95", "", vec({0.99}), AnalysisPhase::kSuccessful},
      {"", "result[0] >= 10", vec({12}), AnalysisPhase::kFailed},
      {"result[0] <= 0.95", "", vec({0.2}), AnalysisPhase::kSuccessful},
      {"result >= 0.95", "", Value::number(0.9), AnalysisPhase::kFailed},
      {"result == true", "", Value::boolean(true), AnalysisPhase::kSuccessful},
      {"result[0] >= 0.90", "result[0] < 0.50", vec({0.7}), AnalysisPhase::kInconclusive},
      {"result.major == '1'", "", Value::map({{"major", Value::string("1")}}),
       AnalysisPhase::kSuccessful},
      {"result == 'It worked!'", "", Value::string("It worked!"), AnalysisPhase::kSuccessful},
      {"result <= 0.01", "", Value::number(0.02), AnalysisPhase::kFailed},
      {"default(result, 0) < 10", "", Value(), AnalysisPhase::kSuccessful},
      {"result.ok && result.successPercent >= 0.90", "", newRelic, AnalysisPhase::kSuccessful},
      {"result.successRate >= 0.95", "", Value::map({{"successRate", Value::number(0.96)}}),
       AnalysisPhase::kSuccessful},
      {"result == 'true'", "", Value::string("true"), AnalysisPhase::kSuccessful},
      {"max(result) < 0.05", "", vec({0.01, 0.07, 0.02}), AnalysisPhase::kFailed},
      {"len(result) > 0 && result[0] >= 0.95", "", vec({}), AnalysisPhase::kFailed},
      {"isNaN(result) || result >= 0.95", "", Value::number(kNaN), AnalysisPhase::kSuccessful},
      {"len(result[0].Values) >= 5 and all(result[0].Values, {# <= 0.01})", "", cloudWatch,
       AnalysisPhase::kSuccessful},
      {"all(result, # < 1000)", "", vec({120, 480}), AnalysisPhase::kSuccessful},
      {"", "isInf(result)", Value::number(kInf), AnalysisPhase::kFailed},
      {"results[0] >= 90.000000", "", vec({95}), AnalysisPhase::kError},  // a typo in the docs
  };
  for (const Case& c : cases) {
    EXPECT_EQ(phase(c.result, c.success, c.failure), c.want)
        << c.success << " | " << c.failure << " | " << c.result.toString();
  }
}

// MetricConditions compiles once and gives the same verdicts as the one-off function.
TEST(ArgoEvaluate, CompiledOnceEvaluatedMany) {
  const MetricConditions m("result[0] >= 0.95", "result[0] < 0.90");
  ASSERT_TRUE(m.successCondition() && m.failureCondition());
  int counts[4] = {0, 0, 0, 0};
  for (int k = 80; k <= 105; ++k) {
    const double x = k / 100.0;  // the same double as the literal 0.k
    const Verdict v = m.evaluate(vec({x}));
    ++counts[static_cast<int>(v.phase)];
    EXPECT_EQ(v.phase, evaluateResult(vec({x}), "result[0] >= 0.95", "result[0] < 0.90").phase);
  }
  EXPECT_EQ(counts[static_cast<int>(AnalysisPhase::kFailed)], 10);       // 0.80 .. 0.89
  EXPECT_EQ(counts[static_cast<int>(AnalysisPhase::kInconclusive)], 5);  // 0.90 .. 0.94
  EXPECT_EQ(counts[static_cast<int>(AnalysisPhase::kSuccessful)], 11);   // 0.95 .. 1.05
  EXPECT_EQ(m.evaluate(vec({})).phase, AnalysisPhase::kError);
  const MetricConditions none("", "");
  EXPECT_FALSE(none.successCondition() || none.failureCondition());
  EXPECT_EQ(none.evaluate(vec({})).phase, AnalysisPhase::kSuccessful);
}

TEST(ArgoEvaluate, PhaseNames) {
  EXPECT_STREQ(toString(AnalysisPhase::kSuccessful), "Successful");
  EXPECT_STREQ(toString(AnalysisPhase::kFailed), "Failed");
  EXPECT_STREQ(toString(AnalysisPhase::kInconclusive), "Inconclusive");
  EXPECT_STREQ(toString(AnalysisPhase::kError), "Error");
}
