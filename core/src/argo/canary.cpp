// The canary strategy (rollout/canary.go rolloutCanary, syncRolloutStatusCanary,
// completedCurrentCanaryStep).

#include <optional>
#include <string>

#include "rollout_context.h"

namespace rolloutlab::core::argo::controller {

namespace {

void haltNote(Ctx& c, const char* why) { c.note(why); }

// rollout/canary.go completedCurrentCanaryStep
bool completedCurrentCanaryStep(Ctx& c) {
  if (c.specPaused) return false;
  const CanaryStep* st = c.step();
  if (!st) return false;
  if (st->hasPause) {
    // pause.go CompletedCanaryPauseStep
    const PauseCondition* cond = findPause(c.ro.pauseConditions, kPauseStep);
    if (c.ro.controllerPause && !cond) return true;
    if (st->pauseSeconds && cond && c.t >= cond->startTime + *st->pauseSeconds) return true;
    return false;
  }
  if (st->has(CanaryStep::Kind::kSetCanaryScale) || st->setWeight) {
    return atDesiredReplicaCounts(c, c.ns.weightCanary);
  }
  if (st->has(CanaryStep::Kind::kAnalysis)) {
    const AnalysisRunState* r = c.run(c.curStep);
    return r && r->phase == Phase::kSuccessful;
  }
  if (st->has(CanaryStep::Kind::kSetHeaderRoute) || st->has(CanaryStep::Kind::kSetMirrorRoute))
    return true;
  return false;
}

// rollout/canary.go syncRolloutStatusCanary
void syncCanary(Ctx& c, bool changed) {
  baseStatus(c);
  auto& ns = c.ns;
  const int steps = c.stepCount();
  std::optional<int> idx = c.index();
  if (changed) {
    resetStatus(c);
    if (!steps) ns.currentStepIndex.reset();
    persist(c);
    return;
  }
  if (c.ro.promoteFull) {
    c.clearPause = true;
    c.removeAbort = true;
    if (steps > 0) idx = steps;
  }
  // sync.go shouldFullPromote (canary)
  std::string why;
  if (!c.isAborted() && c.new0 && c.newAvail() >= c.replicas()) {
    if (c.ro.promoteFull) {
      why = "Full promotion requested";
    } else if (steps == 0 || (c.index() && *c.index() == steps)) {
      why = "Completed all " + std::to_string(steps) + " canary steps";
    }
  }
  if (!why.empty()) {
    promoteStable(c, why);
    persist(c);
    return;
  }
  if (c.isAborted()) {
    if (steps > 0) ns.currentStepIndex = ns.stableRS == ns.currentPodHash ? steps : 0;
    persist(c);
    return;
  }
  if (completedCurrentCanaryStep(c)) {
    c.note("step " + std::to_string(*idx) + " (" + c.step()->toString() + ") completed");
    idx = *idx + 1;
    ns.stepRun.clear();
    c.removePause.push_back(kPauseStep);
  }
  ns.currentStepIndex = idx;
  persist(c);
}

}  // namespace

// rollout/canary.go rolloutCanary
void reconcileCanary(Ctx& c) {
  const std::string newHash = c.new0 ? c.new0->hash : "";
  if (c.ro.currentPodHash != newHash) {  // PodTemplateOrStepsChanged
    syncCanary(c, true);
    return;
  }
  reconcileTrafficRouting(c);
  reconcileAnalysisRuns(c);
  if (!c.addPause.empty()) {
    c.note("paused: inconclusive AnalysisRun");
    syncCanary(c, false);
    return;
  }
  // reconcileCanaryReplicaSets (skipped entirely while haltProgress)
  const bool halt = c.specPaused || hasPause(c.ro.pauseConditions, kPauseInconclusive);
  bool scaled = false;
  if (!halt) {
    // removeScaleDownDeadlines
    if (c.s.newRS && !delayScaleDownOnAbort(c) && c.s.newRS->scaleDownAt)
      c.s.newRS->scaleDownAt.reset();
    const bool promoted = c.new0 && c.ro.stableRS == c.new0->hash;
    if (!promoted && c.s.stableRS.scaleDownAt) c.s.stableRS.scaleDownAt.reset();
    // reconcileCanaryStableReplicaSet (uses the weights recorded by the previous reconcile)
    if (!promoted) {
      const int desiredStable =
          c.tr() ? trafficRoutedCounts(c, c.ro.weightCanary).second : basicCounts(c).second;
      const int before = c.s.stableRS.replicas;
      scaleRS(c, c.s.stableRS, desiredStable, false, c.world);
      scaled = c.s.stableRS.replicas != before;
    }
    if (!scaled) {
      const int desiredNew =
          c.tr() ? trafficRoutedCounts(c, c.ns.weightCanary).first : basicCounts(c).first;
      scaled = reconcileNewReplicaSet(c, desiredNew);
    }
    if (!scaled) scaled = reconcileOtherReplicaSets(c);
  } else {
    haltNote(c, "progress halted");
  }
  if (!scaled) {
    // reconcileCanaryPause
    const CanaryStep* st = c.step();
    if (!c.specPaused && !c.ro.promoteFull && st && st->hasPause) {
      if (!findPause(c.ro.pauseConditions, kPauseStep) && !c.ro.controllerPause) {
        c.addPause.push_back(kPauseStep);
        c.note("paused at step " + std::to_string(*c.index()));
      }
    }
  }
  syncCanary(c, false);
}

}  // namespace rolloutlab::core::argo::controller
