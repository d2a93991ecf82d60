// The evaluator's fast path (the shapes of Flagger's builtin queries) against the generic
// evaluator on the same store at the same times: the same result kind, the same number of
// elements, the same labels and the same values to the bit, on data with the awkward cases
// (series that start late or stop, counter resets, a bucket without `le` or with a malformed
// or duplicated one, windows with no or one sample), and the same error where the generic path
// errs (series that collide once their name is dropped).

#include "rolloutlab/core/promql/fast_path.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "rolloutlab/core/flagger_queries.h"
#include "rolloutlab/core/promql/memory_series_store.h"
#include "rolloutlab/core/promql/query.h"

namespace pq = rolloutlab::core::promql;
namespace fl = rolloutlab::core::flagger;

namespace {

std::uint64_t bits(double v) {
  std::uint64_t b = 0;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// Restores the process-wide switch whatever a test does.
struct FastPathOn {
  ~FastPathOn() { pq::setFastPath(true); }
};

// Evaluates `query` at t with the fast path on, then with it off on a fresh copy of the query
// (its own caches), and expects the same answer bit for bit.
void expectSameAnswer(pq::MemorySeriesStore& store, const std::string& query, pq::TimestampMs t) {
  FastPathOn restore;
  const pq::PreparedQuery prepared = pq::parse(query);
  pq::PreparedQuery fast = prepared;
  pq::PreparedQuery generic = prepared;
  pq::setFastPath(true);
  const pq::QueryResult a = fast.evaluateAt(store, t);
  pq::setFastPath(false);
  const pq::QueryResult b = generic.evaluateAt(store, t);
  ASSERT_EQ(a.kind, b.kind) << query << " at " << t;
  ASSERT_EQ(a.error, b.error) << query << " at " << t;
  ASSERT_EQ(a.vector.size(), b.vector.size()) << query << " at " << t;
  for (std::size_t k = 0; k < a.vector.size(); ++k) {
    EXPECT_EQ(*a.vector[k].labels, *b.vector[k].labels) << query << " at " << t;
    EXPECT_EQ(bits(a.vector[k].value), bits(b.vector[k].value))
        << query << " at " << t << ": " << a.vector[k].value << " vs " << b.vector[k].value;
  }
}

// A deterministic pseudo-random sequence (no draws of the library involved).
struct Lcg {
  std::uint64_t s;
  double next() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(s >> 11) / 9007199254740992.0;
  }
};

// Counters and a histogram scraped every 15 s for 40 minutes, with the awkward cases.
pq::MemorySeriesStore makeStore() {
  pq::MemorySeriesStore store;
  Lcg rng{42};
  const std::vector<std::string> les = {"5", "10", "25", "50", "100", "250", "1e3", "+Inf"};
  double ok = 0, err = 0, late = 0;
  std::vector<double> bucket(les.size(), 0.0);
  double dupLe = 0, badLe = 0, noLe = 0, sum = 0, count = 0;
  for (int k = 0; k <= 160; ++k) {
    const pq::TimestampMs t = 1'000'000 + k * 15'000;
    ok += std::floor(rng.next() * 900);
    err += std::floor(rng.next() * 12);
    if (k == 70) ok = 3;  // a counter reset
    store.append({{"__name__", "req"}, {"app", "podinfo"}, {"code", "200"}}, t, ok);
    // 5xx only from 20 minutes on, and gone between 30 and 33 minutes.
    if (k >= 80 && !(k >= 120 && k < 132)) {
      store.append({{"__name__", "req"}, {"app", "podinfo"}, {"code", "503"}}, t, err);
    }
    // A series born late, with one sample in its first window.
    if (k >= 40) {
      late += 7;
      store.append({{"__name__", "req"}, {"app", "podinfo"}, {"code", "201"}}, t, late);
    }
    double below = 0;
    for (std::size_t b = 0; b < les.size(); ++b) {
      below += std::floor(rng.next() * 300);
      bucket[b] = std::max(bucket[b], 0.0) + below;
      store.append({{"__name__", "lat_bucket"}, {"app", "podinfo"}, {"le", les[b]}}, t, bucket[b]);
    }
    dupLe += std::floor(rng.next() * 100);
    badLe += 5;
    noLe += 1;
    store.append({{"__name__", "lat_bucket"}, {"app", "podinfo"}, {"le", "10.0"}, {"x", "1"}}, t,
                 dupLe);
    store.append({{"__name__", "lat_bucket"}, {"app", "podinfo"}, {"le", "ten"}}, t, badLe);
    store.append({{"__name__", "lat_bucket"}, {"app", "podinfo"}, {"kind", "nole"}}, t, noLe);
    count += 900;
    sum += 900 * (40 + 20 * rng.next());
    store.append({{"__name__", "lat_count"}, {"app", "podinfo"}}, t, count);
    store.append({{"__name__", "lat_sum"}, {"app", "podinfo"}}, t, sum);
    // Two series that collide once their name is dropped.
    store.append({{"__name__", "twin_a"}, {"app", "podinfo"}}, t, count);
    store.append({{"__name__", "twin_b"}, {"app", "podinfo"}}, t, count * 2);
  }
  return store;
}

}  // namespace

TEST(PromqlFastPath, AnswersAsTheGenericEvaluatorToTheBit) {
  pq::MemorySeriesStore store = makeStore();
  const std::vector<std::string> queries = {
      R"(sum(rate(req{app="podinfo",code!~"5.*"}[1m])) / sum(rate(req{app="podinfo"}[1m])) * 100)",
      R"(100 - sum(increase(req{code=~"5.*"}[2m])) / sum(increase(req[2m])) * 100)",
      R"(histogram_quantile(0.99, sum(rate(lat_bucket{app="podinfo"}[1m])) by (le)))",
      R"(histogram_quantile(0.5, sum by (le) (rate(lat_bucket{le!="ten"}[30s]))))",
      R"(histogram_quantile(1.5, sum(rate(lat_bucket[1m])) by (le)))",
      R"((sum(rate(lat_sum[1m])) / sum(rate(lat_count[1m]))) * 1000)",
      R"(sum(rate(req{code="503"}[1m])))",
      R"(sum(rate(req{code="none"}[1m])) / sum(rate(req[1m])))",
      R"(sum(rate({__name__=~"twin_a|twin_b"}[1m])))",
      R"(sum(rate(req[1m] offset 5m)) - sum(rate(req[5m])))",
  };
  for (const auto& q : queries) {
    ASSERT_TRUE(pq::hasFastShape(q)) << q;
    for (pq::TimestampMs t = 1'000'000 - 60'000; t <= 1'000'000 + 2'500'000; t += 7'000) {
      expectSameAnswer(store, q, t);
    }
  }
}

TEST(PromqlFastPath, OtherShapesStayOnTheGenericPath) {
  for (const std::string q :
       {"sum by (code) (rate(req[1m]))", "sum(irate(req[1m]))", "sum(rate(req[1m])) > 5",
        "avg(rate(req[1m]))", "sum(rate(req[1m])) / on(app) sum(rate(req[1m]))",
        "histogram_quantile(0.9, sum(rate(lat_bucket[1m])) by (le, app))",
        "sum(rate(req[1m])) / 2 ^ 3", "rate(req[1m])"}) {
    EXPECT_FALSE(pq::hasFastShape(q)) << q;
  }
}

TEST(PromqlFastPath, EveryObserversBuiltinQueriesHaveTheFastShape) {
  const auto model = fl::makeModel("podinfo", "test", "podinfo", "", "", "", "1m", {});
  for (const auto o :
       {fl::Observer::kIstio, fl::Observer::kLinkerd, fl::Observer::kAppMesh,
        fl::Observer::kContour, fl::Observer::kGloo, fl::Observer::kNginx, fl::Observer::kKuma,
        fl::Observer::kKnative, fl::Observer::kSkipper, fl::Observer::kTraefik,
        fl::Observer::kApisix, fl::Observer::kOsm, fl::Observer::kHttp}) {
    for (const auto m :
         {fl::BuiltinMetric::kRequestSuccessRate, fl::BuiltinMetric::kRequestDuration}) {
      const std::string q = fl::prometheusQuery(o, m, model);
      EXPECT_TRUE(pq::hasFastShape(q)) << q;
    }
  }
}
