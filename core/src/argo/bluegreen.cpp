// The blue-green strategy (rollout/bluegreen.go rolloutBlueGreen, with service.go
// reconcileActiveService and pause.go CompletedBlueGreenPause).

#include <string>

#include "rollout_context.h"

namespace rolloutlab::core::argo::controller {

// rollout/bluegreen.go rolloutBlueGreen
void reconcileBlueGreen(Ctx& c) {
  const auto& bgs = *c.spec.blueGreen;
  auto& ns = c.ns;
  const std::string newHash = c.new0 ? c.new0->hash : "";
  // reconcilePreviewService: the preview service points at the new ReplicaSet at once.
  std::string preview = c.ro.previewSelector;
  if (!bgs.previewService.empty() && !newHash.empty()) preview = newHash;
  std::string active = c.ro.activeSelector;
  auto finish = [&](bool reset) {
    baseStatus(c);
    if (reset) resetStatus(c);
    if (c.ro.promoteFull) {
      c.clearPause = true;
      c.removeAbort = true;
    }
    ns.previewSelector = preview;
    ns.activeSelector = active;
    // sync.go shouldFullPromote (blue-green)
    std::string why;
    if (ns.activeSelector == ns.currentPodHash) {
      if (c.ro.promoteFull) {
        why = "Full promotion requested";
      } else if (!c.isAborted()) {
        const AnalysisRunState* post = c.run(c.curPost);
        if (!bgs.postPromotionAnalysis || (post && post->phase == Phase::kSuccessful))
          why = "Completed blue-green update";
      }
    }
    if (!why.empty()) {
      promoteStable(c, why);
    } else if (!bgs.previewReplicaCount) {
      ns.scaleUpPreviewCheckPoint = false;
    } else if (c.ro.scaleUpPreviewCheckPoint) {
      ns.scaleUpPreviewCheckPoint = true;
    } else {
      // calculateScaleUpPreviewCheckPoint
      const AnalysisRunState* pre = c.run(c.curPre);
      const bool preDone = !bgs.prePromotionAnalysis || (pre && pre->phase == Phase::kSuccessful);
      bool pauseDone = false;
      if (c.addPause.empty()) {
        const PauseCondition* cond = findPause(c.ro.pauseConditions, kPauseBlueGreen);
        if (!bgs.autoPromotionEnabled || *bgs.autoPromotionEnabled) {
          pauseDone = bgs.autoPromotionSeconds == 0 ||
                      (cond && c.t >= cond->startTime + bgs.autoPromotionSeconds);
        } else {
          pauseDone = c.ro.controllerPause && !cond;
        }
      }
      ns.scaleUpPreviewCheckPoint =
          preDone && pauseDone && *bgs.previewReplicaCount == c.newAvail();
    }
    // Available replicas: the active ReplicaSet's.
    if (!ns.activeSelector.empty()) {
      if (c.new0 && ns.activeSelector == c.new0->hash) {
        ns.availableReplicas = c.newAvail();
      } else if (ns.activeSelector == c.stable0.hash) {
        ns.availableReplicas = c.stable0.available(c.t);
      }
    }
    persist(c);
  };
  if (c.ro.currentPodHash != newHash) {  // CheckPodSpecChange
    finish(true);
    return;
  }
  // reconcileBlueGreenReplicaSets
  if (c.s.newRS && !delayScaleDownOnAbort(c) && c.s.newRS->scaleDownAt)
    c.s.newRS->scaleDownAt.reset();
  const bool promoted = c.new0 && c.ro.stableRS == c.new0->hash;
  if (!promoted) {
    if (c.s.stableRS.scaleDownAt) c.s.stableRS.scaleDownAt.reset();
    scaleRS(c, c.s.stableRS, c.replicas(), false, c.world);
  }
  // replicaset.go NewRSNewReplicas (blue-green)
  auto newRSReplicas = [&]() {
    const int desired = c.replicas();
    if (!bgs.previewReplicaCount) return desired;
    if (c.ro.activeSelector == newHash || c.ro.activeSelector.empty()) return desired;
    if (c.ro.promoteFull) return desired;
    if (newHash != c.ro.currentPodHash) return *bgs.previewReplicaCount;
    const bool notPaused = !c.specPaused && c.ro.pauseConditions.empty();
    if (notPaused && c.ro.scaleUpPreviewCheckPoint) return desired;
    return *bgs.previewReplicaCount;
  };
  reconcileNewReplicaSet(c, newRSReplicas());
  // reconcileAnalysisRuns reads the current runs; the pause and switch below use them as they
  // were recorded (c.currentArs), so look them up first.
  c.curPre = findRun(c.s, c.ro.preRun);
  c.curPost = findRun(c.s, c.ro.postRun);
  reconcileOtherReplicaSets(c);
  const AnalysisRunState* preRun = c.run(c.curPre);
  const bool preDone = !bgs.prePromotionAnalysis || (preRun && preRun->phase == Phase::kSuccessful);
  const bool readyForPause =
      c.new0 && c.newSpec() == newRSReplicas() && c.newAvail() == newRSReplicas();
  const bool halt = c.specPaused || hasPause(c.ro.pauseConditions, kPauseInconclusive);
  const bool fastTracked =
      c.ro.promoteFull || c.ro.activeSelector.empty() || c.ro.activeSelector == newHash;
  // bluegreen.go reconcileBlueGreenPause
  if (!c.ro.abort && readyForPause && !halt) {
    if (fastTracked || c.ro.activeSelector == newHash || c.ro.scaleUpPreviewCheckPoint) {
      c.removePause.push_back(kPauseBlueGreen);
    } else if (!((bgs.autoPromotionEnabled && !*bgs.autoPromotionEnabled) ||
                 bgs.autoPromotionSeconds > 0)) {
      c.removePause.push_back(kPauseBlueGreen);
    } else if (preDone) {
      const PauseCondition* cond = findPause(c.ro.pauseConditions, kPauseBlueGreen);
      if (cond) {
        bool done;
        if (!bgs.autoPromotionEnabled || *bgs.autoPromotionEnabled) {
          done = c.t >= cond->startTime + bgs.autoPromotionSeconds;
        } else {
          done = false;  // a human must clear it
        }
        if (done) {
          c.removePause.push_back(kPauseBlueGreen);
          c.note("autoPromotionSeconds elapsed");
        }
      } else if (!c.ro.controllerPause) {
        c.addPause.push_back(kPauseBlueGreen);
        c.note("paused before the switch");
      }
    }
  }
  // service.go reconcileActiveService
  const bool saturated = c.new0 && c.newSpec() == c.replicas() && c.newAvail() == c.replicas();
  if (!halt && readyForPause && saturated) {
    std::string hash = c.ro.activeSelector;
    if (fastTracked) hash = newHash;
    // pause.go CompletedBlueGreenPause
    bool pauseDone = false;
    if (c.addPause.empty()) {
      const PauseCondition* cond = findPause(c.ro.pauseConditions, kPauseBlueGreen);
      if (c.ro.scaleUpPreviewCheckPoint) {
        pauseDone = true;
      } else if (!bgs.autoPromotionEnabled || *bgs.autoPromotionEnabled) {
        pauseDone = bgs.autoPromotionSeconds == 0 ||
                    (cond && c.t >= cond->startTime + bgs.autoPromotionSeconds);
      } else {
        pauseDone = c.ro.controllerPause && !cond;
      }
    }
    if (pauseDone && preDone) hash = newHash;
    if (c.ro.abort) hash = c.ro.stableRS;
    if (hash != active) {
      c.note("active service -> " + std::string(hash == newHash ? "new" : "stable") +
             " ReplicaSet");
      active = hash;
      c.sideEffect = true;
    }
  }
  reconcileAnalysisRuns(c);
  finish(false);
}

}  // namespace rolloutlab::core::argo::controller
