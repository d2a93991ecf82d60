// Parser and type checker: accepted syntax, precedence, and error messages with line:column.
// Expected error texts are the ones Prometheus 2.42 answers (observed on the Debian 2.42.0
// server behind tests/support/prom-fixture.sh, `GET /api/v1/query`), minus its
// `invalid parameter "query": ` prefix.
#include <gtest/gtest.h>

#include <cmath>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/promql/memory_series_store.h"
#include "rolloutlab/core/promql/query.h"

namespace {

using namespace rolloutlab::core::promql;
using rolloutlab::core::InputError;

std::string parseError(const std::string& q) {
  try {
    parse(q);
  } catch (const InputError& e) {
    return e.diagnostic().rule;
  }
  return "(parsed)";
}

double scalarOf(const std::string& q) {
  MemorySeriesStore store;
  PreparedQuery p = parse(q);
  const auto& r = p.evaluate(store, 1000);
  EXPECT_EQ(r.kind, ResultKind::kScalar) << q;
  return r.scalar;
}

TEST(PromqlParser, ErrorsMatchPrometheus) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"sum(rate(foo[5m])", "1:18: parse error: unclosed left parenthesis"},
      {"foo{a=\"b\"", "1:10: parse error: unexpected end of input inside braces"},
      {"rate(foo)",
       "1:6: parse error: expected type range vector in call to function \"rate\", got instant "
       "vector"},
      {"sum(foo[5m])",
       "1:5: parse error: expected type instant vector in aggregation expression, got range "
       "vector"},
      {"1 > 2", "1:3: parse error: comparisons between scalars must use BOOL modifier"},
      {"foo + on(x) 1", "1:1: parse error: vector matching only allowed between instant vectors"},
      {"foo offset", "1:11: parse error: unexpected end of input in offset, expected duration"},
      {"foo[5x]", "1:5: parse error: bad duration syntax: \"5\""},
      {"foo[5]", "1:5: parse error: missing unit character in duration"},
      {"foo[1s1m]", "1:5: parse error: not a valid duration string: \"1s1m\""},
      {"foo[0s]", "1:5: parse error: duration must be greater than 0"},
      {"foo{a=~\"(?=x)\"}",
       "1:5: parse error: error parsing regexp: invalid or unsupported Perl syntax: `(?=`"},
      {"foo{a=~\"x{2,1}\"}",
       "1:5: parse error: error parsing regexp: invalid repeat count: `{2,1}`"},
      {"{}", "1:1: parse error: vector selector must contain at least one non-empty matcher"},
      {"{a=\"\"}", "1:1: parse error: vector selector must contain at least one non-empty matcher"},
      {"foo{__name__=\"bar\"}",
       "1:1: parse error: metric name must not be set twice: \"foo\" or \"bar\""},
      {"bar(foo)", "1:1: parse error: unknown function with name \"bar\""},
      {"sum by (le) (foo) by (x)", "1:19: parse error: unexpected <by>"},
      {"foo and 1",
       "1:1: parse error: set operator \"and\" not allowed in binary scalar expression"},
      {"1 and foo",
       "1:1: parse error: set operator \"and\" not allowed in binary scalar expression"},
      {"foo == bool 1 + bool 2",
       "1:15: parse error: bool modifier can only be used on comparison operators"},
      {"rate(foo[5m]) offset 1m",
       "1:1: parse error: offset modifier must be preceded by an instant vector selector or range "
       "vector selector or a subquery"},
      {"foo offset 1m offset 1m", "1:1: parse error: offset may not be set multiple times"},
      {"foo offset 1m [5m]", "1:15: parse error: no offset modifiers allowed before range"},
      {"sum(foo) [5m]", "1:10: parse error: ranges only allowed for vector selectors"},
      {"-\"a\"",
       "1:1: parse error: unary expression only allowed on expressions of type scalar or instant "
       "vector, got \"string\""},
      {"\nfoo +\n  ) ", "3:4: parse error: unexpected right parenthesis ')'"},
      {"foo + + ", "1:9: parse error: unexpected end of input"},
      {"rate(foo[5m],)", "1:13: parse error: trailing commas not allowed in function call args"},
      {"foo ~ bar", "1:5: parse error: unexpected character: '~'"},
      {"foo != ", "1:8: parse error: unexpected end of input"},
      {"\"abc", "1:1: parse error: unterminated quoted string"},
      {"foo{a=\"\\q\"}", "1:7: parse error: unknown escape sequence U+0071 'q'"},
      {"foo{1=\"a\"}", "1:5: parse error: unexpected character inside braces: '1'"},
      {"histogram_quantile(0.9)",
       "1:1: parse error: expected 2 argument(s) in call to \"histogram_quantile\", got 1"},
      {"round(foo, 1, 2)",
       "1:1: parse error: expected at most 2 argument(s) in call to \"round\", got 3"},
      {"sum()", "1:1: parse error: no arguments for aggregate expression provided"},
      {"time(1)", "1:1: parse error: expected 0 argument(s) in call to \"time\", got 1"},
      {"group_left", "1:1: parse error: unexpected <group_left>"},
      {"foo + group_left bar", "1:7: parse error: unexpected <group_left>"},
      {"foo / on(a) group_left(a) bar",
       "1:5: parse error: label \"a\" must not occur in ON and GROUP clause at once"},
      {"", "1:1: parse error: no expression found in input"},
  };
  for (const auto& [q, want] : cases) EXPECT_EQ(parseError(q), want) << q;
}

TEST(PromqlParser, UnsupportedConstructsAreNamed) {
  EXPECT_EQ(parseError("label_replace(foo, \"a\", \"b\", \"c\", \"d\")"),
            "1:1: parse error: function \"label_replace\" is not supported by this evaluator");
  EXPECT_EQ(parseError("predict_linear(foo[5m], 60)"),
            "1:1: parse error: function \"predict_linear\" is not supported by this evaluator");
  EXPECT_EQ(parseError("topk(3, foo)"),
            "1:1: parse error: aggregation \"topk\" is not supported by this evaluator");
  EXPECT_EQ(parseError("rate(foo[5m:1m])"),
            "1:9: parse error: subqueries are not supported by this evaluator");
  EXPECT_EQ(parseError("foo @ 1700000000"),
            "1:5: parse error: the @ modifier is not supported by this evaluator");
  EXPECT_NE(parseError("foo[5m]").find("range vector results are not supported"),
            std::string::npos);
  EXPECT_EQ(parseError("\"text\""),
            "1:1: parse error: string results are not supported by this evaluator");
  // Unicode classes are Prometheus' (RE2) syntax and parse; what RE2 refuses is named at the
  // matcher with Go's message.
  EXPECT_EQ(parseError("foo{a=~\"\\\\pL+\"}"), "(parsed)");
  EXPECT_EQ(parseError("foo{a=~\"(?=x)\"}"),
            "1:5: parse error: error parsing regexp: invalid or unsupported Perl syntax: `(?=`");
}

TEST(PromqlParser, DiagnosticCarriesLineAndColumn) {
  try {
    parse("sum(\n  rate(foo[5m]) +\n  )");
    FAIL() << "parsed";
  } catch (const InputError& e) {
    EXPECT_EQ(e.diagnostic().line, 3);
    EXPECT_EQ(e.diagnostic().column, 3);
    EXPECT_EQ(std::string(e.what()), "query: 3:3: parse error: unexpected \")\"");
  }
}

TEST(PromqlParser, OperatorPrecedenceAndAssociativity) {
  // generated_parser.y: ^ binds tighter than unary minus, which binds like *; ^ is right-assoc.
  EXPECT_EQ(scalarOf("1 + 2 * 3 ^ 2"), 19);
  EXPECT_EQ(scalarOf("-2 ^ 2"), -4);
  EXPECT_EQ(scalarOf("2 ^ 3 ^ 2"), 512);
  EXPECT_EQ(scalarOf("2 ^ -1"), 0.5);
  EXPECT_EQ(scalarOf("10 - 4 - 3"), 3);
  EXPECT_EQ(scalarOf("100 / 10 / 5"), 2);
  EXPECT_EQ(scalarOf("7 % 4 * 2"), 6);
  EXPECT_EQ(scalarOf("-1 + 3"), 2);
  EXPECT_EQ(scalarOf("1 < bool 2 + 1"), 1);  // comparisons bind looser than +
  EXPECT_EQ(scalarOf("(1 < bool 2) + 1"), 2);
  EXPECT_EQ(scalarOf("2 * -(3)"), -6);
  EXPECT_EQ(scalarOf("- - 3"), 3);
  EXPECT_EQ(scalarOf("+5"), 5);
  EXPECT_DOUBLE_EQ(scalarOf("3 atan2 4"), std::atan2(3.0, 4.0));
}

TEST(PromqlParser, NumberLiterals) {
  // parse.go number: strconv.ParseInt(v, 0, 64) first, so a leading 0 means octal.
  EXPECT_EQ(scalarOf("010"), 8);
  EXPECT_EQ(scalarOf("09"), 9);
  EXPECT_EQ(scalarOf("0x1F"), 31);
  EXPECT_EQ(scalarOf("1e3"), 1000);
  EXPECT_EQ(scalarOf(".5"), 0.5);
  EXPECT_EQ(scalarOf("5."), 5);
  EXPECT_TRUE(std::isinf(scalarOf("Inf")));
  EXPECT_TRUE(std::isinf(scalarOf("-inf")));
  EXPECT_TRUE(std::isnan(scalarOf("NaN")));
  EXPECT_TRUE(std::isnan(scalarOf("nan")));
}

TEST(PromqlParser, Durations) {
  TimestampMs ms = 0;
  ASSERT_TRUE(parseDuration("1m30s", ms));
  EXPECT_EQ(ms, 90000);
  ASSERT_TRUE(parseDuration("1y2w3d4h5m6s7ms", ms));
  EXPECT_EQ(ms, ((((365LL + 14 + 3) * 24 + 4) * 60 + 5) * 60 + 6) * 1000 + 7);
  ASSERT_TRUE(parseDuration("250ms", ms));
  EXPECT_EQ(ms, 250);
  ASSERT_TRUE(parseDuration("0", ms));
  EXPECT_EQ(ms, 0);
  std::string err;
  EXPECT_FALSE(parseDuration("1s1m", ms, &err));
  EXPECT_EQ(err, "not a valid duration string: \"1s1m\"");
  EXPECT_FALSE(parseDuration("1h1h", ms, &err));
  EXPECT_FALSE(parseDuration("5", ms, &err));
  EXPECT_FALSE(parseDuration("", ms, &err));
  EXPECT_EQ(err, "empty duration string");
  EXPECT_FALSE(parseDuration("300y", ms, &err));
  EXPECT_EQ(err, "duration out of range");
  for (const char* q : {"rate(foo[1m30s])", "rate(foo[100ms])", "rate(foo[2h])", "rate(foo[1d])",
                        "rate(foo[1w])", "rate(foo[1y])", "foo offset 1h30m", "foo offset -5m"}) {
    EXPECT_NO_THROW(parse(q)) << q;
  }
}

TEST(PromqlParser, WhitespaceCommentsAndQuotes) {
  // Flagger's untrimmed templates: tabs and newlines anywhere between tokens.
  EXPECT_NO_THROW(
      parse("\n\tsum(\n\t\trate(\n\t\t\tfoo{\n\t\t\t\ta=\"x\",\n\t\t\t\tb=~\"y\"\n\t\t\t}"
            "[\t1m ]\n\t\t)\n\t) \n\t/ \n\tsum(rate(foo[1m]))\n\t* 100"));
  EXPECT_NO_THROW(parse("foo # a comment\n + bar"));
  EXPECT_NO_THROW(parse("foo{a='single', b=`raw\\n`, c=\"esc\\\"aped\\u00e9\"}"));
  EXPECT_NO_THROW(parse("foo{a=\"x\",}"));
  EXPECT_NO_THROW(parse("SUM BY (le) (foo)"));
  EXPECT_NO_THROW(parse("sum(foo) without (a, b,)"));
  EXPECT_NO_THROW(parse("sum without () (foo)"));
  EXPECT_NO_THROW(parse("job:request_rate:5m"));
  EXPECT_NO_THROW(parse("sum(count) by (le)"));  // an aggregator word as a metric name
  EXPECT_NO_THROW(parse("{__name__=~\"a|b\"}"));
}

TEST(PromqlParser, AggregationModifierBeforeOrAfter) {
  MemorySeriesStore store;
  store.append(Labels{{"__name__", "m"}, {"a", "1"}, {"b", "x"}}, 0, 1);
  store.append(Labels{{"__name__", "m"}, {"a", "1"}, {"b", "y"}}, 0, 2);
  store.append(Labels{{"__name__", "m"}, {"a", "2"}, {"b", "y"}}, 0, 4);
  PreparedQuery before = parse("sum by (a) (m)");
  PreparedQuery after = parse("sum(m) by (a)");
  const auto& r1 = before.evaluate(store, 10);
  ASSERT_EQ(r1.vector.size(), 2u);
  EXPECT_EQ(r1.vector[0].value, 3);
  EXPECT_EQ(*r1.vector[0].labels, (Labels{{"a", "1"}}));
  EXPECT_EQ(r1.vector[1].value, 4);
  const auto& r2 = after.evaluate(store, 10);
  ASSERT_EQ(r2.vector.size(), 2u);
  EXPECT_EQ(r2.vector[0].value, 3);
  EXPECT_EQ(r2.vector[1].value, 4);
}

TEST(PromqlParser, ApiTimeConversion) {
  // web/api/v1/api.go parseTime: the fraction is rounded to ms, then truncated through ns.
  EXPECT_EQ(apiTimeToMs(1704067200), 1704067200000);
  EXPECT_EQ(apiTimeToMs(1704067200.5), 1704067200500);
  EXPECT_EQ(apiTimeToMs(1704067200.0004), 1704067200000);
  EXPECT_EQ(apiTimeToMs(1704067200.0006), 1704067200001);
  EXPECT_EQ(apiTimeToMs(1.9996), 2000);
}

}  // namespace
