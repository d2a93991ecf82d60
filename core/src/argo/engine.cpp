// ArgoEngine: the argo-rollouts controller (master 9f8d111, Aug 2026) rule by rule. This file is
// the driver (construction, the reconcile-until-settled loop, wake-ups); rollout_context.h lists
// the files that hold the rules, each naming the upstream file and function it reproduces.

#include "rolloutlab/core/argo/engine.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "rollout_context.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/number_format.h"

namespace rolloutlab::core::argo {

using controller::Ctx;
using controller::findPause;
using controller::findRun;
using controller::kErrorRetrySeconds;
using controller::kInf;
using controller::kPauseBlueGreen;
using controller::kPauseStep;
using controller::kReasonAborted;
using controller::kReasonPaused;
using controller::kReasonTimedOut;
using controller::reconcileBlueGreen;
using controller::reconcileCanary;
using controller::rolloutPhase;

namespace {

std::string fmtNum(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return formatGeneral(v);
}

}  // namespace

// ---- construction ------------------------------------------------------------------------

ArgoEngine::ArgoEngine(const RolloutSpec& rollout, const TemplateCatalog& catalog,
                       ArgoEngineOptions options)
    : rollout_(rollout), options_(options) {
  auto fail = [&](const Loc& loc, const std::string& field, const std::string& rule) {
    throw InputError(Diagnostic{Severity::kError, loc.file.empty() ? rollout_.loc.file : loc.file,
                                loc.line ? loc.line : rollout_.loc.line, 0, field, "", rule});
  };
  if (!rollout_.canary && !rollout_.blueGreen) {
    fail(rollout_.loc, "spec.strategy",
         "Rollout has missing field '.spec.strategy.canary or .spec.strategy.blueGreen'");
  }
  if (rollout_.maxTrafficWeight() <= 0) {
    // The controller divides by it (weightutil.MaxTrafficWeight); it would crash.
    fail(rollout_.loc, "spec.strategy.canary.trafficRouting.maxTrafficWeight",
         "must be greater than 0 (the controller divides weights by it)");
  }
  auto prepare = [&](const RolloutAnalysis& a, const std::string& field, bool background) {
    PreparedAnalysis p;
    std::vector<const AnalysisTemplateSpec*> templates;
    if (auto e = collectTemplates(a.templates, rollout_.namespace_, catalog, &templates)) {
      fail(a.loc, field + ".templates", *e);
    }
    std::vector<Argument> args;
    if (auto e = resolveRolloutArgs(a.args, rollout_, &args)) fail(a.loc, field + ".args", *e);
    if (auto e = buildAnalysisRun(templates, args, a.dryRun, a.measurementRetention, &p.spec)) {
      fail(a.loc, field, *e);
    }
    // analysis/analysis.go reconcileAnalysisRun: argument, metric and dry-run problems that
    // only show at run time make the run Error.
    std::vector<Metric> resolved;
    for (const auto& m : p.spec.metrics) {
      Metric r;
      if (auto e = resolveMetric(m, p.spec.args, &r)) {
        p.error = "Unable to resolve metric arguments: " + *e;
        break;
      }
      resolved.push_back(std::move(r));
    }
    if (p.error.empty()) {
      if (auto e = validateMetrics(resolved)) {
        p.error = "Analysis spec invalid: " + *e;
      } else if (auto e2 = dryRunMetrics(p.spec.dryRun, resolved, &p.dryRun)) {
        p.error = "Analysis spec invalid: " + *e2;
      } else {
        std::map<std::string, int> retention;
        if (auto e3 = retentionMetrics(p.spec.measurementRetention, resolved, &retention)) {
          p.error = "Analysis spec invalid: " + *e3;
        }
      }
    }
    if (p.error.empty()) p.metrics = std::move(resolved);
    (void)background;
    return p;
  };
  if (rollout_.canary) {
    const auto& steps = rollout_.canary->steps;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const std::string field = "spec.strategy.canary.steps[" + std::to_string(i) + "]";
      if (steps[i].has(CanaryStep::Kind::kExperiment)) {
        fail(steps[i].loc, field + ".experiment",
             "experiment steps are not simulated by rolloutlab");
      }
      if (steps[i].has(CanaryStep::Kind::kPlugin)) {
        fail(steps[i].loc, field + ".plugin", "step plugins are not simulated by rolloutlab");
      }
      if (steps[i].has(CanaryStep::Kind::kAnalysis)) {
        steps_[static_cast<int>(i)] = prepare(steps[i].analysis, field + ".analysis", false);
      }
    }
    if (rollout_.canary->analysis) {
      background_ = prepare(*rollout_.canary->analysis, "spec.strategy.canary.analysis", true);
    }
  }
  if (rollout_.blueGreen) {
    if (rollout_.blueGreen->prePromotionAnalysis) {
      pre_ = prepare(*rollout_.blueGreen->prePromotionAnalysis,
                     "spec.strategy.blueGreen.prePromotionAnalysis", false);
    }
    if (rollout_.blueGreen->postPromotionAnalysis) {
      post_ = prepare(*rollout_.blueGreen->postPromotionAnalysis,
                      "spec.strategy.blueGreen.postPromotionAnalysis", false);
    }
  }
  std::set<std::string> seen;
  auto addMetrics = [&](const PreparedAnalysis& p) {
    for (const auto& m : p.metrics) {
      const std::string key = m.successCondition + "\n" + m.failureCondition;
      if (!conditions_.count(key))
        conditions_.emplace(key, MetricConditions(m.successCondition, m.failureCondition));
      if (seen.insert(m.name).second) allMetrics_.push_back(&m);
    }
  };
  for (const auto& [i, p] : steps_) addMetrics(p);
  for (const auto* p : {&background_, &pre_, &post_}) {
    if (*p) addMetrics(**p);
  }
}

const MetricConditions& ArgoEngine::conditions(const Metric& m) const {
  return conditions_.at(m.successCondition + "\n" + m.failureCondition);
}

ArgoState ArgoEngine::initialState() const {
  ArgoState s;
  const int replicas = rollout_.replicasOrDefault();
  s.stableRS.hash = kStablePodHash;
  s.stableRS.replicas = replicas;
  s.stableRS.podReadyAt.assign(static_cast<std::size_t>(replicas), -kInf);
  auto& st = s.status;
  st.currentPodHash = kStablePodHash;
  st.stableRS = kStablePodHash;
  if (rollout_.canary && !rollout_.canary->steps.empty()) {
    st.currentStepIndex = static_cast<int>(rollout_.canary->steps.size());
  }
  if (rollout_.canary && rollout_.canary->trafficRouting) {
    st.weightCanary = 0;
    st.weightCanaryHash = kStablePodHash;
    st.weightStableHash = kStablePodHash;
  }
  if (rollout_.blueGreen) {
    st.activeSelector = kStablePodHash;
    if (!rollout_.blueGreen->previewService.empty()) st.previewSelector = kStablePodHash;
  }
  st.progressing = {"True", "NewReplicaSetAvailable", -kInf};
  st.phase = RolloutPhase::kHealthy;
  st.replicas = st.updatedReplicas = st.availableReplicas = st.readyReplicas = replicas;
  s.specPaused = rollout_.paused;
  return s;
}

// ---- snapshots and events -----------------------------------------------------------------

ArgoSnapshot ArgoEngine::snapshot(const ArgoState& s, double t) const {
  ArgoSnapshot v;
  const auto& st = s.status;
  v.currentStepIndex = st.currentStepIndex;
  v.phase = st.phase;
  v.message = st.message;
  v.abort = st.abort;
  for (const auto& p : st.pauseConditions) v.pauseConditions.push_back(p.reason);
  v.specPaused = s.specPaused;
  v.promoted = s.newRS && st.stableRS == s.newRS->hash;
  v.stableDesired = s.stableRS.replicas;
  v.stableAvailable = s.stableRS.available(t);
  if (s.newRS) {
    v.newDesired = s.newRS->replicas;
    v.newAvailable = s.newRS->available(t);
  }
  // canaryWeight: the share of production traffic on the new revision.
  if (v.promoted) {
    v.canaryWeight = 100;
  } else if (rollout_.blueGreen) {
    v.canaryWeight = s.newRS && st.activeSelector == s.newRS->hash ? 100 : 0;
  } else if (rollout_.canary && rollout_.canary->trafficRouting) {
    v.canaryWeight = 100.0 * st.weightCanary.value_or(0) / rollout_.maxTrafficWeight();
  } else {
    // Basic canary: the Service spreads requests over every available pod.
    const double total = v.stableAvailable + v.newAvailable;
    v.canaryWeight = total > 0 ? 100.0 * v.newAvailable / total : 0;
  }
  v.routes = s.routes;
  for (const auto& r : s.runs) {
    RunView rv;
    rv.name = r.name;
    rv.kind = r.kind;
    rv.phase = r.phase;
    rv.message = r.message;
    for (const auto& m : r.results) {
      MetricView mv;
      mv.name = m.name;
      mv.phase = m.phase;
      mv.count = m.count;
      mv.successful = m.successful;
      mv.failed = m.failed;
      mv.inconclusive = m.inconclusive;
      mv.error = m.error;
      mv.consecutiveError = m.consecutiveError;
      mv.dryRun = m.dryRun;
      if (m.last) {
        mv.lastValue = m.last->value;
        mv.lastMessage = m.last->message;
      }
      rv.metrics.push_back(std::move(mv));
    }
    v.runs.push_back(std::move(rv));
  }
  return v;
}

// ---- Rollout reconcile --------------------------------------------------------------------

bool ArgoEngine::reconcileRollout(ArgoState& s, double t, ArgoWorld& world,
                                  std::string& reason) const {
  Ctx c{*this, s,     world, t,  rollout_, s.status, s.specPaused, s.stableRS, s.newRS, {}, {}, {},
        false, false, false, {}, -1,       -1,       -1,           -1,         false,   {}};
  // controller.go newRolloutContext: newStatus starts empty but for the recorded weights.
  c.ns.weightCanary = c.ro.weightCanary;
  c.ns.weightCanaryHash = c.ro.weightCanaryHash;
  c.ns.weightStableHash = c.ro.weightStableHash;
  const RolloutStatusState before = s.status;
  const std::vector<ManagedRoute> routesBefore = s.routes;
  const ReplicaSetState stableBefore = s.stableRS;
  const std::optional<ReplicaSetState> newBefore = s.newRS;
  // controller.go newRolloutContext: a fully promoted rollout drops a stale abort.
  if (c.ro.stableRS == c.ro.currentPodHash && c.ro.abort) c.removeAbort = true;
  // sync.go checkPausedConditions: a conditions-only patch ends this reconcile.
  {
    const bool isPaused = !c.ro.pauseConditions.empty() || c.specPaused;
    const bool progPaused = c.ro.progressing.reason == kReasonPaused;
    const bool abortCond = c.ro.progressing.reason == kReasonAborted;
    const bool completedRollout = !c.ro.stableRS.empty() && c.ro.stableRS == c.ro.currentPodHash;
    RolloutStatusState ns = c.ro;
    bool patched = false;
    if (isPaused != progPaused && !abortCond && !completedRollout) {
      ns.progressing = {"Unknown", isPaused ? kReasonPaused : "RolloutResumed", t};
      patched = true;
    }
    if (!c.ro.abort && abortCond) {
      ns.progressing = {"Unknown", "RolloutRetry", t};
      patched = true;
    }
    if (isPaused != c.ro.pausedCondition && !abortCond) {
      ns.pausedCondition = isPaused;
      patched = true;
    }
    if (patched) {
      const auto [phase, message] = rolloutPhase(rollout_, ns, c.specPaused);
      ns.phase = phase;
      ns.message = message;
      s.status = ns;
      reason = "conditions: " + ns.progressing.reason;
      return true;
    }
  }
  if (rollout_.blueGreen) {
    reconcileBlueGreen(c);
  } else {
    reconcileCanary(c);
  }
  reason = c.reason.empty() ? "status: " + std::string(toString(s.status.phase)) +
                                  (s.status.message.empty() ? "" : " (" + s.status.message + ")")
                            : c.reason;
  const auto& a = s.status;
  const auto& b = before;
  const bool statusChanged =
      a.currentPodHash != b.currentPodHash || a.stableRS != b.stableRS ||
      a.currentStepIndex != b.currentStepIndex || a.abort != b.abort ||
      a.controllerPause != b.controllerPause || a.promoteFull != b.promoteFull ||
      a.weightCanary != b.weightCanary || a.weightCanaryHash != b.weightCanaryHash ||
      a.weightStableHash != b.weightStableHash || a.stepRun != b.stepRun ||
      a.backgroundRun != b.backgroundRun || a.preRun != b.preRun || a.postRun != b.postRun ||
      a.activeSelector != b.activeSelector || a.previewSelector != b.previewSelector ||
      a.scaleUpPreviewCheckPoint != b.scaleUpPreviewCheckPoint ||
      a.progressing.reason != b.progressing.reason ||
      a.progressing.status != b.progressing.status ||
      a.progressing.lastUpdate != b.progressing.lastUpdate ||
      a.pausedCondition != b.pausedCondition || a.phase != b.phase || a.message != b.message ||
      a.replicas != b.replicas || a.updatedReplicas != b.updatedReplicas ||
      a.availableReplicas != b.availableReplicas || a.readyReplicas != b.readyReplicas ||
      a.pauseConditions.size() != b.pauseConditions.size();
  bool pausesChanged = false;
  for (std::size_t i = 0; !statusChanged && i < a.pauseConditions.size(); ++i) {
    pausesChanged = pausesChanged || a.pauseConditions[i].reason != b.pauseConditions[i].reason ||
                    a.pauseConditions[i].startTime != b.pauseConditions[i].startTime;
  }
  const bool rsChanged = s.stableRS.replicas != stableBefore.replicas ||
                         s.stableRS.scaleDownAt != stableBefore.scaleDownAt ||
                         (s.newRS && newBefore &&
                          (s.newRS->replicas != newBefore->replicas ||
                           s.newRS->scaleDownAt != newBefore->scaleDownAt));
  return statusChanged || pausesChanged || rsChanged || s.routes != routesBefore || c.sideEffect;
}

// ---- driving ------------------------------------------------------------------------------

void ArgoEngine::applyNewRevision(ArgoState& s, double t, ArgoWorld& world,
                                  std::vector<ArgoEvent>& out) const {
  // controller.go newRolloutContext -> createDesiredReplicaSet: the new ReplicaSet at 0 replicas.
  s.templateRevision = kNewRevision;
  ReplicaSetState rs;
  rs.hash = kNewPodHash;
  rs.replicas = 0;
  s.newRS = rs;
  ArgoEvent e;
  e.t = t;
  e.source = "revision";
  e.reason = "new pod template applied (revision " + std::to_string(kNewRevision) + ")";
  e.state = snapshot(s, t);
  out.push_back(std::move(e));
  settle(s, t, world, out);
}

void ArgoEngine::applyAction(ArgoState& s, UserAction action, double t, ArgoWorld& world,
                             std::vector<ArgoEvent>& out) const {
  auto& st = s.status;
  std::string what;
  switch (action) {
    case UserAction::kPromote: {
      // pkg/kubectl-argo-rollouts/cmd/promote/promote.go getPatches (default case)
      s.specPaused = false;
      const bool inconclusive = rollout_.canary && !st.stepRun.empty() && [&] {
        const int i = findRun(s, st.stepRun);
        return i >= 0 && s.runs[static_cast<std::size_t>(i)].phase == Phase::kInconclusive;
      }();
      const int steps = rollout_.canary ? static_cast<int>(rollout_.canary->steps.size()) : 0;
      if (inconclusive && !st.pauseConditions.empty() && st.controllerPause) {
        int idx = st.currentStepIndex.value_or(0);
        if (idx < steps) ++idx;
        st.pauseConditions.clear();
        st.controllerPause = false;
        st.currentStepIndex = idx;
        what = "cleared pause conditions and skipped the inconclusive analysis step";
      } else if (!st.pauseConditions.empty()) {
        st.pauseConditions.clear();
        what = "cleared pause conditions";
      } else if (rollout_.canary && steps > 0) {
        int idx = st.currentStepIndex.value_or(0);
        if (idx < steps) ++idx;
        st.currentStepIndex = idx;
        what = "skipped to step " + std::to_string(idx);
      } else {
        what = "nothing to promote";
      }
      break;
    }
    case UserAction::kPromoteFull:
      s.specPaused = false;
      if (st.currentPodHash != st.stableRS) st.promoteFull = true;
      what = "promoteFull";
      break;
    case UserAction::kAbort:
      st.abort = true;  // abort.go: {"status":{"abort":true}}
      what = "abort";
      break;
    case UserAction::kRetry:
      st.abort = false;  // retry.go: {"status":{"abort":false}}
      what = "retry";
      break;
    case UserAction::kPause:
      s.specPaused = true;  // pause.go: {"spec":{"paused":true}}
      what = "spec.paused = true";
      break;
    case UserAction::kResume:
      s.specPaused = false;
      what = "spec.paused = false";
      break;
  }
  ArgoEvent e;
  e.t = t;
  e.source = "action";
  e.action = toString(action);
  e.reason = what;
  e.state = snapshot(s, t);
  out.push_back(std::move(e));
  settle(s, t, world, out);
}

void ArgoEngine::settle(ArgoState& s, double t, ArgoWorld& world,
                        std::vector<ArgoEvent>& out) const {
  ArgoSnapshot last = out.empty() ? snapshot(s, t) : out.back().state;
  if (!out.empty() && out.back().t != t) last = snapshot(s, t);
  int passes = 0;
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = 0; i < s.runs.size(); ++i) {
      std::string reason;
      if (reconcileRun(s, i, t, world, reason)) {
        changed = true;
        ArgoSnapshot now = snapshot(s, t);
        if (!(now == last)) {
          out.push_back({t, "analysisrun " + s.runs[i].name, "", reason, now});
          last = std::move(now);
        }
      }
    }
    std::string reason;
    ++s.reconciles;
    if (reconcileRollout(s, t, world, reason)) {
      changed = true;
      ArgoSnapshot now = snapshot(s, t);
      if (!(now == last)) {
        out.push_back({t, "rollout", "", reason, now});
        last = std::move(now);
      }
    }
    if (++passes > options_.maxReconcilesPerInstant) {
      // Upstream's controller settles; a loop that does not is a bug of this engine.
      throw InternalError(Diagnostic{Severity::kError, rollout_.loc.file, rollout_.loc.line, 0, "",
                                     "",
                                     "the controller did not settle at t=" + fmtNum(t) +
                                         "s after " + std::to_string(passes) + " reconciles"}
                              .toString());
    }
  }
}

double ArgoEngine::nextWakeUp(const ArgoState& s, double t) const {
  double next = kInf;
  auto consider = [&](double x) {
    if (x > t && x < next) next = x;
  };
  for (const auto* rs : {&s.stableRS, s.newRS ? &*s.newRS : nullptr}) {
    if (!rs) continue;
    for (double r : rs->podReadyAt) consider(r);
    if (rs->scaleDownAt) consider(*rs->scaleDownAt);
  }
  const auto& st = s.status;
  // Pauses with a duration and blue-green auto-promotion.
  if (rollout_.canary && st.currentStepIndex) {
    const auto& steps = rollout_.canary->steps;
    const int i = *st.currentStepIndex;
    if (i >= 0 && i < static_cast<int>(steps.size()) &&
        steps[static_cast<std::size_t>(i)].pauseSeconds) {
      if (const PauseCondition* p = findPause(st.pauseConditions, kPauseStep)) {
        consider(p->startTime + *steps[static_cast<std::size_t>(i)].pauseSeconds);
      }
    }
  }
  if (rollout_.blueGreen && rollout_.blueGreen->autoPromotionSeconds > 0) {
    if (const PauseCondition* p = findPause(st.pauseConditions, kPauseBlueGreen)) {
      consider(p->startTime + rollout_.blueGreen->autoPromotionSeconds);
    }
  }
  // The progress deadline (requeueStuckRollout requeues a second after it).
  if (!st.abort && st.pauseConditions.empty() && !s.specPaused &&
      st.progressing.reason != kReasonTimedOut && st.progressing.reason != kReasonPaused &&
      st.progressing.reason != kReasonAborted && st.stableRS != st.currentPodHash &&
      std::isfinite(st.progressing.lastUpdate)) {
    consider(st.progressing.lastUpdate + rollout_.progressDeadline() + 1.0);
  }
  // analysis.go calculateNextReconcileTime
  for (const auto& run : s.runs) {
    if (completed(run.phase)) continue;
    for (const auto& m : run.metrics) {
      const MetricResultState* r = run.result(m.name);
      if (r && completed(r->phase)) continue;
      if (!r || !r->last) {
        if (auto d = m.initialDelaySeconds()) consider(run.startedAt.value_or(t) + *d);
        continue;
      }
      const auto& last = *r->last;
      if (!last.finishedAt) {
        if (last.resumeAt) consider(*last.resumeAt);
        if (m.provider == ProviderKind::kJob) consider(last.jobDoneAt);
        continue;
      }
      const auto eff = m.effectiveCount();
      if (eff && r->count >= *eff) continue;
      if (last.phase == Phase::kError) {
        consider(*last.finishedAt + kErrorRetrySeconds);
      } else if (auto iv = m.intervalSeconds()) {
        consider(*last.finishedAt + *iv);
      }
    }
  }
  return next;
}

}  // namespace rolloutlab::core::argo
