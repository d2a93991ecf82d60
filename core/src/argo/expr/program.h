#pragma once
// Internal representation of a compiled Argo condition: a flat syntax tree that the checker
// annotates and the interpreter walks. The node kinds follow expr's `ast` package.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rolloutlab/core/argo/expr/expr.h"

namespace rolloutlab::core::argo::detail {

enum class NodeKind : std::uint8_t {
  kNil,
  kBool,         // boolValue
  kInteger,      // intValue (read as float where floatMask says so)
  kFloat,        // floatValue
  kString,       // constant: index into Program::constants
  kConstant,     // constant (a folded array literal): index into Program::constants
  kArray,        // args: elements
  kResult,       // the identifier `result`
  kIdentifier,   // any other name (text): an unknown name, or a function named without a call
  kUnary,        // op, a
  kBinary,       // op, a, b
  kMember,       // a: base, b: property (a string node for `.name`)
  kCallEnv,      // fn: EnvFunction, args
  kCallValue,    // a: callee expression (a member for `x.f()`), args
  kBuiltin,      // fn: Builtin, args (predicates are kPredicate nodes)
  kPredicate,    // a: body
  kPointer,      // `#` (name empty) or `#index`; text: name
  kConditional,  // a ? b : c
};

enum class Op : std::uint8_t {
  kNot,  // unary `not` / `!`
  kNegate,
  kPlus,
  kOr,
  kAnd,
  kEqual,
  kNotEqual,
  kLess,
  kMore,
  kLessOrEqual,
  kMoreOrEqual,
  kIn,
  kContains,
  kStartsWith,
  kEndsWith,
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,
  kModulo,
  kExponent,
  kCoalesce,
};

// Argo's helpers (`EvalCondition`'s env).
enum class EnvFunction : std::uint8_t { kAsInt, kAsFloat, kIsNaN, kIsInf, kIsNil, kDefault };

// The expr builtins this evaluator implements.
enum class Builtin : std::uint8_t {
  kLen,
  kAbs,
  kMax,
  kMin,
  kMean,
  kAll,
  kAny,
  kNone,
  kOne,
  kFilter,
  kMap,
  kCount,
  kSum,
};

struct Node {
  NodeKind kind = NodeKind::kNil;
  Op op = Op::kNot;
  std::uint8_t fn = 0;         // EnvFunction or Builtin
  std::uint8_t floatMask = 0;  // kInteger: per result kind, read as float64 (bit = Value::Kind)
  std::int32_t pos = 0;        // character offset of the node's token
  std::int32_t a = -1, b = -1, c = -1;
  std::int32_t firstArg = 0, argCount = 0;  // into Program::args
  std::int32_t height = 1;                  // of the subtree rooted here
  std::int32_t constant = -1;               // kString
  std::int64_t intValue = 0;
  double floatValue = 0;
  bool boolValue = false;
  std::string text;  // operator spelling, identifier, property or pointer name
};

// Number of result kinds the checker runs for (one per Value::Kind).
inline constexpr int kResultKinds = 8;

struct Program {
  std::string source;
  std::vector<Node> nodes;
  std::vector<std::int32_t> args;
  std::vector<Value> constants;
  std::int32_t root = -1;
  // A syntax error, or a check error that holds whatever the result is.
  std::optional<ExprError> compileError;
  // The check's verdict for each kind of result.
  std::array<std::optional<ExprError>, kResultKinds> checkErrors;
  // An error found while folding constants (`5 % 0`); reported after the check errors.
  std::optional<ExprError> foldError;
  int maxPredicateDepth = 0;

  ExprError errorAt(std::int32_t pos, std::string message) const;
};

// Parses `source` into `program` (nodes, root); on a syntax error sets compileError.
void parse(Program& program);

// Runs expr's checker over the parsed tree: first with `result` of unknown type (errors there
// become compileError), then once per kind of result (checkErrors, floatMask).
void check(Program& program);

// expr's constant folding (optimizer/fold.go), run after the checks as expr's compiler does.
// It can make an expression skip what would fail at run time (`result[9] > 1 || true` is true).
void fold(Program& program);

// Interpreter entry points (interpreter.cpp).
bool evaluateProgram(const Program& program, const Value& result, Value* out, ExprError* error);
ConditionResult evaluateCondition(const Program& program, const Value& result);

}  // namespace rolloutlab::core::argo::detail
