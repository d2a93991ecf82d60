#pragma once
/// Argo Rollouts' verdict on one measurement from its conditions: argo-rollouts
/// `utils/evaluate/evaluate.go` `EvaluateResult`.
///
/// | successCondition | failureCondition | verdict                                           |
/// |------------------|------------------|---------------------------------------------------|
/// | none             | none             | Successful                                        |
/// | given            | none             | true → Successful, false → Failed                 |
/// | none             | given            | true → Failed, false → Successful                 |
/// | given            | given            | failure true → Failed (even if success is true);  |
/// |                  |                  | success true → Successful; neither → Inconclusive |
///
/// A condition that fails to compile or to run, or that does not produce a bool, makes the
/// measurement Error (the success condition is evaluated first and its error wins).

#include <optional>
#include <string>
#include <string_view>

#include "rolloutlab/core/argo/expr/expr.h"

namespace rolloutlab::core::argo {

/// A measurement's phase, as Argo's `AnalysisPhase`.
enum class AnalysisPhase {
  kSuccessful,    ///< the measurement met its success condition
  kFailed,        ///< the measurement met its failure condition
  kInconclusive,  ///< neither condition held (both given)
  kError,         ///< a condition could not be evaluated
};

/// `Successful`, `Failed`, `Inconclusive`, `Error`.
const char* toString(AnalysisPhase p);

/// The verdict on one result.
struct Verdict {
  AnalysisPhase phase = AnalysisPhase::kSuccessful;
  /// Empty unless Error. Argo's wording: `could not evaluate successCondition "result[0] >=
  /// 0.95": metric result is nil or empty: no data returned from the metric provider`.
  std::string message;
  /// For Error: which condition (`successCondition` or `failureCondition`) and where in it.
  /// `errorLocation()` prints `successCondition: 1:7: index out of range: 0 (array length is 0)`.
  std::string condition;
  std::optional<ExprError> error;

  std::string errorLocation() const;
};

/// A metric's pair of conditions, compiled once. Either may be empty (not given).
class MetricConditions {
 public:
  /// Compiles both leniently: a condition that does not compile makes every measurement Error,
  /// as in Argo (which does not validate conditions when a template is created).
  MetricConditions(std::string_view successCondition, std::string_view failureCondition);

  /// `EvaluateResult` for `result`. No allocation unless the verdict is Error.
  Verdict evaluate(const Value& result) const;

  const std::optional<CompiledExpr>& successCondition() const { return success_; }
  const std::optional<CompiledExpr>& failureCondition() const { return failure_; }

 private:
  std::optional<CompiledExpr> success_;
  std::optional<CompiledExpr> failure_;
};

/// One-off `EvaluateResult` (compiles both conditions; prefer MetricConditions in loops).
Verdict evaluateResult(const Value& result, std::string_view successCondition,
                       std::string_view failureCondition);

/// Argo's `isNilOrEmpty`: nil, or an empty list. Such a result turns any evaluation error into
/// the message "metric result is nil or empty: no data returned from the metric provider".
bool isNilOrEmpty(const Value& result);

}  // namespace rolloutlab::core::argo
