// The Argo closed loop: ArgoEngine decisions against the synthesized mesh series.

#include "rolloutlab/scenarios/argo_world.h"

#include <gtest/gtest.h>

#include <cmath>

#include "argo_fixtures.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/io/scenario_decode.h"

namespace ar = rolloutlab::core::argo;
namespace sc = rolloutlab::scenarios;
using rolloutlab::test::loadArgo;

namespace {

// A success-rate analysis step between two weights, on the canary service's series.
const std::string kSpecs = R"(apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: success-rate, namespace: shop}
spec:
  args: [{name: service}]
  metrics:
    - name: success-rate
      interval: 60s
      count: 3
      successCondition: len(result) == 0 || result[0] >= 0.99
      provider:
        prometheus:
          address: http://prometheus:9090
          query: >-
            sum(rate(istio_requests_total{reporter="destination",destination_service_name="{{args.service}}",response_code!~"5.*"}[1m]))
            / sum(rate(istio_requests_total{reporter="destination",destination_service_name="{{args.service}}"}[1m]))
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: checkout, namespace: shop}
spec:
  replicas: 4
  selector: {matchLabels: {app: checkout}}
  template: {metadata: {labels: {app: checkout}}, spec: {containers: [{name: app, image: checkout:2}]}}
  strategy:
    canary:
      canaryService: checkout-canary
      stableService: checkout-stable
      trafficRouting: {istio: {virtualService: {name: checkout}}}
      steps:
        - setWeight: 25
        - analysis:
            templates: [{templateName: success-rate}]
            args: [{name: service, value: checkout-canary}]
        - setWeight: 50
        - pause: {duration: 2m}
)";

sc::Scenario scenario(const std::string& text) {
  auto docs = rolloutlab::io::readDocumentsFromString(text, "scenario.yaml");
  rolloutlab::core::Diagnostics diags;
  sc::Scenario s;
  EXPECT_TRUE(rolloutlab::io::decodeScenario(docs.documents.at(0), diags, s))
      << (diags.items.empty() ? "" : diags.items[0].toString());
  return s;
}

std::string scenarioText(const std::string& release, double errorAdd,
                         const std::string& extra = "") {
  return "apiVersion: rolloutlab.io/v1alpha1\nkind: Scenario\nmetadata: {name: s}\nspec:\n  "
         "release: " +
         release +
         "\n  duration: 1h\n  traffic: {rps: 500}\n  primary: {errorRate: 0.001}\n"
         "  cluster: {canaryStartup: 20s}\n" +
         (errorAdd > 0 ? "  effects:\n    - {kind: step, at: 0s, errorRateAdd: " +
                             std::to_string(errorAdd) + "}\n"
                       : "") +
         extra;
}

// A Rollout whose analysis step runs a Job metric (load) and a Kayenta metric (judge), and the
// scenario models of both: the Job fails only for a bad release, the score is 90 or 30.
std::string jobAndKayentaSpecs() {
  return "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t, namespace: "
         "shop}\nspec:\n"
         "  metrics:\n    - name: load\n      provider: {job: {spec: {template: {spec: "
         "{containers: "
         "[]}}}}}\n"
         "    - name: judge\n      provider:\n        kayenta:\n          address: http://k\n      "
         "   "
         " application: a\n"
         "          canaryConfigName: c\n          metricsAccountName: m\n          "
         "configurationAccountName: c\n"
         "          storageAccountName: s\n          threshold: {pass: 75, marginal: 50}\n"
         "          scopes: [{name: d, controlScope: {scope: s, step: 60}, experimentScope: "
         "{scope: "
         "c, step: 60}}]\n---\n" +
         rolloutlab::test::canaryRollout(
             "        - setWeight: 50\n        - analysis: {templates: [{templateName: t}]}\n");
}

std::string jobAndKayentaModels() {
  return "  metrics:\n    models:\n      load: {kind: job, failProbability: 0, badFailProbability: "
         "1, duration: 45s}\n"
         "      judge: {kind: normal, mean: 90, sd: 0, badMean: 30, badSd: 0}\n";
}

}  // namespace

TEST(ArgoWorld, BadReleaseAborts) {
  auto f = loadArgo(kSpecs);
  ASSERT_EQ(f.diagnostics.errors(), 0);
  const sc::CompiledScenario s(scenario(scenarioText("bad", 0.05)));
  const sc::ArgoPlan plan(f.rollouts.at(0), f.catalog, s);
  const auto sim = sc::simulateArgo(plan, s, 1);
  EXPECT_EQ(sim.summary.outcome.result, "aborted");
  EXPECT_EQ(sim.summary.engine, "argo");
  EXPECT_EQ(sim.summary.outcome.decision, rolloutlab::sim::RunOutcome::Decision::kRolledBack);
  // Canary pods at 20 s (weight 25), measurements from 20 s every 60 s: the first with a full
  // minute of canary traffic (t = 80) sees ~5 % errors and fails the metric.
  EXPECT_EQ(sim.summary.timeToDecision, 80);
  EXPECT_EQ(sim.summary.peakCanaryWeight, 25);
  EXPECT_GT(sim.summary.totals.excessErrors, 0);
}

TEST(ArgoWorld, GoodReleasePromotesAndWeightsDriveTraffic) {
  auto f = loadArgo(kSpecs);
  const sc::CompiledScenario s(scenario(scenarioText("good", 0)));
  const sc::ArgoPlan plan(f.rollouts.at(0), f.catalog, s);
  const auto sim = sc::simulateArgo(plan, s, 3);
  EXPECT_EQ(sim.summary.outcome.result, "promoted");
  EXPECT_EQ(sim.summary.peakCanaryWeight, 100);
  // Timeline: weight 25 from 20 s, analysis at 20/80/140 s, weight 50 from 160 s (pods +20 s),
  // pause 2 min, canary scaled to 4 at 280 s; its pods are ready at 300 s, when the weight
  // goes to 100 and the rollout promotes (the weight waits for the pods).
  EXPECT_EQ(sim.summary.timeToPromotion, 300);
  // The canary's requests follow the weights: 25 % of 500 rps over [20, 160), 50 % over
  // [160, 300); Poisson noise is far below 3 %.
  const double expected = 500 * (0.25 * 140 + 0.5 * 140);
  EXPECT_NEAR(sim.summary.totals.canaryRequests, expected, 0.03 * expected);
  EXPECT_NEAR(sim.summary.totals.excessErrors, 0, 1e-9);
}

TEST(ArgoWorld, ReusedWorldGivesTheSameRunsAsFreshOnes) {
  auto f = loadArgo(kSpecs);
  const sc::CompiledScenario s(scenario(scenarioText("bad", 0.01)));
  const sc::ArgoPlan plan(f.rollouts.at(0), f.catalog, s);
  sc::ArgoSyntheticWorld world(plan, s);
  for (std::uint64_t seed : {11u, 12u, 13u}) {
    const auto reused = sc::runArgo(plan, s, world, seed);
    const auto fresh = sc::simulateArgo(plan, s, seed).summary;
    EXPECT_EQ(reused.outcome.result, fresh.outcome.result) << seed;
    EXPECT_EQ(reused.timeToDecision, fresh.timeToDecision) << seed;
    EXPECT_EQ(reused.totals.canaryRequests, fresh.totals.canaryRequests) << seed;
  }
}

TEST(ArgoWorld, UnmodelledWebMetricIsAnErrorBeforeTheRun) {
  auto f = loadArgo(
      "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t, namespace: "
      "shop}\nspec:\n"
      "  metrics:\n    - name: smoke\n      successCondition: result == 1\n"
      "      provider: {web: {url: http://x}}\n---\n" +
      rolloutlab::test::canaryRollout(
          "        - setWeight: 50\n        - analysis: {templates: [{templateName: t}]}\n"));
  const sc::CompiledScenario s(scenario(scenarioText("good", 0)));
  try {
    sc::ArgoPlan plan(f.rollouts.at(0), f.catalog, s);
    FAIL() << "expected InputError";
  } catch (const rolloutlab::core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("model it under spec.metrics.models.smoke"),
              std::string::npos)
        << e.what();
  }
  // Modelled: a web metric answers a JSON number from the model.
  const sc::CompiledScenario m(scenario(scenarioText(
      "good", 0, "  metrics:\n    models:\n      smoke: {kind: normal, mean: 1, sd: 0}\n")));
  const sc::ArgoPlan plan(f.rollouts.at(0), f.catalog, m);
  EXPECT_EQ(sc::simulateArgo(plan, m, 1).summary.outcome.result, "promoted");
}

TEST(ArgoWorld, JobAndKayentaModels) {
  auto f = loadArgo(jobAndKayentaSpecs());
  ASSERT_EQ(f.diagnostics.errors(), 0) << f.diagnostics.items.at(0).toString();
  const std::string models = jobAndKayentaModels();
  {
    const sc::CompiledScenario s(scenario(scenarioText("good", 0, models)));
    const sc::ArgoPlan plan(f.rollouts.at(0), f.catalog, s);
    const auto sim = sc::simulateArgo(plan, s, 1);
    EXPECT_EQ(sim.summary.outcome.result, "promoted");
    EXPECT_EQ(sim.summary.timeToPromotion, 20 + 45);  // the Job runs 45 s from the analysis start
  }
  {
    const sc::CompiledScenario s(scenario(scenarioText("bad", 0.01, models)));
    const sc::ArgoPlan plan(f.rollouts.at(0), f.catalog, s);
    const auto sim = sc::simulateArgo(plan, s, 1);
    EXPECT_EQ(sim.summary.outcome.result, "aborted");
    EXPECT_EQ(sim.summary.timeToDecision, 20 + 15);  // Kayenta's score (30 < marginal) at +15 s
  }
  {
    // A Kayenta-compatible judge answers through the hook instead of the model.
    struct Judge : ar::KayentaJudgeHook {
      int calls = 0;
      ar::KayentaAnswer judge(const ar::KayentaRequest& r) override {
        ++calls;
        EXPECT_EQ(r.scopes.size(), 1u);
        ar::KayentaAnswer a;
        a.score = 60;  // marginal: Inconclusive
        return a;
      }
    } judge;
    const sc::CompiledScenario s(scenario(scenarioText("good", 0, models)));
    const sc::ArgoPlan plan(f.rollouts.at(0), f.catalog, s);
    sc::ArgoSyntheticWorld world(plan, s);
    world.setKayentaJudge(&judge);
    const auto sum = sc::runArgo(plan, s, world, 1);
    EXPECT_EQ(judge.calls, 1);
    EXPECT_EQ(sum.outcome.result, "paused");
  }
}

TEST(ArgoWorld, KayentaMetricsAreJudgedOnTheSeries) {
  // A Kayenta metric whose canaryConfigName names a Kayenta-compatible Judge is answered by
  // rolloutlab's NetflixACAJudge on the synthesized series (experiment: the canary; control:
  // the primary; the 5 minutes before the measurement, lookback), with no model needed: a +20
  // point error regression scores 0 and aborts; a good release passes.
  const std::string specs =
      "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t, namespace: "
      "shop}\nspec:\n"
      "  metrics:\n    - name: judge\n      interval: 5m\n      count: 1\n      provider:\n        "
      "kayenta:\n"
      "          address: http://k\n          lookback: true\n"
      "          application: a\n          canaryConfigName: errors-only\n          "
      "metricsAccountName: m\n"
      "          configurationAccountName: c\n          storageAccountName: s\n"
      "          threshold: {pass: 75, marginal: 50}\n"
      "          scopes: [{name: d, controlScope: {scope: s, step: 60}, experimentScope: {scope: "
      "c, step: 60}}]\n"
      "---\n" +
      rolloutlab::test::canaryRollout(
          "        - setWeight: 50\n        - pause: {duration: 5m}\n"
          "        - analysis: {templates: [{templateName: t}]}\n");
  auto f = loadArgo(specs);
  ASSERT_EQ(f.diagnostics.errors(), 0) << f.diagnostics.items.at(0).toString();
  sc::JudgeSpec j;
  j.name = "errors-only";
  j.mode = sc::JudgeSpec::Mode::kKayenta;
  rolloutlab::core::judge::KayentaMetricConfig m;
  m.name = "error-rate";
  m.direction = rolloutlab::core::judge::KayentaDirection::kIncrease;
  m.critical = true;
  m.groups = {"errors"};
  j.kayenta.metrics = {m};
  j.sources = {sc::ShadowSource::kErrorRate};
  {
    const sc::CompiledScenario s(scenario(scenarioText("bad", 0.2, "")));
    const sc::ArgoPlan plan(f.rollouts.at(0), f.catalog, s, {j});
    EXPECT_EQ(sc::simulateArgo(plan, s, 1).summary.outcome.result, "aborted");
  }
  {
    const sc::CompiledScenario s(scenario(scenarioText("good", 0, "")));
    const sc::ArgoPlan plan(f.rollouts.at(0), f.catalog, s, {j});
    const auto sim = sc::simulateArgo(plan, s, 1);
    EXPECT_EQ(sim.summary.outcome.result, "promoted");
  }
  // Without the Judge (and without a model) the plan refuses the metric before any run.
  const sc::CompiledScenario s(scenario(scenarioText("good", 0, "")));
  EXPECT_THROW(sc::ArgoPlan(f.rollouts.at(0), f.catalog, s), rolloutlab::core::InputError);
}

// ---- header and mirror routes (rollout/trafficrouting.go, istio.go) ---------------------------

namespace {

// Steps on a 4-replica Istio canary with managed routes `beta` (header) and `shadow` (mirror).
std::string routedSpecs(const std::string& steps) {
  return kSpecs.substr(0, kSpecs.find("---\n") + 4) +
         "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: checkout, namespace: "
         "shop}\nspec:\n  replicas: 4\n  selector: {matchLabels: {app: checkout}}\n"
         "  template: {metadata: {labels: {app: checkout}}, spec: {containers: [{name: app, "
         "image: checkout:2}]}}\n"
         "  strategy:\n    canary:\n      canaryService: checkout-canary\n"
         "      stableService: checkout-stable\n"
         "      trafficRouting:\n        managedRoutes: [{name: beta}, {name: shadow}]\n"
         "        istio: {virtualService: {name: checkout}}\n      steps:\n" +
         steps;
}

std::string routeScenario(const std::string& release, double errorAdd, const std::string& traffic) {
  return "apiVersion: rolloutlab.io/v1alpha1\nkind: Scenario\nmetadata: {name: s}\nspec:\n"
         "  release: " +
         release + "\n  duration: 1h\n  traffic: {rps: 500" + traffic +
         "}\n  primary: {errorRate: 0.001}\n  cluster: {canaryStartup: 20s}\n" +
         (errorAdd > 0 ? "  effects:\n    - {kind: step, at: 0s, errorRateAdd: " +
                             std::to_string(errorAdd) + "}\n"
                       : "");
}

}  // namespace

TEST(ArgoWorld, HeaderRouteAtWeightZeroSendsTheMatchingShareToTheCanary) {
  // setCanaryScale 1 pod (ready at 20 s), header route `beta`, a 10 min pause, then the end:
  // the canary scales to 4 at 620 s, its pods are ready at 640 s, weight 100 and promotion.
  // From 20 s to 640 s the weight is 0 and the route sends the matching share (routeMatch 0.2)
  // to the canary: 500 rps x 0.2 x 620 s = 62,000 user requests per run.
  // Over 20 runs (a batch of seeds) the mean is 62,000 with a standard error of
  // sqrt(62,000 / 20) = 56 (Poisson): the tolerance of 0.5 % (310) is more than 5 standard errors.
  auto f = loadArgo(routedSpecs(
      "        - setCanaryScale: {replicas: 1}\n"
      "        - setHeaderRoute: {name: beta, match: [{headerName: x-beta, headerValue: {exact: "
      "'1'}}]}\n"
      "        - pause: {duration: 10m}\n"));
  ASSERT_EQ(f.diagnostics.errors(), 0)
      << (f.diagnostics.items.empty() ? "" : f.diagnostics.items[0].toString());
  const sc::CompiledScenario s(scenario(routeScenario("good", 0, ", routeMatch: {beta: 0.2}")));
  const sc::ArgoPlan plan(f.rollouts.at(0), f.catalog, s);
  sc::ArgoSyntheticWorld world(plan, s);
  double sum = 0;
  const int runs = 20;
  for (int i = 0; i < runs; ++i) {
    const auto r = sc::runArgo(plan, s, world, 100 + static_cast<std::uint64_t>(i));
    ASSERT_EQ(r.outcome.result, "promoted");
    ASSERT_EQ(r.timeToPromotion, 640);
    EXPECT_EQ(r.peakCanaryWeight, 100);
    sum += r.totals.canaryRequests;
  }
  EXPECT_NEAR(sum / runs, 62000, 0.005 * 62000);
  // Without the route (the scenario's match fraction 0 for it) the canary gets nothing at
  // weight 0.
  const sc::CompiledScenario none(scenario(routeScenario("good", 0, ", routeMatch: {beta: 0}")));
  const sc::ArgoPlan plan0(f.rollouts.at(0), f.catalog, none);
  EXPECT_EQ(sc::simulateArgo(plan0, none, 7).summary.totals.canaryRequests, 0);
}

TEST(ArgoWorld, MirroredRequestsReachTheCanarysMetricsButNotUsers) {
  // setCanaryScale 1 pod, mirror route `shadow` copying every request (100 %), then the
  // success-rate analysis on the canary service's series. The release adds 5 % errors: the
  // analysis sees them in the mirrored copies (500 rps x 60 s per window) and aborts at its first
  // full window (pod ready at 20 s, measurements at 20 s and 80 s), while no user request ever
  // reached the canary: nothing served, no excess errors.
  auto f = loadArgo(
      routedSpecs("        - setCanaryScale: {replicas: 1}\n"
                  "        - setMirrorRoute: {name: shadow, match: [{path: {prefix: /}}]}\n"
                  "        - analysis:\n            templates: [{templateName: success-rate}]\n"
                  "            args: [{name: service, value: checkout-canary}]\n"));
  ASSERT_EQ(f.diagnostics.errors(), 0)
      << (f.diagnostics.items.empty() ? "" : f.diagnostics.items[0].toString());
  const sc::CompiledScenario bad(scenario(routeScenario("bad", 0.05, "")));
  const sc::ArgoPlan plan(f.rollouts.at(0), f.catalog, bad);
  const auto sim = sc::simulateArgo(plan, bad, 5);
  EXPECT_EQ(sim.summary.outcome.result, "aborted");
  EXPECT_EQ(sim.summary.timeToDecision, 80);
  EXPECT_EQ(sim.summary.peakCanaryWeight, 0);
  EXPECT_EQ(sim.summary.totals.canaryRequests, 0);
  EXPECT_EQ(sim.summary.totals.excessErrors, 0);
  // The canary's own series hold the copies: between the scrapes at or before 40 s and 80 s
  // (the scrape phase is random, so the window lies within (25, 80], where the route copies every
  // request) the canary counts as many requests as the stable, which serves them all. Each count
  // is at least 500 rps x 15 s: the ratio's sd is at most sqrt(2 / 7,500) = 1.6 %; tolerance 6 %.
  sc::ArgoSyntheticWorld world(plan, bad);
  const auto again = sc::runArgo(plan, bad, world, 5);
  ASSERT_EQ(again.outcome.result, "aborted");
  const auto c = world.series().window(sc::Variant::kCanary, 40, 80);
  const auto p = world.series().window(sc::Variant::kPrimary, 40, 80);
  ASSERT_GT(p.ok + p.err, 7000);
  EXPECT_NEAR((c.ok + c.err) / (p.ok + p.err), 1.0, 0.06);
  EXPECT_GT(c.err / (c.ok + c.err), 0.03);
}

TEST(ArgoWorld, MirrorRouteAddsCopiesOnTopOfTheWeight) {
  // setWeight 25 (1 of 4 pods), then mirror route `shadow` at 40 % of the requests it matches
  // (mirrorMatchFraction 0.5), a 10 min pause: users reach the canary at the weight only
  // (0.25 x 500 rps), while its series also count 0.5 x 0.4 x 500 rps of copies: the canary's
  // series see 0.45 of the requests for the stable's 0.75, a ratio of 0.6. Over the scrapes in
  // [100, 600] each count is above 80,000 (ratio sd < 0.5 %, tolerance 2 %).
  auto f = loadArgo(routedSpecs(
      "        - setWeight: 25\n"
      "        - setMirrorRoute: {name: shadow, percentage: 40, match: [{method: {exact: GET}}]}\n"
      "        - pause: {duration: 10m}\n"));
  ASSERT_EQ(f.diagnostics.errors(), 0)
      << (f.diagnostics.items.empty() ? "" : f.diagnostics.items[0].toString());
  const sc::CompiledScenario s(scenario(routeScenario("good", 0, ", mirrorMatchFraction: 0.5")));
  const sc::ArgoPlan plan(f.rollouts.at(0), f.catalog, s);
  sc::ArgoSyntheticWorld world(plan, s);
  const auto r = sc::runArgo(plan, s, world, 9);
  ASSERT_EQ(r.outcome.result, "promoted");
  // Weight 25 from 20 s (the pod), pause until 620 s, the canary scales to 4 (ready at 640 s),
  // then weight 100 and promotion: users' canary requests 500 x 0.25 x 620 s = 77,500 (Poisson
  // sd 278, tolerance 2 %), the copies excluded.
  ASSERT_EQ(r.timeToPromotion, 640);
  EXPECT_NEAR(r.totals.canaryRequests, 77500, 0.02 * 77500);
  const auto c = world.series().window(sc::Variant::kCanary, 100, 600);
  const auto p = world.series().window(sc::Variant::kPrimary, 100, 600);
  ASSERT_GT(c.ok + c.err, 80000);
  EXPECT_NEAR((c.ok + c.err) / (p.ok + p.err), 0.6, 0.02 * 0.6);
}

TEST(ArgoWorld, TheLoopReportsEveryMeasurementAsTakenWithoutChangingTheRun) {
  // The Job and Kayenta analysis of JobAndKayentaModels: the analysis starts when the canary's
  // pods are ready (20 s); the Job's result is drawn when it is created, the Kayenta score read
  // 15 s after the run starts (kayenta.go Resume).
  auto f = loadArgo(jobAndKayentaSpecs());
  ASSERT_EQ(f.diagnostics.errors(), 0) << f.diagnostics.items.at(0).toString();
  const std::string models = jobAndKayentaModels();
  for (const std::string release : {"good", "bad"}) {
    const bool bad = release == "bad";
    const sc::CompiledScenario s(scenario(scenarioText(release, bad ? 0.01 : 0, models)));
    const sc::ArgoPlan plan(f.rollouts.at(0), f.catalog, s);
    std::vector<rolloutlab::sim::ArgoMeasurement> ms;
    const auto kept = sc::simulateArgo(plan, s, 1, {}, &ms);
    const auto plain = sc::simulateArgo(plan, s, 1);
    // The observer changes nothing: the same events, outcome and summary.
    ASSERT_EQ(kept.run.events.size(), plain.run.events.size()) << release;
    for (std::size_t i = 0; i < kept.run.events.size(); ++i) {
      EXPECT_EQ(kept.run.events[i].t, plain.run.events[i].t) << release << " #" << i;
      EXPECT_EQ(kept.run.events[i].reason, plain.run.events[i].reason) << release << " #" << i;
      EXPECT_EQ(kept.run.events[i].state.runs, plain.run.events[i].state.runs) << release;
    }
    EXPECT_EQ(kept.summary.outcome.result, bad ? "aborted" : "promoted");
    EXPECT_EQ(kept.summary.outcome.result, plain.summary.outcome.result);
    EXPECT_EQ(kept.summary.metricChecks, plain.summary.metricChecks);

    ASSERT_EQ(ms.size(), 2u) << release;
    // The Job: created at 20 s, its result the one the model draws (failProbability 0 on the
    // good release, badFailProbability 1 on the bad one), reported with its run.
    const auto& job = ms[0];
    EXPECT_EQ(job.t, 20);
    EXPECT_EQ(job.metric, "load");
    EXPECT_EQ(job.provider, ar::ProviderKind::kJob);
    EXPECT_EQ(job.source, "model");
    EXPECT_FALSE(job.run.empty());
    EXPECT_EQ(job.runKind, ar::RunKind::kStep);
    EXPECT_EQ(job.stepIndex, 1);
    EXPECT_EQ(job.phase, bad ? ar::Phase::kFailed : ar::Phase::kSuccessful);
    EXPECT_EQ(job.message, "the Job runs for 45 s");
    EXPECT_TRUE(job.query.empty());
    // Kayenta: the score truncated to an int against pass 75 / marginal 50 (kayenta.go).
    const auto& k = ms[1];
    EXPECT_EQ(k.t, 20 + 15);
    EXPECT_EQ(k.metric, "judge");
    EXPECT_EQ(k.provider, ar::ProviderKind::kKayenta);
    EXPECT_EQ(k.value, bad ? "30" : "90");
    EXPECT_EQ(k.phase, bad ? ar::Phase::kFailed : ar::Phase::kSuccessful);
    EXPECT_TRUE(k.run.empty());  // a Kayenta request names no run
  }
}

TEST(ArgoWorld, PrometheusMeasurementsCarryTheQueryAndTheValueAsRecorded) {
  // The success-rate step analysis (interval 60 s, count 3) on a bad release adding 5 points of
  // errors, from 20 s (the canary's startup): the first failed measurement aborts the rollout
  // (failureLimit 0: failed > 0, analysis.go assessMetricStatus).
  auto f = loadArgo(kSpecs);
  ASSERT_EQ(f.diagnostics.errors(), 0);
  const sc::CompiledScenario s(scenario(scenarioText("bad", 0.05)));
  const sc::ArgoPlan plan(f.rollouts.at(0), f.catalog, s);
  std::vector<rolloutlab::sim::ArgoMeasurement> ms;
  const auto sim = sc::simulateArgo(plan, s, 4, {}, &ms);
  EXPECT_EQ(sim.summary.outcome.result, "aborted");
  ASSERT_EQ(ms.size(), 2u);
  // At 20 s the canary's pods have just become ready: no canary request in the query's window,
  // an empty vector, which the condition passes (len(result) == 0).
  EXPECT_EQ(ms[0].t, 20);
  EXPECT_EQ(ms[0].value, "[]");
  EXPECT_EQ(ms[0].phase, ar::Phase::kSuccessful);
  const auto& m = ms[1];
  EXPECT_EQ(m.t, 80);
  EXPECT_EQ(m.metric, "success-rate");
  EXPECT_EQ(m.source, "query");
  EXPECT_NE(m.query.find("destination_service_name=\"checkout-canary\""), std::string::npos)
      << m.query;  // arguments substituted
  EXPECT_EQ(m.phase, ar::Phase::kFailed);
  ASSERT_GE(m.value.size(), 3u);
  EXPECT_EQ(m.value.front(), '[');
  const double v = std::stod(m.value.substr(1));
  EXPECT_LT(v, 0.99);
  EXPECT_GT(v, 0.9);  // about 1 - 0.051
  // The engine recorded the same value and phase (the run's last measurement).
  const auto& last = sim.run.events.back().state.runs.back().metrics.back();
  EXPECT_EQ(last.lastValue, m.value);
  EXPECT_EQ(last.successful, 1);
  EXPECT_EQ(last.failed, 1);
  EXPECT_EQ(sim.summary.metricChecks, 2);
}
