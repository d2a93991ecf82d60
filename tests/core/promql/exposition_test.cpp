// The OpenMetrics / text exposition loader (the format promtool backfills and
// tests/support/istio-history.py writes).
#include "rolloutlab/core/promql/exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "prometheus_fixture.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/promql/query.h"
#include "test_support.h"

namespace {

using namespace rolloutlab::core::promql;
using rolloutlab::core::InputError;

std::string loadError(const std::string& text) {
  MemorySeriesStore s;
  ExpositionOptions o;
  o.fileName = "x.om";
  try {
    loadExposition(text, s, o);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(loaded)";
}

TEST(Exposition, LoadsSamplesWithSecondTimestamps) {
  MemorySeriesStore s;
  const auto r = loadExposition(
      "# HELP req Requests.\n"
      "# TYPE req counter\n"
      "req_total{code=\"200\",path=\"/a\\\\b\\\"c\\nd\"} 5 1704067200\n"
      "req_total{code=\"200\",path=\"/a\\\\b\\\"c\\nd\"} 7.5 1704067215.123\n"
      "req_total{code=\"500\",empty=\"\"} NaN 1704067200.0005 # {trace_id=\"x\"} 1 1704067200\n"
      "other +Inf 1704067200\n"
      "# EOF\n",
      s);
  EXPECT_EQ(r.samples, 4u);
  EXPECT_TRUE(r.warnings.empty());
  ASSERT_EQ(s.seriesCount(), 3u);
  const Labels l{{"__name__", "req_total"}, {"code", "200"}, {"path", "/a\\b\"c\nd"}};
  const SeriesRef ref = s.addSeries(l);  // the existing series
  EXPECT_EQ(s.seriesCount(), 3u);
  ASSERT_EQ(s.times(ref).size(), 2u);
  EXPECT_EQ(s.times(ref)[0], 1704067200000);
  EXPECT_EQ(s.times(ref)[1], 1704067215123);
  EXPECT_EQ(s.values(ref)[1], 7.5);
  // An empty label value is dropped, as the TSDB drops it; ts × 1000 is truncated like promtool.
  const SeriesRef e = s.addSeries(Labels{{"__name__", "req_total"}, {"code", "500"}});
  EXPECT_EQ(s.seriesCount(), 3u);
  EXPECT_EQ(s.times(e)[0], 1704067200000);
  EXPECT_TRUE(std::isnan(s.values(e)[0]));
}

TEST(Exposition, MillisecondTimestampsForTheTextFormat) {
  MemorySeriesStore s;
  ExpositionOptions o;
  o.timestampsInSeconds = false;
  o.requireEof = false;
  loadExposition("m{a=\"1\"} 3 1704067200123\n", s, o);
  EXPECT_EQ(s.times(0)[0], 1704067200123);
}

TEST(Exposition, OutOfOrderAndDuplicateSamplesAreDroppedWithAWarning) {
  MemorySeriesStore s;
  const auto r = loadExposition("m 1 10\nm 2 20\nm 3 20\nm 4 15\nm 5 30\n# EOF\n", s);
  EXPECT_EQ(r.samples, 3u);
  EXPECT_EQ(r.lines, 5u);
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_EQ(r.warnings[0].line, 3);
  EXPECT_EQ(r.warnings[1].line, 4);
}

TEST(Exposition, ErrorsNameLineAndColumn) {
  EXPECT_EQ(loadError("m 1 10\n"), "x.om:1: data does not end with # EOF");
  EXPECT_EQ(loadError("m 1\n# EOF\n"), "x.om:1: column 4: expected a timestamp");
  EXPECT_EQ(loadError("m 1 10\nm{a=\"x} 1 10\n# EOF\n"),
            "x.om:2: column 13: unterminated label value");
  EXPECT_EQ(loadError("m{a=\"x\" b=\"y\"} 1 10\n# EOF\n"),
            "x.om:1: column 9: expected ',' or '}' in label set");
  EXPECT_EQ(loadError("m{a=\"x\",a=\"y\"} 1 10\n# EOF\n"),
            "x.om:1: column 9: duplicate label name \"a\"");
  EXPECT_EQ(loadError("m{a=\"\\t\"} 1 10\n# EOF\n"),
            "x.om:1: column 6: invalid escape sequence \\t in label value");
  EXPECT_EQ(loadError("m abc 10\n# EOF\n"), "x.om:1: column 3: invalid value \"abc\"");
  EXPECT_EQ(loadError("m 1 x\n# EOF\n"), "x.om:1: column 5: invalid timestamp \"x\"");
  EXPECT_EQ(loadError("9m 1 10\n# EOF\n"), "x.om:1: column 1: expected a metric name");
  EXPECT_EQ(loadError("m 1 10 extra\n# EOF\n"),
            "x.om:1: column 8: unexpected text after the timestamp");
  EXPECT_EQ(loadError("m 1 10\n# EOF\nm 1 20\n"), "x.om:3: column 1: unexpected data after # EOF");
  try {
    MemorySeriesStore s;
    loadExposition("m 1 10\nm{ 1 10\n# EOF\n", s);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.diagnostic().line, 2);
    EXPECT_EQ(e.diagnostic().column, 4);
  }
}

TEST(Exposition, GoFloatSyntax) {
  double v = 0;
  EXPECT_TRUE(parseGoFloat("1e3", v));
  EXPECT_EQ(v, 1000);
  EXPECT_TRUE(parseGoFloat("+Inf", v));
  EXPECT_TRUE(std::isinf(v));
  EXPECT_TRUE(parseGoFloat("-infinity", v));
  EXPECT_TRUE(v < 0 && std::isinf(v));
  EXPECT_TRUE(parseGoFloat("NaN", v));
  EXPECT_FALSE(parseGoFloat("+NaN", v));  // strconv.ParseFloat: no sign before NaN
  EXPECT_TRUE(parseGoFloat("0x1p-2", v));
  EXPECT_EQ(v, 0.25);
  EXPECT_FALSE(parseGoFloat("0x10", v));  // a hex mantissa needs a p exponent
  EXPECT_FALSE(parseGoFloat(" 1", v));
  EXPECT_FALSE(parseGoFloat("1_000", v));
  EXPECT_FALSE(parseGoFloat("1e400", v));  // overflow is an error
  EXPECT_TRUE(parseGoFloat("1e-400", v));  // underflow is zero
  EXPECT_EQ(v, 0);
  EXPECT_FALSE(parseGoFloat("", v));
}

TEST(Exposition, LoadsTheGeneratorsOutput) {
  char tmpl[] = "/tmp/rolloutlab-om-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string out = std::string(tmpl) + "/istio.om";
  const std::string why = rolloutlab::test::generateIstioHistory("--duration 10m --seed 3", out);
  ASSERT_TRUE(why.empty()) << why;
  MemorySeriesStore s;
  const auto r = loadExpositionFile(out, s);
  // 41 points × 2 workloads × (2 codes + 20 buckets + count + sum) series.
  EXPECT_EQ(s.seriesCount(), 2u * 24u);
  EXPECT_EQ(r.samples, 41u * 48u);
  EXPECT_TRUE(r.warnings.empty());
  PreparedQuery q = parse("sum(istio_requests_total)");
  EXPECT_GT(q.evaluate(s, 1704067800).vector.at(0).value, 0);
  std::remove(out.c_str());
  std::remove(tmpl);
}

}  // namespace
