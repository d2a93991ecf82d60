// Every synthesized mesh's series, exported as OpenMetrics and backfilled into a real
// Prometheus (the replay tests' fixture), answer Flagger's builtin queries of that mesh as
// rolloutlab's evaluator answers them on the series themselves: same label sets, values within
// 1e-9 relative (NaN equals NaN), empty answers alike.
#include <gtest/gtest.h>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

// nlohmann/json trips -Wnull-dereference once inlined (a false positive in its header).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <nlohmann/json.hpp>
#pragma GCC diagnostic pop

#include "flagger_fixtures.h"
#include "replay_fixtures.h"
#include "rolloutlab/core/promql/exposition.h"
#include "rolloutlab/core/promql/query.h"
#include "rolloutlab/scenarios/flagger_world.h"
#include "rolloutlab/sim/flagger_checks.h"

namespace fl = rolloutlab::core::flagger;
namespace pq = rolloutlab::core::promql;
using namespace rolloutlab::scenarios;

namespace {

Scenario scenario() {
  Scenario s;
  s.name = "mesh";
  s.traffic.rps = 400;
  s.primary.errorRate = 0.01;
  s.primary.latency.p50 = 45;
  s.primary.latency.p99 = 220;
  s.canary = s.primary;
  s.canary.errorRate = 0.05;
  s.metrics.scrapeInterval = 15;
  s.cluster.canaryStartup = 0;
  return s;
}

fl::TickRecord routes(int canaryWeight) {
  fl::TickRecord r;
  r.status.phase = fl::Phase::kProgressing;
  r.routes = {100 - canaryWeight, canaryWeight, false};
  return r;
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string key(const pq::Labels& l) {
  std::string k;
  for (const auto& x : l) k += x.name + "=" + x.value + ";";
  return k;
}

bool close(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

struct Asked {
  std::string provider;
  std::string query;
  double t = 0;                        // epoch seconds (whole)
  std::map<std::string, double> ours;  // label set -> value
};

}  // namespace

TEST(MeshSeriesPrometheus, BuiltinQueriesOfEveryMeshAgreeWithPrometheus) {
  const Scenario sc0 = scenario();
  std::map<std::string, std::string> families;  // metric name -> OpenMetrics lines
  std::vector<Asked> asked;
  std::vector<pq::SeriesRef> refs;
  std::vector<pq::Sample> samples;
  for (const std::string& provider : synthesizedProviders()) {
    Scenario s = sc0;
    if (provider == "kubernetes") s.traffic.loadTestRps = 200;  // it shifts no live traffic
    const CompiledScenario sc(s);
    auto spec = rolloutlab::test::makeCanarySpec();
    spec.provider = provider;
    // One namespace per mesh, so that meshes sharing metric names (Envoy's, http.go's) keep
    // their series apart in the one Prometheus: every builtin query selects the namespace.
    spec.namespace_ = "ns-" + provider;
    spec.analysis.metrics = {rolloutlab::test::makeMetric("request-success-rate", 99, std::nullopt),
                             rolloutlab::test::makeMetric("request-duration", std::nullopt, 500)};
    const FlaggerPlan plan(spec, {nullptr, nullptr}, sc);
    FlaggerSyntheticWorld w(plan, sc);
    w.reset(17);
    w.afterTick(0, routes(0));
    w.afterTick(60, routes(50));
    w.afterTick(180, routes(30));
    MeshSeries& series = w.series();
    // Realize every scrape of the window first, then export it and evaluate on it.
    series.select({}, refs);
    for (auto ref : refs) {
      series.samples(ref, (MeshSeries::kEpochMs - 300000), MeshSeries::kEpochMs + 420000, samples);
      const auto& L = series.labels(ref);
      const std::string name(L.get("__name__"));
      std::string lbl;
      for (const auto& l : L.withoutMetricName())
        lbl += (lbl.empty() ? "" : ",") + l.name + "=\"" + l.value + "\"";
      std::string& out = families[name];
      for (const auto& x : samples) {
        char ts[64];
        std::snprintf(ts, sizeof ts, "%" PRId64 ".%03" PRId64,
                      static_cast<std::int64_t>(x.t / 1000), static_cast<std::int64_t>(x.t % 1000));
        out += name + "{" + lbl + "} " + number(x.v) + " " + ts + "\n";
      }
    }
    const std::string revision =
        provider == "knative" ? knativeRevision(Variant::kCanary, plan.workload()) : "";
    const auto queries = flaggerCheckQueries(spec, {nullptr, nullptr}, "", revision);
    int n = 0;
    for (const auto& q : queries) {
      if (q.status != CheckQuery::Status::kQuery) continue;
      ++n;
      pq::PreparedQuery pqq = pq::parse(q.text);
      for (double t : {75.0, 120.0, 181.0, 240.0, 300.0, 360.0}) {
        Asked a{provider, q.text, MeshSeries::epochSeconds(t), {}};
        const auto& r = pqq.evaluate(series, a.t);
        ASSERT_EQ(r.kind, pq::ResultKind::kVector) << provider << ": " << q.text << ": " << r.error;
        for (const auto& e : r.vector) a.ours[key(*e.labels)] = e.value;
        asked.push_back(std::move(a));
      }
    }
    EXPECT_EQ(n, 2) << provider;
  }
  std::string om;
  for (const auto& [name, lines] : families) om += lines;
  om += "# EOF\n";
  rolloutlab::test::replayfx::TempDir dir;
  rolloutlab::test::replayfx::Prometheus prom("");
  ASSERT_TRUE(prom.serve(dir.write("meshes.om", om))) << prom.error();

  int values = 0;  // answers with a value
  for (const auto& a : asked) {
    const auto body = nlohmann::json::parse(prom.queryRange(a.query, a.t, a.t, 1), nullptr, false);
    ASSERT_FALSE(body.is_discarded()) << a.provider << ": " << a.query;
    ASSERT_EQ(body.value("status", ""), "success") << a.provider << ": " << body.dump();
    std::map<std::string, double> theirs;
    for (const auto& e : body["data"]["result"]) {
      pq::Labels l;
      for (auto it = e["metric"].begin(); it != e["metric"].end(); ++it)
        l.set(it.key(), it.value().get<std::string>());
      ASSERT_EQ(e["values"].size(), 1u);
      double v = 0;
      ASSERT_TRUE(pq::parseGoFloat(e["values"][0][1].get<std::string>(), v));
      theirs[key(l)] = v;
    }
    ASSERT_EQ(theirs.size(), a.ours.size())
        << a.provider << " at " << number(a.t) << ": " << a.query;
    for (const auto& [k, v] : a.ours) {
      ASSERT_TRUE(theirs.count(k)) << a.provider << ": " << k;
      EXPECT_TRUE(close(theirs[k], v))
          << a.provider << " at " << number(a.t) << ": " << a.query << ": Prometheus "
          << number(theirs[k]) << ", ours " << number(v);
    }
    // Agreement on answers that carry data: the canary's first requests come at t = 60, so at
    // t = 75 its 1-minute window holds at most one scrape and both answer nothing (but the
    // kubernetes provider's load tester runs from the scale-up at t = 0); later every mesh
    // answers both queries with one finite value.
    if (a.t == MeshSeries::epochSeconds(75) && a.provider != "kubernetes") {
      EXPECT_TRUE(a.ours.empty()) << a.provider << ": " << a.query;
    } else {
      ASSERT_EQ(a.ours.size(), 1u) << a.provider << " at " << number(a.t) << ": " << a.query;
      EXPECT_TRUE(std::isfinite(a.ours.begin()->second)) << a.provider << ": " << a.query;
      ++values;
    }
  }
  EXPECT_GE(values, 14 * 2 * 5);
}
