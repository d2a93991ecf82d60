// The status a reconcile writes back (rollout/sync.go persistRolloutStatus, calculateBaseStatus,
// resetRolloutStatus, promoteStable; pause.go; utils/rollout/rolloututil.go).

#include <algorithm>
#include <string>
#include <vector>

#include "rollout_context.h"

namespace rolloutlab::core::argo::controller {

// utils/rollout/rolloututil.go CalculateRolloutPhase
std::pair<RolloutPhase, std::string> rolloutPhase(const RolloutSpec& spec,
                                                  const RolloutStatusState& st, bool specPaused) {
  if (st.progressing.reason == kReasonAborted) {
    return {RolloutPhase::kDegraded, std::string(kReasonAborted) +
                                         ": Rollout aborted update to revision " +
                                         std::to_string(kNewRevision) +
                                         (st.abortMessage.empty() ? "" : ": " + st.abortMessage)};
  }
  if (st.progressing.reason == kReasonTimedOut) {
    return {RolloutPhase::kDegraded, std::string(kReasonTimedOut) + ": ReplicaSet \"" + spec.name +
                                         "-" + kNewPodHash + "\" has timed out progressing."};
  }
  if (specPaused) return {RolloutPhase::kPaused, "manually paused"};
  if (!st.pauseConditions.empty())
    return {RolloutPhase::kPaused, st.pauseConditions.front().reason};
  const int replicas = spec.replicasOrDefault();
  if (st.updatedReplicas < replicas)
    return {RolloutPhase::kProgressing, "more replicas need to be updated"};
  if (st.availableReplicas < st.updatedReplicas) {
    return {RolloutPhase::kProgressing, "updated replicas are still becoming available"};
  }
  const bool fully = st.stableRS == st.currentPodHash;
  if (spec.blueGreen) {
    if (st.activeSelector.empty() || st.activeSelector != st.currentPodHash) {
      return {RolloutPhase::kProgressing, "active service cutover pending"};
    }
    if (st.stableRS.empty() || !fully) {
      return {RolloutPhase::kProgressing, "waiting for analysis to complete"};
    }
  } else {
    if (!(spec.canary && spec.canary->trafficRouting) && st.replicas > st.updatedReplicas) {
      return {RolloutPhase::kProgressing, "old replicas are pending termination"};
    }
    if (st.stableRS.empty() || !fully)
      return {RolloutPhase::kProgressing, "waiting for all steps to complete"};
  }
  return {RolloutPhase::kHealthy, ""};
}

// rollout/sync.go persistRolloutStatus (with evaluateProgressDeadlineAbort,
// pause.go CalculatePauseStatus, calculateRolloutConditions, CalculateRolloutPhase)
void persist(Ctx& c) {
  auto& ns = c.ns;
  const auto& ro = c.ro;
  const int replicas = c.replicas();
  const bool completedNow = !ns.stableRS.empty() && ns.stableRS == ns.currentPodHash;
  // isIndefiniteStep (on c.rollout)
  const CanaryStep* st = c.step();
  const bool indefinite = (st && (st->hasPause || st->has(CanaryStep::Kind::kAnalysis) ||
                                  st->has(CanaryStep::Kind::kExperiment))) ||
                          ro.pausedCondition;
  // conditions.RolloutProgressing
  bool strategyProgress;
  if (c.spec.blueGreen) {
    strategyProgress =
        ro.activeSelector != ns.activeSelector || ro.previewSelector != ns.previewSelector;
  } else {
    strategyProgress = ns.stableRS != ro.stableRS || (ns.currentStepIndex && ro.currentStepIndex &&
                                                      *ns.currentStepIndex != *ro.currentStepIndex);
  }
  const bool progressing =
      ns.updatedReplicas != ro.updatedReplicas ||
      (ns.replicas - ns.updatedReplicas) < (ro.replicas - ro.updatedReplicas) ||
      ns.readyReplicas > ro.readyReplicas || ns.availableReplicas > ro.availableReplicas ||
      strategyProgress;
  auto timedOut = [&](const ProgressingCondition& p) {
    if (p.reason == kReasonAborted || p.reason == kReasonPaused) return false;
    if (p.reason == kReasonTimedOut) return true;
    return p.lastUpdate + c.spec.progressDeadline() < c.t;
  };
  // sync.go evaluateProgressDeadlineAbort
  if (c.spec.progressDeadlineAbort && !c.isAborted() && !completedNow && !progressing &&
      !indefinite && timedOut(ro.progressing)) {
    c.addAbortWith("ReplicaSet \"" + c.spec.name + "-" + kNewPodHash +
                   "\" has timed out progressing.");
    c.note("progress deadline exceeded: abort (progressDeadlineAbort)");
  }
  // pause.go CalculatePauseStatus
  ns.pauseConditions.clear();
  ns.controllerPause = false;
  if (c.addAbort || (!c.removeAbort && ro.abort)) {
    ns.abort = true;
    ns.abortedAt = ro.abortedAt ? ro.abortedAt : std::optional<double>(c.t);
    ns.abortMessage = c.addAbort ? c.abortMessage : ro.abortMessage;
  } else {
    ns.abort = false;
    ns.abortedAt.reset();
    ns.abortMessage.clear();
    if (!c.clearPause) {
      bool controllerPause = ro.controllerPause;
      std::vector<PauseCondition> conds;
      for (const auto& p : ro.pauseConditions) {
        if (std::find(c.removePause.begin(), c.removePause.end(), p.reason) ==
            c.removePause.end()) {
          conds.push_back(p);
        }
      }
      for (const auto& r : c.addPause) {
        if (!hasPause(ro.pauseConditions, r) && !hasPause(conds, r)) {
          conds.push_back({r, c.t});
          controllerPause = true;
        }
      }
      if (!conds.empty()) {
        ns.controllerPause = controllerPause;
        ns.pauseConditions = conds;
      }
    }
  }
  // sync.go calculateRolloutConditions (Progressing)
  ns.progressing = ro.progressing;
  ns.pausedCondition = ro.pausedCondition;
  const bool aborted = c.isAborted();
  if (aborted) {
    if (ns.progressing.status != "False" || ns.progressing.reason != kReasonAborted) {
      ns.progressing = {"False", kReasonAborted, c.t};
    }
  } else {
    bool healthy = ns.updatedReplicas == replicas && ns.availableReplicas == replicas;
    if (c.spec.blueGreen) {
      healthy =
          healthy && ns.activeSelector == ns.currentPodHash &&
          (c.spec.blueGreen->previewService.empty() || ns.previewSelector == ns.currentPodHash);
    } else {
      const bool allSteps =
          c.stepCount() == 0 || !ns.currentStepIndex || *ns.currentStepIndex == c.stepCount();
      healthy = healthy && allSteps && completedNow && ns.replicas == replicas;
    }
    if (healthy) {
      if (ns.progressing.status != "True" || ns.progressing.reason != "NewReplicaSetAvailable") {
        ns.progressing = {"True", "NewReplicaSetAvailable", c.t};
      }
    } else if (progressing) {
      ns.progressing = {"True", "ReplicaSetUpdated", c.t};
    } else if (!indefinite && timedOut(ns.progressing)) {
      if (ns.progressing.reason != kReasonTimedOut) {
        ns.progressing = {"False", kReasonTimedOut, c.t};
        c.note("progress deadline exceeded");
      }
    }
  }
  const auto [phase, message] = rolloutPhase(c.spec, ns, c.specPaused);
  ns.phase = phase;
  ns.message = message;
  c.s.status = ns;
}

// sync.go calculateBaseStatus (the counts read off the ReplicaSets as the reconcile started)
void baseStatus(Ctx& c) {
  auto& ns = c.ns;
  ns.currentPodHash = c.new0 ? c.new0->hash : c.ro.currentPodHash;
  const int stablePods = static_cast<int>(c.stable0.podReadyAt.size());
  const int newPods = c.new0 ? static_cast<int>(c.new0->podReadyAt.size()) : 0;
  const bool same = c.new0 && c.new0->hash == c.stable0.hash;
  ns.replicas = same ? newPods : stablePods + newPods;
  ns.updatedReplicas = newPods;
  ns.readyReplicas = c.stable0.available(c.t) + c.newAvail();
  ns.availableReplicas = ns.readyReplicas;
  ns.promoteFull = ns.currentPodHash != c.ro.stableRS && c.ro.promoteFull;
  ns.stableRS = c.ro.stableRS;
}

// rollout/sync.go resetRolloutStatus + the PodTemplateOrStepsChanged branch
void resetStatus(Ctx& c) {
  c.clearPause = true;
  c.removeAbort = true;
  c.ns.promoteFull = false;
  c.ns.preRun.clear();
  c.ns.postRun.clear();
  c.ns.stepRun.clear();
  c.ns.backgroundRun.clear();
  c.ns.scaleUpPreviewCheckPoint = false;
  if (c.stepCount() > 0) c.ns.currentStepIndex = 0;
  c.note("new revision: status reset");
}

// sync.go promoteStable
void promoteStable(Ctx& c, const std::string& why) {
  c.clearPause = true;
  c.removeAbort = true;
  c.ns.promoteFull = false;
  c.ns.scaleUpPreviewCheckPoint = false;
  if (c.spec.canary) {
    if (c.stepCount() > 0) {
      c.ns.currentStepIndex = c.stepCount();
    } else {
      c.ns.currentStepIndex.reset();
    }
  }
  if (c.ns.stableRS != c.ns.currentPodHash) {
    c.ns.stableRS = c.ns.currentPodHash;
    c.note("promoted: " + why);
  }
}

}  // namespace rolloutlab::core::argo::controller
