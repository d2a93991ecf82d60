#pragma once
/// Argo Rollouts analysis conditions: the subset of the expr language
/// (github.com/expr-lang/expr v1.17, as vendored by argo-rollouts) that `successCondition` and
/// `failureCondition` use, evaluated as argo-rollouts `utils/evaluate/evaluate.go`
/// `EvalCondition` does.
///
/// An expression is parsed and type-checked once (`compile`) and then evaluated many times with
/// different metric results, with no parsing and, for scalar and vector results, no heap
/// allocation. Argo compiles a condition at every measurement with the result's Go type in the
/// environment, so expr's compile-time checks depend on the result's type: `compile` runs them
/// up front for every kind of result and `evaluate` picks the answer for the result it is given.
///
/// The supported subset and where it departs from expr is listed in docs/argo-expressions.md.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::core::argo {

/// A metric result or an intermediate value, with the Go types Argo's providers produce.
/// Composite values share immutable storage: copying a Value never copies its elements.
class Value {
 public:
  /// The Go type the value stands for (its `%T`).
  enum class Kind : std::uint8_t {
    kNil,         ///< nil: no result (e.g. Datadog with no data points)
    kBool,        ///< bool
    kInt,         ///< int / int64
    kFloat,       ///< float64: a Prometheus scalar, a JSON number
    kString,      ///< string: a web body that is not JSON
    kFloatArray,  ///< []float64: a Prometheus vector or matrix, in series order
    kArray,       ///< []interface{}: a JSON array
    kMap,         ///< map[string]interface{}: a JSON object
  };
  using Array = std::vector<Value>;
  using Map = std::map<std::string, Value, std::less<>>;

  /// nil.
  Value() noexcept : kind_(Kind::kNil), i_(0) {}

  static Value boolean(bool b);
  static Value integer(std::int64_t i);
  static Value number(double f);
  static Value string(std::string s);
  /// A []float64. An empty vector is an empty, non-nil list (Prometheus with no series).
  static Value floats(std::vector<double> values);
  /// A []float64 sharing the caller's buffer: no allocation. The caller must not change the
  /// buffer while this Value (or a copy) is in use.
  static Value sharedFloats(std::shared_ptr<const std::vector<double>> values);
  static Value array(Array elements);
  static Value map(Map entries);

  Kind kind() const { return kind_; }
  bool isNil() const { return kind_ == Kind::kNil; }
  /// Accessors; each requires the matching kind.
  bool asBool() const { return b_; }
  std::int64_t asInt() const { return i_; }
  double asFloat() const { return f_; }
  const std::string& asString() const;
  const std::vector<double>& asFloats() const;
  const Array& asArray() const;
  const Map& asMap() const;

  /// Structural identity (same kind, same contents; NaN equals NaN). Not expr's `==`.
  bool identical(const Value& other) const;

  /// Go's `%v` of the value: `<nil>`, `0.95`, `1e+06`, `[1 2]`, `map[a:1]`.
  std::string toString() const;
  /// Go's `%T` of the value: `<nil>`, `float64`, `[]float64`, `map[string]interface {}`.
  const char* typeName() const;

 private:
  Kind kind_;
  union {
    bool b_;
    std::int64_t i_;
    double f_;
  };
  std::shared_ptr<const void> ptr_;  // string, vector<double>, Array or Map
};

const char* toString(Value::Kind k);

/// An error in an expression: where (1-based line and column, counted in characters) and what
/// (expr's own message, e.g. `unknown name foo`).
struct ExprError {
  int line = 1;
  int column = 1;
  std::string message;

  /// `label: line:column: message`, e.g. `successCondition: 1:10: unknown name foo`; without
  /// a label, `line:column: message`.
  std::string toString(std::string_view label = {}) const;
};

/// Thrown by `compile` (and the throwing `evaluate`) for a bad expression.
class ExprException : public InputError {
 public:
  explicit ExprException(ExprError error, std::string_view source = {});
  const ExprError& error() const { return error_; }

 private:
  ExprError error_;
};

namespace detail {
struct Program;
}

/// Outcome of `EvalCondition`: a bool, or an error.
struct ConditionResult {
  bool ok = false;     ///< false: `error` says why
  bool value = false;  ///< the condition's value when ok
  ExprError error;
};

/// A parsed and checked expression. Cheap to copy; safe to evaluate from several threads.
class CompiledExpr {
 public:
  /// The expression as written.
  const std::string& source() const;
  /// False when the expression does not compile (see `compileLenient`).
  bool ok() const;
  /// The compile error, or nullptr.
  const ExprError* compileError() const;

  /// Evaluates with `result` bound to the name `result` (plus Argo's helper functions).
  /// Returns false and fills `*error` on a compile or runtime error.
  bool evaluate(const Value& result, Value* out, ExprError* error) const;
  /// As above; throws ExprException on error.
  Value evaluate(const Value& result) const;
  /// Argo's `EvalCondition`: the expression must produce a bool (`expected bool, but got
  /// float64` otherwise). Allocates nothing unless it fails.
  ConditionResult evalCondition(const Value& result) const;

 private:
  friend CompiledExpr compileLenient(std::string_view source);
  friend CompiledExpr compile(std::string_view source);
  std::shared_ptr<const detail::Program> program_;
};

/// Parses and checks `source`. Throws ExprException when it does not parse, or when it cannot
/// compile whatever the result is (an unknown name, `1 == "a"`). Errors that depend on the
/// result's type (`result[0]` on a float) are reported by `evaluate`.
CompiledExpr compile(std::string_view source);

/// As `compile`, but never throws: an expression that does not compile keeps its error and every
/// evaluation reports it. This is what Argo does, since it compiles at each measurement.
CompiledExpr compileLenient(std::string_view source);

}  // namespace rolloutlab::core::argo
