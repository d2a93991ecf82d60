#pragma once
// The parsed form of a query: a flat array of nodes, children by index.

#include <cstdint>
#include <string>
#include <vector>

#include "rolloutlab/core/promql/labels.h"
#include "rolloutlab/core/promql/matcher.h"
#include "rolloutlab/core/promql/series_source.h"

namespace rolloutlab::core::promql::detail {

enum class ValueType { kNone, kScalar, kVector, kMatrix, kString };

/// Prometheus' `DocumentedType` names.
const char* documentedType(ValueType t);

enum class NodeKind {
  kNumber,
  kString,
  kVectorSelector,
  kMatrixSelector,
  kCall,
  kAggregate,
  kBinary,
  kUnary,
  kParen,
};

enum class Func {
  // range-vector functions
  kRate,
  kIrate,
  kIncrease,
  kDelta,
  kIdelta,
  kSumOverTime,
  kAvgOverTime,
  kMinOverTime,
  kMaxOverTime,
  kCountOverTime,
  kLastOverTime,
  kQuantileOverTime,
  kStddevOverTime,
  kStdvarOverTime,
  kPresentOverTime,
  kAbsentOverTime,
  kChanges,
  kResets,
  // instant-vector and scalar functions
  kAbs,
  kCeil,
  kFloor,
  kExp,
  kSqrt,
  kLn,
  kLog2,
  kLog10,
  kSin,
  kCos,
  kTan,
  kAsin,
  kAcos,
  kAtan,
  kSinh,
  kCosh,
  kTanh,
  kAsinh,
  kAcosh,
  kAtanh,
  kDeg,
  kRad,
  kSgn,
  kPi,
  kRound,
  kClamp,
  kClampMin,
  kClampMax,
  kScalar,
  kVector,
  kTime,
  kTimestamp,
  kAbsent,
  kSort,
  kSortDesc,
  kHistogramQuantile,
};

struct FunctionInfo {
  const char* name;
  Func func;
  std::vector<ValueType> argTypes;
  int variadic;  // number of optional trailing arguments (Prometheus' Variadic)
  ValueType returnType;
};

/// The supported function with this name, or null.
const FunctionInfo* findFunction(std::string_view name);
/// True when Prometheus 2.42 knows the function (supported here or not).
bool isPrometheusFunction(std::string_view name);

enum class AggOp { kSum, kAvg, kMin, kMax, kCount, kGroup, kStddev, kStdvar, kQuantile };

enum class BinOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,
  kEql,  // ==
  kNeq,
  kGtr,
  kLss,
  kGte,
  kLte,
  kAnd,
  kOr,
  kUnless,
};

inline bool isComparison(BinOp op) { return op >= BinOp::kEql && op <= BinOp::kLte; }
inline bool isSetOp(BinOp op) { return op >= BinOp::kAnd; }
inline bool dropsMetricName(BinOp op) {
  return op <= BinOp::kPow;
}  // engine.go shouldDropMetricName
const char* toString(BinOp op);

enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

struct Node {
  NodeKind kind = NodeKind::kNumber;
  ValueType type = ValueType::kNone;
  std::size_t pos = 0;  // byte offset of the node's start
  std::size_t end = 0;  // byte offset just past the node

  // kNumber / kString
  double number = 0;
  std::string str;

  // kVectorSelector (kMatrixSelector points at one through `children[0]`)
  std::string metricName;
  std::vector<Matcher> matchers;
  TimestampMs offset = 0;
  bool hasOffset = false;
  TimestampMs range = 0;  // kMatrixSelector

  // kCall
  const FunctionInfo* fn = nullptr;
  Labels absentLabels;  // absent/absent_over_time: labels derived from the matchers

  // kAggregate
  AggOp aggOp = AggOp::kSum;
  std::vector<std::string> grouping;  // sorted
  bool without = false;
  int param = -1;  // quantile's parameter

  // kBinary
  BinOp binOp = BinOp::kAdd;
  bool returnBool = false;
  Cardinality card = Cardinality::kOneToOne;
  bool on = false;
  std::vector<std::string> matchingLabels;
  std::vector<std::string> include;  // group_left/right labels
  bool hasVectorMatching = false;

  // kUnary
  bool negate = false;

  std::vector<int> children;  // call args, aggregate expr, binary lhs/rhs, unary/paren operand
};

struct Ast {
  std::string text;
  std::vector<Node> nodes;
  int root = -1;
};

}  // namespace rolloutlab::core::promql::detail
