// One test per rule of flagger-semantics.md sections 1-15. Each names the upstream function
// (fluxcd/flagger 1.44.0) or upstream test it mirrors; expectations come from those rules.

#include <gtest/gtest.h>

#include <cmath>

#include "flagger_fixtures.h"
#include "rolloutlab/core/flagger/engine.h"
#include "rolloutlab/core/flagger/run.h"

namespace fl = rolloutlab::core::flagger;
using fl::MetricAnswer;
using fl::Phase;
using fl::Readiness;
using fl::WebhookType;
using rolloutlab::test::EngineDriver;
using rolloutlab::test::makeCanarySpec;
using rolloutlab::test::makeHook;
using rolloutlab::test::makeMetric;

// ---- 1. Ticks and timing ------------------------------------------------------------------

TEST(FlaggerSpec, AnalysisIntervalDefaultsAndFloor) {
  // canary.go GetAnalysisInterval: empty -> 60s, unparsable -> 60s, below 10s -> 10s.
  auto c = makeCanarySpec();
  c.analysis.interval = "";
  EXPECT_EQ(c.analysisIntervalSeconds(), 60);
  c.analysis.interval = "soon";
  EXPECT_EQ(c.analysisIntervalSeconds(), 60);
  c.analysis.interval = "5s";
  EXPECT_EQ(c.analysisIntervalSeconds(), 10);
  c.analysis.interval = "1m30s";
  EXPECT_EQ(c.analysisIntervalSeconds(), 90);
  c.analysis.interval = "2m";
  EXPECT_EQ(c.analysisIntervalSeconds(), 120);
}

TEST(FlaggerSpec, IntervalPatternOnlyAnchorsTheStart) {
  // crd.yaml: interval pattern ^[0-9]+(m|s) is anchored at the start only.
  EXPECT_TRUE(fl::matchesFlaggerIntervalPattern("1m"));
  EXPECT_TRUE(fl::matchesFlaggerIntervalPattern("1m30s"));
  EXPECT_TRUE(fl::matchesFlaggerIntervalPattern("30s"));
  EXPECT_FALSE(fl::matchesFlaggerIntervalPattern("1h"));
  EXPECT_FALSE(fl::matchesFlaggerIntervalPattern("m"));
  EXPECT_FALSE(fl::matchesFlaggerIntervalPattern(""));
}

TEST(FlaggerSpec, GoDurationParsing) {
  // time.ParseDuration
  EXPECT_EQ(*fl::parseGoDuration("1.5h"), 5400);
  EXPECT_EQ(*fl::parseGoDuration("300ms"), 0.3);
  EXPECT_EQ(*fl::parseGoDuration("0"), 0);
  EXPECT_FALSE(fl::parseGoDuration("10"));
  EXPECT_FALSE(fl::parseGoDuration("1d"));
  EXPECT_FALSE(fl::parseGoDuration(""));
}

TEST(FlaggerEngine, SuspendedCanaryChangesNothing) {
  // scheduler.go advanceCanary: spec.suspend returns at once (an event only).
  auto c = makeCanarySpec();
  c.suspend = true;
  EngineDriver d(c);
  auto r = d.tick(true);
  EXPECT_EQ(r.status.phase, Phase::kInitialized);
  EXPECT_TRUE(d.world.calls.empty());
}

// ---- 2. Phases ----------------------------------------------------------------------------

TEST(FlaggerEngine, FirstDeploymentIsNeverAnalysed) {
  // status.go syncCanaryStatus: Initialized records lastPromotedSpec, so shouldAdvance sees no
  // change until a new revision arrives.
  EngineDriver d(makeCanarySpec());
  for (int i = 0; i < 3; ++i) {
    auto r = d.tick();
    EXPECT_EQ(r.status.phase, Phase::kInitialized);
  }
  EXPECT_TRUE(d.world.calls.empty());
}

TEST(FlaggerEngine, NewRevisionStartsProgressingAndEndsTheTick) {
  // scheduler.go checkCanaryStatus: confirm-rollout, ScaleFromZero, SyncStatus{Progressing};
  // the tick always ends there (the first analysis step is on the next tick).
  EngineDriver d(makeCanarySpec());
  auto r = d.tick(true);
  EXPECT_EQ(r.status.phase, Phase::kProgressing);
  EXPECT_EQ(r.routes.canaryWeight, 0);
  EXPECT_TRUE(d.world.callsStartingWith("metric").empty());
  EXPECT_TRUE(d.world.callsStartingWith("canary").empty());
}

TEST(FlaggerEngine, RevertToPromotedSpecDoesNotStartAnalysis) {
  // spec.go hasSpecChanged: a target equal to lastPromotedSpec is not a change.
  EngineDriver d(makeCanarySpec());
  d.state.targetRevision = 0;
  d.state.status.lastAppliedRevision = 3;   // an earlier analysis of revision 3 failed...
  d.state.status.lastPromotedRevision = 0;  // ...and the target went back to the promoted one
  d.state.status.phase = Phase::kFailed;
  auto r = d.tick();
  EXPECT_EQ(r.status.phase, Phase::kFailed);
}

// ---- 3. Order within a tick ---------------------------------------------------------------

TEST(FlaggerEngine, ReadinessChecksComeBeforeAnything) {
  // scheduler.go advanceCanary: IsPrimaryReady (step 14), checkCanaryStatus (16),
  // IsCanaryReady (18), then hooks and metrics.
  auto c = makeCanarySpec();
  c.analysis.webhooks.push_back(makeHook("load", WebhookType::kRollout));
  EngineDriver d(c);
  d.tick(true);
  d.tick();
  d.world.calls.clear();
  d.tick();
  const std::vector<std::string> expected = {"primary", "canary", "hook:load:Progressing",
                                             "metric:request-success-rate:builtin:1m"};
  EXPECT_EQ(d.world.calls, expected);
}

TEST(FlaggerEngine, PrimaryNotCheckedWhenAnalysisIsSkipped) {
  // scheduler.go step 14: IsPrimaryReady only unless SkipAnalysis.
  auto c = makeCanarySpec();
  c.skipAnalysis = true;
  EngineDriver d(c);
  d.world.primary = Readiness::kDeadlineExceeded;
  d.tick(true);
  auto r = d.tick();
  EXPECT_EQ(r.final, fl::TickRecord::Final::kSkippedAnalysis);
  EXPECT_TRUE(d.world.callsStartingWith("primary").empty());
}

// ---- 4. Weight arithmetic -----------------------------------------------------------------

TEST(FlaggerWeights, MaxWeightFromStepWeightsIgnoresMaxWeightField) {
  // scheduler.go maxWeight
  auto c = makeCanarySpec();
  c.analysis.stepWeight = 0;
  c.analysis.stepWeights = {5, 10, 80};
  c.analysis.maxWeight = 20;
  EXPECT_EQ(fl::FlaggerEngine(c, {}).maxWeight(), 80);
  c.analysis.stepWeights = {5, 150};
  EXPECT_EQ(fl::FlaggerEngine(c, {}).maxWeight(), 100);
  c.analysis.stepWeights = {};
  c.analysis.maxWeight = 0;
  c.analysis.stepWeight = 10;
  EXPECT_EQ(fl::FlaggerEngine(c, {}).maxWeight(), 100);
}

TEST(FlaggerWeights, NextStepWeightFollowsTheList) {
  // scheduler.go nextStepWeight
  auto c = makeCanarySpec();
  c.analysis.stepWeight = 0;
  c.analysis.stepWeights = {1, 2, 10, 80};
  fl::FlaggerEngine e(c, {});
  EXPECT_EQ(e.nextStepWeight(0), 1);
  EXPECT_EQ(e.nextStepWeight(1), 1);
  EXPECT_EQ(e.nextStepWeight(2), 8);
  EXPECT_EQ(e.nextStepWeight(10), 70);
  EXPECT_EQ(e.nextStepWeight(80), 20);  // not in the list (last entry): the rest of the way
  EXPECT_EQ(e.nextStepWeight(33), 67);  // off the list: jump to 100
  EXPECT_EQ(e.nextStepWeight(100), 1);  // no room: any non-zero step
}

TEST(FlaggerWeights, StepWeightWinsOverStepWeightsButMaxComesFromTheList) {
  // scheduler.go nextStepWeight / maxWeight with both set (the CRD normally forbids it).
  auto c = makeCanarySpec();
  c.analysis.stepWeight = 15;
  c.analysis.stepWeights = {5, 30};
  fl::FlaggerEngine e(c, {});
  EXPECT_EQ(e.nextStepWeight(0), 15);
  EXPECT_EQ(e.maxWeight(), 30);
}

TEST(FlaggerWeights, WeightIsCappedAt100NotAtMaxWeight) {
  // scheduler.go runCanary: canaryWeight += step, capped at totalWeight.
  auto c = makeCanarySpec();
  c.analysis.stepWeight = 60;
  c.analysis.maxWeight = 90;
  EngineDriver d(c);
  d.tick(true);
  EXPECT_EQ(d.tick().routes.canaryWeight, 60);
  auto r = d.tick();
  EXPECT_EQ(r.routes.canaryWeight, 100);
  EXPECT_EQ(r.routes.primaryWeight, 0);
}

TEST(FlaggerWeights, ZeroStepWeightNeverProgressesAndRerunsPreRollout) {
  // flagger-semantics 4 (derived): nextStepWeight 0 keeps the canary at 0, so every tick is a
  // "first analysis tick" that runs the pre-rollout hooks again.
  auto c = makeCanarySpec();
  c.analysis.stepWeight = 0;
  c.analysis.webhooks.push_back(makeHook("smoke", WebhookType::kPreRollout));
  EngineDriver d(c);
  d.tick(true);
  for (int i = 0; i < 4; ++i) {
    auto r = d.tick();
    EXPECT_EQ(r.routes.canaryWeight, 0);
    EXPECT_EQ(r.status.phase, Phase::kProgressing);
  }
  EXPECT_EQ(d.world.callsStartingWith("hook:smoke").size(), 4u);
  EXPECT_TRUE(d.world.callsStartingWith("metric").empty());
}

TEST(FlaggerWeights, DecreasingStepWeightsStall) {
  // flagger-semantics 4 (derived): a step to a lower weight is negative; nextStepWeight <= 0
  // skips runCanary, so the canary stays below max weight.
  auto c = makeCanarySpec();
  c.analysis.stepWeight = 0;
  c.analysis.stepWeights = {20, 10, 50};
  EngineDriver d(c);
  d.tick(true);
  EXPECT_EQ(d.tick().routes.canaryWeight, 20);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(d.tick().routes.canaryWeight, 20);
}

TEST(FlaggerWeights, SucceededArrivesAtCeilMaxOverStepPlusFour) {
  // flagger-semantics 4: detection, n steps, one analysis at max + promote, Finalising,
  // Succeeded = ceil(maxWeight/stepWeight) + 4 ticks, with n metric evaluations.
  for (auto [step, max] :
       std::vector<std::pair<int, int>>{{10, 50}, {20, 50}, {5, 100}, {33, 66}}) {
    auto c = makeCanarySpec();
    c.analysis.stepWeight = step;
    c.analysis.maxWeight = max;
    EngineDriver d(c);
    d.tick(true);
    auto r = d.runToEnd();
    const int n = (max + step - 1) / step;
    EXPECT_EQ(r.final, fl::TickRecord::Final::kPromoted);
    EXPECT_EQ(d.ticks, n + 4) << step << "/" << max;
    EXPECT_EQ(static_cast<int>(d.world.callsStartingWith("metric").size()), n);
  }
}

// ---- 5. Promotion -------------------------------------------------------------------------

TEST(FlaggerPromotion, NoMetricsOrRolloutHooksWhilePromoting) {
  // scheduler.go advanceCanary: Promoting goes to runPromotionTrafficShift before the analysis.
  auto c = makeCanarySpec();
  c.analysis.webhooks.push_back(makeHook("load", WebhookType::kRollout));
  EngineDriver d(c);
  d.state.status.phase = Phase::kPromoting;
  d.state.routes = {50, 50, false};
  auto r = d.tick();
  EXPECT_EQ(r.status.phase, Phase::kFinalising);
  EXPECT_TRUE(d.world.callsStartingWith("metric").empty());
  EXPECT_TRUE(d.world.callsStartingWith("hook").empty());
}

TEST(FlaggerPromotion, PrimaryRolloutHoldsPromotion) {
  // flagger-semantics 5: IsPrimaryReady returns a retriable error while the primary rolls out,
  // which holds the tick; no traffic moves.
  EngineDriver d(makeCanarySpec());
  d.state.status.phase = Phase::kPromoting;
  d.state.routes = {50, 50, false};
  d.world.primary = Readiness::kWaiting;
  auto r = d.tick();
  EXPECT_EQ(r.status.phase, Phase::kPromoting);
  EXPECT_EQ(r.routes.canaryWeight, 50);
}

TEST(FlaggerPromotion, PrimaryDeadlineDuringFinalisingFailsPromotion) {
  // scheduler.go advanceCanary step 14 -> handleFailedPromotion in Promoting or Finalising
  // (TestScheduler_DeploymentPromotionFailedAfterTrafficShift).
  EngineDriver d(makeCanarySpec());
  d.state.status.phase = Phase::kFinalising;
  d.world.primary = Readiness::kDeadlineExceeded;
  auto r = d.tick();
  EXPECT_EQ(r.status.phase, Phase::kFailed);
  EXPECT_EQ(r.status.canaryWeight, 100);
  EXPECT_EQ(r.routes.primaryWeight, 0);
  EXPECT_EQ(r.routes.canaryWeight, 100);
  EXPECT_EQ(r.final, fl::TickRecord::Final::kPromotionFailed);
}

TEST(FlaggerPromotion, CanaryDeadlineDuringPromotionRollsBack) {
  // scheduler.go step 18: a non-retriable IsCanaryReady rolls back in any phase that reaches
  // it, Promoting included.
  EngineDriver d(makeCanarySpec());
  d.state.status.phase = Phase::kPromoting;
  d.state.routes = {50, 50, false};
  d.world.canary = Readiness::kDeadlineExceeded;
  auto r = d.tick();
  EXPECT_EQ(r.status.phase, Phase::kFailed);
  EXPECT_EQ(r.routes.canaryWeight, 0);
  EXPECT_EQ(r.final, fl::TickRecord::Final::kRolledBack);
}

// ---- 6. A/B and Blue/Green ----------------------------------------------------------------

TEST(FlaggerStrategy, MatchWithoutIterationsStaysACanary) {
  // canary.go DeploymentStrategy: A/B needs both match and iterations > 0.
  auto c = makeCanarySpec();
  c.analysis.matchCount = 1;
  EXPECT_EQ(c.strategy(), fl::Strategy::kCanary);
  c.analysis.iterations = 3;
  EXPECT_EQ(c.strategy(), fl::Strategy::kABTesting);
  c.analysis.matchCount = 0;
  EXPECT_EQ(c.strategy(), fl::Strategy::kBlueGreen);
  c.analysis.mirror = true;
  EXPECT_EQ(c.strategy(), fl::Strategy::kBlueGreenMirroring);
}

TEST(FlaggerStrategy, FailedIterationsDoNotAdvanceTheCounter) {
  // flagger-semantics 6: a failed analysis ends the tick before runBlueGreen.
  auto c = makeCanarySpec();
  c.analysis.stepWeight = 0;
  c.analysis.maxWeight = 0;
  c.analysis.iterations = 5;
  c.analysis.threshold = 10;
  EngineDriver d(c);
  d.tick(true);
  d.tick();  // first analysis tick: iteration 1
  d.world.metrics["request-success-rate"] = MetricAnswer::of(50);
  auto r = d.tick();
  EXPECT_EQ(r.status.iterations, 1);
  EXPECT_EQ(r.status.failedChecks, 1);
}

TEST(FlaggerStrategy, KubernetesProviderForcesTenIterations) {
  // scheduler.go advanceCanary step 25: iterations < 1 -> 10; match dropped; Blue/Green.
  auto c = makeCanarySpec();
  c.provider = "kubernetes";
  c.analysis.matchCount = 1;
  EngineDriver d(c);
  d.tick(true);
  auto r = d.runToEnd();
  EXPECT_EQ(r.final, fl::TickRecord::Final::kPromoted);
  // detection + 10 iterations + the all-traffic iteration + promote + finalise... (runBlueGreen):
  // metrics run iterations + 1 = 11 times.
  EXPECT_EQ(d.world.callsStartingWith("metric").size(), 11u);
}

TEST(FlaggerStrategy, KubernetesWaitingPromotionUsesForcedIterations) {
  // status.go setStatusPhase(WaitingPromotion) reads the in-memory analysis, whose iterations
  // the kubernetes provider forced to 10 earlier in the tick: status.iterations = 9.
  auto c = makeCanarySpec();
  c.provider = "kubernetes";
  c.analysis.webhooks.push_back(makeHook("approve", WebhookType::kConfirmPromotion));
  EngineDriver d(c);
  d.world.hooks["approve"] = false;
  d.tick(true);
  fl::TickRecord r;
  for (int i = 0; i < 13 && r.status.phase != Phase::kWaitingPromotion; ++i) r = d.tick();
  EXPECT_EQ(r.status.phase, Phase::kWaitingPromotion);
  EXPECT_EQ(r.status.iterations, 9);
}

TEST(FlaggerStrategy, ABWaitingPromotionOscillates) {
  // flagger-semantics 9 (derived): in WaitingPromotion the A/B counter goes iterations-1 ->
  // iterations (runAB) -> gate denied -> iterations-1, so the gate is asked every other tick.
  auto c = makeCanarySpec();
  c.analysis.stepWeight = 0;
  c.analysis.maxWeight = 0;
  c.analysis.iterations = 2;
  c.analysis.matchCount = 1;
  c.analysis.webhooks.push_back(makeHook("approve", WebhookType::kConfirmPromotion));
  EngineDriver d(c);
  d.world.hooks["approve"] = false;
  d.tick(true);
  d.tick();           // iteration 1
  d.tick();           // iteration 2
  auto r = d.tick();  // gate denied: WaitingPromotion, iterations = 1
  EXPECT_EQ(r.status.phase, Phase::kWaitingPromotion);
  EXPECT_EQ(r.status.iterations, 1);
  d.world.calls.clear();
  r = d.tick();  // runAB: 2 > 1 -> iterations 2, no gate call
  EXPECT_EQ(r.status.iterations, 2);
  EXPECT_TRUE(d.world.callsStartingWith("hook:approve").empty());
  r = d.tick();  // gate denied again: iterations 1
  EXPECT_EQ(r.status.iterations, 1);
  EXPECT_EQ(d.world.callsStartingWith("hook:approve").size(), 1u);
}

// ---- 7. failedChecks and threshold ----------------------------------------------------------

TEST(FlaggerChecks, ThresholdDefaultsToOne) {
  // canary.go GetAnalysisThreshold
  auto c = makeCanarySpec();
  c.analysis.threshold = 0;
  EXPECT_EQ(c.analysisThreshold(), 1);
  c.analysis.threshold = -3;
  EXPECT_EQ(c.analysisThreshold(), 1);
  c.analysis.threshold = 4;
  EXPECT_EQ(c.analysisThreshold(), 4);
}

TEST(FlaggerChecks, CountedOncePerTickAndFirstFailureStopsTheTick) {
  // scheduler.go runAnalysis: the first failing metric ends the tick; setStatusFailedChecks
  // adds one.
  auto c = makeCanarySpec();
  c.analysis.metrics.push_back(makeMetric("request-duration", std::nullopt, 500));
  EngineDriver d(c);
  d.tick(true);
  d.tick();
  d.world.metrics["request-success-rate"] = MetricAnswer::of(10);
  d.world.metrics["request-duration"] = MetricAnswer::of(9000);
  d.world.calls.clear();
  auto r = d.tick();
  EXPECT_EQ(r.status.failedChecks, 1);
  EXPECT_EQ(d.world.callsStartingWith("metric").size(), 1u);
}

TEST(FlaggerChecks, RollbackOnTheTickAfterTheThreshold) {
  // TestScheduler_DeploymentRollback: failedChecks preset to the threshold -> Failed on the
  // next tick without querying the metric.
  EngineDriver d(makeCanarySpec());
  d.state.status.phase = Phase::kProgressing;
  d.state.status.failedChecks = 2;
  d.state.routes = {90, 10, false};
  d.world.metrics["request-success-rate"] = MetricAnswer::error("must not be called");
  auto r = d.tick();
  EXPECT_EQ(r.status.phase, Phase::kFailed);
  EXPECT_EQ(r.status.failedChecks, 0);  // rollback writes {Failed, 0, 0, 0}
  EXPECT_TRUE(d.world.callsStartingWith("metric").empty());
}

TEST(FlaggerChecks, TimeToRollbackIsThresholdFailuresPlusOne) {
  // flagger-semantics 15: threshold failing ticks plus one more tick, not interval x threshold.
  auto c = makeCanarySpec();
  c.analysis.threshold = 4;
  EngineDriver d(c);
  d.tick(true);
  d.tick();  // weight 10
  d.world.metrics["request-success-rate"] = MetricAnswer::of(90);
  int failing = 0;
  fl::TickRecord r;
  while (!fl::isFinal(r.status.phase)) {
    r = d.tick();
    if (r.failedCheck) ++failing;
  }
  EXPECT_EQ(failing, 4);
  EXPECT_EQ(d.ticks, 2 + 4 + 1);
}

TEST(FlaggerChecks, ReadinessAndConfirmGatesAreNotCounted) {
  // flagger-semantics 7: not counted: canary/primary not ready, confirm-* denials.
  auto c = makeCanarySpec();
  c.analysis.webhooks.push_back(makeHook("traffic", WebhookType::kConfirmTrafficIncrease));
  EngineDriver d(c);
  d.tick(true);
  d.world.canary = Readiness::kWaiting;
  EXPECT_EQ(d.tick().status.failedChecks, 0);
  d.world.canary = Readiness::kReady;
  d.world.primary = Readiness::kWaiting;
  EXPECT_EQ(d.tick().status.failedChecks, 0);
  d.world.primary = Readiness::kReady;
  d.world.hooks["traffic"] = false;
  auto r = d.tick();
  EXPECT_EQ(r.status.failedChecks, 0);
  EXPECT_EQ(r.routes.canaryWeight, 0);
}

TEST(FlaggerChecks, HighCountCannotFailThePromotion) {
  // flagger-semantics 7: no threshold check in Promoting/Finalising.
  EngineDriver d(makeCanarySpec());
  d.state.status.phase = Phase::kPromoting;
  d.state.status.failedChecks = 7;
  d.state.routes = {50, 50, false};
  d.tick();
  auto r = d.tick();
  EXPECT_EQ(r.status.phase, Phase::kSucceeded);
  EXPECT_EQ(r.status.failedChecks, 7);  // Succeeded can show failedChecks > 0
}

TEST(FlaggerChecks, ThresholdAlsoRollsBackInWaitingPromotion) {
  // scheduler.go step 23 covers Progressing and WaitingPromotion.
  EngineDriver d(makeCanarySpec());
  d.state.status.phase = Phase::kWaitingPromotion;
  d.state.status.failedChecks = 2;
  d.state.routes = {50, 50, false};
  EXPECT_EQ(d.tick().status.phase, Phase::kFailed);
}

// ---- 8. Status write rules ----------------------------------------------------------------

TEST(FlaggerStatus, RouterAndStatusWeightsDiverge) {
  // status.go setStatusPhase(WaitingPromotion) zeroes status.canaryWeight; the router keeps
  // its weights, and the scheduler decides from the router's numbers.
  auto c = makeCanarySpec();
  c.analysis.webhooks.push_back(makeHook("approve", WebhookType::kConfirmPromotion));
  EngineDriver d(c);
  d.world.hooks["approve"] = false;
  d.tick(true);
  fl::TickRecord r;
  for (int i = 0; i < 10 && r.status.phase != Phase::kWaitingPromotion; ++i) r = d.tick();
  ASSERT_EQ(r.status.phase, Phase::kWaitingPromotion);
  EXPECT_EQ(r.status.canaryWeight, 0);
  EXPECT_EQ(r.status.iterations, -1);
  EXPECT_EQ(r.routes.canaryWeight, 50);
}

// ---- 9. Webhooks --------------------------------------------------------------------------

TEST(FlaggerHooks, SameTypeRunInOrderAndStopAtFirstFailure) {
  // scheduler_hooks.go: hooks of one type run in spec order; the first failure stops them.
  auto c = makeCanarySpec();
  c.analysis.webhooks = {makeHook("a", WebhookType::kRollout), makeHook("b", WebhookType::kRollout),
                         makeHook("c", WebhookType::kRollout)};
  EngineDriver d(c);
  d.tick(true);
  d.tick();
  d.world.hooks["b"] = false;
  d.world.calls.clear();
  auto r = d.tick();
  EXPECT_EQ(d.world.callsStartingWith("hook"),
            (std::vector<std::string>{"hook:a:Progressing", "hook:b:Progressing"}));
  EXPECT_EQ(r.status.failedChecks, 1);
  EXPECT_TRUE(d.world.callsStartingWith("metric").empty());
}

TEST(FlaggerHooks, RollbackHooksStopAtFirstSuccess) {
  // scheduler_hooks.go runRollbackHooks: the first 2xx signals a rollback.
  auto c = makeCanarySpec();
  c.analysis.webhooks = {makeHook("r1", WebhookType::kRollback),
                         makeHook("r2", WebhookType::kRollback),
                         makeHook("r3", WebhookType::kRollback)};
  EngineDriver d(c);
  d.world.hooks = {{"r1", false}, {"r2", true}, {"r3", true}};
  d.tick(true);
  auto r = d.tick();
  EXPECT_EQ(r.status.phase, Phase::kFailed);
  EXPECT_EQ(d.world.callsStartingWith("hook:r"),
            (std::vector<std::string>{"hook:r1:Progressing", "hook:r2:Progressing"}));
}

TEST(FlaggerHooks, RollbackHooksDoNotRunWhileWaiting) {
  // flagger-semantics 15 (issue #1432): the Waiting path ends in checkCanaryStatus before the
  // rollback check, whatever the docs say.
  auto c = makeCanarySpec();
  c.analysis.webhooks = {makeHook("gate", WebhookType::kConfirmRollout),
                         makeHook("rb", WebhookType::kRollback)};
  EngineDriver d(c);
  d.world.hooks = {{"gate", false}, {"rb", true}};
  d.tick(true);
  auto r = d.tick();
  EXPECT_EQ(r.status.phase, Phase::kWaiting);
  EXPECT_TRUE(d.world.callsStartingWith("hook:rb").empty());
}

TEST(FlaggerHooks, PostRolloutHooksGetTheFinalPhase) {
  // scheduler.go rollback / Finalising: post-rollout hooks with Failed / Succeeded.
  auto c = makeCanarySpec();
  c.analysis.webhooks = {makeHook("notify", WebhookType::kPostRollout)};
  EngineDriver d(c);
  d.tick(true);
  d.runToEnd();
  EXPECT_EQ(d.world.callsStartingWith("hook:notify"),
            (std::vector<std::string>{"hook:notify:Succeeded"}));
  EngineDriver f(c);
  f.tick(true);
  f.world.metrics["request-success-rate"] = MetricAnswer::of(1);
  f.runToEnd();
  EXPECT_EQ(f.world.callsStartingWith("hook:notify"),
            (std::vector<std::string>{"hook:notify:Failed"}));
}

TEST(FlaggerHooks, ConfirmRolloutPayloadIsTheCurrentPhase) {
  // scheduler_hooks.go runConfirmRolloutHooks: CallWebhook with canary.Status.Phase.
  auto c = makeCanarySpec();
  c.analysis.webhooks = {makeHook("gate", WebhookType::kConfirmRollout)};
  EngineDriver d(c);
  d.world.hooks["gate"] = false;
  d.tick(true);
  d.tick();
  EXPECT_EQ(d.world.callsStartingWith("hook:gate"),
            (std::vector<std::string>{"hook:gate:Initialized", "hook:gate:Waiting"}));
}

TEST(FlaggerHooks, PostRolloutFailureChangesNothing) {
  // flagger-semantics 9: post-rollout failures are events only.
  auto c = makeCanarySpec();
  c.analysis.webhooks = {makeHook("notify", WebhookType::kPostRollout)};
  EngineDriver d(c);
  d.world.hooks["notify"] = false;
  d.tick(true);
  auto r = d.runToEnd();
  EXPECT_EQ(r.final, fl::TickRecord::Final::kPromoted);
}

// ---- 10. Metric checks --------------------------------------------------------------------

TEST(FlaggerMetrics, BuiltinAndInlineBeforeTemplatesWhateverTheOrder) {
  // scheduler.go runAnalysis: runBuiltinMetricChecks, then runMetricChecks (templates).
  auto c = makeCanarySpec();
  fl::MetricSpec t = makeMetric("errors", std::nullopt, 1);
  t.templateRef = fl::TemplateRef{"errors", ""};
  fl::MetricSpec q = makeMetric("inline", std::nullopt, 1);
  q.query = "vector(0)";
  c.analysis.metrics = {t, makeMetric("request-duration", std::nullopt, 500), q};
  fl::MetricTemplateSpec tmpl;
  tmpl.name = "errors";
  tmpl.namespace_ = "test";
  EngineDriver d(c, {&tmpl, nullptr, nullptr});
  d.world.defaultValue = 0.5;
  d.tick(true);
  d.tick();
  d.world.calls.clear();
  d.tick();
  EXPECT_EQ(d.world.callsStartingWith("metric"),
            (std::vector<std::string>{"metric:request-duration:builtin:1m",
                                      "metric:inline:query:1m", "metric:errors:template:1m"}));
}

TEST(FlaggerMetrics, QueryAndTemplateRefAreCheckedTwice) {
  // scheduler_metrics.go: a metric with both query and templateRef is checked by both loops.
  auto c = makeCanarySpec();
  fl::MetricSpec m = makeMetric("custom", std::nullopt, 1);
  m.query = "vector(0)";
  m.templateRef = fl::TemplateRef{"custom", ""};
  c.analysis.metrics = {m};
  fl::MetricTemplateSpec tmpl;
  tmpl.name = "custom";
  tmpl.namespace_ = "test";
  EngineDriver d(c, {&tmpl});
  d.world.defaultValue = 0;
  d.tick(true);
  d.tick();
  d.world.calls.clear();
  d.tick();
  EXPECT_EQ(d.world.callsStartingWith("metric").size(), 2u);
}

TEST(FlaggerMetrics, ThresholdRangeBoundsAreInclusive) {
  // scheduler_metrics.go: fail if v < min or v > max; the fixture's 100 against max 100 passes.
  auto c = makeCanarySpec();
  c.analysis.metrics = {makeMetric("request-success-rate", 99, 100)};
  for (double v : {99.0, 100.0}) {
    EngineDriver d(c);
    d.world.defaultValue = v;
    d.tick(true);
    d.tick();
    EXPECT_FALSE(d.tick().failedCheck) << v;
  }
  for (double v : {98.999, 100.001}) {
    EngineDriver d(c);
    d.world.defaultValue = v;
    d.tick(true);
    d.tick();
    EXPECT_TRUE(d.tick().failedCheck) << v;
  }
}

TEST(FlaggerMetrics, DeprecatedThresholdDirections) {
  // scheduler_metrics.go: success rate fails if threshold > v; duration and custom metrics
  // fail if v > threshold; with neither field a custom metric fails on any v > 0.
  auto check = [](const std::string& name, double threshold, const std::string& query, double v) {
    auto c = makeCanarySpec();
    fl::MetricSpec m;
    m.name = name;
    m.threshold = threshold;
    m.query = query;
    c.analysis.metrics = {m};
    EngineDriver d(c);
    d.world.defaultValue = v;
    d.tick(true);
    d.tick();
    return d.tick().failedCheck;
  };
  EXPECT_TRUE(check("request-success-rate", 99, "", 98));
  EXPECT_FALSE(check("request-success-rate", 99, "", 99.5));
  EXPECT_TRUE(check("request-duration", 500, "", 501));
  EXPECT_FALSE(check("request-duration", 500, "", 500));
  EXPECT_TRUE(check("custom", 0, "vector(1)", 0.5));
  EXPECT_FALSE(check("custom", 0, "vector(1)", 0));
}

TEST(FlaggerMetrics, DurationIsTruncatedToWholeMilliseconds) {
  // observers/istio.go GetRequestDuration: time.Duration(int64(value)) * Millisecond; bounds go
  // through time.Duration(float) too, so max 500.9 acts as 500 and 500.7 ms reads as 500.
  auto c = makeCanarySpec();
  c.analysis.metrics = {makeMetric("request-duration", std::nullopt, 500.9)};
  auto failed = [&](double v) {
    EngineDriver d(c);
    d.world.defaultValue = v;
    d.tick(true);
    d.tick();
    return d.tick().failedCheck;
  };
  EXPECT_FALSE(failed(500.7));
  EXPECT_TRUE(failed(501.0));
  c.analysis.metrics = {makeMetric("request-duration", 100.5, std::nullopt)};
  EXPECT_FALSE(failed(100.2));  // 100 ms >= 100 ms
  EXPECT_TRUE(failed(99.99));
}

TEST(FlaggerMetrics, NaNFromANonFilteringProviderPassesEveryComparison) {
  // flagger-semantics 10 (derived): Go NaN comparisons are false.
  auto c = makeCanarySpec();
  c.analysis.metrics = {makeMetric("request-success-rate", 99, 100)};
  EngineDriver d(c);
  d.world.defaultValue = std::nan("");
  d.tick(true);
  d.tick();
  EXPECT_FALSE(d.tick().failedCheck);
}

TEST(FlaggerMetrics, TemplateMetricsGetTheRawInterval) {
  // scheduler_metrics.go: the 1m default is applied to a loop copy in runBuiltinMetricChecks
  // only; template metrics keep an empty interval.
  auto c = makeCanarySpec();
  fl::MetricSpec t;
  t.name = "errors";
  t.templateRef = fl::TemplateRef{"errors", ""};
  fl::MetricSpec b;
  b.name = "request-success-rate";
  b.thresholdRange = fl::ThresholdRange{99, std::nullopt};
  c.analysis.metrics = {t, b};
  fl::MetricTemplateSpec tmpl;
  tmpl.name = "errors";
  tmpl.namespace_ = "test";
  EngineDriver d(c, {&tmpl, nullptr});
  d.world.metrics["errors"] = MetricAnswer::of(0);
  d.tick(true);
  d.tick();
  d.world.calls.clear();
  d.tick();
  EXPECT_EQ(d.world.callsStartingWith("metric"),
            (std::vector<std::string>{"metric:request-success-rate:builtin:1m",
                                      "metric:errors:template:"}));
}

TEST(FlaggerMetrics, MissingTemplateAndUnknownNameFail) {
  // scheduler_metrics.go runMetricChecks: template not found -> failure; a name neither
  // builtin nor backed by a query or template -> failure (#1754).
  auto c = makeCanarySpec();
  fl::MetricSpec t;
  t.name = "errors";
  t.templateRef = fl::TemplateRef{"missing", ""};
  c.analysis.metrics = {t};
  EngineDriver d(c, {nullptr});
  d.tick(true);
  d.tick();
  auto r = d.tick();
  EXPECT_TRUE(r.failedCheck);
  EXPECT_TRUE(d.world.callsStartingWith("metric").empty());
  auto u = makeCanarySpec();
  fl::MetricSpec m;
  m.name = "typo-success-rate";
  u.analysis.metrics = {m};
  EngineDriver e(u);
  e.tick(true);
  e.tick();
  EXPECT_TRUE(e.tick().failedCheck);
}

TEST(FlaggerMetrics, NoDataAndErrorsAreFailures) {
  // scheduler_metrics.go: any error -> failure; ErrNoValuesFound only changes the event text.
  for (auto a : {MetricAnswer::noData(), MetricAnswer::error("connection refused")}) {
    EngineDriver d(makeCanarySpec());
    d.world.metrics["request-success-rate"] = a;
    d.tick(true);
    d.tick();
    auto r = d.tick();
    EXPECT_TRUE(r.failedCheck);
    ASSERT_EQ(r.metrics.size(), 1u);
    EXPECT_EQ(r.metrics[0].result, a.kind == MetricAnswer::Kind::kNoData
                                       ? fl::MetricCheck::Result::kNoData
                                       : fl::MetricCheck::Result::kError);
  }
}

// ---- 13. Readiness ------------------------------------------------------------------------

TEST(FlaggerReadiness, PrimaryDeadlineDuringAnalysisRollsBack) {
  // scheduler.go step 14: non-retriable IsPrimaryReady outside Promoting/Finalising -> rollback.
  EngineDriver d(makeCanarySpec());
  d.tick(true);
  d.tick();
  d.world.primary = Readiness::kDeadlineExceeded;
  auto r = d.tick();
  EXPECT_EQ(r.final, fl::TickRecord::Final::kRolledBack);
}

TEST(FlaggerReadiness, DeadlinesUseProgressDeadlineDefault) {
  // canary.go GetProgressDeadlineSeconds: default 600.
  auto c = makeCanarySpec();
  EXPECT_EQ(c.progressDeadline(), 600);
  c.progressDeadlineSeconds = 60;
  EXPECT_EQ(c.progressDeadline(), 60);
}

// ---- 14. skipAnalysis and revisions --------------------------------------------------------

TEST(FlaggerSkip, SkipWinsOverFailedChecks) {
  // flagger-semantics 14 (issue #1149): the skip check comes before the threshold gate.
  auto c = makeCanarySpec();
  c.skipAnalysis = true;
  EngineDriver d(c);
  d.state.status.phase = Phase::kProgressing;
  d.state.status.failedChecks = 5;
  auto r = d.tick();
  EXPECT_EQ(r.status.phase, Phase::kSucceeded);
  EXPECT_EQ(r.final, fl::TickRecord::Final::kSkippedAnalysis);
}

TEST(FlaggerSkip, NoAnalysisBlockMeansSkip) {
  // canary.go SkipAnalysis: true when there is no analysis block.
  auto c = makeCanarySpec();
  c.hasAnalysis = false;
  EXPECT_TRUE(c.skipsAnalysis());
}

TEST(FlaggerRevisions, ChangeDuringPromotionIsPickedUpAfterSucceeded) {
  // flagger-semantics 14: Promoting/Finalising do not look at revisions; after Succeeded the
  // change differs from lastPromotedSpec and a new analysis starts.
  EngineDriver d(makeCanarySpec());
  d.tick(true);
  fl::TickRecord r;
  while (r.status.phase != Phase::kPromoting) r = d.tick();
  r = d.tick(true);  // new revision while Promoting
  EXPECT_EQ(r.status.phase, Phase::kFinalising);
  r = d.tick();
  EXPECT_EQ(r.status.phase, Phase::kSucceeded);
  r = d.tick();
  EXPECT_EQ(r.status.phase, Phase::kProgressing);
}

TEST(FlaggerRevisions, NewRevisionAfterFailureStartsAgain) {
  // scheduler.go shouldAdvance: in Failed the status is synced, the change test reads the
  // in-memory copy, and a new revision starts Progressing.
  EngineDriver d(makeCanarySpec());
  d.tick(true);
  d.world.metrics["request-success-rate"] = MetricAnswer::of(1);
  auto r = d.runToEnd();
  ASSERT_EQ(r.status.phase, Phase::kFailed);
  EXPECT_EQ(d.tick().status.phase, Phase::kFailed);
  EXPECT_EQ(d.tick(true).status.phase, Phase::kProgressing);
}

TEST(FlaggerRevisions, FailedRevisionIsNotRetriedWithoutAChange) {
  // spec.go hasSpecChanged: after a rollback lastAppliedSpec is the failed revision.
  EngineDriver d(makeCanarySpec());
  d.tick(true);
  d.world.metrics["request-success-rate"] = MetricAnswer::of(1);
  d.runToEnd();
  d.world.metrics.clear();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(d.tick().status.phase, Phase::kFailed);
}

// ---- Outcomes -----------------------------------------------------------------------------

TEST(FlaggerOutcome, InProgressWhenTheRunEndsFirst) {
  EngineDriver d(makeCanarySpec());
  std::vector<fl::TickRecord> ticks = {d.tick(true), d.tick(), d.tick()};
  const auto o = fl::outcomeOf(ticks);
  EXPECT_EQ(o.result, fl::Outcome::Result::kInProgress);
  EXPECT_EQ(o.phase, Phase::kProgressing);
  EXPECT_EQ(o.tick, 3);
}

TEST(FlaggerScript, ShorthandsLandInsideAndOutsideTheRange) {
  // Script semantics: pass/fail are values inside/outside the thresholdRange.
  using rolloutlab::core::ScriptMetricValue;
  const auto pass = ScriptMetricValue{ScriptMetricValue::Kind::kPass, 0};
  const auto fail = ScriptMetricValue{ScriptMetricValue::Kind::kFail, 0};
  auto m = makeMetric("request-success-rate", 99, std::nullopt);
  EXPECT_GE(fl::scriptedValue(m, fl::CheckKind::kRequestSuccessRate, pass), 99);
  EXPECT_LT(fl::scriptedValue(m, fl::CheckKind::kRequestSuccessRate, fail), 99);
  m = makeMetric("request-duration", std::nullopt, 500.9);
  EXPECT_LE(fl::scriptedValue(m, fl::CheckKind::kRequestDuration, pass), 500);
  EXPECT_GE(fl::scriptedValue(m, fl::CheckKind::kRequestDuration, fail), 501);
  m = makeMetric("x", 1, 3);
  EXPECT_EQ(fl::scriptedValue(m, fl::CheckKind::kInlineQuery, pass), 2);
}

TEST(FlaggerRevisions, NewRevisionAfterFailureIsLostIfItsFirstTickIsHeld) {
  // scheduler.go shouldAdvance: in Failed, SyncStatus writes lastAppliedSpec = the new
  // revision before HasTargetChanged reads the stale in-memory copy. If that tick is then held
  // (primary not ready), the next tick's copy already has the new revision as lastApplied,
  // hasSpecChanged is false, and the revision is not analysed until another one arrives.
  EngineDriver d(makeCanarySpec());
  d.tick(true);
  d.world.metrics["request-success-rate"] = MetricAnswer::of(1);
  ASSERT_EQ(d.runToEnd().status.phase, Phase::kFailed);
  d.world.metrics.clear();
  d.world.primary = Readiness::kWaiting;
  EXPECT_EQ(d.tick(true).status.phase, Phase::kFailed);  // held before checkCanaryStatus
  d.world.primary = Readiness::kReady;
  EXPECT_EQ(d.tick().status.phase, Phase::kFailed);           // the revision is not seen any more
  EXPECT_EQ(d.tick(true).status.phase, Phase::kProgressing);  // the next one is
}

TEST(FlaggerScript, RollbackHooksOnlySignalWhenNamed) {
  // Script semantics (README): `webhooks: pass` opens the gates but leaves rollback hooks
  // silent; `rollback: pass` (by type or name) makes them answer 2xx, which rolls back.
  auto c = makeCanarySpec();
  c.analysis.webhooks = {makeHook("rb", WebhookType::kRollback)};
  fl::FlaggerEngine e(c, {});
  rolloutlab::core::Script s;
  s.defaults.webhooks = true;
  s.ticks.resize(4);
  s.ticks[0].revision = rolloutlab::core::RevisionEvent::kNew;
  EXPECT_EQ(fl::runScript(e, s).ticks.back().status.phase, Phase::kProgressing);
  s.ticks[3].obs.webhookByKey["rollback"] = true;
  EXPECT_EQ(fl::runScript(e, s).ticks.back().status.phase, Phase::kFailed);
}

// ---- The record a loop reuses ----------------------------------------------------------------

namespace {

void expectSameRecord(const fl::TickRecord& a, const fl::TickRecord& b, int tick) {
  SCOPED_TRACE("tick " + std::to_string(tick));
  EXPECT_EQ(a.t, b.t);
  EXPECT_EQ(a.routes.primaryWeight, b.routes.primaryWeight);
  EXPECT_EQ(a.routes.canaryWeight, b.routes.canaryWeight);
  EXPECT_EQ(a.routes.mirrored, b.routes.mirrored);
  EXPECT_EQ(a.status.phase, b.status.phase);
  EXPECT_EQ(a.status.canaryWeight, b.status.canaryWeight);
  EXPECT_EQ(a.status.failedChecks, b.status.failedChecks);
  EXPECT_EQ(a.status.iterations, b.status.iterations);
  EXPECT_EQ(a.status.lastAppliedRevision, b.status.lastAppliedRevision);
  EXPECT_EQ(a.status.lastPromotedRevision, b.status.lastPromotedRevision);
  EXPECT_EQ(a.failedCheck, b.failedCheck);
  EXPECT_EQ(a.final, b.final);
  ASSERT_EQ(a.metrics.size(), b.metrics.size());
  for (std::size_t i = 0; i < a.metrics.size(); ++i) {
    EXPECT_EQ(a.metrics[i].kind, b.metrics[i].kind);
    EXPECT_EQ(a.metrics[i].result, b.metrics[i].result);
    EXPECT_EQ(std::isnan(a.metrics[i].value), std::isnan(b.metrics[i].value));
    if (!std::isnan(a.metrics[i].value)) {
      EXPECT_EQ(a.metrics[i].value, b.metrics[i].value);
    }
    EXPECT_EQ(a.metrics[i].min, b.metrics[i].min);
    EXPECT_EQ(a.metrics[i].max, b.metrics[i].max);
  }
  ASSERT_EQ(a.webhooks.size(), b.webhooks.size());
  for (std::size_t i = 0; i < a.webhooks.size(); ++i) {
    EXPECT_EQ(a.webhooks[i].type, b.webhooks[i].type);
    EXPECT_EQ(a.webhooks[i].ok, b.webhooks[i].ok);
  }
}

// A run that passes through every kind of tick record: hooks of several types, a failing
// metric (events, a reason, failed checks), then the threshold's rollback.
fl::CanarySpec reuseSpec() {
  auto c = makeCanarySpec();
  c.analysis.webhooks = {makeHook("load-test", WebhookType::kRollout),
                         makeHook("pre-check-with-a-long-name", WebhookType::kPreRollout),
                         makeHook("notify-after", WebhookType::kPostRollout)};
  c.analysis.metrics.push_back(makeMetric("request-duration", std::nullopt, 500));
  return c;
}

}  // namespace

TEST(FlaggerEngine, AReusedRecordIsTheFreshRecord) {
  // tick(state, t, world, text, rec) overwrites rec, keeping only its storage: tick by tick
  // it equals the record the value-returning tick builds, words included.
  EngineDriver fresh(reuseSpec());
  EngineDriver reused(reuseSpec());
  fl::TickRecord rec;
  rec.reason = "left over";
  rec.events = {"left over"};
  bool rolledBack = false;
  for (int i = 0; i < 12; ++i) {
    if (i == 4) {
      fresh.world.metrics["request-success-rate"] = MetricAnswer::of(90);
      reused.world.metrics["request-success-rate"] = MetricAnswer::of(90);
    }
    const bool revision = i == 1;
    const auto a = fresh.tick(revision);
    if (revision) ++reused.state.targetRevision;
    reused.engine.tick(reused.state, i * reused.engine.spec().analysisIntervalSeconds(),
                       reused.world, fl::TickText::kFull, rec);
    expectSameRecord(a, rec, i + 1);
    EXPECT_EQ(a.events, rec.events);
    EXPECT_EQ(a.reason, rec.reason);
    for (std::size_t k = 0; k < a.metrics.size() && k < rec.metrics.size(); ++k) {
      EXPECT_EQ(a.metrics[k].name, rec.metrics[k].name);
      EXPECT_EQ(a.metrics[k].message, rec.metrics[k].message);
    }
    for (std::size_t k = 0; k < a.webhooks.size() && k < rec.webhooks.size(); ++k)
      EXPECT_EQ(a.webhooks[k].name, rec.webhooks[k].name);
    rolledBack = rolledBack || rec.final == fl::TickRecord::Final::kRolledBack;
  }
  EXPECT_TRUE(rolledBack);
  EXPECT_EQ(rec.status.phase, Phase::kFailed);  // and the ticks after it change nothing
  EXPECT_EQ(fresh.world.calls, reused.world.calls);
}

TEST(FlaggerEngine, WithoutWordsTheDecisionsAreTheSame) {
  // TickText::kDecisionsOnly: the same steps and questions, the same routes, status, checks'
  // results and values and webhook outcomes, and no words (events, reason, the checks' and
  // the webhook calls' names, messages).
  EngineDriver full(reuseSpec());
  EngineDriver bare(reuseSpec());
  fl::TickRecord rec;
  bool sawHook = false;
  bool sawMetric = false;
  for (int i = 0; i < 12; ++i) {
    if (i == 4) {
      full.world.metrics["request-success-rate"] = MetricAnswer::of(90);
      bare.world.metrics["request-success-rate"] = MetricAnswer::of(90);
    }
    const bool revision = i == 1;
    const auto a = full.tick(revision);
    if (revision) ++bare.state.targetRevision;
    bare.engine.tick(bare.state, i * bare.engine.spec().analysisIntervalSeconds(), bare.world,
                     fl::TickText::kDecisionsOnly, rec);
    expectSameRecord(a, rec, i + 1);
    EXPECT_TRUE(rec.events.empty());
    EXPECT_TRUE(rec.reason.empty());
    for (const auto& m : rec.metrics) {
      sawMetric = true;
      EXPECT_TRUE(m.name.empty());
      EXPECT_TRUE(m.message.empty());
    }
    for (const auto& h : rec.webhooks) {
      sawHook = true;
      EXPECT_TRUE(h.name.empty());
    }
  }
  EXPECT_TRUE(sawHook);
  EXPECT_TRUE(sawMetric);
  EXPECT_EQ(full.world.calls, bare.world.calls);
}
