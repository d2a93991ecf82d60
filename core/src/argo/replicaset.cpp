// Scaling the ReplicaSets (rollout/replicaset.go): the new ReplicaSet, the old one once the new
// one is stable, and the scale-down deadlines.

#include <algorithm>
#include <string>

#include "rollout_context.h"

namespace rolloutlab::core::argo::controller {

void scaleRS(Ctx& c, ReplicaSetState& rs, int desired, bool newRevision, ArgoWorld& world) {
  if (rs.replicas == desired) return;
  if (desired > rs.replicas) {
    const double up = world.podStartup(c.t, newRevision);
    while (static_cast<int>(rs.podReadyAt.size()) < desired) rs.podReadyAt.push_back(c.t + up);
  } else {
    // Kubernetes deletes not-ready pods first, then the newest.
    std::sort(rs.podReadyAt.begin(), rs.podReadyAt.end());
    rs.podReadyAt.resize(static_cast<std::size_t>(std::max(0, desired)));
  }
  const bool isNew = c.s.newRS && &rs == &*c.s.newRS;
  c.note("scaled " + std::string(isNew ? "new" : "stable") + " ReplicaSet " +
         std::to_string(rs.replicas) + " -> " + std::to_string(desired));
  rs.replicas = desired;
  c.sideEffect = true;
}

// rollout/replicaset.go shouldDelayScaleDownOnAbort
bool delayScaleDownOnAbort(const Ctx& c) {
  if (!c.isAborted()) return false;
  if (c.spec.canary && !c.spec.canary->trafficRouting) return false;
  if (!c.spec.abortScaleDownDelay()) return false;
  if (c.dynamic() && !c.spec.explicitAbortScaleDownDelay()) return false;
  return true;
}

// rollout/replicaset.go reconcileNewReplicaSet (returns whether it scaled)
bool reconcileNewReplicaSet(Ctx& c, int desired) {
  if (!c.s.newRS) return false;
  ReplicaSetState& rs = *c.s.newRS;
  if (delayScaleDownOnAbort(c)) {
    if (c.new0->scaleDownAt) {
      if (*c.new0->scaleDownAt > c.t) return false;
      desired = 0;
    } else {
      if (c.stable0.available(c.t) >= c.replicas()) {
        rs.scaleDownAt = c.t + *c.spec.abortScaleDownDelay();
        c.sideEffect = true;
        c.note("new ReplicaSet scale-down deadline in " +
               std::to_string(*c.spec.abortScaleDownDelay()) + "s");
      }
      return false;
    }
  }
  const int before = rs.replicas;
  scaleRS(c, rs, desired, true, c.world);
  return rs.replicas != before;
}

namespace {

// rollout/replicaset.go scaleDownDelayHelper: (annotated count, desired replicas)
int scaleDownDelayHelper(Ctx& c, ReplicaSetState& rs, int keep) {
  if (!rs.scaleDownAt && rs.replicas > 0) {
    rs.scaleDownAt = c.t + c.spec.scaleDownDelay();
    c.sideEffect = true;
    c.note("old ReplicaSet scale-down deadline in " + std::to_string(c.spec.scaleDownDelay()) +
           "s");
    return rs.replicas;
  }
  if (rs.scaleDownAt && *rs.scaleDownAt > c.t) return keep;
  return 0;
}

// isReplicaSetReferenced (status references of c.rollout)
bool referenced(const Ctx& c, const ReplicaSetState& rs) {
  for (const std::string* h :
       {&c.ro.stableRS, &c.ro.currentPodHash, &c.ro.activeSelector, &c.ro.previewSelector}) {
    if (*h == rs.hash) return true;
  }
  if (c.ro.weightCanary && (c.ro.weightCanaryHash == rs.hash || c.ro.weightStableHash == rs.hash))
    return true;
  return false;
}

}  // namespace

// The old stable ReplicaSet once the new one is stable (the only "other" ReplicaSet here).
// canary.go scaleDownOldReplicaSetsForCanary / bluegreen.go scaleDownOldReplicaSetsForBlueGreen
bool reconcileOtherReplicaSets(Ctx& c) {
  if (!c.new0 || c.ro.stableRS != c.new0->hash) return false;
  ReplicaSetState& old = c.s.stableRS;
  if (old.replicas == 0) return false;
  if (c.spec.canary) {
    // cleanupUnhealthyReplicas
    const int oldAvail = c.stable0.available(c.t);
    if (c.stable0.replicas != oldAvail) {
      scaleRS(c, old, oldAvail, false, c.world);
      return true;
    }
    const int availableAll = c.stable0.available(c.t) + c.newAvail();
    const int minAvailable = c.replicas() - c.spec.maxUnavailableValue();
    const int maxScaleDown = availableAll - minAvailable;
    if (maxScaleDown <= 0) return false;
    int desired = 0;
    if (!c.tr()) {
      if (old.replicas > maxScaleDown) desired = old.replicas - maxScaleDown;
    } else {
      if (referenced(c, c.stable0)) return false;
      desired = c.dynamic() ? 0 : scaleDownDelayHelper(c, old, old.replicas);
    }
    if (old.replicas == desired) return false;
    scaleRS(c, old, desired, false, c.world);
    return true;
  }
  // blue-green
  if (hasPause(c.ro.pauseConditions, kPauseInconclusive)) return false;
  const auto& bgs = *c.spec.blueGreen;
  if (bgs.postPromotionAnalysis && !bgs.scaleDownDelaySeconds) {
    const bool skipPost = c.ro.stableRS == c.new0->hash || c.ro.activeSelector != c.new0->hash;
    const AnalysisRunState* post = c.run(c.curPost);
    if (!skipPost && (!post || post->phase != Phase::kSuccessful)) return false;
  }
  if (referenced(c, c.stable0)) return false;
  const int desired = scaleDownDelayHelper(c, old, c.replicas());
  if (old.replicas == desired) return false;
  scaleRS(c, old, desired, false, c.world);
  return true;
}

}  // namespace rolloutlab::core::argo::controller
