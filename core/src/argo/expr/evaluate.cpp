#include "rolloutlab/core/argo/expr/evaluate.h"

namespace rolloutlab::core::argo {

const char* toString(AnalysisPhase p) {
  switch (p) {
    case AnalysisPhase::kSuccessful:
      return "Successful";
    case AnalysisPhase::kFailed:
      return "Failed";
    case AnalysisPhase::kInconclusive:
      return "Inconclusive";
    case AnalysisPhase::kError:
      return "Error";
  }
  return "";
}

std::string Verdict::errorLocation() const {
  return error ? error->toString(condition) : std::string();
}

// evaluate.go `isNilOrEmpty`: nil, or a slice or array of length zero.
bool isNilOrEmpty(const Value& result) {
  switch (result.kind()) {
    case Value::Kind::kNil:
      return true;
    case Value::Kind::kFloatArray:
      return result.asFloats().empty();
    case Value::Kind::kArray:
      return result.asArray().empty();
    default:
      return false;
  }
}

namespace {

// evaluate.go `formatEvalError`: the expression's own message (without its position, which
// `unwrapFileErr` drops), unless the result is nil or empty.
Verdict errorVerdict(const char* condition, const CompiledExpr& expr, const Value& result,
                     ExprError error) {
  Verdict v;
  v.phase = AnalysisPhase::kError;
  v.condition = condition;
  v.message = std::string("could not evaluate ") + condition + " \"" + expr.source() + "\": ";
  if (isNilOrEmpty(result)) {
    v.message += "metric result is nil or empty: no data returned from the metric provider";
  } else {
    v.message += error.message;
  }
  v.error = std::move(error);
  return v;
}

}  // namespace

MetricConditions::MetricConditions(std::string_view successCondition,
                                   std::string_view failureCondition) {
  if (!successCondition.empty()) success_ = compileLenient(successCondition);
  if (!failureCondition.empty()) failure_ = compileLenient(failureCondition);
}

// evaluate.go `EvaluateResult`.
Verdict MetricConditions::evaluate(const Value& result) const {
  bool successCondition = false;
  bool failCondition = false;
  if (success_) {
    ConditionResult r = success_->evalCondition(result);
    if (!r.ok) return errorVerdict("successCondition", *success_, result, std::move(r.error));
    successCondition = r.value;
  }
  if (failure_) {
    ConditionResult r = failure_->evalCondition(result);
    if (!r.ok) return errorVerdict("failureCondition", *failure_, result, std::move(r.error));
    failCondition = r.value;
  }
  Verdict v;
  if (!success_ && !failure_) {
    v.phase = AnalysisPhase::kSuccessful;  // always successful unless there is an error
    return v;
  }
  if (success_ && !failure_) {
    failCondition = !successCondition;  // not successful means failed
  } else if (!success_ && failure_) {
    successCondition = !failCondition;  // not failed means successful
  }
  if (failCondition) {
    v.phase = AnalysisPhase::kFailed;
  } else if (!successCondition) {
    v.phase = AnalysisPhase::kInconclusive;
  } else {
    v.phase = AnalysisPhase::kSuccessful;
  }
  return v;
}

Verdict evaluateResult(const Value& result, std::string_view successCondition,
                       std::string_view failureCondition) {
  return MetricConditions(successCondition, failureCondition).evaluate(result);
}

}  // namespace rolloutlab::core::argo
