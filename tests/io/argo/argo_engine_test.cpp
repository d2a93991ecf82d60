// ArgoEngine rule by rule. Each test names the argo-rollouts function (and, where one exists,
// the upstream unit test) whose behaviour it mirrors; expectations are worked out from those
// rules, not from the engine.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "argo_fixtures.h"
#include "rolloutlab/core/argo/run.h"

namespace ar = rolloutlab::core::argo;
using rolloutlab::test::canaryRollout;
using rolloutlab::test::drive;
using rolloutlab::test::FakeArgoWorld;
using rolloutlab::test::loadArgo;
using rolloutlab::test::promTemplate;
using rolloutlab::test::stateAt;
using rolloutlab::test::vec;

namespace {

const std::string kAnalysisStep =
    "        - setWeight: 50\n        - analysis: {templates: [{templateName: t}]}\n";

struct Built {
  rolloutlab::test::ArgoFixture f;
  std::unique_ptr<ar::ArgoEngine> engine;
};

Built build(const std::string& yaml) {
  Built b{loadArgo(yaml), nullptr};
  EXPECT_EQ(b.f.diagnostics.errors(), 0)
      << (b.f.diagnostics.items.empty() ? "" : b.f.diagnostics.items[0].toString());
  EXPECT_EQ(b.f.rollouts.size(), 1u);
  if (!b.f.rollouts.empty())
    b.engine = std::make_unique<ar::ArgoEngine>(b.f.rollouts[0], b.f.catalog);
  return b;
}

// The step run's single metric as the last event shows it.
const ar::MetricView* metricAt(const std::vector<ar::ArgoEvent>& ev, double t,
                               std::size_t run = 0) {
  const ar::ArgoEvent* e = stateAt(ev, t);
  if (!e || e->state.runs.size() <= run || e->state.runs[run].metrics.empty()) return nullptr;
  return &e->state.runs[run].metrics[0];
}

ar::Phase runPhaseAt(const std::vector<ar::ArgoEvent>& ev, double t, std::size_t run = 0) {
  const ar::ArgoEvent* e = stateAt(ev, t);
  if (!e || e->state.runs.size() <= run) return ar::Phase::kNone;
  return e->state.runs[run].phase;
}

// A scripted sequence of answers by measurement index (the last repeats).
std::function<ar::ProviderAnswer(const ar::MeasureRequest&)> seq(
    std::vector<ar::ProviderAnswer> answers) {
  return [answers](const ar::MeasureRequest& r) {
    return answers[std::min<std::size_t>(static_cast<std::size_t>(r.measurement),
                                         answers.size() - 1)];
  };
}

const ar::ProviderAnswer kErr = ar::ProviderAnswer::fail("boom");

}  // namespace

// ---- AnalysisRun rules (analysis/analysis.go) -------------------------------------------------

TEST(ArgoAnalysis, FailureLimitIsStrict) {
  // assessMetricFailureInconclusiveOrError: failed > failureLimit
  // (TestAssessMetricStatusFailureLimit).
  auto b = build(promTemplate("t", "m",
                              "      interval: 10s\n      count: 10\n      failureLimit: 2\n"
                              "      successCondition: result[0] > 0.5\n") +
                 canaryRollout(kAnalysisStep));
  FakeArgoWorld w;
  w.onMeasure = seq({vec(0.1)});
  auto d = drive(*b.engine, w, 100);
  EXPECT_EQ(metricAt(d.events, 10)->phase, ar::Phase::kRunning);  // failed 2 = limit
  EXPECT_EQ(metricAt(d.events, 10)->failed, 2);
  EXPECT_EQ(metricAt(d.events, 20)->phase, ar::Phase::kFailed);  // failed 3 > 2
  EXPECT_EQ(d.outcome.result, ar::ArgoOutcome::Result::kAborted);
  EXPECT_EQ(d.outcome.t, 20);
}

TEST(ArgoAnalysis, NegativeFailureLimitDisablesFailures) {
  // failureLimit -1 is "not applicable"; consecutiveSuccessLimit then decides (ValidateMetric
  // needs one of them): at count, success not reached -> Failed (assessMetricStatus).
  auto b = build(
      promTemplate("t", "m",
                   "      interval: 10s\n      count: 3\n      failureLimit: -1\n"
                   "      consecutiveSuccessLimit: 2\n      successCondition: result[0] > 0.5\n") +
      canaryRollout(kAnalysisStep));
  FakeArgoWorld w;
  w.onMeasure = seq({vec(0.9), vec(0.1), vec(0.9)});
  auto d = drive(*b.engine, w, 100);
  EXPECT_EQ(metricAt(d.events, 20)->phase, ar::Phase::kFailed);
  EXPECT_EQ(metricAt(d.events, 20)->failed, 1);
}

TEST(ArgoAnalysis, InconclusiveLimitIsStrict) {
  // TestAssessMetricStatusInconclusiveLimit: inconclusive > inconclusiveLimit.
  auto b = build(promTemplate("t", "m",
                              "      interval: 10s\n      count: 10\n      inconclusiveLimit: 1\n"
                              "      successCondition: result[0] > 0.9\n"
                              "      failureCondition: result[0] < 0.1\n") +
                 canaryRollout(kAnalysisStep));
  FakeArgoWorld w;
  w.onMeasure = seq({vec(0.5)});
  auto d = drive(*b.engine, w, 100);
  EXPECT_EQ(metricAt(d.events, 0)->phase, ar::Phase::kRunning);
  EXPECT_EQ(metricAt(d.events, 10)->phase, ar::Phase::kInconclusive);
  const ar::ArgoEvent* e = stateAt(d.events, 10);
  EXPECT_EQ(e->state.phase, ar::RolloutPhase::kPaused);  // InconclusiveAnalysisRun pause
  EXPECT_EQ(e->state.pauseConditions, std::vector<std::string>{"InconclusiveAnalysisRun"});
}

TEST(ArgoAnalysis, FifthConsecutiveErrorFailsTheMetric) {
  // TestAssessMetricStatusConsecutiveErrors: 4 errors still Running, 5 -> Error (default 4).
  auto b =
      build(promTemplate(
                "t", "m",
                "      interval: 5m\n      count: 2\n      successCondition: result[0] > 0.5\n") +
            canaryRollout(kAnalysisStep));
  FakeArgoWorld w;
  w.onMeasure = seq({kErr});
  auto d = drive(*b.engine, w, 1000);
  EXPECT_EQ(metricAt(d.events, 30)->phase, ar::Phase::kRunning);
  EXPECT_EQ(metricAt(d.events, 30)->consecutiveError, 4);
  EXPECT_EQ(metricAt(d.events, 40)->phase, ar::Phase::kError);
  // Errors are retried after 10s although the interval is 5m (DefaultErrorRetryInterval).
  ASSERT_EQ(w.measured.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(w.measured[static_cast<std::size_t>(i)].first, 10.0 * i);
}

TEST(ArgoAnalysis, ExplicitZeroConsecutiveErrorLimitFailsOnFirstError) {
  // defaults.GetConsecutiveErrorLimitOrDefault: an explicit 0 is used (1 > 0).
  auto b = build(
      promTemplate("t", "m",
                   "      consecutiveErrorLimit: 0\n      successCondition: result[0] > 0.5\n") +
      canaryRollout(kAnalysisStep));
  FakeArgoWorld w;
  w.onMeasure = seq({kErr});
  auto d = drive(*b.engine, w, 100);
  EXPECT_EQ(metricAt(d.events, 0)->phase, ar::Phase::kError);
  EXPECT_EQ(d.outcome.result, ar::ArgoOutcome::Result::kAborted);
}

TEST(ArgoAnalysis, ErrorsDoNotCountAndCompletedMeasurementsResetThem) {
  // runMeasurements: Error adds to error/consecutiveError but not count; any completed
  // measurement resets consecutiveError.
  auto b =
      build(promTemplate(
                "t", "m",
                "      interval: 30s\n      count: 2\n      successCondition: result[0] > 0.5\n") +
            canaryRollout(kAnalysisStep));
  FakeArgoWorld w;
  w.onMeasure = seq({kErr, kErr, vec(0.9), kErr, vec(0.9)});
  auto d = drive(*b.engine, w, 1000);
  const ar::MetricView* m = metricAt(d.events, 1000);
  EXPECT_EQ(m->phase, ar::Phase::kSuccessful);
  EXPECT_EQ(m->count, 2);
  EXPECT_EQ(m->error, 3);
  EXPECT_EQ(m->consecutiveError, 0);
  // 0 error, 10 error, 20 ok, 50 (20+interval) error, 60 (50+10) ok.
  std::vector<double> times;
  for (const auto& [t, n] : w.measured) times.push_back(t);
  EXPECT_EQ(times, (std::vector<double>{0, 10, 20, 50, 60}));
}

TEST(ArgoAnalysis, CountReachedWithFailuresBelowLimitIsSuccessful) {
  // TestAssessMetricStatusCountReached: failures <= failureLimit are tolerated at count.
  auto b = build(promTemplate("t", "m",
                              "      interval: 10s\n      count: 3\n      failureLimit: 1\n"
                              "      successCondition: result[0] > 0.5\n") +
                 canaryRollout(kAnalysisStep));
  FakeArgoWorld w;
  w.onMeasure = seq({vec(0.9), vec(0.1), vec(0.9)});
  auto d = drive(*b.engine, w, 100);
  EXPECT_EQ(metricAt(d.events, 20)->phase, ar::Phase::kSuccessful);
  EXPECT_EQ(d.outcome.result, ar::ArgoOutcome::Result::kPromoted);
}

TEST(ArgoAnalysis, CountReachedWithoutConsecutiveSuccessesIsInconclusive) {
  // TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit: both limits applicable and
  // neither met at count -> Inconclusive.
  auto b = build(
      promTemplate("t", "m",
                   "      interval: 10s\n      count: 4\n      failureLimit: 2\n"
                   "      consecutiveSuccessLimit: 2\n      successCondition: result[0] > 0.5\n") +
      canaryRollout(kAnalysisStep));
  FakeArgoWorld w;
  w.onMeasure = seq({vec(0.9), vec(0.1), vec(0.9), vec(0.1)});
  auto d = drive(*b.engine, w, 100);
  EXPECT_EQ(metricAt(d.events, 30)->phase, ar::Phase::kInconclusive);
}

TEST(ArgoAnalysis, LaterLimitChecksOverwriteEarlierOnes) {
  // assessMetricFailureInconclusiveOrError: Error beats Inconclusive beats Failed when several
  // limits trip on the same assessment.
  auto b = build(promTemplate("t", "m",
                              "      interval: 10s\n      count: 10\n      failureLimit: 1\n"
                              "      consecutiveErrorLimit: 1\n"
                              "      successCondition: result[0] > 0.9\n"
                              "      failureCondition: result[0] < 0.1\n") +
                 canaryRollout(kAnalysisStep));
  FakeArgoWorld w;
  // failed 1 (= limit), then two errors: consecutiveError 2 > 1 -> Error
  w.onMeasure = seq({vec(0.05), kErr, kErr});
  auto d = drive(*b.engine, w, 100);
  EXPECT_EQ(metricAt(d.events, 20)->phase, ar::Phase::kError);
}

TEST(ArgoAnalysis, RunTakesTheWorstMetricPhaseAndTerminatesTheRest) {
  // assessRunStatus + IsTerminating: a Failed metric terminates the run on the next (immediate)
  // reconcile; the indefinite metric still running is assessed Successful; the run is Failed.
  auto b = build(
      "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t, namespace: "
      "shop}\nspec:\n"
      "  metrics:\n"
      "    - name: a\n      interval: 10s\n      successCondition: result[0] > 0.5\n"
      "      provider: {prometheus: {address: x, query: a}}\n"
      "    - name: b\n      successCondition: result[0] > 0.5\n      initialDelay: 1h\n"
      "      provider: {prometheus: {address: x, query: b}}\n---\n" +
      canaryRollout("        - setWeight: 50\n        - pause: {}\n",
                    "      analysis: {templates: [{templateName: t}]}\n"));
  FakeArgoWorld w;
  w.onMeasure = [](const ar::MeasureRequest& r) { return vec(r.measurement == 0 ? 0.9 : 0.1); };
  auto d = drive(*b.engine, w, 100);
  // a: 0 ok, 10 failed -> Failed; b never measured -> Successful once terminating.
  const ar::ArgoEvent* e = stateAt(d.events, 10);
  ASSERT_EQ(e->state.runs.size(), 1u);
  EXPECT_EQ(e->state.runs[0].phase, ar::Phase::kFailed);
  EXPECT_EQ(d.outcome.result, ar::ArgoOutcome::Result::kAborted);
  bool sawRunningWithFailedMetric = false;
  for (const auto& ev : d.events) {
    if (!ev.state.runs.empty() && ev.state.runs[0].phase == ar::Phase::kRunning &&
        !ev.state.runs[0].metrics.empty() &&
        ev.state.runs[0].metrics[0].phase == ar::Phase::kFailed) {
      sawRunningWithFailedMetric = true;
    }
  }
  EXPECT_TRUE(sawRunningWithFailedMetric);  // finalized one reconcile later
}

TEST(ArgoAnalysis, TerminatedBoundedMetricBelowCountIsSuccessful) {
  // assessMetricStatus with terminating: a bounded metric below its count falls through to
  // Successful (issue #4479). The background run ends with the promotion.
  auto b = build(promTemplate("t", "m",
                              "      interval: 10s\n      count: 100\n      failureLimit: 5\n"
                              "      successCondition: result[0] > 0.5\n") +
                 canaryRollout("        - setWeight: 50\n        - pause: {duration: 25s}\n",
                               "      analysis: {templates: [{templateName: t}]}\n"));
  FakeArgoWorld w;
  w.onMeasure = seq({vec(0.1)});
  auto d = drive(*b.engine, w, 200);
  EXPECT_EQ(d.outcome.result, ar::ArgoOutcome::Result::kPromoted);
  const ar::ArgoEvent* e = stateAt(d.events, 200);
  EXPECT_EQ(e->state.runs[0].phase, ar::Phase::kSuccessful);
  EXPECT_EQ(e->state.runs[0].message, "Run Terminated");
  EXPECT_EQ(e->state.runs[0].metrics[0].failed, 3);  // 0, 10, 20
}

TEST(ArgoAnalysis, OnlyDryRunMetricsGiveASuccessfulRun) {
  // TestAssessRunStatusWithOnlyDryRunMetrics.
  auto b = build(promTemplate("t", "m", "      successCondition: result[0] > 0.5\n") +
                 canaryRollout("        - setWeight: 50\n        - analysis:\n            "
                               "templates: [{templateName: t}]\n"
                               "            dryRun: [{metricName: .*}]\n"));
  FakeArgoWorld w;
  w.onMeasure = seq({vec(0.1)});
  auto d = drive(*b.engine, w, 100);
  EXPECT_EQ(runPhaseAt(d.events, 100), ar::Phase::kSuccessful);
  EXPECT_EQ(metricAt(d.events, 100)->phase, ar::Phase::kFailed);
  EXPECT_TRUE(metricAt(d.events, 100)->dryRun);
  EXPECT_EQ(d.outcome.result, ar::ArgoOutcome::Result::kPromoted);
}

TEST(ArgoAnalysis, DryRunRuleMatchingNoMetricMakesTheRunError) {
  // reconcileAnalysisRun: GetDryRunMetrics error -> run Error "Analysis spec invalid".
  auto b = build(promTemplate("t", "m", "      successCondition: result[0] > 0.5\n") +
                 canaryRollout("        - setWeight: 50\n        - analysis:\n            "
                               "templates: [{templateName: t}]\n"
                               "            dryRun: [{metricName: nope}]\n"));
  FakeArgoWorld w;
  auto d = drive(*b.engine, w, 100);
  EXPECT_EQ(runPhaseAt(d.events, 0), ar::Phase::kError);
  EXPECT_EQ(stateAt(d.events, 0)->state.runs[0].message,
            "Analysis spec invalid: dryRun[0]: Rule didn't match any metric name(s)");
  EXPECT_EQ(d.outcome.result, ar::ArgoOutcome::Result::kAborted);
}

TEST(ArgoAnalysis, IntervalCountsFromTheLastFinish) {
  // generateMetricTasks: next measurement once now is after lastMeasurement.finishedAt + interval.
  auto b =
      build(promTemplate(
                "t", "m",
                "      interval: 45s\n      count: 3\n      successCondition: result[0] > 0.5\n") +
            canaryRollout(kAnalysisStep));
  FakeArgoWorld w;
  auto d = drive(*b.engine, w, 1000);
  ASSERT_EQ(w.measured.size(), 3u);
  EXPECT_EQ(w.measured[1].first, 45);
  EXPECT_EQ(w.measured[2].first, 90);
}

TEST(ArgoAnalysis, KayentaScoreAgainstPassAndMarginal) {
  // kayenta.go evaluateResult on int(score): >= pass Successful, >= marginal Inconclusive,
  // else Failed; the score is read 15s after the execution starts (resumeDelay).
  const std::string tpl =
      "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t, namespace: "
      "shop}\nspec:\n"
      "  metrics:\n    - name: k\n      provider:\n        kayenta:\n          address: http://k\n"
      "          application: a\n          canaryConfigName: c\n          metricsAccountName: m\n"
      "          configurationAccountName: c\n          storageAccountName: s\n"
      "          threshold: {pass: 75, marginal: 50}\n"
      "          scopes: [{name: d, controlScope: {scope: s, step: 60}, experimentScope: {scope: "
      "c, step: 60}}]\n---\n";
  for (auto [score, want] :
       {std::pair{75.9, ar::Phase::kSuccessful}, std::pair{74.9, ar::Phase::kInconclusive},
        std::pair{50.0, ar::Phase::kInconclusive}, std::pair{49.99, ar::Phase::kFailed}}) {
    auto b = build(tpl + canaryRollout(kAnalysisStep));
    FakeArgoWorld w;
    w.onKayenta = [score = score](const ar::KayentaRequest& r) {
      EXPECT_EQ(r.t, 15);
      EXPECT_EQ(r.startedAt, 0);
      ar::KayentaAnswer a;
      a.score = score;
      return a;
    };
    auto d = drive(*b.engine, w, 100);
    EXPECT_EQ(metricAt(d.events, 15)->phase, want) << score;
  }
}

TEST(ArgoAnalysis, JobMetricPhasesAndTermination) {
  // job.go: a Job completes -> Successful, fails -> Failed; a terminated in-flight Job ->
  // Inconclusive "Metric Terminated".
  const std::string tpl =
      "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t, namespace: "
      "shop}\nspec:\n"
      "  metrics:\n    - name: j\n      provider: {job: {spec: {template: {spec: {containers: "
      "[]}}}}}\n---\n";
  {
    auto b = build(tpl + canaryRollout(kAnalysisStep));
    FakeArgoWorld w;
    w.onJob = [](const ar::MeasureRequest&) {
      ar::JobAnswer a;
      a.succeeded = false;
      a.duration = 40;
      return a;
    };
    auto d = drive(*b.engine, w, 100);
    EXPECT_EQ(metricAt(d.events, 39)->phase, ar::Phase::kRunning);
    EXPECT_EQ(metricAt(d.events, 40)->phase, ar::Phase::kFailed);
    EXPECT_EQ(d.outcome.result, ar::ArgoOutcome::Result::kAborted);
  }
  {
    auto b = build(
        tpl + canaryRollout(
                  "        - setWeight: 50\n        - analysis: {templates: [{templateName: t}]}\n"
                  "        - setWeight: 100\n"));
    FakeArgoWorld w;
    w.onJob = [](const ar::MeasureRequest&) {
      ar::JobAnswer a;
      a.duration = 1000;
      return a;
    };
    auto d = drive(*b.engine, w, 100, {{30, ar::UserAction::kPromote}});
    const ar::MetricView* m = metricAt(d.events, 30);
    EXPECT_EQ(m->phase, ar::Phase::kInconclusive);
    EXPECT_EQ(m->lastMessage, "Metric Terminated");
    EXPECT_EQ(d.outcome.result, ar::ArgoOutcome::Result::kPromoted);
  }
}

TEST(ArgoAnalysis, ArgumentsResolvedIntoQueriesAndConditions) {
  // BuildArgumentsForRolloutAnalysisRun (podTemplateHashValue, fieldRef) + ResolveMetricArgs.
  auto b = build(
      "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t, namespace: "
      "shop}\nspec:\n"
      "  args: [{name: hash}, {name: ns}, {name: min, value: \"0.9\"}]\n"
      "  metrics:\n    - name: m\n      successCondition: result[0] >= {{args.min}}\n"
      "      provider: {prometheus: {address: x, query: 'up{hash=\"{{ args.hash "
      "}}\",ns=\"{{args.ns}}\"}'}}\n---\n" +
      canaryRollout(
          "        - setWeight: 50\n        - analysis:\n            templates: [{templateName: "
          "t}]\n"
          "            args:\n              - {name: hash, valueFrom: {podTemplateHashValue: "
          "Latest}}\n"
          "              - {name: ns, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}\n"));
  const ar::Metric* m = b.engine->allMetrics().at(0);
  EXPECT_EQ(m->prometheusQuery, std::string("up{hash=\"") + ar::kNewPodHash + "\",ns=\"shop\"}");
  EXPECT_EQ(m->successCondition, "result[0] >= 0.9");
}

// ---- Rollout rules ----------------------------------------------------------------------------

TEST(ArgoRollout, AtMostOneStepPerReconcile) {
  // syncRolloutStatusCanary: the index moves by one per reconcile; consecutive steps complete
  // at the same instant on successive reconciles.
  auto b = build(canaryRollout("        - setWeight: 50\n        - setWeight: 100\n", "", 2));
  FakeArgoWorld w;
  auto d = drive(*b.engine, w, 10);
  std::vector<int> indices;
  for (const auto& e : d.events) {
    if (e.state.currentStepIndex &&
        (indices.empty() || indices.back() != *e.state.currentStepIndex)) {
      indices.push_back(*e.state.currentStepIndex);
    }
  }
  EXPECT_EQ(indices, (std::vector<int>{2, 0, 1, 2}));
}

TEST(ArgoRollout, WeightWaitsForTheCanaryPods) {
  // trafficrouting.go reconcileTrafficRouting: until the canary ReplicaSet has the pods of the
  // new setWeight, the router keeps the previous setWeight (and 0 while none is available).
  auto b = build(canaryRollout(
      "        - setWeight: 25\n        - setWeight: 75\n        - pause: {}\n", "", 4));
  FakeArgoWorld w;
  w.startup = 20;
  auto d = drive(*b.engine, w, 100);
  EXPECT_EQ(stateAt(d.events, 19)->state.canaryWeight, 0);
  EXPECT_EQ(stateAt(d.events, 20)->state.canaryWeight, 25);  // 1 pod at 20, 3 pods wanted for 75
  EXPECT_EQ(stateAt(d.events, 39)->state.canaryWeight, 25);
  EXPECT_EQ(stateAt(d.events, 40)->state.canaryWeight, 75);
  EXPECT_EQ(stateAt(d.events, 40)->state.newDesired, 3);  // ceil(75% x 4)
}

TEST(ArgoRollout, AbortSendsTrafficToStableAndResetsTheIndex) {
  // TestHandleCanaryAbort: index 0; non-dynamic traffic: weight 0 at once; the canary stays
  // for abortScaleDownDelaySeconds once the stable is fully available.
  // An explicit 0 skips the delay (shouldDelayScaleDownOnAbort), so the canary follows the
  // aborted weight (0) at once; only a setCanaryScale step keeps it up (UseSetCanaryScale).
  for (auto [extra, scaledAt] : {std::pair<std::string, double>{"", 40},
                                 {"      abortScaleDownDelaySeconds: 5\n", 15},
                                 {"      abortScaleDownDelaySeconds: 0\n", 10}}) {
    auto b = build(canaryRollout("        - setWeight: 50\n        - pause: {}\n", extra));
    FakeArgoWorld w;
    auto d = drive(*b.engine, w, 1000, {{10, ar::UserAction::kAbort}});
    const ar::ArgoEvent* e = stateAt(d.events, 10);
    EXPECT_EQ(*e->state.currentStepIndex, 0);
    EXPECT_EQ(e->state.canaryWeight, 0);
    EXPECT_EQ(e->state.phase, ar::RolloutPhase::kDegraded);
    EXPECT_EQ(e->state.message, "RolloutAborted: Rollout aborted update to revision 2");
    EXPECT_EQ(d.outcome.t, 10);
    EXPECT_EQ(stateAt(d.events, scaledAt - 0.5)->state.newDesired, 1) << extra;
    EXPECT_EQ(stateAt(d.events, scaledAt)->state.newDesired, 0) << extra;
  }
  // abortScaleDownDelaySeconds 0 with setCanaryScale: the canary is never scaled down
  // (test/e2e/functional/canary-unscaledownonabort.yaml).
  auto b = build(canaryRollout("        - setCanaryScale: {replicas: 1}\n        - pause: {}\n",
                               "      abortScaleDownDelaySeconds: 0\n", 2));
  FakeArgoWorld w;
  auto d = drive(*b.engine, w, 1000, {{10, ar::UserAction::kAbort}});
  EXPECT_EQ(stateAt(d.events, 1000)->state.newDesired, 1);
  EXPECT_EQ(stateAt(d.events, 1000)->state.canaryWeight, 0);
}

TEST(ArgoRollout, BasicCanaryReplicaCountsFollowTheUpstreamExamples) {
  // utils/replicaset/canary.go CalculateReplicaCountsForBasicCanary, examples in its comment:
  // replicas 10, weight 10, maxUnavailable 1, maxSurge 1 -> new 1, stable 9;
  // replicas 10, weight 30, maxUnavailable 0, maxSurge 3 -> new 3, stable 10.
  auto basic = [](int weight, const std::string& surge, const std::string& unavailable) {
    return "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: demo}\nspec:\n  "
           "replicas: 10\n"
           "  selector: {matchLabels: {app: demo}}\n"
           "  template: {metadata: {labels: {app: demo}}, spec: {containers: [{name: a, image: "
           "b}]}}\n"
           "  strategy:\n    canary:\n      maxSurge: " +
           surge + "\n      maxUnavailable: " + unavailable +
           "\n      steps:\n        - setWeight: " + std::to_string(weight) +
           "\n        - pause: {}\n";
  };
  {
    auto b = build(basic(10, "1", "1"));
    FakeArgoWorld w;
    w.startup = 1000;  // freeze availability: only the first decisions show
    auto d = drive(*b.engine, w, 0);
    const ar::ArgoEvent* e = stateAt(d.events, 0);
    EXPECT_EQ(e->state.newDesired, 1);
    EXPECT_EQ(e->state.stableDesired, 9);
  }
  {
    auto b = build(basic(30, "3", "0"));
    FakeArgoWorld w;
    w.startup = 1000;
    auto d = drive(*b.engine, w, 0);
    const ar::ArgoEvent* e = stateAt(d.events, 0);
    EXPECT_EQ(e->state.newDesired, 3);
    EXPECT_EQ(e->state.stableDesired, 10);
  }
  {
    // Once available the split reaches weight 30: 3 canary, 7 stable, and the traffic share
    // is the pods' share.
    auto b = build(basic(30, "3", "0"));
    FakeArgoWorld w;
    auto d = drive(*b.engine, w, 0);
    const ar::ArgoEvent* e = stateAt(d.events, 0);
    EXPECT_EQ(e->state.newDesired, 3);
    EXPECT_EQ(e->state.stableDesired, 7);
    EXPECT_DOUBLE_EQ(e->state.canaryWeight, 30);
    EXPECT_EQ(*e->state.currentStepIndex, 1);
  }
}

TEST(ArgoRollout, ProgressDeadlineDegradesWithoutAbortUnlessAsked) {
  // sync.go calculateRolloutConditions (TimedOut -> Degraded) and
  // evaluateProgressDeadlineAbort (abort only with spec.progressDeadlineAbort).
  for (bool abortOnTimeout : {false, true}) {
    auto b = build(canaryRollout("        - setWeight: 50\n        - pause: {}\n", "", 1,
                                 std::string("  progressDeadlineSeconds: 120\n") +
                                     (abortOnTimeout ? "  progressDeadlineAbort: true\n" : "")));
    FakeArgoWorld w;
    w.startup = std::numeric_limits<double>::infinity();  // the canary never becomes ready
    auto d = drive(*b.engine, w, 1000);
    const ar::ArgoEvent* before = stateAt(d.events, 120.5);
    EXPECT_EQ(before->state.phase, ar::RolloutPhase::kProgressing);
    const ar::ArgoEvent* after = stateAt(d.events, 1000);
    EXPECT_EQ(after->state.phase, ar::RolloutPhase::kDegraded);
    EXPECT_EQ(after->state.abort, abortOnTimeout);
    EXPECT_EQ(d.outcome.t, 121);  // requeueStuckRollout: a second after the deadline
    EXPECT_EQ(d.outcome.result, abortOnTimeout ? ar::ArgoOutcome::Result::kAborted
                                               : ar::ArgoOutcome::Result::kInProgress);
  }
}

TEST(ArgoRollout, NoProgressDeadlineWhilePaused) {
  // isIndefiniteStep: pause steps do not count against progressDeadlineSeconds.
  auto b = build(canaryRollout("        - setWeight: 50\n        - pause: {}\n", "", 1,
                               "  progressDeadlineSeconds: 60\n  progressDeadlineAbort: true\n"));
  FakeArgoWorld w;
  auto d = drive(*b.engine, w, 1000);
  EXPECT_EQ(d.outcome.result, ar::ArgoOutcome::Result::kPaused);
}

TEST(ArgoRollout, UserPauseHaltsStepsButRunsStillAbort) {
  // A.6 pause: spec.paused -> completedCurrentCanaryStep false and no scaling, while the
  // background run keeps measuring and its failure aborts.
  auto b = build(
      promTemplate("t", "m", "      interval: 10s\n      successCondition: result[0] > 0.5\n") +
      canaryRollout(
          "        - setWeight: 50\n        - pause: {duration: 20s}\n        - setWeight: 100\n",
          "      analysis: {templates: [{templateName: t}]}\n"));
  FakeArgoWorld w;
  w.onMeasure = [](const ar::MeasureRequest& r) { return vec(r.t < 45 ? 0.9 : 0.1); };
  auto d = drive(*b.engine, w, 200, {{5, ar::UserAction::kPause}});
  EXPECT_EQ(*stateAt(d.events, 40)->state.currentStepIndex, 1);  // the 20s pause never ends
  EXPECT_EQ(stateAt(d.events, 40)->state.phase, ar::RolloutPhase::kPaused);
  EXPECT_EQ(d.outcome.result, ar::ArgoOutcome::Result::kAborted);
  EXPECT_EQ(d.outcome.t, 50);
}

TEST(ArgoRollout, PromotingAnInconclusiveStepSkipsIt) {
  // promote.go getPatches: step run Inconclusive and paused -> clear pauses, controllerPause
  // false, currentStepIndex + 1.
  auto b = build(
      promTemplate(
          "t", "m",
          "      successCondition: result[0] > 0.9\n      failureCondition: result[0] < 0.1\n") +
      canaryRollout(kAnalysisStep + "        - setWeight: 100\n"));
  FakeArgoWorld w;
  w.onMeasure = seq({vec(0.5)});
  auto d = drive(*b.engine, w, 200, {{30, ar::UserAction::kPromote}});
  EXPECT_EQ(stateAt(d.events, 29)->state.phase, ar::RolloutPhase::kPaused);
  EXPECT_EQ(d.outcome.result, ar::ArgoOutcome::Result::kPromoted);
  EXPECT_EQ(w.measured.size(), 1u);  // no new run for the skipped step
}

TEST(ArgoRollout, InconclusiveBackgroundRunIsReplacedAfterPromote) {
  // rollout/analysis.go needsNewAnalysisRun: controllerPause, no step pause, previous run
  // Inconclusive -> a new background run.
  auto b = build(
      promTemplate("t", "m",
                   "      interval: 10s\n      successCondition: result[0] > 0.9\n"
                   "      failureCondition: result[0] < 0.1\n") +
      canaryRollout(
          "        - setWeight: 50\n        - pause: {duration: 1h}\n        - pause: {}\n",
          "      analysis:\n        templates: [{templateName: t}]\n        startingStep: 1\n"));
  FakeArgoWorld w;
  w.onMeasure = [](const ar::MeasureRequest& r) { return vec(r.t < 5 ? 0.5 : 0.95); };
  auto d = drive(*b.engine, w, 30, {{20, ar::UserAction::kPromote}});
  const ar::ArgoEvent* paused = stateAt(d.events, 19);
  EXPECT_EQ(paused->state.pauseConditions,
            (std::vector<std::string>{"CanaryPauseStep", "InconclusiveAnalysisRun"}));
  const ar::ArgoEvent* e = stateAt(d.events, 30);
  ASSERT_EQ(e->state.runs.size(), 2u);
  EXPECT_EQ(e->state.runs[0].phase, ar::Phase::kInconclusive);
  EXPECT_EQ(e->state.runs[1].kind, ar::RunKind::kBackground);
  EXPECT_EQ(e->state.runs[1].name, std::string("demo-") + ar::kNewPodHash + "-2.1");
  EXPECT_EQ(*e->state.currentStepIndex, 2);
}

TEST(ArgoRollout, InconclusivePauseDoesNotHoldALaterPauseStep) {
  // An upstream quirk, reproduced: the InconclusiveAnalysisRun pause sets controllerPause, and
  // pause.go CompletedCanaryPauseStep reads "controllerPause and no CanaryPauseStep condition"
  // as a human resume, so the next pause step completes at once (completedCurrentCanaryStep is
  // not gated by haltProgress) and the rollout can reach its last step.
  auto b = build(promTemplate("t", "m",
                              "      interval: 10s\n      successCondition: result[0] > 0.9\n"
                              "      failureCondition: result[0] < 0.1\n") +
                 canaryRollout("        - setWeight: 50\n        - pause: {duration: 1h}\n",
                               "      analysis: {templates: [{templateName: t}]}\n"));
  FakeArgoWorld w;
  w.onMeasure = seq({vec(0.5)});
  auto d = drive(*b.engine, w, 30);
  EXPECT_EQ(d.outcome.result, ar::ArgoOutcome::Result::kPromoted);
  EXPECT_EQ(d.outcome.t, 0);
}

TEST(ArgoBlueGreen, ManualPromotionWaitsForAHuman) {
  // bluegreen.go reconcileBlueGreenPause with autoPromotionEnabled false: paused until promote.
  auto b = build(
      "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: bg}\nspec:\n  replicas: "
      "2\n"
      "  selector: {matchLabels: {app: bg}}\n"
      "  template: {metadata: {labels: {app: bg}}, spec: {containers: [{name: a, image: b}]}}\n"
      "  strategy:\n    blueGreen:\n      activeService: a\n      previewService: p\n"
      "      autoPromotionEnabled: false\n      previewReplicaCount: 1\n");
  FakeArgoWorld w;
  w.startup = 10;
  auto d = drive(*b.engine, w, 1000, {{100, ar::UserAction::kPromote}});
  const ar::ArgoEvent* paused = stateAt(d.events, 99);
  EXPECT_EQ(paused->state.phase, ar::RolloutPhase::kPaused);
  EXPECT_EQ(paused->state.newDesired, 1);  // previewReplicaCount until promotion
  EXPECT_EQ(paused->state.canaryWeight, 0);
  // After promote: scaled to 2 (scaleUpPreviewCheckPoint), switched once saturated at 110.
  EXPECT_EQ(stateAt(d.events, 109)->state.canaryWeight, 0);
  EXPECT_EQ(stateAt(d.events, 110)->state.canaryWeight, 100);
  EXPECT_EQ(d.outcome.result, ar::ArgoOutcome::Result::kPromoted);
  EXPECT_EQ(d.outcome.t, 110);
}

TEST(ArgoBlueGreen, OldStackWaitsForPostPromotionWithoutScaleDownDelay) {
  // bluegreen.go scaleDownOldReplicaSetsForBlueGreen: post-promotion analysis and no
  // scaleDownDelaySeconds -> the previous active stack stays until the run is Successful; then
  // the default 30s delay applies.
  auto b = build(
      promTemplate(
          "t", "m",
          "      interval: 10s\n      count: 3\n      successCondition: result[0] > 0.5\n") +
      "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: bg, namespace: "
      "shop}\nspec:\n"
      "  replicas: 1\n  selector: {matchLabels: {app: bg}}\n"
      "  template: {metadata: {labels: {app: bg}}, spec: {containers: [{name: a, image: b}]}}\n"
      "  strategy:\n    blueGreen:\n      activeService: a\n"
      "      postPromotionAnalysis: {templates: [{templateName: t}]}\n");
  FakeArgoWorld w;
  auto d = drive(*b.engine, w, 1000);
  EXPECT_EQ(stateAt(d.events, 19)->state.stableDesired, 1);
  EXPECT_EQ(d.outcome.result, ar::ArgoOutcome::Result::kPromoted);
  EXPECT_EQ(d.outcome.t, 20);  // post-promotion run: 0, 10, 20
  EXPECT_EQ(stateAt(d.events, 49)->state.stableDesired, 1);
  EXPECT_EQ(stateAt(d.events, 50)->state.stableDesired, 0);
}

TEST(ArgoRollout, ExperimentStepsAreRefused) {
  auto f =
      loadArgo(canaryRollout("        - setWeight: 50\n        - experiment: {templates: [{name: "
                             "c, specRef: canary}]}\n"));
  ASSERT_EQ(f.rollouts.size(), 1u);
  try {
    ar::ArgoEngine e(f.rollouts[0], f.catalog);
    FAIL() << "expected InputError";
  } catch (const rolloutlab::core::InputError& e) {
    EXPECT_EQ(e.diagnostic().field, "spec.strategy.canary.steps[1].experiment");
  }
}

// ---- spec helpers -------------------------------------------------------------------------

TEST(ArgoSpec, EffectiveCount) {
  // analysis_types.go Metric.EffectiveCount
  ar::Metric m;
  EXPECT_EQ(m.effectiveCount(), 1);
  m.interval = "10s";
  EXPECT_EQ(m.effectiveCount(), std::nullopt);
  m.count = ar::IntOrString::ofString("{{args.count}}");  // not a number: acts as 0
  EXPECT_EQ(m.effectiveCount(), std::nullopt);
  m.count = ar::IntOrString::ofString("4");
  EXPECT_EQ(m.effectiveCount(), 4);
}

TEST(ArgoSpec, ValidateMetricRules) {
  // utils/analysis/factory.go ValidateMetric, message by message.
  auto v = [](const std::string& fields) {
    ar::Metric m;
    m.providerCount = 1;
    auto set = [&](const char* k, ar::IntOrString& f) {
      const auto p = fields.find(std::string(k) + "=");
      if (p != std::string::npos)
        f = ar::IntOrString::ofInt(std::stoi(fields.substr(p + std::string(k).size() + 1)));
    };
    set("count", m.count);
    set("failureLimit", m.failureLimit);
    set("csl", m.consecutiveSuccessLimit);
    set("inconclusiveLimit", m.inconclusiveLimit);
    set("cel", m.consecutiveErrorLimit);
    if (fields.find("interval") != std::string::npos) m.interval = "10s";
    return ar::validateMetric(m).value_or("ok");
  };
  EXPECT_EQ(v("csl=-1"), "consecutiveSuccessLimit must be >= 0");
  EXPECT_EQ(v("failureLimit=-2"), "failureLimit must be >= 0, or -1 to be disabled");
  EXPECT_EQ(v("failureLimit=-1"),
            "failureLimit and consecutiveSuccessLimit cannot both be disabled");
  EXPECT_EQ(v("inconclusiveLimit=-1"), "inconclusiveLimit must be >= 0");
  EXPECT_EQ(v("cel=-1"), "consecutiveErrorLimit must be >= 0");
  EXPECT_EQ(v("count=3 failureLimit=2 csl=2 interval"),
            "count (3) must be >= failureLimit + consecutiveSuccessLimit (2 + 2) if both >= 0");
  EXPECT_EQ(v("count=1 failureLimit=-1 csl=2"), "count must be >= consecutiveSuccessLimit");
  EXPECT_EQ(v("count=2 inconclusiveLimit=3 interval"), "count must be >= inconclusiveLimit");
  EXPECT_EQ(v("count=2"), "interval must be specified when count > 1");
  EXPECT_EQ(v("count=2 interval"), "ok");
  ar::Metric none;
  EXPECT_EQ(ar::validateMetric(none).value_or("ok"), "no provider specified");
  none.providerCount = 2;
  EXPECT_EQ(ar::validateMetric(none).value_or("ok"), "multiple providers specified");
}

TEST(ArgoSpec, ArgumentSubstitution) {
  // utils/template/template.go ResolveArgs: spaces inside braces are trimmed; the last
  // unresolved tag is reported.
  std::string out, err;
  EXPECT_TRUE(ar::substituteArgs("a {{ args.x }} b {{args.x}}", {{"x", "1"}}, &out, &err));
  EXPECT_EQ(out, "a 1 b 1");
  EXPECT_FALSE(ar::substituteArgs("{{args.y}} {{args.z}}", {{"x", "1"}}, &out, &err));
  EXPECT_EQ(err, "failed to resolve {{args.z}}");
}

TEST(ArgoSpec, DefaultsInOnePlace) {
  // utils/defaults/defaults.go
  auto f = loadArgo(canaryRollout("        - setWeight: 50\n"));
  const ar::RolloutSpec& r = f.rollouts.at(0);
  EXPECT_EQ(r.progressDeadline(), 600);
  EXPECT_EQ(r.abortScaleDownDelay(), 30);
  EXPECT_EQ(r.scaleDownDelay(), 30);
  EXPECT_EQ(r.maxTrafficWeight(), 100);
  EXPECT_EQ(r.maxSurgeValue(), 1);        // 25% of 1 rounded up
  EXPECT_EQ(r.maxUnavailableValue(), 0);  // 25% of 1 rounded down
  ar::RolloutSpec basic;
  basic.canary = ar::CanaryStrategy{};
  basic.replicas = 4;
  EXPECT_EQ(basic.abortScaleDownDelay(), 0);
  EXPECT_EQ(basic.scaleDownDelay(), 0);
  EXPECT_EQ(basic.maxUnavailableValue(), 1);
}

// ---- more rules ---------------------------------------------------------------------------

TEST(ArgoRollout, HeaderAndMirrorRouteStepsCompleteAtOnce) {
  // completedCurrentCanaryStep: setHeaderRoute / setMirrorRoute return true on the same
  // reconcile; they change no weight.
  auto b = build(
      "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: demo}\nspec:\n  replicas: "
      "1\n"
      "  selector: {matchLabels: {app: demo}}\n"
      "  template: {metadata: {labels: {app: demo}}, spec: {containers: [{name: a, image: b}]}}\n"
      "  strategy:\n    canary:\n      canaryService: c\n      stableService: s\n"
      "      trafficRouting:\n        managedRoutes: [{name: beta}, {name: mirror}]\n"
      "        istio: {virtualService: {name: demo}}\n"
      "      steps:\n        - setWeight: 10\n"
      "        - setHeaderRoute: {name: beta, match: [{headerName: x, headerValue: {exact: y}}]}\n"
      "        - setMirrorRoute: {name: mirror, percentage: 50}\n        - pause: {}\n");
  FakeArgoWorld w;
  auto d = drive(*b.engine, w, 10);
  const ar::ArgoEvent* e = stateAt(d.events, 0);
  EXPECT_EQ(*e->state.currentStepIndex, 3);
  EXPECT_EQ(e->state.canaryWeight, 10);
  EXPECT_EQ(e->state.phase, ar::RolloutPhase::kPaused);
  // The header route is in place; the mirror step has no `match`, which removes a route of that
  // name (istio.go reconcileVirtualServiceMirrorRoutes) rather than adding one.
  ASSERT_EQ(e->state.routes.size(), 1u);
  EXPECT_EQ(e->state.routes[0].name, "beta");
  EXPECT_EQ(e->state.routes[0].kind, ar::ManagedRoute::Kind::kHeader);
}

namespace {

// A traffic-routed canary with managed routes (YAML flow list) and these steps.
std::string routedRollout(const std::string& managed, const std::string& steps, int replicas) {
  return "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: demo, namespace: "
         "shop}\nspec:\n  replicas: " +
         std::to_string(replicas) +
         "\n  selector: {matchLabels: {app: demo}}\n"
         "  template: {metadata: {labels: {app: demo}}, spec: {containers: [{name: a, image: "
         "b}]}}\n"
         "  strategy:\n    canary:\n      canaryService: c\n      stableService: s\n"
         "      trafficRouting:\n        managedRoutes: " +
         managed + "\n        istio: {virtualService: {name: demo}}\n      steps:\n" + steps +
         "---\n";
}

const std::string kHeaderBeta =
    "        - setHeaderRoute: {name: beta, match: [{headerName: x, headerValue: {exact: y}}]}\n";

}  // namespace

TEST(ArgoRoutes, HeaderRouteNeedsAnAvailableCanaryPod) {
  // trafficrouting.go reconcileTrafficRouting: with no available canary pod the controller calls
  // RemoveManagedRoutes ("never weight to canary"), then SetHeaderRoute for the current step. At
  // weight 0 without setCanaryScale the canary has no pod: step 0's route is set by the reconcile
  // that reads index 0 and removed by the next one (index 1, a pause).
  auto b = build(routedRollout("[{name: beta}]", kHeaderBeta + "        - pause: {}\n", 2));
  FakeArgoWorld w;
  auto d = drive(*b.engine, w, 10);
  bool seen = false;
  for (const auto& e : d.events) seen = seen || !e.state.routes.empty();
  EXPECT_TRUE(seen);
  const ar::ArgoEvent* e = stateAt(d.events, 10);
  EXPECT_EQ(e->state.phase, ar::RolloutPhase::kPaused);
  EXPECT_EQ(e->state.newDesired, 0);
  EXPECT_TRUE(e->state.routes.empty());
}

TEST(ArgoRoutes, HeaderRouteAtWeightZeroWithCanaryScaleStays) {
  // setCanaryScale gives the canary pods without a weight (UseSetCanaryScale); the header route
  // then stays while the pause runs, at weight 0.
  auto b = build(routedRollout(
      "[{name: beta}]",
      "        - setCanaryScale: {replicas: 1}\n" + kHeaderBeta + "        - pause: {}\n", 4));
  FakeArgoWorld w;
  w.startup = 5;
  auto d = drive(*b.engine, w, 100);
  const ar::ArgoEvent* e = stateAt(d.events, 100);
  EXPECT_EQ(e->state.phase, ar::RolloutPhase::kPaused);
  EXPECT_EQ(e->state.canaryWeight, 0);
  EXPECT_EQ(e->state.newAvailable, 1);
  ASSERT_EQ(e->state.routes.size(), 1u);
  EXPECT_EQ(e->state.routes[0].name, "beta");
  // Before the canary pod is available (t < 5) no route is held.
  EXPECT_TRUE(stateAt(d.events, 4)->state.routes.empty());
}

TEST(ArgoRoutes, RoutesFollowManagedRoutesOrderAndAreReplacedByName) {
  // istio.go: SetMirrorRoute removes the route of that name before adding the new one
  // (percentage 30 -> 60), and orderRoutes sorts managed routes as managedRoutes lists them,
  // whatever order the steps set them in.
  auto b = build(routedRollout(
      "[{name: beta}, {name: shadow}]",
      "        - setWeight: 50\n"
      "        - setMirrorRoute: {name: shadow, percentage: 30, match: [{path: {prefix: /}}]}\n"
      "        - setMirrorRoute: {name: shadow, percentage: 60, match: [{path: {prefix: /}}]}\n" +
          kHeaderBeta + "        - pause: {}\n",
      2));
  FakeArgoWorld w;
  auto d = drive(*b.engine, w, 10);
  const ar::ArgoEvent* e = stateAt(d.events, 10);
  ASSERT_EQ(e->state.routes.size(), 2u);
  EXPECT_EQ(e->state.routes[0].name, "beta");
  EXPECT_EQ(e->state.routes[1].name, "shadow");
  EXPECT_EQ(e->state.routes[1].kind, ar::ManagedRoute::Kind::kMirror);
  EXPECT_EQ(e->state.routes[1].percentage, 60);
}

TEST(ArgoRoutes, AbortedRolloutBackAtAHeaderRouteStepSetsItAgain) {
  // Upstream quirk: on abort the index goes to 0; every later reconcile calls
  // RemoveManagedRoutes and then SetHeaderRoute for the current step (index 0), so a step-0
  // header route is back in the VirtualService while aborted. trafficrouting.go also points the
  // canary service at the stable pods then (ensureSVCTargets), so the route serves the stable.
  auto b =
      build(promTemplate("t", "m", "      successCondition: result[0] > 0.5\n") +
            routedRollout("[{name: beta}]",
                          kHeaderBeta + "        - setWeight: 50\n"
                                        "        - analysis: {templates: [{templateName: t}]}\n",
                          2));
  FakeArgoWorld w;
  w.onMeasure = seq({vec(0.1)});
  auto d = drive(*b.engine, w, 10);
  const ar::ArgoEvent* e = stateAt(d.events, 10);
  ASSERT_TRUE(e->state.abort);
  EXPECT_EQ(*e->state.currentStepIndex, 0);
  EXPECT_EQ(e->state.canaryWeight, 0);
  ASSERT_EQ(e->state.routes.size(), 1u);
  EXPECT_EQ(e->state.routes[0].name, "beta");
  const auto split = ar::argoTrafficSplit(e->state, [](const ar::ManagedRoute&) { return 0.5; });
  EXPECT_EQ(split.canary, 0.0);
  EXPECT_EQ(split.stable, 1.0);
  // While the analysis ran (weight 50) the route was gone: step 1 found no available canary
  // pod and removed it.
  bool atFifty = false;
  for (const auto& ev : d.events) {
    if (ev.state.canaryWeight == 50 && !ev.state.abort) {
      atFifty = true;
      EXPECT_TRUE(ev.state.routes.empty());
    }
  }
  EXPECT_TRUE(atFifty);
}

TEST(ArgoRoutes, TrafficSplitIsFirstMatchInPrecedenceOrder) {
  // Hand-worked: weight 30; header route h matching 0.2, then mirror route m (40 %) matching 0.5
  // of what reaches it. h takes 0.2 (canary); m takes 0.5 x 0.8 = 0.4, served at the weight
  // (0.12 canary) and mirrored at 40 % (0.16); the remaining 0.4 follows the weight (0.12).
  ar::ArgoSnapshot snap;
  snap.canaryWeight = 30;
  snap.routes = {{"h", ar::ManagedRoute::Kind::kHeader, 100},
                 {"m", ar::ManagedRoute::Kind::kMirror, 40}};
  auto match = [](const ar::ManagedRoute& r) { return r.name == "h" ? 0.2 : 0.5; };
  auto s = ar::argoTrafficSplit(snap, match);
  EXPECT_NEAR(s.canary, 0.2 + 0.12 + 0.12, 1e-12);
  EXPECT_NEAR(s.stable, 1 - 0.44, 1e-12);
  EXPECT_NEAR(s.mirrored, 0.16, 1e-12);
  // The other order: m takes 0.5 (0.15 canary, 0.2 mirrored), h takes 0.2 x 0.5 = 0.1, the
  // remaining 0.4 follows the weight (0.12).
  std::swap(snap.routes[0], snap.routes[1]);
  s = ar::argoTrafficSplit(snap, match);
  EXPECT_NEAR(s.canary, 0.15 + 0.1 + 0.12, 1e-12);
  EXPECT_NEAR(s.mirrored, 0.2, 1e-12);
  // No routes: the weight alone.
  snap.routes.clear();
  s = ar::argoTrafficSplit(snap, match);
  EXPECT_NEAR(s.canary, 0.3, 1e-12);
  EXPECT_EQ(s.mirrored, 0.0);
}

TEST(ArgoRollout, SetCanaryScaleOverridesTheCountNotTheWeight) {
  // canary.go UseSetCanaryScale / CalculateReplicaCountsForTrafficRoutedCanary.
  auto b = build(canaryRollout(
      "        - setCanaryScale: {replicas: 3}\n        - setWeight: 10\n        - pause: {}\n"
      "        - setCanaryScale: {matchTrafficWeight: true}\n        - pause: {}\n",
      "", 10));
  FakeArgoWorld w;
  auto d = drive(*b.engine, w, 100, {{50, ar::UserAction::kPromote}});
  const ar::ArgoEvent* e = stateAt(d.events, 10);
  EXPECT_EQ(e->state.newDesired, 3);
  EXPECT_EQ(e->state.canaryWeight, 10);
  const ar::ArgoEvent* f = stateAt(d.events, 60);
  EXPECT_EQ(f->state.newDesired, 1);  // matchTrafficWeight: ceil(10% x 10)
  EXPECT_EQ(*f->state.currentStepIndex, 4);
}

TEST(ArgoRollout, MaxTrafficWeightIsTheDenominator) {
  // weightutil.MaxTrafficWeight (NGINX): setWeight 200 of 1000 is 20 % of production traffic.
  auto b = build(
      "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: demo}\nspec:\n  replicas: "
      "10\n"
      "  selector: {matchLabels: {app: demo}}\n"
      "  template: {metadata: {labels: {app: demo}}, spec: {containers: [{name: a, image: b}]}}\n"
      "  strategy:\n    canary:\n      canaryService: c\n      stableService: s\n"
      "      trafficRouting: {maxTrafficWeight: 1000, nginx: {stableIngress: i}}\n"
      "      steps: [{setWeight: 200}, {pause: {}}]\n");
  FakeArgoWorld w;
  auto d = drive(*b.engine, w, 10);
  const ar::ArgoEvent* e = stateAt(d.events, 10);
  EXPECT_DOUBLE_EQ(e->state.canaryWeight, 20);
  EXPECT_EQ(e->state.newDesired, 2);  // ceil(200 x 10 / 1000)
}

TEST(ArgoRollout, DynamicStableScaleShrinksTheStableAfterTrafficMoves) {
  // canary.go CalculateReplicaCountsForTrafficRoutedCanary with dynamicStableScale: stable =
  // max(ceil((max - desired) x replicas / max), ceil(actual stable weight x replicas / max)),
  // read from the weights recorded by the previous reconcile.
  auto b = build(canaryRollout("        - setWeight: 50\n        - pause: {}\n",
                               "      dynamicStableScale: true\n", 4));
  FakeArgoWorld w;
  auto d = drive(*b.engine, w, 10);
  // The weight moves to 50 first, the stable goes to 2 afterwards.
  bool sawWeightWithFullStable = false;
  for (const auto& e : d.events) {
    if (e.state.canaryWeight == 50 && e.state.stableDesired == 4) sawWeightWithFullStable = true;
  }
  EXPECT_TRUE(sawWeightWithFullStable);
  EXPECT_EQ(stateAt(d.events, 10)->state.stableDesired, 2);
  EXPECT_EQ(stateAt(d.events, 10)->state.newDesired, 2);
}

TEST(ArgoRollout, AbortMessagesNameTheAnalysis) {
  // rollout/analysis.go: "Step-based analysis phase error/failed: <run message>" in the
  // RolloutAborted condition (rolloututil.go CalculateRolloutPhase).
  auto b = build(promTemplate("t", "m", "      successCondition: result[0] > 0.5\n") +
                 canaryRollout(kAnalysisStep));
  FakeArgoWorld w;
  w.onMeasure = seq({vec(0.1)});
  auto d = drive(*b.engine, w, 10);
  EXPECT_EQ(stateAt(d.events, 0)->state.message,
            "RolloutAborted: Rollout aborted update to revision 2: Step-based analysis phase "
            "error/failed: Metric \"m\" "
            "assessed Failed due to failed (1) > failureLimit (0)");
}

TEST(ArgoAnalysis, ErrorIsWorseThanInconclusiveAcrossMetrics) {
  // helpers.go analysisStatusOrder: ... Inconclusive < Error < Failed.
  auto b = build(
      "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t, namespace: "
      "shop}\nspec:\n"
      "  metrics:\n"
      "    - name: a\n      successCondition: result[0] > 0.9\n      failureCondition: result[0] < "
      "0.1\n"
      "      provider: {prometheus: {address: x, query: a}}\n"
      "    - name: b\n      consecutiveErrorLimit: 0\n      successCondition: result[0] > 0.9\n"
      "      provider: {prometheus: {address: x, query: b}}\n---\n" +
      canaryRollout(kAnalysisStep));
  FakeArgoWorld w;
  w.onMeasure = [](const ar::MeasureRequest& r) { return r.metric->name == "a" ? vec(0.5) : kErr; };
  auto d = drive(*b.engine, w, 10);
  EXPECT_EQ(runPhaseAt(d.events, 0), ar::Phase::kError);
  EXPECT_EQ(d.outcome.result, ar::ArgoOutcome::Result::kAborted);
}

TEST(ArgoBlueGreen, AutoPromotionSecondsCountFromTheSuccessfulPrePromotionRun) {
  // bluegreen.go reconcileBlueGreenPause: the BlueGreenPause is added only once the
  // pre-promotion run is Successful, and autoPromotionSeconds counts from it (not from the
  // new ReplicaSet's readiness, as docs/features/analysis.md suggests).
  auto b = build(
      promTemplate(
          "t", "m",
          "      interval: 10s\n      count: 3\n      successCondition: result[0] > 0.5\n") +
      "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: bg, namespace: "
      "shop}\nspec:\n"
      "  replicas: 1\n  selector: {matchLabels: {app: bg}}\n"
      "  template: {metadata: {labels: {app: bg}}, spec: {containers: [{name: a, image: b}]}}\n"
      "  strategy:\n    blueGreen:\n      activeService: a\n      autoPromotionSeconds: 30\n"
      "      prePromotionAnalysis: {templates: [{templateName: t}]}\n");
  FakeArgoWorld w;
  auto d = drive(*b.engine, w, 1000);
  EXPECT_EQ(stateAt(d.events, 20)->state.pauseConditions,
            std::vector<std::string>{"BlueGreenPause"});
  EXPECT_EQ(stateAt(d.events, 49)->state.canaryWeight, 0);
  EXPECT_EQ(d.outcome.result, ar::ArgoOutcome::Result::kPromoted);
  EXPECT_EQ(d.outcome.t, 50);  // run Successful at 20, + 30 s
}
