// The Rollout's AnalysisRuns (rollout/analysis.go): which runs a reconcile creates, keeps and
// cancels, and the pause or abort their phases call for.

#include <string>

#include "rollout_context.h"

namespace rolloutlab::core::argo::controller {

int findRun(const ArgoState& s, const std::string& name) {
  if (name.empty()) return -1;
  for (std::size_t i = 0; i < s.runs.size(); ++i) {
    if (s.runs[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

namespace {

// rollout/analysis.go cancelAnalysisRuns
void cancelRun(Ctx& c, int i) {
  AnalysisRunState* r = c.run(i);
  if (r && !r->terminate && !completed(r->phase)) {
    r->terminate = true;
    c.sideEffect = true;
    c.note("terminated AnalysisRun " + r->name);
  }
}

// rollout/analysis.go needsNewAnalysisRun
bool needsNewRun(const Ctx& c, const AnalysisRunState* current) {
  if (current == nullptr) return true;
  if (c.ro.controllerPause && !hasPause(c.ro.pauseConditions, kPauseStep) &&
      !hasPause(c.ro.pauseConditions, kPauseBlueGreen)) {
    return current->phase == Phase::kInconclusive;
  }
  return c.ro.abortedAt.has_value();
}

// rollout/analysis.go createAnalysisRun / newAnalysisRunFromRollout + CreateWithCollisionCounter
int createRun(Ctx& c, RunKind kind, int stepIndex) {
  const ArgoEngine::PreparedAnalysis* p = nullptr;
  std::string infix;
  switch (kind) {
    case RunKind::kStep:
      p = &c.e.stepAnalyses().at(stepIndex);
      infix = std::to_string(stepIndex);
      break;
    case RunKind::kBackground:
      p = &*c.e.backgroundAnalysis();
      break;
    case RunKind::kPrePromotion:
      p = &*c.e.prePromotionAnalysis();
      infix = "pre";
      break;
    case RunKind::kPostPromotion:
      p = &*c.e.postPromotionAnalysis();
      infix = "post";
      break;
  }
  AnalysisRunState r;
  const std::string base = c.spec.name + "-" + kNewPodHash + "-" + std::to_string(kNewRevision) +
                           (infix.empty() ? "" : "-" + infix);
  r.name = base;
  for (int n = 1; findRun(c.s, r.name) >= 0; ++n) r.name = base + "." + std::to_string(n);
  r.kind = kind;
  r.stepIndex = stepIndex;
  r.createdAt = c.t;
  r.metrics = p->metrics;
  r.specError = p->error;
  r.dryRun = p->dryRun;
  c.s.runs.push_back(std::move(r));
  c.sideEffect = true;
  c.note("created AnalysisRun " + c.s.runs.back().name);
  return static_cast<int>(c.s.runs.size()) - 1;
}

}  // namespace

// rollout/analysis.go reconcileAnalysisRuns (both strategies)
void reconcileAnalysisRuns(Ctx& c) {
  const bool fully = c.ro.stableRS == c.ro.currentPodHash;
  const bool cancelAll = fully || c.isAborted() || c.ro.promoteFull || c.ro.stableRS.empty();
  const int oldStep = findRun(c.s, c.ro.stepRun), oldBg = findRun(c.s, c.ro.backgroundRun);
  const int oldPre = findRun(c.s, c.ro.preRun), oldPost = findRun(c.s, c.ro.postRun);
  int step = -1, bg = -1, pre = -1, post = -1;
  if (cancelAll) {
    for (int i : {oldStep, oldBg, oldPre, oldPost}) cancelRun(c, i);
    pre = oldPre;
    post = oldPost;
  } else if (c.spec.canary) {
    // reconcileStepBasedAnalysisRun
    step = oldStep;
    const CanaryStep* st = c.step();
    if (c.ro.pauseConditions.empty() && !c.ro.abort) {
      const AnalysisRunState* cur = c.run(oldStep);
      const bool fromPrevious =
          st && st->has(CanaryStep::Kind::kAnalysis) && cur && cur->stepIndex != *c.index();
      if (!st || !st->has(CanaryStep::Kind::kAnalysis) || st->analysis.templates.empty() ||
          fromPrevious) {
        cancelRun(c, oldStep);
        step = -1;
      } else if (needsNewRun(c, cur) || cur == nullptr) {
        step = createRun(c, RunKind::kStep, *c.index());
      } else if (cur->phase == Phase::kInconclusive) {
        c.addPause.push_back(kPauseInconclusive);
      } else if (cur->phase == Phase::kError || cur->phase == Phase::kFailed) {
        c.addAbortWith("Step-based analysis phase error/failed" +
                       (cur->message.empty() ? "" : ": " + cur->message));
      }
    }
    // reconcileBackgroundAnalysisRun
    bg = oldBg;
    const auto& a = c.spec.canary->analysis;
    if (!a || a->templates.empty()) {
      cancelRun(c, oldBg);
      bg = -1;
    } else if (fully || c.ro.stableRS.empty() || c.ro.currentPodHash.empty() ||
               (a->startingStep && c.index() && *c.index() < *a->startingStep)) {
      bg = -1;
    } else if (hasPause(c.ro.pauseConditions, kPauseInconclusive)) {
      // keep the current run
    } else if (needsNewRun(c, c.run(oldBg))) {
      bg = createRun(c, RunKind::kBackground, -1);
    } else {
      const AnalysisRunState* cur = c.run(oldBg);
      if (cur == nullptr) {
        // needsNewRun is true without a current run
      } else if (cur->phase == Phase::kInconclusive) {
        c.addPause.push_back(kPauseInconclusive);
      } else if (cur->phase == Phase::kError || cur->phase == Phase::kFailed) {
        c.addAbortWith("Background analysis phase error/failed" +
                       (cur->message.empty() ? "" : ": " + cur->message));
      }
    }
  } else {
    const auto& bgs = *c.spec.blueGreen;
    const std::string newHash = c.new0 ? c.new0->hash : "";
    // setPauseOrAbortForBlueGreen
    auto pauseOrAbort = [&](int i, bool isPost) {
      const AnalysisRunState* r = c.run(i);
      if (!r) return;
      if (r->phase == Phase::kInconclusive) {
        c.addPause.push_back(kPauseInconclusive);
      } else if (r->phase == Phase::kError || r->phase == Phase::kFailed) {
        c.addAbortWith(std::string(isPost
                                       ? "Blue/green post-promotion analysis phase error/failed"
                                       : "Blue/green pre-promotion analysis phase error/failed") +
                       (r->message.empty() ? "" : ": " + r->message));
      }
    };
    // reconcilePrePromotionAnalysisRun
    pre = oldPre;
    if (!bgs.prePromotionAnalysis || bgs.prePromotionAnalysis->templates.empty()) {
      cancelRun(c, oldPre);
      pre = -1;
    } else {
      // skipPrePromotionAnalysisRun
      bool skip = c.ro.stableRS == newHash || c.ro.activeSelector.empty() ||
                  c.ro.activeSelector == newHash || newHash.empty();
      if (!skip && oldPre < 0) {
        if (bgs.previewReplicaCount) {
          skip =
              c.newSpec() != *bgs.previewReplicaCount || c.newAvail() != *bgs.previewReplicaCount;
        } else {
          skip = !(c.newSpec() == c.replicas() && c.newAvail() == c.replicas());  // IsSaturated
        }
      }
      if (skip) {
        cancelRun(c, oldPre);
      } else if (!hasPause(c.ro.pauseConditions, kPauseInconclusive) &&
                 needsNewRun(c, c.run(oldPre))) {
        pre = createRun(c, RunKind::kPrePromotion, -1);
      }
    }
    pauseOrAbort(pre, false);
    // reconcilePostPromotionAnalysisRun
    post = oldPost;
    if (!bgs.postPromotionAnalysis || bgs.postPromotionAnalysis->templates.empty()) {
      cancelRun(c, oldPost);
      post = -1;
    } else {
      bool skip = c.ro.stableRS == newHash || c.ro.activeSelector != newHash || newHash.empty();
      if (!skip && oldPost < 0)
        skip = !(c.newSpec() == c.replicas() && c.newAvail() == c.replicas());
      if (skip) {
        cancelRun(c, oldPost);
      } else if (!hasPause(c.ro.pauseConditions, kPauseInconclusive) &&
                 needsNewRun(c, c.run(oldPost))) {
        post = createRun(c, RunKind::kPostPromotion, -1);
      }
    }
    pauseOrAbort(post, true);
  }
  // SetCurrentAnalysisRuns
  c.curStep = step;
  c.curBackground = bg;
  c.curPre = pre;
  c.curPost = post;
  c.ns.stepRun = step >= 0 ? c.s.runs[static_cast<std::size_t>(step)].name : "";
  c.ns.backgroundRun = bg >= 0 ? c.s.runs[static_cast<std::size_t>(bg)].name : "";
  c.ns.preRun = pre >= 0 ? c.s.runs[static_cast<std::size_t>(pre)].name : "";
  c.ns.postRun = post >= 0 ? c.s.runs[static_cast<std::size_t>(post)].name : "";
  // Every other run that is still going is cancelled.
  for (std::size_t i = 0; i < c.s.runs.size(); ++i) {
    const int ii = static_cast<int>(i);
    if (ii == step || ii == bg || ii == pre || ii == post) continue;
    cancelRun(c, ii);
  }
}

}  // namespace rolloutlab::core::argo::controller
