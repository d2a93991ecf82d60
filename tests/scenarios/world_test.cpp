// The synthetic world checked against its own model, statistically. Each statistical test
// states its false-failure rate; seeds are fixed, so the suite is deterministic.

#include <gtest/gtest.h>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "flagger_fixtures.h"
#include "rolloutlab/core/flagger_queries.h"
#include "rolloutlab/core/promql/query.h"
#include "rolloutlab/scenarios/flagger_world.h"

namespace fl = rolloutlab::core::flagger;
namespace pq = rolloutlab::core::promql;
using namespace rolloutlab::scenarios;
using rolloutlab::test::makeCanarySpec;
using rolloutlab::test::makeMetric;

namespace {

Scenario baseScenario(double rps = 1000, double errorRate = 0.01) {
  Scenario s;
  s.name = "test";
  s.traffic.rps = rps;
  s.primary.errorRate = errorRate;
  s.primary.latency.p50 = 45;
  s.primary.latency.p99 = 220;
  s.canary = s.primary;
  s.metrics.scrapeInterval = 15;
  s.cluster.canaryStartup = 0;
  return s;
}

fl::TickRecord routes(int canaryWeight, fl::Phase phase = fl::Phase::kProgressing) {
  fl::TickRecord r;
  r.status.phase = phase;
  r.routes = {100 - canaryWeight, canaryWeight, false};
  return r;
}

double epoch(double t) { return MeshSeries::epochSeconds(t); }

// Sum of a counter's increase over (a, b] read with PromQL, as a query would.
double increase(FlaggerSyntheticWorld& w, const std::string& selector, double t,
                const std::string& range) {
  auto q = pq::parse("sum(increase(" + selector + "[" + range + "]))");
  const auto& r = q.evaluate(w.series(), epoch(t));
  if (r.kind != pq::ResultKind::kVector || r.vector.empty()) return 0.0;
  return r.vector[0].value;
}

}  // namespace

TEST(SyntheticWorld, ErrorFractionMatchesTheModel) {
  // Over 400 seeds the canary's 5xx count out of all its requests is Binomial(n, 1%): the
  // z-score must stay within 4.5 (two-sided false-failure rate 7e-6).
  auto spec = makeCanarySpec();
  CompiledScenario sc(baseScenario(1000, 0.01));
  FlaggerPlan plan(spec, {nullptr}, sc);
  FlaggerSyntheticWorld w(plan, sc);
  double n = 0, e = 0;
  for (int seed = 0; seed < 400; ++seed) {
    w.reset(seed);
    w.afterTick(0, routes(0));
    w.afterTick(60, routes(30));
    const auto tot = w.totals(600);
    n += tot.canaryRequests;
    e += tot.canaryErrors;
  }
  const double p = 0.01;
  const double z = (e - n * p) / std::sqrt(n * p * (1 - p));
  EXPECT_LT(std::fabs(z), 4.5) << "errors " << e << " of " << n;
  // Expected requests: 30% of 1000 rps for 540 s, per seed; Poisson sum over seeds.
  const double lambda = 400 * 0.3 * 1000 * 540;
  EXPECT_LT(std::fabs(n - lambda) / std::sqrt(lambda), 4.5);
}

TEST(SyntheticWorld, WindowCountsArePoisson) {
  // The requests the canary serves in a 1-minute window: mean and variance both
  // lambda = 0.2 * 1000 * 60 (Poisson). Mean z within 4.5; variance ratio within the 1e-5
  // chi-square bounds for 500 samples.
  auto spec = makeCanarySpec();
  CompiledScenario sc(baseScenario(1000, 0.01));
  FlaggerPlan plan(spec, {nullptr}, sc);
  FlaggerSyntheticWorld w(plan, sc);
  const int runs = 500;
  std::vector<double> xs;
  for (int seed = 0; seed < runs; ++seed) {
    w.reset(1000 + seed);
    w.afterTick(0, routes(0));
    w.afterTick(60, routes(20));
    // Scrapes at phase + k * 15 s; the window [300, 360] holds exactly 4 scrape intervals
    // between its first and last sample in 2.x's closed window, whatever the phase.
    auto q = pq::parse("sum(istio_requests_total{destination_workload=\"podinfo\"})");
    const double a = q.evaluate(w.series(), epoch(240)).vector.at(0).value;
    const double b = q.evaluate(w.series(), epoch(300)).vector.at(0).value;
    xs.push_back(b - a);
  }
  const double lambda = 0.2 * 1000 * 60;
  double mean = 0;
  for (double x : xs) mean += x;
  mean /= runs;
  double var = 0;
  for (double x : xs) var += (x - mean) * (x - mean);
  var /= runs - 1;
  EXPECT_LT(std::fabs(mean - lambda) / std::sqrt(lambda / runs), 4.5);
  boost::math::chi_squared chi(runs - 1);
  const double lo = boost::math::quantile(chi, 1e-5) / (runs - 1);
  const double hi = boost::math::quantile(boost::math::complement(chi, 1e-5)) / (runs - 1);
  EXPECT_GT(var / lambda, lo);
  EXPECT_LT(var / lambda, hi);
}

TEST(SyntheticWorld, LatencyBucketsMatchTheLognormal) {
  // Pearson chi-square of the canary's histogram bucket counts, pooled over seeds, against
  // the lognormal's bucket probabilities (p50 45 ms, p99 220 ms): p > 1e-5.
  auto spec = makeCanarySpec();
  CompiledScenario sc(baseScenario(200, 0.0));
  FlaggerPlan plan(spec, {nullptr}, sc);
  FlaggerSyntheticWorld w(plan, sc);
  const auto& bounds = plan.layout().buckets;
  std::vector<double> counts(bounds.size() + 1, 0.0);
  for (int seed = 0; seed < 50; ++seed) {
    w.reset(7000 + seed);
    w.afterTick(0, routes(0));
    w.afterTick(60, routes(50));
    auto q = pq::parse(
        "sum by (le) "
        "(increase(istio_request_duration_milliseconds_bucket{destination_workload=\"podinfo\"}["
        "10m]))");
    const auto& r = q.evaluate(w.series(), epoch(660));
    std::vector<std::pair<double, double>> cum;
    for (const auto& el : r.vector) {
      const auto le = el.labels->get("le");
      cum.emplace_back(le == "+Inf" ? INFINITY : std::stod(std::string(le)), el.value);
    }
    std::sort(cum.begin(), cum.end());
    ASSERT_EQ(cum.size(), counts.size());
    for (std::size_t i = 0; i < cum.size(); ++i)
      counts[i] += cum[i].second - (i ? cum[i - 1].second : 0.0);
  }
  Mix mix;
  mix.components.push_back({1.0, 0.0, 1.0, 1.0});
  LatencyModel lat(sc.spec().primary.latency);
  std::vector<double> probs;
  bucketProbabilities(mix, lat, bounds, 1.0, probs);
  double total = 0;
  for (double c : counts) total += c;
  double stat = 0;
  int cells = 0;
  double pooledE = 0, pooledO = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const double e = total * probs[i];
    if (e < 5) {
      pooledE += e;
      pooledO += counts[i];
      continue;
    }
    stat += (counts[i] - e) * (counts[i] - e) / e;
    ++cells;
  }
  if (pooledE > 0) {
    stat += (pooledO - pooledE) * (pooledO - pooledE) / pooledE;
    ++cells;
  }
  boost::math::chi_squared chi(cells - 1);
  // The increase() read of 10 m windows extrapolates slightly at the window edges; compare
  // the shape only (the total is the same for every bucket), which extrapolation keeps.
  EXPECT_GT(boost::math::cdf(boost::math::complement(chi, stat)), 1e-5) << stat;
}

TEST(SyntheticWorld, BridgedScrapesHaveTheForwardDistribution) {
  // Realising a late scrape first and an earlier one afterwards (a binomial bridge) must give
  // the earlier scrape the same distribution as drawing it directly: mean lambda, variance
  // lambda. 400 seeds each way; both z within 4.5.
  auto spec = makeCanarySpec();
  CompiledScenario sc(baseScenario(100, 0.01));
  FlaggerPlan plan(spec, {nullptr}, sc);
  FlaggerSyntheticWorld w(plan, sc);
  auto q = pq::parse("sum(istio_requests_total{destination_workload=\"podinfo\"})");
  double direct = 0, bridged = 0;
  const int runs = 400;
  for (int seed = 0; seed < runs; ++seed) {
    w.reset(seed);
    w.afterTick(0, routes(0));
    w.afterTick(30, routes(50));
    const double a0 = q.evaluate(w.series(), epoch(120)).vector.at(0).value;
    direct += a0;
    w.reset(seed);
    w.afterTick(0, routes(0));
    w.afterTick(30, routes(50));
    (void)q.evaluate(w.series(), epoch(600));
    bridged += q.evaluate(w.series(), epoch(120)).vector.at(0).value;
  }
  // Same seeds, so the same scrape phases; the draws differ. Both totals are sums of
  // independent Poisson counts with the same means.
  EXPECT_LT(std::fabs(direct - bridged) / std::sqrt(direct + bridged), 4.5);
}

TEST(SyntheticWorld, SeriesExistFromTheirFirstRequest) {
  // Istio creates a series on its first request: with 0.01% errors at 10 rps the 5xx series
  // is usually absent a minute into the canary, and the success series present.
  auto spec = makeCanarySpec();
  CompiledScenario sc(baseScenario(10, 0.0001));
  FlaggerPlan plan(spec, {nullptr}, sc);
  FlaggerSyntheticWorld w(plan, sc);
  w.reset(5);
  w.afterTick(0, routes(0));
  w.afterTick(60, routes(50));
  auto ok =
      pq::parse("istio_requests_total{destination_workload=\"podinfo\",response_code=\"200\"}");
  auto err =
      pq::parse("istio_requests_total{destination_workload=\"podinfo\",response_code=\"500\"}");
  EXPECT_EQ(ok.evaluate(w.series(), epoch(150)).vector.size(), 1u);
  EXPECT_EQ(err.evaluate(w.series(), epoch(150)).vector.size(), 0u);
  // Before the canary served anything nothing exists at all.
  w.reset(6);
  w.afterTick(0, routes(0));
  EXPECT_EQ(ok.evaluate(w.series(), epoch(50)).vector.size(), 0u);
}

TEST(SyntheticWorld, CanaryTrafficFollowsTheWeights) {
  // Closed loop: the canary's request rate is the routed share of traffic.
  auto spec = makeCanarySpec();
  CompiledScenario sc(baseScenario(1000, 0.0));
  FlaggerPlan plan(spec, {nullptr}, sc);
  FlaggerSyntheticWorld w(plan, sc);
  w.reset(9);
  w.afterTick(0, routes(0));
  w.afterTick(60, routes(10));
  w.afterTick(180, routes(40));
  const double at10 =
      increase(w, "istio_requests_total{destination_workload=\"podinfo\"}", 180, "1m");
  const double at40 =
      increase(w, "istio_requests_total{destination_workload=\"podinfo\"}", 300, "1m");
  EXPECT_NEAR(at10 / 60.0, 100.0, 100.0 * 5 * std::sqrt(1.0 / 6000.0) * 3);
  EXPECT_NEAR(at40 / 60.0, 400.0, 400.0 * 5 * std::sqrt(1.0 / 24000.0) * 3);
  const double primary =
      increase(w, "istio_requests_total{destination_workload=\"podinfo-primary\"}", 300, "1m");
  EXPECT_NEAR(primary / 60.0, 600.0, 30.0);
}

TEST(SyntheticWorld, ExcessErrorsAreTheExpectedDifference) {
  // Excess errors = user requests on the canary x (p_canary - p_primary), in expectation:
  // 1000 rps x 25% x 300 s x 0.01 = 750.
  auto spec = makeCanarySpec();
  Scenario s = baseScenario(1000, 0.002);
  EffectSpec e;
  e.kind = EffectSpec::Kind::kStep;
  e.errorRateAdd = 0.01;
  s.effects.push_back(e);
  CompiledScenario sc(s);
  FlaggerPlan plan(spec, {nullptr}, sc);
  FlaggerSyntheticWorld w(plan, sc);
  w.reset(1);
  w.afterTick(0, routes(0));
  w.afterTick(60, routes(25));
  EXPECT_NEAR(w.totals(360).excessErrors, 750.0, 1e-6);
}

TEST(SyntheticWorld, BuiltinQueriesReadEveryMesh) {
  // Flagger's builtin queries of every synthesized provider select the canary's series: the
  // success rate is 100 x (1 - p) and the P99 lies within the histogram bucket that holds the
  // true P99 (220 ms), at 1000 rps with 50% on the canary.
  for (const std::string provider :
       {"istio", "linkerd", "appmesh", "contour", "gloo", "nginx", "kuma", "traefik",
        "gatewayapi:v1", "kubernetes", "osm", "apisix", "skipper", "knative"}) {
    auto spec = makeCanarySpec();
    spec.provider = provider;
    spec.analysis.metrics = {makeMetric("request-success-rate", 99, std::nullopt),
                             makeMetric("request-duration", std::nullopt, 500)};
    Scenario s = baseScenario(1000, 0.02);
    // The kubernetes provider shifts no live traffic: the canary sees only the load tester.
    if (provider == "kubernetes") s.traffic.loadTestRps = 500;
    CompiledScenario sc(s);
    FlaggerPlan plan(spec, {nullptr, nullptr}, sc);
    FlaggerSyntheticWorld w(plan, sc);
    w.reset(11);
    w.afterTick(0, routes(0));
    w.afterTick(60, routes(50));
    const auto sr = w.metric(240, spec.analysis.metrics[0], 0, fl::CheckKind::kRequestSuccessRate);
    ASSERT_EQ(sr.kind, fl::MetricAnswer::Kind::kValue) << provider << ": " << sr.message;
    EXPECT_NEAR(sr.value, 98.0, 0.3) << provider;
    const auto d = w.metric(240, spec.analysis.metrics[1], 1, fl::CheckKind::kRequestDuration);
    ASSERT_EQ(d.kind, fl::MetricAnswer::Kind::kValue) << provider << ": " << d.message;
    if (provider == "nginx" || provider == "skipper") {
      // nginx and skipper report the mean: the lognormal's mean exp(mu + sigma^2 / 2).
      const double sigma = (std::log(220.0) - std::log(45.0)) / 2.3263478740408411;
      EXPECT_NEAR(d.value, 45.0 * std::exp(sigma * sigma / 2), 2.0) << provider;
    } else {
      const auto& b = plan.layout().buckets;
      const double unit = plan.layout().unitPerMs;
      double lo = 0, hi = INFINITY;
      for (std::size_t i = 0; i < b.size(); ++i) {
        if (b[i] / unit >= 220.0) {
          hi = b[i] / unit;
          lo = i ? b[i - 1] / unit : 0;
          break;
        }
      }
      EXPECT_GE(d.value, lo * 0.98) << provider;
      EXPECT_LE(d.value, hi * 1.02) << provider;
    }
  }
}

TEST(SyntheticWorld, AKnativeServiceTargetReadsItsCanaryRevision) {
  // A Canary of a Knative Service (targetRef serving.knative.dev/v1 Service) keeps the knative
  // metrics provider (no ":service" suffix, scheduler_metrics.go), whose queries select the
  // revision the scenario names; a plain Service target becomes "knative:service", which
  // observers/factory.go answers with the Istio observer: no Istio series, no values.
  Scenario s = baseScenario(1000, 0.02);
  s.metrics.canaryRevision = "podinfo-00007";
  s.metrics.primaryRevision = "podinfo-00006";
  CompiledScenario sc(s);
  for (const std::string api : {"serving.knative.dev/v1", "v1"}) {
    auto spec = makeCanarySpec();
    spec.provider = "knative";
    spec.targetKind = "Service";
    spec.targetApiVersion = api;
    FlaggerPlan plan(spec, {nullptr}, sc);
    EXPECT_EQ(plan.workload().canaryName, "podinfo-00007");
    FlaggerSyntheticWorld w(plan, sc);
    w.reset(5);
    w.afterTick(0, routes(0));
    w.afterTick(60, routes(50));
    const auto sr = w.metric(240, spec.analysis.metrics[0], 0, fl::CheckKind::kRequestSuccessRate);
    if (api == "v1") {
      EXPECT_EQ(sr.kind, fl::MetricAnswer::Kind::kNoData) << sr.message;
      continue;
    }
    ASSERT_EQ(sr.kind, fl::MetricAnswer::Kind::kValue) << sr.message;
    EXPECT_NEAR(sr.value, 98.0, 0.3);
    const auto& L = w.series().labels(0);
    EXPECT_EQ(std::string(L.get("envoy_cluster_name")), "test/podinfo-00007");
  }
}

TEST(SyntheticWorld, NoTrafficMeansNoData) {
  // A canary that serves nothing yields "no values found" (0/0 or an empty vector).
  auto spec = makeCanarySpec();
  CompiledScenario sc(baseScenario(1000, 0.01));
  FlaggerPlan plan(spec, {nullptr}, sc);
  FlaggerSyntheticWorld w(plan, sc);
  w.reset(3);
  w.afterTick(0, routes(0));
  const auto a = w.metric(120, spec.analysis.metrics[0], 0, fl::CheckKind::kRequestSuccessRate);
  EXPECT_EQ(a.kind, fl::MetricAnswer::Kind::kNoData);
}

TEST(SyntheticWorld, OutagesAndQueryErrors) {
  auto spec = makeCanarySpec();
  Scenario s = baseScenario(1000, 0.01);
  s.metrics.outages.push_back({100, 200});
  CompiledScenario sc(s);
  FlaggerPlan plan(spec, {nullptr}, sc);
  FlaggerSyntheticWorld w(plan, sc);
  w.reset(3);
  w.afterTick(0, routes(0));
  w.afterTick(60, routes(50));
  EXPECT_EQ(w.metric(150, spec.analysis.metrics[0], 0, fl::CheckKind::kRequestSuccessRate).kind,
            fl::MetricAnswer::Kind::kError);
  EXPECT_EQ(w.metric(240, spec.analysis.metrics[0], 0, fl::CheckKind::kRequestSuccessRate).kind,
            fl::MetricAnswer::Kind::kValue);
}

TEST(SyntheticWorld, GatesFromTheScenario) {
  auto spec = makeCanarySpec();
  Scenario s = baseScenario();
  GateSpec later;
  later.kind = GateSpec::Kind::kPassAfter;
  later.after = 1200;
  s.webhooks["approve"] = later;
  CompiledScenario sc(s);
  FlaggerPlan plan(spec, {nullptr}, sc);
  FlaggerSyntheticWorld w(plan, sc);
  w.reset(1);
  auto hook = rolloutlab::test::makeHook("approve", fl::WebhookType::kConfirmPromotion);
  EXPECT_FALSE(w.webhook(300, hook, 0, fl::Phase::kProgressing));
  EXPECT_FALSE(w.webhook(1440, hook, 0, fl::Phase::kProgressing));
  EXPECT_TRUE(w.webhook(1500, hook, 0, fl::Phase::kProgressing));
  // Unnamed rollback hooks do not signal a rollback; other hooks pass.
  EXPECT_FALSE(w.webhook(0, rolloutlab::test::makeHook("rb", fl::WebhookType::kRollback), 1,
                         fl::Phase::kProgressing));
  EXPECT_TRUE(w.webhook(0, rolloutlab::test::makeHook("load", fl::WebhookType::kRollout), 2,
                        fl::Phase::kProgressing));
}

TEST(SyntheticWorld, SameSeedSameRun) {
  auto spec = makeCanarySpec();
  CompiledScenario sc(baseScenario(1000, 0.012));
  FlaggerPlan plan(spec, {nullptr}, sc);
  const auto a = simulateFlagger(plan, sc, 42);
  const auto b = simulateFlagger(plan, sc, 42);
  const auto c = simulateFlagger(plan, sc, 43);
  ASSERT_EQ(a.run.ticks.size(), b.run.ticks.size());
  for (std::size_t i = 0; i < a.run.ticks.size(); ++i) {
    ASSERT_EQ(a.run.ticks[i].metrics.size(), b.run.ticks[i].metrics.size());
    for (std::size_t j = 0; j < a.run.ticks[i].metrics.size(); ++j) {
      EXPECT_EQ(a.run.ticks[i].metrics[j].value, b.run.ticks[i].metrics[j].value);
    }
  }
  EXPECT_EQ(a.summary.totals.canaryRequests, b.summary.totals.canaryRequests);
  EXPECT_NE(a.summary.totals.canaryRequests, c.summary.totals.canaryRequests);
}

TEST(SyntheticWorld, PlanRejectsMetricsItCannotEvaluate) {
  // A template backed by a non-Prometheus provider must be modelled in the scenario.
  auto spec = makeCanarySpec();
  fl::MetricSpec m = makeMetric("dd-errors", std::nullopt, 1);
  m.templateRef = fl::TemplateRef{"dd", ""};
  spec.analysis.metrics = {m};
  fl::MetricTemplateSpec t;
  t.name = "dd";
  t.namespace_ = "test";
  t.providerType = "datadog";
  t.query = "sum:errors{*}";
  CompiledScenario sc(baseScenario());
  try {
    FlaggerPlan plan(spec, {&t}, sc);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("model it under spec.metrics.models.dd-errors"),
              std::string::npos)
        << e.what();
  }
  Scenario s = baseScenario();
  MetricModelSpec model;
  model.kind = MetricModelSpec::Kind::kErrorRatePercent;
  s.metrics.models["dd-errors"] = model;
  CompiledScenario sc2(s);
  FlaggerPlan plan(spec, {&t}, sc2);
  EXPECT_EQ(plan.check(0, fl::CheckKind::kTemplate).source, PreparedCheck::Source::kModel);
}

TEST(SyntheticWorld, PrimaryReadsTheSpecQueryOnItsTwinSeries) {
  // Istio: the primary's value equals Flagger's own builtin query rendered for the workload
  // "podinfo-primary" (what `kubectl`-side dashboards plot), evaluated on the same draws.
  auto spec = makeCanarySpec();
  spec.analysis.metrics = {makeMetric("request-success-rate", 99, std::nullopt),
                           makeMetric("request-duration", std::nullopt, 500)};
  Scenario s = baseScenario(1000, 0.01);
  s.canary.errorRate = 0.05;
  s.canary.latency.p99 = 400;
  CompiledScenario sc(s);
  FlaggerPlan plan(spec, {nullptr, nullptr}, sc);
  FlaggerSyntheticWorld w(plan, sc);
  w.reset(7);
  w.afterTick(0, routes(0));
  w.afterTick(60, routes(40));
  const auto model = fl::makeModel("podinfo", "test", "podinfo-primary", "", "", "", "1m");
  for (auto [i, kind, bm] :
       {std::tuple{0, fl::CheckKind::kRequestSuccessRate, fl::BuiltinMetric::kRequestSuccessRate},
        std::tuple{1, fl::CheckKind::kRequestDuration, fl::BuiltinMetric::kRequestDuration}}) {
    const auto a = w.peekPrimary(300, i, kind);
    ASSERT_EQ(a.kind, fl::MetricAnswer::Kind::kValue) << a.message;
    auto q = pq::parse(fl::prometheusQuery(fl::Observer::kIstio, bm, model));
    const auto& r = q.evaluate(w.series(), epoch(300));
    ASSERT_EQ(r.vector.size(), 1u);
    EXPECT_EQ(a.value, r.vector[0].value) << fl::toString(kind);
  }
  // Every synthesized mesh: the primary reads 100 x (1 - 1%), the canary 100 x (1 - 5%), at
  // 1000 rps, 40% on the canary, a 1-minute window (sd of the primary's 0.05 points, the
  // canary's 0.14; tolerances are > 5 sd).
  for (const std::string provider :
       {"istio", "linkerd", "appmesh", "contour", "gloo", "nginx", "kuma", "traefik",
        "gatewayapi:v1", "osm", "apisix", "skipper", "knative"}) {
    auto p = makeCanarySpec();
    p.provider = provider;
    FlaggerPlan pp(p, {nullptr}, sc);
    FlaggerSyntheticWorld pw(pp, sc);
    pw.reset(3);
    pw.afterTick(0, routes(0));
    pw.afterTick(60, routes(40));
    const auto prim = pw.peekPrimary(300, 0, fl::CheckKind::kRequestSuccessRate);
    const auto can = pw.peek(300, 0, fl::CheckKind::kRequestSuccessRate);
    ASSERT_EQ(prim.kind, fl::MetricAnswer::Kind::kValue) << provider << ": " << prim.message;
    EXPECT_NEAR(prim.value, 99.0, 0.3) << provider;
    EXPECT_NEAR(can.value, 95.0, 0.75) << provider;
  }
}

TEST(SyntheticWorld, PrimaryOfAModelledMetricIsTheBaseline) {
  // A kNormal model: the canary draws from the bad distribution while the regression acts,
  // the primary always from the good one.
  auto spec = makeCanarySpec();
  spec.analysis.metrics = {makeMetric("score", std::nullopt, 5)};
  spec.analysis.metrics[0].query = "unused";
  Scenario s = baseScenario();
  MetricModelSpec model;
  model.kind = MetricModelSpec::Kind::kNormal;
  model.mean = 1;
  model.sd = 0;
  model.badMean = 9;
  model.badSd = 0;
  s.metrics.models["score"] = model;
  s.effects.push_back(EffectSpec{EffectSpec::Kind::kStep, 0, 0, 600, 60, 1, 0.02, 1, 1});
  CompiledScenario sc(s);
  FlaggerPlan plan(spec, {nullptr}, sc);
  FlaggerSyntheticWorld w(plan, sc);
  w.reset(1);
  EXPECT_EQ(w.peek(120, 0, fl::CheckKind::kInlineQuery).value, 9.0);
  EXPECT_EQ(w.peekPrimary(120, 0, fl::CheckKind::kInlineQuery).value, 1.0);
}

TEST(SyntheticWorld, MeasuringThePrimaryLeavesTheRunUnchanged) {
  auto spec = makeCanarySpec();
  spec.analysis.metrics = {makeMetric("request-success-rate", 99, std::nullopt),
                           makeMetric("request-duration", std::nullopt, 500)};
  Scenario s = baseScenario(300, 0.004);
  s.effects.push_back(EffectSpec{EffectSpec::Kind::kStep, 120, 0, 600, 60, 1, 0.01, 1, 1});
  CompiledScenario sc(s);
  FlaggerPlan plan(spec, {nullptr, nullptr}, sc);
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const auto a = simulateFlagger(plan, sc, seed, true, false);
    const auto b = simulateFlagger(plan, sc, seed, true, true);
    ASSERT_EQ(a.run.ticks.size(), b.run.ticks.size());
    for (std::size_t i = 0; i < a.measured.size(); ++i) {
      ASSERT_EQ(a.measured[i].size(), b.measured[i].size());
      for (std::size_t j = 0; j < a.measured[i].size(); ++j) {
        EXPECT_EQ(a.measured[i][j].answer.value, b.measured[i][j].answer.value);
        EXPECT_FALSE(a.measured[i][j].primary.has_value());
        ASSERT_TRUE(b.measured[i][j].primary.has_value());
      }
    }
    EXPECT_EQ(a.summary.outcome.result, b.summary.outcome.result);
    EXPECT_EQ(a.summary.totals.canaryRequests, b.summary.totals.canaryRequests);
    EXPECT_EQ(a.summary.totals.excessErrors, b.summary.totals.excessErrors);
  }
}

namespace {

bool sameSummary(const pq::RangeSummary& a, const pq::RangeSummary& b) {
  auto bits = [](double x) {
    std::uint64_t u = 0;
    std::memcpy(&u, &x, sizeof u);
    return u;
  };
  return a.count == b.count && a.first.t == b.first.t && bits(a.first.v) == bits(b.first.v) &&
         a.last.t == b.last.t && bits(a.last.v) == bits(b.last.v) && a.previous.t == b.previous.t &&
         bits(a.previous.v) == bits(b.previous.v) &&
         bits(a.resetCorrection) == bits(b.resetCorrection);
}

}  // namespace

TEST(SyntheticWorld, SelectionSummariesAndMemosChangeNoAnswer) {
  // Three worlds on one seed read every series' 1m range at the same times, in an order that
  // bridges scrapes (a late read first), bisects the births of rare 5xx series and changes the
  // shares in between. A answers each selection in one rangeSummaries call; B asks rangeSummary
  // series by series; C does as B but forgets its memos (range summaries, expected masses)
  // before every read, by restoring a saved copy of its state. Every summary is the same to the
  // bit, and so are the runs' totals after.
  auto spec = makeCanarySpec();
  CompiledScenario sc(baseScenario(50, 0.002));
  FlaggerPlan plan(spec, {nullptr}, sc);
  FlaggerSyntheticWorld a(plan, sc), b(plan, sc), c(plan, sc);
  const std::vector<std::pair<double, int>> steps = {{0, 0}, {60, 10}, {120, 20}, {180, 30}};
  const std::vector<double> reads = {170, 65, 100, 130, 175};
  int compared = 0;
  for (std::uint64_t seed : {3u, 4u, 5u}) {
    for (auto* w : {&a, &b, &c}) w->reset(seed);
    std::vector<pq::SeriesRef> refs;
    a.series().select({}, refs);
    ASSERT_FALSE(refs.empty());
    std::vector<pq::RangeSummary> batch;
    for (const auto& [t, weight] : steps) {
      for (auto* w : {&a, &b, &c}) w->afterTick(t, routes(weight));
      for (double r : reads) {
        if (r > t + 60) continue;  // the reads up to a minute past the last tick
        const auto to = static_cast<pq::TimestampMs>(epoch(r) * 1000);
        const auto from = to - 60000;
        a.series().rangeSummaries(refs, from, to, batch);
        ASSERT_EQ(batch.size(), refs.size());
        for (std::size_t k = 0; k < refs.size(); ++k) {
          const auto sb = b.series().rangeSummary(refs[k], from, to);
          c.series().restore(c.series().save());
          const auto sc2 = c.series().rangeSummary(refs[k], from, to);
          EXPECT_TRUE(sameSummary(batch[k], sb)) << "seed " << seed << " t " << r << " k " << k;
          EXPECT_TRUE(sameSummary(sb, sc2)) << "seed " << seed << " t " << r << " k " << k;
          ++compared;
        }
      }
    }
    const auto ta = a.totals(240), tb = b.totals(240), tc = c.totals(240);
    EXPECT_EQ(ta.canaryRequests, tb.canaryRequests);
    EXPECT_EQ(ta.canaryErrors, tb.canaryErrors);
    EXPECT_EQ(tb.canaryRequests, tc.canaryRequests);
    EXPECT_EQ(tb.canaryErrors, tc.canaryErrors);
    EXPECT_EQ(tb.excessErrors, tc.excessErrors);
  }
  EXPECT_GT(compared, 500);
}
