// Functions, operators and selection on hand-built series, each against a value computed by
// hand from the Prometheus 2.42 rule named in the test.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "rolloutlab/core/promql/memory_series_store.h"
#include "rolloutlab/core/promql/query.h"

namespace {

using namespace rolloutlab::core::promql;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Samples given as (seconds, value).
void series(MemorySeriesStore& s, const Labels& l, std::vector<std::pair<double, double>> pts) {
  const SeriesRef r = s.addSeries(l);
  for (const auto& [t, v] : pts) ASSERT_TRUE(s.append(r, std::llround(t * 1000), v));
}

// The single value of a one-element vector (NaN and a failure otherwise).
double one(MemorySeriesStore& s, const std::string& q, double t) {
  PreparedQuery p = parse(q);
  const auto& r = p.evaluate(s, t);
  if (r.kind == ResultKind::kScalar) return r.scalar;
  EXPECT_EQ(r.kind, ResultKind::kVector) << q << ": " << r.error;
  EXPECT_EQ(r.vector.size(), 1u) << q;
  return r.vector.size() == 1 ? r.vector[0].value : kNaN;
}

std::size_t count(MemorySeriesStore& s, const std::string& q, double t) {
  PreparedQuery p = parse(q);
  const auto& r = p.evaluate(s, t);
  EXPECT_EQ(r.kind, ResultKind::kVector) << q << ": " << r.error;
  return r.vector.size();
}

std::string errorOf(MemorySeriesStore& s, const std::string& q, double t) {
  PreparedQuery p = parse(q);
  const auto& r = p.evaluate(s, t);
  return r.kind == ResultKind::kError ? r.error : "(no error)";
}

Labels L(std::initializer_list<std::pair<std::string_view, std::string_view>> l) {
  return Labels(l);
}

TEST(PromqlRate, AlignedWindowNeedsNoExtrapolation) {
  // functions.go extrapolatedRate: samples on both window ends, 5 samples in [0, 60] (2.x
  // includes both ends): increase = 60 - 0 = 60, rate = 60 / 60 s.
  MemorySeriesStore s;
  series(s, L({{"__name__", "c_total"}}), {{0, 0}, {15, 15}, {30, 30}, {45, 45}, {60, 60}});
  EXPECT_DOUBLE_EQ(one(s, "increase(c_total[1m])", 60), 60);
  EXPECT_DOUBLE_EQ(one(s, "rate(c_total[1m])", 60), 1);
  EXPECT_DOUBLE_EQ(one(s, "count_over_time(c_total[1m])", 60), 5);
}

TEST(PromqlRate, ExtrapolatesToTheWindowEdges) {
  // Samples at 10, 25, 40, 55 in [0, 60]: durationToStart 10 and durationToEnd 5 are below
  // 1.1 × the 15 s average interval, so the 45 s sampled interval extends to 60 s:
  // increase = 45 × 60 / 45 = 60. The counter's zero point (100 / 45 × 45 s = 100 s before the
  // first sample) is further away than the window start, so it does not apply.
  MemorySeriesStore s;
  series(s, L({{"__name__", "c_total"}}), {{10, 100}, {25, 115}, {40, 130}, {55, 145}});
  EXPECT_DOUBLE_EQ(one(s, "increase(c_total[1m])", 60), 60);
  EXPECT_DOUBLE_EQ(one(s, "rate(c_total[1m])", 60), 1);
}

TEST(PromqlRate, DoesNotExtrapolateBelowZero) {
  // Values 5, 20, 35, 50 at 10..55: the counter was 0 at 45 × 5 / 45 = 5 s before the first
  // sample, less than durationToStart (10 s): extrapolation stops there (extrapolateToZero).
  // increase = 45 × (45 + 5 + 5) / 45 = 55.
  MemorySeriesStore s;
  series(s, L({{"__name__", "c_total"}}), {{10, 5}, {25, 20}, {40, 35}, {55, 50}});
  EXPECT_DOUBLE_EQ(one(s, "increase(c_total[1m])", 60), 55);
  // delta() is not a counter function: it extrapolates the full 10 s: 45 × 60 / 45.
  EXPECT_DOUBLE_EQ(one(s, "delta(c_total[1m])", 60), 60);
}

TEST(PromqlRate, FarFromTheEdgeExtrapolatesHalfAnInterval) {
  // Samples at 30, 45, 60 in [0, 60]: durationToStart 30 s exceeds 1.1 × 15 s, so only half an
  // average interval (7.5 s) is added at the start: increase = 30 × 37.5 / 30 = 37.5.
  MemorySeriesStore s;
  series(s, L({{"__name__", "c_total"}}), {{30, 100}, {45, 115}, {60, 130}});
  EXPECT_DOUBLE_EQ(one(s, "increase(c_total[1m])", 60), 37.5);
  // The 1.1 threshold: at 16.5 s exactly it no longer extrapolates to the edge. Window
  // [-16.5, 60]... take samples 16.4 s and 16.6 s from the start instead.
  MemorySeriesStore near;
  series(near, L({{"__name__", "c_total"}}), {{16.4, 100}, {31.4, 115}, {46.4, 130}});
  // durationToStart 16.4 < 16.5: extends by 16.4; durationToEnd 13.6 < 16.5: extends by 13.6.
  EXPECT_DOUBLE_EQ(one(near, "increase(c_total[1m])", 60), 30.0 * 60.0 / 30.0);
  MemorySeriesStore far;
  series(far, L({{"__name__", "c_total"}}), {{16.6, 100}, {31.6, 115}, {46.6, 130}});
  // durationToStart 16.6 > 16.5: extends by 7.5 only; end 13.4: extends by 13.4.
  EXPECT_DOUBLE_EQ(one(far, "increase(c_total[1m])", 60), 30.0 * (30.0 + 7.5 + 13.4) / 30.0);
}

TEST(PromqlRate, CounterResetsAreAddedBack) {
  // extrapolatedRate: each decrease adds back the value before it. 10, 20, 5, 8, 3 over an
  // aligned window: 3 - 10 + 20 (20 → 5) + 8 (8 → 3) = 21.
  MemorySeriesStore s;
  series(s, L({{"__name__", "c_total"}}), {{0, 10}, {15, 20}, {30, 5}, {45, 8}, {60, 3}});
  EXPECT_DOUBLE_EQ(one(s, "increase(c_total[1m])", 60), 21);
  EXPECT_DOUBLE_EQ(one(s, "resets(c_total[1m])", 60), 2);
  // instantValue: after a reset irate takes the new value as the increase.
  EXPECT_DOUBLE_EQ(one(s, "irate(c_total[1m])", 60), 3.0 / 15);
  EXPECT_DOUBLE_EQ(one(s, "irate(c_total[1m])", 45), 3.0 / 15);  // 5 → 8
  EXPECT_DOUBLE_EQ(one(s, "irate(c_total[1m])", 30), 5.0 / 15);  // 20 → 5: reset
  EXPECT_DOUBLE_EQ(one(s, "idelta(c_total[1m])", 30), -15);      // idelta ignores resets
  // delta() treats the series as a gauge: 3 - 10.
  EXPECT_DOUBLE_EQ(one(s, "delta(c_total[1m])", 60), -7);
}

TEST(PromqlRate, FewerThanTwoSamplesGiveNothing) {
  MemorySeriesStore s;
  series(s, L({{"__name__", "c_total"}}), {{0, 1}, {100, 2}});
  EXPECT_EQ(count(s, "rate(c_total[1m])", 60), 0u);
  EXPECT_EQ(count(s, "irate(c_total[1m])", 60), 0u);
  EXPECT_EQ(count(s, "count_over_time(c_total[1m])", 60), 1u);
}

TEST(PromqlSelection, RangeIncludesBothEndsInPrometheus2) {
  // engine.go matrixIterSlice (2.42): mint = T - range, samples with mint <= t <= T.
  // (Prometheus 3 excludes t == mint.)
  MemorySeriesStore s;
  series(s, L({{"__name__", "g"}}), {{0, 1}, {30, 2}, {60, 3}});
  EXPECT_DOUBLE_EQ(one(s, "count_over_time(g[1m])", 60), 3);
  EXPECT_DOUBLE_EQ(one(s, "count_over_time(g[1m])", 60.001), 2);
  EXPECT_DOUBLE_EQ(one(s, "sum_over_time(g[30s])", 30), 3);
}

TEST(PromqlSelection, InstantLookbackIsFiveMinutesInclusive) {
  // engine.go vectorSelectorSingle: the latest sample with T - 5m <= t <= T.
  MemorySeriesStore s;
  series(s, L({{"__name__", "g"}}), {{0, 1}, {10, 2}});
  EXPECT_DOUBLE_EQ(one(s, "g", 10), 2);
  EXPECT_DOUBLE_EQ(one(s, "g", 9.999), 1);
  EXPECT_DOUBLE_EQ(one(s, "g", 310), 2);
  EXPECT_EQ(count(s, "g", 310.001), 0u);
  EXPECT_EQ(count(s, "g", -1), 0u);
  // offset moves the reference time back.
  EXPECT_DOUBLE_EQ(one(s, "g offset 5s", 14), 1);
  EXPECT_DOUBLE_EQ(one(s, "g offset -5s", 5), 2);
  // The look-back is an option (--query.lookback-delta).
  QueryOptions o;
  o.lookbackDelta = 60 * 1000;
  PreparedQuery shortLookback = parse("g", o);
  EXPECT_TRUE(shortLookback.evaluate(s, 71).vector.empty());
  EXPECT_EQ(shortLookback.evaluate(s, 70).vector.size(), 1u);
}

TEST(PromqlSelection, StalenessMarkersEndASeries) {
  MemorySeriesStore s;
  series(s, L({{"__name__", "g"}}), {{0, 1}, {15, 2}, {30, staleNaN()}, {45, 4}});
  EXPECT_DOUBLE_EQ(one(s, "g", 29), 2);
  EXPECT_EQ(count(s, "g", 31), 0u);  // the latest sample is a marker: no value
  EXPECT_DOUBLE_EQ(one(s, "g", 46), 4);
  EXPECT_DOUBLE_EQ(one(s, "count_over_time(g[1m])", 60), 3);  // markers are skipped
}

TEST(PromqlSelection, MatchersAndLabelOrder) {
  MemorySeriesStore s;
  // Added out of order; Prometheus returns a selection ordered by labels (labels.Compare).
  series(s, L({{"__name__", "m"}, {"code", "500"}, {"w", "b"}}), {{0, 1}});
  series(s, L({{"__name__", "m"}, {"code", "200"}, {"w", "b"}}), {{0, 2}});
  series(s, L({{"__name__", "m"}, {"code", "200"}}), {{0, 3}});
  series(s, L({{"__name__", "m"}, {"code", "200"}, {"w", "A"}}), {{0, 4}});
  PreparedQuery all = parse("m");
  const auto& r = all.evaluate(s, 1);
  ASSERT_EQ(r.vector.size(), 4u);
  EXPECT_EQ(r.vector[0].value, 3);  // {code=200} is a prefix of {code=200, w=...}
  EXPECT_EQ(r.vector[1].value, 4);  // "A" < "b"
  EXPECT_EQ(r.vector[2].value, 2);
  EXPECT_EQ(r.vector[3].value, 1);
  EXPECT_EQ(count(s, "m{w=\"\"}", 1), 1u);  // an absent label matches ""
  EXPECT_EQ(count(s, "m{w!=\"\"}", 1), 3u);
  EXPECT_EQ(count(s, "m{w=~\"b|\"}", 1), 3u);
  EXPECT_EQ(count(s, "m{code!~\"5.*\"}", 1), 3u);
  EXPECT_EQ(count(s, "m{w=~\"(?i)a\"}", 1), 1u);
  EXPECT_EQ(count(s, "m{w=~\"a\"}", 1), 0u);  // anchored and case-sensitive
  EXPECT_EQ(count(s, "{__name__=~\"m|n\", code=\"500\"}", 1), 1u);
}

TEST(PromqlAggregation, SumAvgCountMinMaxByAndWithout) {
  MemorySeriesStore s;
  series(s, L({{"__name__", "m"}, {"a", "x"}, {"b", "1"}}), {{0, 1}});
  series(s, L({{"__name__", "m"}, {"a", "x"}, {"b", "2"}}), {{0, 2}});
  series(s, L({{"__name__", "m"}, {"a", "y"}, {"b", "1"}}), {{0, 6}});
  EXPECT_DOUBLE_EQ(one(s, "sum(m)", 1), 9);
  EXPECT_DOUBLE_EQ(one(s, "avg(m)", 1), 3);
  EXPECT_DOUBLE_EQ(one(s, "count(m)", 1), 3);
  EXPECT_DOUBLE_EQ(one(s, "min(m)", 1), 1);
  EXPECT_DOUBLE_EQ(one(s, "max(m)", 1), 6);
  EXPECT_DOUBLE_EQ(one(s, "group(m)", 1), 1);
  EXPECT_DOUBLE_EQ(one(s, "stdvar(m)", 1), (4.0 + 1.0 + 9.0) / 3);
  EXPECT_DOUBLE_EQ(one(s, "quantile(0.5, m)", 1), 2);
  PreparedQuery by = parse("sum by (a) (m)");
  const auto& r = by.evaluate(s, 1);
  ASSERT_EQ(r.vector.size(), 2u);
  EXPECT_EQ(*r.vector[0].labels, L({{"a", "x"}}));
  EXPECT_EQ(r.vector[0].value, 3);
  EXPECT_EQ(r.vector[1].value, 6);
  PreparedQuery without = parse("max without (a) (m)");
  const auto& w = without.evaluate(s, 1);
  ASSERT_EQ(w.vector.size(), 2u);
  EXPECT_EQ(*w.vector[0].labels, L({{"b", "1"}}));  // without also drops __name__
  EXPECT_EQ(w.vector[0].value, 6);
  EXPECT_EQ(w.vector[1].value, 2);
}

TEST(PromqlAggregation, NaNHandling) {
  // engine.go aggregation: max/min replace a NaN accumulator; sum propagates NaN.
  MemorySeriesStore s;
  series(s, L({{"__name__", "m"}, {"i", "1"}}), {{0, kNaN}});
  series(s, L({{"__name__", "m"}, {"i", "2"}}), {{0, 3}});
  EXPECT_DOUBLE_EQ(one(s, "max(m)", 1), 3);
  EXPECT_DOUBLE_EQ(one(s, "min(m)", 1), 3);
  EXPECT_TRUE(std::isnan(one(s, "sum(m)", 1)));
  EXPECT_TRUE(std::isnan(one(s, "avg(m)", 1)));
  EXPECT_DOUBLE_EQ(one(s, "count(m)", 1), 2);
}

TEST(PromqlHistogramQuantile, InterpolatesLinearlyInsideTheBucket) {
  // quantile.go bucketQuantile: rank = q × count(+Inf); the first bucket whose cumulative count
  // reaches the rank; linear interpolation between its bounds.
  MemorySeriesStore s;
  for (const auto& [le, c] : std::vector<std::pair<std::string, double>>{
           {"0.5", 10}, {"1", 30}, {"2", 90}, {"+Inf", 100}}) {
    series(s, L({{"__name__", "h_bucket"}, {"le", le}}), {{0, c}});
  }
  // rank 50 falls in (1, 2]: 1 + (2 - 1) × (50 - 30) / 60.
  EXPECT_DOUBLE_EQ(one(s, "histogram_quantile(0.5, h_bucket)", 1), 1 + 20.0 / 60);
  // The lowest bucket interpolates from 0 when its upper bound is positive: 0.5 × 5 / 10.
  EXPECT_DOUBLE_EQ(one(s, "histogram_quantile(0.05, h_bucket)", 1), 0.25);
  // Ranks in the +Inf bucket answer the highest finite bound.
  EXPECT_DOUBLE_EQ(one(s, "histogram_quantile(0.95, h_bucket)", 1), 2);
  // q outside [0, 1] and NaN.
  EXPECT_EQ(one(s, "histogram_quantile(-0.1, h_bucket)", 1), -kInf);
  EXPECT_EQ(one(s, "histogram_quantile(1.1, h_bucket)", 1), kInf);
  EXPECT_TRUE(std::isnan(one(s, "histogram_quantile(NaN, h_bucket)", 1)));
  // The output drops `le` and the metric name.
  PreparedQuery q = parse("histogram_quantile(0.5, h_bucket)");
  EXPECT_TRUE(q.evaluate(s, 1).vector[0].labels->empty());
}

TEST(PromqlHistogramQuantile, EdgeCasesFromThePrometheusDocumentation) {
  auto hist = [](const std::vector<std::pair<std::string, double>>& buckets) {
    auto s = std::make_unique<MemorySeriesStore>();
    for (const auto& [le, c] : buckets) {
      s->append(Labels{{"__name__", "h_bucket"}, {"le", le}}, 0, c);
    }
    return s;
  };
  // Without a +Inf bucket the result is NaN.
  EXPECT_TRUE(std::isnan(one(*hist({{"1", 1}, {"2", 2}}), "histogram_quantile(0.5, h_bucket)", 1)));
  // No observations: NaN.
  EXPECT_TRUE(
      std::isnan(one(*hist({{"1", 0}, {"+Inf", 0}}), "histogram_quantile(0.5, h_bucket)", 1)));
  // Fewer than two buckets: NaN.
  EXPECT_TRUE(std::isnan(one(*hist({{"+Inf", 5}}), "histogram_quantile(0.5, h_bucket)", 1)));
  // A lowest bucket with a bound <= 0 answers its bound, without interpolation.
  EXPECT_EQ(
      one(*hist({{"-1", 5}, {"1", 10}, {"+Inf", 10}}), "histogram_quantile(0.2, h_bucket)", 1), -1);
  // Non-monotonic counts are replaced by their running maximum (ensureMonotonic): buckets
  // 1:10, 2:8→10, 4:20, +Inf:20; rank 15 lies in (2, 4]: 2 + 2 × 5 / 10.
  EXPECT_DOUBLE_EQ(one(*hist({{"1", 10}, {"2", 8}, {"4", 20}, {"+Inf", 20}}),
                       "histogram_quantile(0.75, h_bucket)", 1),
                   3);
  // Buckets with the same bound ("1" and "1.0") are merged (coalesceBuckets): 1:4+6=10.
  EXPECT_DOUBLE_EQ(one(*hist({{"1", 4}, {"1.0", 6}, {"2", 20}, {"+Inf", 20}}),
                       "histogram_quantile(0.5, h_bucket)", 1),
                   1);
  // A malformed `le` is skipped.
  EXPECT_DOUBLE_EQ(
      one(*hist({{"abc", 1000}, {"1", 10}, {"+Inf", 20}}), "histogram_quantile(0.25, h_bucket)", 1),
      0.5);
}

TEST(PromqlHistogramQuantile, GroupsByAllLabelsButLe) {
  MemorySeriesStore s;
  for (const char* w : {"a", "b"}) {
    for (const auto& [le, c] :
         std::vector<std::pair<std::string, double>>{{"1", 5}, {"+Inf", 10}}) {
      series(s, L({{"__name__", "h_bucket"}, {"w", w}, {"le", le}}), {{0, c}});
    }
  }
  PreparedQuery q = parse("histogram_quantile(0.5, h_bucket)");
  const auto& r = q.evaluate(s, 1);
  ASSERT_EQ(r.vector.size(), 2u);
  EXPECT_EQ(*r.vector[0].labels, L({{"w", "a"}}));
  EXPECT_DOUBLE_EQ(r.vector[0].value, 1);
}

TEST(PromqlOperators, ArithmeticComparisonsAndBool) {
  MemorySeriesStore s;
  series(s, L({{"__name__", "m"}, {"i", "1"}}), {{0, 2}});
  series(s, L({{"__name__", "m"}, {"i", "2"}}), {{0, 5}});
  // Arithmetic drops the metric name; a filter keeps it; bool answers 0/1 and drops it.
  PreparedQuery add = parse("m + 1");
  EXPECT_FALSE(add.evaluate(s, 1).vector[0].labels->has("__name__"));
  PreparedQuery filter = parse("m > 3");
  const auto& f = filter.evaluate(s, 1);
  ASSERT_EQ(f.vector.size(), 1u);
  EXPECT_EQ(f.vector[0].value, 5);
  EXPECT_TRUE(f.vector[0].labels->has("__name__"));
  PreparedQuery b = parse("m > bool 3");
  const auto& bv = b.evaluate(s, 1);
  ASSERT_EQ(bv.vector.size(), 2u);
  EXPECT_EQ(bv.vector[0].value, 0);
  EXPECT_EQ(bv.vector[1].value, 1);
  // A scalar on the left of a comparison keeps the vector's value (VectorscalarBinop).
  PreparedQuery sl = parse("3 < m");
  EXPECT_EQ(sl.evaluate(s, 1).vector[0].value, 5);
  EXPECT_DOUBLE_EQ(one(s, "sum(m) % 4", 1), 3);
  EXPECT_DOUBLE_EQ(one(s, "sum(m) ^ 2", 1), 49);
  EXPECT_DOUBLE_EQ(one(s, "-sum(m)", 1), -7);
  EXPECT_DOUBLE_EQ(one(s, "sum(m) / 0", 1), kInf);
  EXPECT_TRUE(std::isnan(one(s, "(sum(m) - 7) / 0", 1)));  // 0/0: what an idle canary reads
}

TEST(PromqlOperators, VectorMatching) {
  MemorySeriesStore s;
  series(s, L({{"__name__", "req"}, {"w", "a"}, {"code", "200"}}), {{0, 90}});
  series(s, L({{"__name__", "req"}, {"w", "a"}, {"code", "500"}}), {{0, 10}});
  series(s, L({{"__name__", "tot"}, {"w", "a"}}), {{0, 100}});
  series(s, L({{"__name__", "tot"}, {"w", "b"}}), {{0, 50}});
  // one-to-one on(w)
  PreparedQuery on = parse("sum by (w) (req) / on(w) tot");
  const auto& r = on.evaluate(s, 1);
  ASSERT_EQ(r.vector.size(), 1u);
  EXPECT_EQ(*r.vector[0].labels, L({{"w", "a"}}));
  EXPECT_DOUBLE_EQ(r.vector[0].value, 1);
  // many-to-one needs group_left
  EXPECT_EQ(errorOf(s, "req / ignoring(code) tot", 1),
            "multiple matches for labels: many-to-one matching must be explicit "
            "(group_left/group_right)");
  PreparedQuery gl = parse("req / ignoring(code) group_left tot");
  const auto& g = gl.evaluate(s, 1);
  ASSERT_EQ(g.vector.size(), 2u);
  EXPECT_DOUBLE_EQ(g.vector[0].value, 0.9);
  EXPECT_EQ(*g.vector[0].labels, L({{"w", "a"}, {"code", "200"}}));
  // one-to-many with the "one" side on the left
  PreparedQuery gr = parse("tot - ignoring(code) group_right req");
  const auto& gv = gr.evaluate(s, 1);
  ASSERT_EQ(gv.vector.size(), 2u);
  EXPECT_DOUBLE_EQ(gv.vector[0].value, 10);  // 100 - 90
  // The "one" side must be unique.
  EXPECT_EQ(errorOf(s, "tot / ignoring(code) group_left req", 1),
            "found duplicate series for the match group {w=\"a\"} on the right hand-side of the "
            "operation: [{__name__=\"req\", code=\"500\", w=\"a\"}, {__name__=\"req\", "
            "code=\"200\", w=\"a\"}];many-to-many matching not allowed: matching labels must be "
            "unique on one side");
  // Set operators.
  EXPECT_EQ(count(s, "tot and on(w) req", 1), 1u);
  EXPECT_EQ(count(s, "tot unless on(w) req", 1), 1u);
  EXPECT_EQ(count(s, "tot or req", 1), 4u);
}

TEST(PromqlOperators, DuplicateLabelSetsAfterDroppingTheName) {
  MemorySeriesStore s;
  series(s, L({{"__name__", "a_total"}, {"w", "x"}}), {{0, 1}, {15, 2}});
  series(s, L({{"__name__", "b_total"}, {"w", "x"}}), {{0, 1}, {15, 3}});
  EXPECT_EQ(errorOf(s, "rate({__name__=~\".+_total\"}[1m])", 15),
            "vector cannot contain metrics with the same labelset");
  EXPECT_EQ(errorOf(s, "{__name__=~\".+_total\"} * 2", 15),
            "vector cannot contain metrics with the same labelset");
  EXPECT_EQ(count(s, "last_over_time({__name__=~\".+_total\"}[1m])", 15), 2u);  // keeps names
}

TEST(PromqlFunctions, ElementWise) {
  MemorySeriesStore s;
  series(s, L({{"__name__", "g"}}), {{0, -2.5}});
  EXPECT_DOUBLE_EQ(one(s, "abs(g)", 1), 2.5);
  EXPECT_DOUBLE_EQ(one(s, "ceil(g)", 1), -2);
  EXPECT_DOUBLE_EQ(one(s, "floor(g)", 1), -3);
  EXPECT_DOUBLE_EQ(one(s, "round(g)", 1), -2);  // ties round up: floor(-2.5 + 0.5)
  EXPECT_DOUBLE_EQ(one(s, "round(g, 2)", 1), -2);
  EXPECT_DOUBLE_EQ(one(s, "round(g * -1.26, 0.5)", 1), 3);  // 3.15 to the nearest 0.5
  EXPECT_DOUBLE_EQ(one(s, "clamp_min(g, 0)", 1), 0);
  EXPECT_DOUBLE_EQ(one(s, "clamp_max(g, -3)", 1), -3);
  EXPECT_DOUBLE_EQ(one(s, "clamp(g, -1, 1)", 1), -1);
  EXPECT_EQ(count(s, "clamp(g, 1, -1)", 1), 0u);  // max < min: empty
  EXPECT_DOUBLE_EQ(one(s, "sgn(g)", 1), -1);
  EXPECT_DOUBLE_EQ(one(s, "scalar(g)", 1), -2.5);
  EXPECT_DOUBLE_EQ(one(s, "vector(3)", 1), 3);
  EXPECT_DOUBLE_EQ(one(s, "time()", 12.5), 12.5);
  EXPECT_DOUBLE_EQ(one(s, "timestamp(g)", 12.5), 0);  // the sample's own time
  EXPECT_TRUE(std::isnan(one(s, "scalar(nothing)", 1)));
  // Go's math.Max/Min: NaN wins against a finite bound.
  MemorySeriesStore n;
  series(n, L({{"__name__", "g"}}), {{0, kNaN}});
  EXPECT_TRUE(std::isnan(one(n, "clamp_min(g, 0)", 1)));
}

TEST(PromqlFunctions, AbsentTakesLabelsFromEqualityMatchers) {
  MemorySeriesStore s;
  series(s, L({{"__name__", "up"}, {"job", "a"}}), {{0, 1}});
  PreparedQuery q = parse("absent(nope{job=\"x\", instance=~\"y\", env=\"p\", env=\"q\"})");
  const auto& r = q.evaluate(s, 1);
  ASSERT_EQ(r.vector.size(), 1u);
  EXPECT_EQ(r.vector[0].value, 1);
  // functions.go createLabelsForAbsentFunction: equality matchers only; a repeated name drops.
  EXPECT_EQ(*r.vector[0].labels, L({{"job", "x"}}));
  EXPECT_EQ(count(s, "absent(up)", 1), 0u);
  EXPECT_EQ(count(s, "absent_over_time(up[1m])", 30), 0u);
  EXPECT_EQ(count(s, "absent_over_time(up[1m])", 61), 1u);
}

TEST(PromqlFunctions, OverTime) {
  MemorySeriesStore s;
  series(s, L({{"__name__", "g"}}), {{0, 1}, {10, 4}, {20, 4}, {30, 3}});
  EXPECT_DOUBLE_EQ(one(s, "sum_over_time(g[30s])", 30), 12);
  EXPECT_DOUBLE_EQ(one(s, "avg_over_time(g[30s])", 30), 3);
  EXPECT_DOUBLE_EQ(one(s, "min_over_time(g[30s])", 30), 1);
  EXPECT_DOUBLE_EQ(one(s, "max_over_time(g[30s])", 30), 4);
  EXPECT_DOUBLE_EQ(one(s, "last_over_time(g[30s])", 30), 3);
  EXPECT_DOUBLE_EQ(one(s, "changes(g[30s])", 30), 2);
  EXPECT_DOUBLE_EQ(one(s, "quantile_over_time(0.5, g[30s])", 30), 3.5);
  EXPECT_DOUBLE_EQ(one(s, "stdvar_over_time(g[30s])", 30), 1.5);
  EXPECT_DOUBLE_EQ(one(s, "present_over_time(g[30s])", 30), 1);
  EXPECT_DOUBLE_EQ(one(s, "delta(g[30s])", 30), 2);
}

TEST(PromqlCaching, NewSeriesAreSeenAfterAGenerationChange) {
  MemorySeriesStore s;
  series(s, L({{"__name__", "m"}, {"i", "1"}}), {{0, 1}});
  PreparedQuery q = parse("sum(m)");
  EXPECT_EQ(q.evaluate(s, 1).vector[0].value, 1);
  series(s, L({{"__name__", "m"}, {"i", "2"}}), {{0, 2}});
  EXPECT_EQ(q.evaluate(s, 1).vector[0].value, 3);
  // Samples appended to known series are seen without a generation change.
  s.append(L({{"__name__", "m"}, {"i", "2"}}), 1000, 10);
  EXPECT_EQ(q.evaluate(s, 1).vector[0].value, 11);
  // Another source with the same shape does not reuse the first one's selection.
  MemorySeriesStore other;
  series(other, L({{"__name__", "m"}, {"i", "9"}}), {{0, 100}});
  EXPECT_EQ(q.evaluate(other, 1).vector[0].value, 100);
  // A copy shares the parsed query and has its own caches.
  PreparedQuery copy = q;
  EXPECT_EQ(copy.evaluate(s, 1).vector[0].value, 11);
  EXPECT_EQ(q.evaluate(other, 1).vector[0].value, 100);
  EXPECT_EQ(copy.text(), "sum(m)");
  EXPECT_FALSE(copy.isScalar());
}

// A source that counts how often series are selected and that only realises window edges.
class CountingSource : public MemorySeriesStore {
 public:
  void select(const std::vector<Matcher>& m, std::vector<SeriesRef>& out) override {
    ++selects;
    MemorySeriesStore::select(m, out);
  }
  void samples(SeriesRef s, TimestampMs from, TimestampMs to, std::vector<Sample>& out) override {
    ++sampleCalls;
    MemorySeriesStore::samples(s, from, to, out);
  }
  int selects = 0;
  int sampleCalls = 0;
};

TEST(PromqlCaching, SelectionRunsOncePerGeneration) {
  CountingSource s;
  series(s, L({{"__name__", "c_total"}, {"code", "200"}}), {{0, 0}, {15, 10}, {30, 20}});
  series(s, L({{"__name__", "c_total"}, {"code", "500"}}), {{0, 0}, {15, 1}, {30, 2}});
  PreparedQuery q = parse("sum(rate(c_total{code!~\"5.*\"}[1m])) / sum(rate(c_total[1m]))");
  for (int k = 0; k < 10; ++k) q.evaluate(s, 30 + k);
  EXPECT_EQ(s.selects, 2);      // one per selector, not per evaluation
  EXPECT_EQ(s.sampleCalls, 0);  // rate reads range summaries, not sample lists
  EXPECT_DOUBLE_EQ(q.evaluate(s, 30).vector[0].value, 20.0 / 22.0);
}

}  // namespace
