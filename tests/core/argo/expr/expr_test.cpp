// The expr language subset Argo conditions use. Expected values come from expr v1.17.8 (the
// version argo-rollouts vendors): docs/language-definition.md, parser/parser.go,
// checker/checker.go, vm/runtime/*.go, builtin/*.go, optimizer/fold.go; and from argo-rollouts
// utils/evaluate/evaluate.go and evaluate_test.go. Each test names the rule it mirrors.

#include "rolloutlab/core/argo/expr/expr.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "rolloutlab/core/rng.h"

using rolloutlab::core::InputError;
using rolloutlab::core::argo::compile;
using rolloutlab::core::argo::CompiledExpr;
using rolloutlab::core::argo::compileLenient;
using rolloutlab::core::argo::ExprError;
using rolloutlab::core::argo::ExprException;
using rolloutlab::core::argo::Value;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

Value eval(std::string_view source, const Value& result = Value()) {
  return compile(source).evaluate(result);
}

bool cond(std::string_view source, const Value& result = Value()) {
  const auto r = compile(source).evalCondition(result);
  EXPECT_TRUE(r.ok) << source << ": " << r.error.toString();
  return r.value;
}

ExprError errorOf(std::string_view source, const Value& result = Value()) {
  const CompiledExpr e = compileLenient(source);
  Value out;
  ExprError error;
  EXPECT_FALSE(e.evaluate(result, &out, &error)) << source << " gave " << out.toString();
  return error;
}

Value vec(std::vector<double> v) { return Value::floats(std::move(v)); }

// A JSON object as the web provider decodes it (encoding/json: numbers are float64).
Value dnsResponse() {
  return Value::map({{"Status", Value::number(0)},
                     {"TC", Value::boolean(false)},
                     {"Answer", Value::array({Value::map({{"name", Value::string("google.com.")},
                                                          {"TTL", Value::number(300)}})})}});
}

}  // namespace

// language-definition.md "Literals": integers in four bases with `_` separators, floats, and
// strings in either quote with escapes; backquoted strings are raw.
TEST(ArgoExpr, Literals) {
  EXPECT_EQ(eval("42").asInt(), 42);
  EXPECT_EQ(eval("0x2A").asInt(), 42);
  EXPECT_EQ(eval("0o52").asInt(), 42);
  EXPECT_EQ(eval("0b101010").asInt(), 42);
  EXPECT_EQ(eval("1_000_000").asInt(), 1000000);
  EXPECT_EQ(eval("0.5").asFloat(), 0.5);
  EXPECT_EQ(eval(".5").asFloat(), 0.5);
  EXPECT_EQ(eval("1e3").asFloat(), 1000.0);
  EXPECT_EQ(eval("1e3").kind(), Value::Kind::kFloat);
  EXPECT_EQ(eval("\"foo\"").asString(), "foo");
  EXPECT_EQ(eval("'bar'").asString(), "bar");
  EXPECT_EQ(eval("\"a\\tb\\n\"").asString(), "a\tb\n");
  EXPECT_EQ(eval("'\\u00e9'").asString(), "\xc3\xa9");
  EXPECT_EQ(eval("`raw\\n`").asString(), "raw\\n");
  EXPECT_TRUE(eval("nil").isNil());
  EXPECT_TRUE(eval("true").asBool());
  // parser.go: ParseInt(value, 10, 64) fails beyond int64; the error sits on the next token.
  EXPECT_EQ(errorOf("9223372036854775808").message,
            "invalid integer literal: strconv.ParseInt: parsing \"9223372036854775808\": value "
            "out of range");
  // lexer state.go `scanNumber`: a number followed by a letter.
  EXPECT_EQ(errorOf("result >= 1a").message, "bad number syntax: \"1a\"");
}

// runtime helpers `Divide`: `/` converts both operands to float64, so 7 / 2 is 3.5 and 1 / 0
// is +Inf; checker.go types it float64 whatever the operands.
TEST(ArgoExpr, DivisionIsAlwaysFloat) {
  EXPECT_EQ(eval("7 / 2").kind(), Value::Kind::kFloat);
  EXPECT_EQ(eval("7 / 2").asFloat(), 3.5);
  EXPECT_EQ(eval("6 / 3").kind(), Value::Kind::kFloat);
  EXPECT_EQ(eval("1 / 0").asFloat(), kInf);
  EXPECT_EQ(eval("result / 4", Value::integer(2)).asFloat(), 0.5);
}

// checker.go `binaryNode` "%": both operands must be integers; runtime `Modulo` is Go's `%`
// (sign of the dividend); a literal zero divisor fails when folding (optimizer/fold.go), a
// computed one at run time (Go's runtime panic).
TEST(ArgoExpr, ModuloOnIntegersOnly) {
  EXPECT_EQ(eval("7 % 3").asInt(), 1);
  EXPECT_EQ(eval("-7 % 3").asInt(), -1);
  EXPECT_EQ(errorOf("7.5 % 2").message, "invalid operation: % (mismatched types float64 and int)");
  EXPECT_EQ(errorOf("result % 2", Value::number(3)).message,
            "invalid operation: % (mismatched types float64 and int)");
  EXPECT_EQ(errorOf("5 % 0").message, "integer divide by zero");
  EXPECT_EQ(errorOf("5 % result", Value::integer(0)).message,
            "runtime error: integer divide by zero");
}

// language-definition.md: `^` or `**` is the exponent; runtime `Exponent` is
// math.Pow(float64, float64); operator.go: precedence 100, right associative, above unary
// minus (90).
TEST(ArgoExpr, Power) {
  EXPECT_EQ(eval("2 ** 10").kind(), Value::Kind::kFloat);
  EXPECT_EQ(eval("2 ** 10").asFloat(), 1024.0);
  EXPECT_EQ(eval("2 ^ 3 ^ 2").asFloat(), 512.0);
  EXPECT_EQ(eval("-2 ** 2").asFloat(), -4.0);
  EXPECT_EQ(eval("result ** 0.5", Value::number(16)).asFloat(), 4.0);
}

// runtime helpers (`Add`, `Less`, `Equal`, ...): int op int stays int (wrapping like Go), any
// float operand makes the operation float64; comparisons convert the int side.
TEST(ArgoExpr, IntFloatPromotion) {
  EXPECT_EQ(eval("1 + 2").kind(), Value::Kind::kInt);
  EXPECT_EQ(eval("1 + 0.5").kind(), Value::Kind::kFloat);
  EXPECT_EQ(eval("1 + 0.5").asFloat(), 1.5);
  EXPECT_EQ(eval("result * 2", Value::integer(3)).kind(), Value::Kind::kInt);
  EXPECT_EQ(eval("result * 2", Value::number(1.5)).asFloat(), 3.0);
  EXPECT_TRUE(cond("result == 1", Value::number(1.0)));
  EXPECT_TRUE(cond("result == 1.0", Value::integer(1)));
  EXPECT_TRUE(cond("result > 0", Value::number(0.5)));
  EXPECT_FALSE(cond("result < 1", Value::integer(1)));
  EXPECT_TRUE(cond("asInt(result) + 0.5 == 3.5", Value::number(3.9)));
  EXPECT_EQ(eval("9223372036854775807 + result", Value::integer(1)).asInt(),
            std::numeric_limits<std::int64_t>::min());
}

// runtime helpers `Less`/`More`/`Equal` on float64: Go's IEEE comparisons, so every ordered
// comparison and `==` with NaN is false and `!=` is true; infinities order normally.
TEST(ArgoExpr, NaNAndInfinityComparisons) {
  const Value nan = Value::number(kNaN);
  for (const char* c : {"result < 0.5", "result > 0.5", "result <= 0.5", "result >= 0.5",
                        "result == 0.5", "result == result"}) {
    EXPECT_FALSE(cond(c, nan)) << c;
  }
  EXPECT_TRUE(cond("result != 0.5", nan));
  EXPECT_TRUE(cond("isNaN(result)", nan));
  EXPECT_TRUE(cond("result >= 0.95", Value::number(kInf)));
  EXPECT_FALSE(cond("result < 1e308", Value::number(kInf)));
  EXPECT_TRUE(cond("isInf(result)", Value::number(-kInf)));
  EXPECT_FALSE(cond("result[0] >= 0.95", vec({kNaN})));
}

// language-definition.md "Logical": `not`/`!`, `and`/`&&`, `or`/`||`; operator.go
// precedences: not 50, and 15, or 10, comparisons 20.
TEST(ArgoExpr, BooleanOperatorsBothSpellings) {
  EXPECT_TRUE(cond("true and true"));
  EXPECT_TRUE(cond("true && true"));
  EXPECT_TRUE(cond("false or true"));
  EXPECT_TRUE(cond("false || true"));
  EXPECT_TRUE(cond("not false"));
  EXPECT_TRUE(cond("!false"));
  EXPECT_TRUE(cond("true || false && false"));  // and binds tighter
  EXPECT_TRUE(cond("not true == false"));       // (not true) == false
  EXPECT_TRUE(cond("result > 1 and result < 3", Value::number(2)));
  EXPECT_TRUE(cond("result > 1 && result < 3", Value::number(2)));
  // checker.go: and/or need bool operands.
  EXPECT_EQ(errorOf("result && true", Value::number(1)).message,
            "invalid operation: && (mismatched types float64 and bool)");
  EXPECT_EQ(errorOf("not result", Value::number(1)).message,
            "invalid operation: not (mismatched type float64)");
}

// compiler.go `BinaryNode`: and/or jump over the right side, so a guard protects an index.
TEST(ArgoExpr, ShortCircuit) {
  EXPECT_TRUE(cond("len(result) == 0 || result[0] >= 0.95", vec({})));
  EXPECT_FALSE(cond("len(result) > 0 && result[0] >= 0.95", vec({})));
  EXPECT_TRUE(cond("len(result) == 0 || result[0] >= 0.95", vec({0.97})));
  EXPECT_FALSE(cond("len(result) == 0 || result[0] >= 0.95", vec({0.5})));
  // The left side of and/or is asserted to be a bool at run time (vm.go OpJumpIfFalse).
  EXPECT_EQ(errorOf("result.ok && result.fast", Value::map({})).message,
            "interface conversion: interface {} is nil, not bool");
}

// optimizer/fold.go folds `x || true` to true and `x && false` to false without evaluating x,
// so a templated constant can hide a runtime error (compile-time checks still apply).
TEST(ArgoExpr, ConstantFoldingSkipsTheOtherSide) {
  EXPECT_TRUE(cond("result[0] > 1 || true", vec({})));
  EXPECT_FALSE(cond("result[0] > 1 && false", vec({})));
  EXPECT_EQ(errorOf("result[0] > 1 || false", vec({})).message,
            "index out of range: 0 (array length is 0)");
  EXPECT_EQ(errorOf("result[0] > 1 || true", Value::number(1)).message,
            "type float64[int] is undefined");
}

// parser.go `parseConditional` (ternary, `?:`) and `??`; checker.go: the condition must be a
// bool.
TEST(ArgoExpr, ConditionalAndNilCoalescing) {
  EXPECT_EQ(eval("result > 1 ? 10 : 20", Value::number(2)).asInt(), 10);
  EXPECT_EQ(eval("result > 1 ? 10 : 20", Value::number(0)).asInt(), 20);
  EXPECT_EQ(eval("result > 1 ? 'hi' : result < 0 ? 'lo' : 'mid'", Value::number(0.5)).asString(),
            "mid");
  EXPECT_EQ(errorOf("result ? 1 : 2", Value::number(1)).message,
            "non-bool expression (type float64) used as condition");
  EXPECT_EQ(eval("result.missing ?? 7", Value::map({})).asInt(), 7);
  EXPECT_EQ(eval("result ?? 7", Value()).asInt(), 7);
  EXPECT_EQ(eval("result.a ?? 7", Value::map({{"a", Value::number(1)}})).asFloat(), 1.0);
}

// parser.go `parseComparison`: `a < b < c` is `a < b && b < c`.
TEST(ArgoExpr, ChainedComparisons) {
  EXPECT_TRUE(cond("0 < result < 1", Value::number(0.5)));
  EXPECT_FALSE(cond("0 < result < 1", Value::number(1.5)));
  EXPECT_TRUE(cond("0 <= result[0] <= result[1] <= 1", vec({0.2, 0.9})));
}

// language-definition.md "Membership Operator": `.` and `[]` on maps, indexes on arrays,
// negative indices from the end; runtime `Fetch`: a missing map key is nil, an index out of
// range is an error that reports the index after adding the length.
TEST(ArgoExpr, MemberAccessAndIndexing) {
  const Value dns = dnsResponse();
  EXPECT_EQ(eval("result.Status", dns).asFloat(), 0.0);
  EXPECT_EQ(eval("result[\"Status\"]", dns).asFloat(), 0.0);
  EXPECT_EQ(eval("result.Answer[0].name", dns).asString(), "google.com.");
  EXPECT_EQ(eval("result.Answer[-1].TTL", dns).asFloat(), 300.0);
  EXPECT_TRUE(eval("result.Missing", dns).isNil());
  EXPECT_EQ(eval("result[-1]", vec({1, 2, 3})).asFloat(), 3.0);
  // runtime `ToInt` truncates a float index whose type is only known at run time (a literal
  // float index is a check error, below).
  const Value indexed = Value::map(
      {{"i", Value::number(1.9)}, {"a", Value::array({Value::number(5), Value::number(6)})}});
  EXPECT_EQ(eval("result.a[result.i]", indexed).asFloat(), 6.0);
  EXPECT_EQ(errorOf("result[1.5]", vec({1, 2})).message,
            "array elements can only be selected using an integer (got float64)");
  EXPECT_EQ(errorOf("result[3]", vec({1, 2, 3})).message,
            "index out of range: 3 (array length is 3)");
  EXPECT_EQ(errorOf("result[-4]", vec({1, 2, 3})).message,
            "index out of range: -1 (array length is 3)");
  EXPECT_EQ(errorOf("result.Answer[1]", dns).message, "index out of range: 1 (array length is 1)");
  EXPECT_EQ(errorOf("result.Missing.x", dns).message, "cannot fetch x from <nil>");
  EXPECT_EQ(errorOf("result.Status.x", dns).message, "cannot fetch x from float64");
}

// checker.go `memberNode` with the result's static type: what cannot be indexed is a compile
// error (Argo compiles with the result in the environment).
TEST(ArgoExpr, MemberChecksDependOnResultType) {
  EXPECT_EQ(errorOf("result[0]", Value::number(1)).message, "type float64[int] is undefined");
  EXPECT_EQ(errorOf("result.foo", Value::number(1)).message, "type float64 has no field foo");
  EXPECT_EQ(errorOf("result.foo", vec({1})).message,
            "array elements can only be selected using an integer (got string)");
  EXPECT_EQ(errorOf("result[0]", dnsResponse()).message,
            "cannot use int to get an element from map[string]interface {}");
  EXPECT_EQ(errorOf("result.foo", Value()).message, "type nil has no field foo");
  EXPECT_EQ(errorOf("result[0]", Value::string("abc")).message, "type string[int] is undefined");
  // The same expression is fine for a result of another type.
  EXPECT_EQ(eval("result[0]", vec({4})).asFloat(), 4.0);
}

// runtime `In` and checker.go "in": membership in arrays (by `==`, so 2 matches 2.0) and in
// map keys; `not in` negates (parser.go).
TEST(ArgoExpr, InOperator) {
  EXPECT_TRUE(cond("2 in result", vec({2, 2})));  // evaluate_test.go TestEvaluateInOperator
  EXPECT_FALSE(cond("3 in result", vec({2, 2})));
  EXPECT_TRUE(cond("3 not in result", vec({2, 2})));
  EXPECT_TRUE(cond("'Status' in result", dnsResponse()));
  EXPECT_FALSE(cond("'status' in result", dnsResponse()));
  EXPECT_TRUE(cond("result in [200, 201]", Value::number(201)));
  EXPECT_EQ(errorOf("'a' in result", vec({1})).message,
            "cannot use string as type float64 in array");
}

// language-definition.md "String": `+`, `contains`, `startsWith`, `endsWith`; runtime
// `Less` orders strings bytewise; `len` counts characters (builtin `Len`).
TEST(ArgoExpr, Strings) {
  const Value body = Value::string("It worked!");
  EXPECT_TRUE(cond("result == 'It worked!'", body));
  EXPECT_TRUE(cond("result contains 'work'", body));
  EXPECT_TRUE(cond("result startsWith 'It'", body));
  EXPECT_TRUE(cond("result endsWith '!'", body));
  EXPECT_TRUE(cond("result not contains 'fail'", body));
  EXPECT_EQ(eval("result + '?'", body).asString(), "It worked!?");
  EXPECT_TRUE(cond("'abc' < 'abd'"));
  EXPECT_EQ(eval("len('h\xc3\xa9llo')").asInt(), 5);
}

// builtin.go `len`, `abs`, `max`, `min`, `mean`; `max`/`min` look into array arguments
// (builtin/lib.go `minMax`) and give nil when there is nothing to compare.
TEST(ArgoExpr, NumberBuiltins) {
  EXPECT_EQ(eval("len(result)", vec({1, 2, 3})).asInt(), 3);
  EXPECT_EQ(eval("len(result)", dnsResponse()).asInt(), 3);
  EXPECT_EQ(eval("abs(-5)").asInt(), 5);
  EXPECT_EQ(eval("abs(result)", Value::number(-0.25)).asFloat(), 0.25);
  EXPECT_EQ(eval("max(5, 7)").asInt(), 7);
  EXPECT_EQ(eval("min(5, 7)").asInt(), 5);
  EXPECT_EQ(eval("max(result)", vec({0.01, 0.07, 0.03})).asFloat(), 0.07);
  EXPECT_EQ(eval("min(result)", vec({0.01, 0.07, 0.03})).asFloat(), 0.01);
  EXPECT_EQ(eval("max(result, 0.5)", vec({0.01, 0.07})).asFloat(), 0.5);
  EXPECT_TRUE(eval("max(result)", vec({})).isNil());
  EXPECT_EQ(eval("mean(result)", vec({1, 2, 3, 6})).asFloat(), 3.0);
  EXPECT_EQ(eval("mean(result)", vec({})).asFloat(), 0.0);
  EXPECT_EQ(errorOf("len(result)", Value::number(1)).message,
            "invalid argument for len (type float64)");
  EXPECT_EQ(errorOf("max(result) < 0.05", vec({})).message, "invalid operation: <nil> < float64");
}

// language-definition.md "Predicate" and the array functions: `#` is the current element,
// `.field` is `#.field`, braces are optional; `#index` exists in map(); all() of an empty
// array is true, any() false, one() exactly one; filter/map build arrays; count and sum fold.
TEST(ArgoExpr, PredicatesWithClosures) {
  const Value v = vec({0.97, 0.99, 0.5});
  EXPECT_FALSE(cond("all(result, {# >= 0.95})", v));
  EXPECT_TRUE(cond("any(result, {# >= 0.95})", v));
  EXPECT_FALSE(cond("none(result, # < 0.6)", v));
  EXPECT_TRUE(cond("one(result, # < 0.6)", v));
  EXPECT_TRUE(cond("all(result, # < 1000)", v));
  EXPECT_TRUE(cond("all(result, {# > 0.9})", vec({})));
  EXPECT_FALSE(cond("any(result, {# > 0.9})", vec({})));
  EXPECT_EQ(eval("count(result, # > 0.9)", v).asInt(), 2);
  EXPECT_EQ(eval("len(filter(result, # > 0.9))", v).asInt(), 2);
  EXPECT_EQ(eval("filter(result, # > 0.9)[1]", v).asFloat(), 0.99);
  EXPECT_EQ(eval("sum(map(result, {# * 2}))", vec({1, 2})).asFloat(), 6.0);
  EXPECT_EQ(eval("sum(result)", vec({1, 2})).asFloat(), 3.0);
  EXPECT_EQ(eval("sum(result)", vec({})).asInt(), 0);
  EXPECT_EQ(eval("map(result, #index)[2]", v).asInt(), 2);
  // Nested predicates: `#` is the innermost element.
  EXPECT_TRUE(cond("all(result, {any([1, 2], {# == 2})})", v));
  // `.value` on map elements, as in the SkyWalking docs example.
  const Value sky = Value::map(
      {{"service_apdex",
        Value::map(
            {{"label", Value()},
             {"values", Value::map({{"values", Value::array({
                                                   Value::map({{"value", Value::number(9950)}}),
                                                   Value::map({{"value", Value::number(9990)}}),
                                               })}})}})}});
  EXPECT_TRUE(cond("all(result.service_apdex.values.values, {asFloat(.value) >= 9900})", sky));
  // checker.go: the predicate must return a bool; `#index` only exists in map().
  EXPECT_EQ(errorOf("all(result, {# + 1})", v).message,
            "predicate should return boolean (got float64)");
  EXPECT_EQ(errorOf("all(result, {#index > 0})", v).message, "unknown pointer #index");
  EXPECT_EQ(errorOf("all(result, {# > 1})", Value::number(1)).message,
            "builtin all takes only array (got float64)");
}

// evaluate_test.go TestEvaluateArray: all() over values nested in maps.
TEST(ArgoExpr, ArgoEvaluateArray) {
  const Value floats = Value::map(
      {{"service_apdex",
        Value::map({{"label", Value()},
                    {"values", Value::map({{"values", Value::array({Value::number(2),
                                                                    Value::number(2)})}})}})}});
  EXPECT_TRUE(cond("all(result.service_apdex.values.values, {# > 1})", floats));
}

// evaluate.go `asInt`/`asFloat` and evaluate_test.go TestEvaluateAsInt, TestEvaluateAsFloat,
// TestEvaluateAsIntPanic, TestEvaluateAsFloatError.
TEST(ArgoExpr, AsIntAndAsFloat) {
  EXPECT_TRUE(cond("asInt(result) == 1", Value::string("1")));
  EXPECT_TRUE(cond("asInt(result) == 1", Value::integer(1)));
  EXPECT_TRUE(cond("asInt(result) == 1", Value::number(1.123)));
  EXPECT_FALSE(compileLenient("asInt(result) == 1.1").evalCondition(Value::string("1.1")).ok);
  EXPECT_EQ(errorOf("asInt(result)", Value::string("1.1")).message,
            "strconv.ParseInt: parsing \"1.1\": invalid syntax");
  EXPECT_TRUE(cond("asFloat(result) == 1.1", Value::string("1.1")));
  EXPECT_TRUE(cond("asFloat(result) >= 1.1", Value::string("1.1")));
  EXPECT_TRUE(cond("asFloat(result) <= 1.1", Value::string("1.1")));
  EXPECT_TRUE(cond("asFloat(result) == 1.1", Value::number(1.1)));
  EXPECT_TRUE(cond("asFloat(result) == 1", Value::integer(1)));
  EXPECT_TRUE(cond("asFloat(result) >= 1", Value::integer(1)));
  EXPECT_EQ(errorOf("asFloat(result) == 1.1", Value::string("NotANum")).message,
            "strconv.ParseFloat: parsing \"NotANum\": invalid syntax");
  EXPECT_EQ(errorOf("asFloat(result) == \"1.1\"", Value::string("1.1")).message,
            "invalid operation: == (mismatched types float64 and string)");
  EXPECT_EQ(errorOf("asInt(result)", Value::boolean(true)).message,
            "asInt() not supported on bool true");
  EXPECT_EQ(errorOf("asFloat(result)", Value()).message, "asFloat() not supported on <nil> <nil>");
  // strconv.ParseFloat accepts Inf and NaN spellings.
  EXPECT_TRUE(cond("isNaN(asFloat(result))", Value::string("NaN")));
  EXPECT_TRUE(cond("isInf(asFloat(result))", Value::string("+Inf")));
}

// evaluate.go `isNaN` (math.IsNaN), `isInf` (math.IsInf(f, 0)): float64 parameters, so an
// integer literal is converted (checker.go `traverseAndReplaceIntegerNodesWithFloatNodes`)
// but other integers, nil or a string are refused.
TEST(ArgoExpr, IsNaNAndIsInf) {
  EXPECT_TRUE(cond("isNaN(result)", Value::number(kNaN)));
  EXPECT_FALSE(cond("isNaN(result[0])", vec({0.5})));
  EXPECT_TRUE(cond("isInf(result)", Value::number(kInf)));
  EXPECT_FALSE(cond("isInf(1)"));
  EXPECT_FALSE(cond("isNaN(1 + 2)"));
  EXPECT_EQ(errorOf("isNaN(len(result))", vec({1})).message,
            "interface conversion: interface {} is int, not float64");
  EXPECT_EQ(errorOf("isNaN(nil)").message,
            "cannot use nil as argument (type float64) to call isNaN");
  EXPECT_EQ(errorOf("isNaN(result)", vec({1})).message,
            "cannot use []float64 as argument (type float64) to call isNaN ");
  EXPECT_EQ(errorOf("isNaN()").message, "not enough arguments to call isNaN");
  EXPECT_EQ(errorOf("isNaN(1, 2)").message, "too many arguments to call isNaN");
}

// evaluate.go `isNilFunc` and `defaultFunc` ignore their first argument: isNil(x) asks whether
// the result is nil, default(x, d) is the whole result unless it is nil. The argument is still
// evaluated first, so it can fail.
TEST(ArgoExpr, IsNilAndDefaultLookAtTheResult) {
  EXPECT_TRUE(cond("isNil(result)", Value()));
  EXPECT_FALSE(cond("isNil(result)", vec({})));  // an empty list is not nil
  EXPECT_FALSE(cond("isNil(result.missing)", Value::map({})));
  EXPECT_TRUE(cond("default(result, 0) < 5", Value()));
  EXPECT_EQ(eval("default(result, 0)", Value::number(7)).asFloat(), 7.0);
  EXPECT_EQ(eval("default(result.missing, 1)", dnsResponse()).kind(), Value::Kind::kMap);
  EXPECT_EQ(errorOf("default(result[0], 0) < 5", vec({})).message,
            "index out of range: 0 (array length is 0)");
  EXPECT_EQ(errorOf("default(result[0], 0) < 5", vec({1})).message,
            "invalid operation: []float64 < int");
}

// checker.go `identifierNode` (the environment is strict) and evaluate_test.go
// TestErrorWithInvalidReference: "unknown name invalidVariable".
TEST(ArgoExpr, UnknownNames) {
  EXPECT_EQ(errorOf("invalidVariable").message, "unknown name invalidVariable");
  EXPECT_EQ(errorOf("results[0] >= 90.000000", vec({95})).message, "unknown name results");
  EXPECT_EQ(errorOf("foo(1)").message, "unknown name foo");
}

// evaluate.go `EvalCondition` and evaluate_test.go TestErrorWithNonBoolReturn.
TEST(ArgoExpr, ConditionMustBeBool) {
  auto r = compile("1").evalCondition(Value::boolean(true));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.message, "expected bool, but got int");
  r = compile("result").evalCondition(vec({1}));
  EXPECT_EQ(r.error.message, "expected bool, but got []float64");
  r = compile("result == true")
          .evalCondition(Value::boolean(true));  // TestEvaluateConditionWithSuccess
  EXPECT_TRUE(r.ok && r.value);
  r = compile("result == false").evalCondition(Value::boolean(true));
  EXPECT_TRUE(r.ok && !r.value);
  r = compile("result > 1").evalCondition(Value::number(5));  // TestEvaluateFloat64
  EXPECT_TRUE(r.ok && r.value);
}

// file/error.go `Bind`: 1-based line and column (in characters) of the offending token; the
// parser reports the token where it stopped, the checker the node (an operator, a `[`, a
// name), the VM the node whose opcode failed.
TEST(ArgoExpr, ErrorColumns) {
  auto where = [](std::string_view src, const Value& result = Value()) {
    const ExprError e = errorOf(src, result);
    return std::to_string(e.line) + ":" + std::to_string(e.column) + " " + e.message;
  };
  EXPECT_EQ(where("result >="), "1:9 unexpected token EOF");
  EXPECT_EQ(where("(result > 1"), "1:11 unexpected token EOF");
  EXPECT_EQ(where("result >= 0.95 )"), "1:16 unexpected token Bracket(\")\")");
  EXPECT_EQ(where("result @ 1"), "1:8 unrecognized character: U+0040 '@'");
  EXPECT_EQ(where("'abc"), "1:5 literal not terminated");
  EXPECT_EQ(where("result > 1 and foo"), "1:16 unknown name foo");
  EXPECT_EQ(where("result[0] >= 'x'", vec({1})),
            "1:11 invalid operation: >= (mismatched types "
            "float64 and string)");
  EXPECT_EQ(where("result[0] >= 0.95", vec({})), "1:7 index out of range: 0 (array length is 0)");
  EXPECT_EQ(where("result.a.b", Value::map({})), "1:10 cannot fetch b from <nil>");
  EXPECT_EQ(where("len(result) > 0 &&\n  isNaN(len(result))", vec({1})),
            "2:3 interface conversion: interface {} is int, not float64");
  EXPECT_EQ(compileLenient("result > 1 and foo").compileError()->toString("successCondition"),
            "successCondition: 1:16: unknown name foo");
}

// `compile` rejects what fails whatever the result is; a result-dependent check error is
// reported by evaluation (Argo compiles with the result at each measurement).
TEST(ArgoExpr, CompileThrowsOnlyForResultIndependentErrors) {
  EXPECT_THROW(compile("result >="), ExprException);
  EXPECT_THROW(compile("1 == 'a'"), ExprException);
  EXPECT_THROW(compile("5 % 0"), InputError);
  EXPECT_NO_THROW(compile("result[0] >= 0.95"));
  try {
    compile("foo > 1");
    FAIL();
  } catch (const ExprException& e) {
    EXPECT_EQ(e.error().column, 1);
    EXPECT_EQ(e.error().message, "unknown name foo");
    EXPECT_NE(std::string(e.what()).find("unknown name foo"), std::string::npos);
  }
  const CompiledExpr lenient = compileLenient("result >=");
  EXPECT_FALSE(lenient.ok());
  EXPECT_EQ(lenient.evalCondition(Value::number(1)).error.message, "unexpected token EOF");
}

// The parts of expr outside the subset are refused by name, not misread.
TEST(ArgoExpr, UnsupportedConstructsAreNamed) {
  for (const char* src :
       {"let x = 1; x", "result matches 'a.*'", "1..3", "result | len()", "result?.a",
        "result[1:2]", "{a: 1}", "find(result, # > 1)", "upper('a')", "if true { 1 } else { 2 }"}) {
    const CompiledExpr compiled = compileLenient(src);
    const ExprError* e = compiled.compileError();
    ASSERT_NE(e, nullptr) << src;
    EXPECT_NE(e->message.find("not supported"), std::string::npos) << src << ": " << e->message;
  }
}

// fmt `%v` and `%T`, which expr and Argo use in messages.
TEST(ArgoExpr, ValuesPrintAsGoDoes) {
  EXPECT_EQ(Value::number(0.95).toString(), "0.95");
  EXPECT_EQ(Value::number(1e6).toString(), "1e+06");
  EXPECT_EQ(Value::number(123456).toString(), "123456");
  EXPECT_EQ(Value::number(0.0001).toString(), "0.0001");
  EXPECT_EQ(Value::number(0.00001).toString(), "1e-05");
  EXPECT_EQ(Value::number(kInf).toString(), "+Inf");
  EXPECT_EQ(Value::number(kNaN).toString(), "NaN");
  EXPECT_EQ(vec({1, 2.5}).toString(), "[1 2.5]");
  EXPECT_EQ(Value::map({{"b", Value()}, {"a", Value::integer(1)}}).toString(), "map[a:1 b:<nil>]");
  EXPECT_STREQ(vec({}).typeName(), "[]float64");
  EXPECT_STREQ(Value::array({}).typeName(), "[]interface {}");
  EXPECT_STREQ(Value().typeName(), "<nil>");
}

// One compiled expression serves concurrent evaluations (Monte Carlo threads).
TEST(ArgoExpr, ConcurrentEvaluation) {
  const CompiledExpr e = compile("all(result, {# >= 0.95}) && len(result) == 3");
  std::vector<std::thread> threads;
  std::vector<int> passes(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 2000; ++k) {
        const double x = (k % 2 == 0) ? 0.99 : 0.5;
        passes[static_cast<std::size_t>(t)] += e.evalCondition(vec({x, 0.97, 0.96})).value;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int p : passes) EXPECT_EQ(p, 1000);
}

// Bad input never crashes: token soup (valid tokens in random order, stray bytes, broken UTF-8)
// either compiles or reports an error with a position inside the text, for every kind of result.
TEST(ArgoExpr, TokenSoupNeverCrashes) {
  static const char* kTokens[] = {
      "result",   "[",    "]",   "0",      "-1",     "1.5",      ".",   "foo",   "(",       ")",
      "{",        "}",    "#",   "#index", ",",      "&&",       "||",  "and",   "not",     "in",
      "?",        ":",    "??",  "+",      "*",      "/",        "%",   "**",    "==",      "<",
      "'a'",      "\"",   "all", "map",    "filter", "len",      "max", "isNaN", "default", "asInt",
      "nil",      "true", " ",   "\n",     "\xff",   "\xc3\xa9", "sum", "`",     "0x",      "1e",
      "contains", "!",    "one", "count",  ".value", "-",        "^",   "abs",   "isNil",   ">="};
  const Value results[] = {Value(),
                           Value::boolean(true),
                           Value::integer(3),
                           Value::number(kNaN),
                           Value::string("x"),
                           vec({}),
                           vec({0.5, 2}),
                           Value::array({Value(), Value::number(1), Value::string("s")}),
                           Value::map({{"value", Value::number(1)}, {"a", vec({1})}})};
  rolloutlab::core::Rng rng(20240611);
  int compiled = 0;
  for (int n = 0; n < 3000; ++n) {
    std::string src;
    const int length = 1 + static_cast<int>(rng.next() % 12);
    for (int k = 0; k < length; ++k) {
      src += kTokens[rng.next() % (sizeof kTokens / sizeof kTokens[0])];
      if (rng.next() % 3 == 0) src += ' ';
    }
    const CompiledExpr e = compileLenient(src);
    compiled += e.ok();
    for (const Value& r : results) {
      Value out;
      ExprError error;
      if (!e.evaluate(r, &out, &error)) {
        EXPECT_GE(error.line, 1) << src;
        EXPECT_GE(error.column, 1) << src;
        EXPECT_FALSE(error.message.empty()) << src;
      }
      (void)e.evalCondition(r);
    }
  }
  EXPECT_GT(compiled, 0);
}

// parser.go `checkNodeLimit` (conf.DefaultMaxNodes = 10000) bounds an expression's size; a
// fixed stack also needs a bound on its depth. Either way the answer is an error, not a crash.
TEST(ArgoExpr, HugeOrDeepExpressionsAreErrors) {
  const std::string parens = std::string(100000, '(') + "1" + std::string(100000, ')');
  EXPECT_EQ(compileLenient(parens).compileError()->message, "expression is nested too deeply");
  std::string chain = "result";
  for (int i = 0; i < 3000; ++i) chain += " + result";
  EXPECT_EQ(compileLenient(chain).compileError()->message, "expression is nested too deeply");
  std::string wide = "[";
  for (int i = 0; i < 12000; ++i) wide += "result, ";
  wide += "1]";
  EXPECT_EQ(compileLenient(wide).compileError()->message,
            "compilation failed: expression exceeds maximum allowed nodes");
  std::string ors = "result[0] > 0";
  for (int i = 1; i < 100; ++i) ors += " || result[0] > " + std::to_string(i);
  EXPECT_TRUE(compile(ors).evalCondition(vec({50})).value);
}
