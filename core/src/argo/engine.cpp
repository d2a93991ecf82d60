// ArgoEngine: the argo-rollouts controller (master 9f8d111, Aug 2026) rule by rule. Each
// function names the upstream file and function it reproduces. A rollout reconcile reads the
// objects as they were when it started (`Ctx::ro`, `Ctx::stable0`, `Ctx::new0`: the informer
// cache) and writes the new status (`Ctx::ns`) and the ReplicaSets and AnalysisRuns through.

#include "rolloutlab/core/argo/engine.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::core::argo {

const char* toString(Phase p) {
  switch (p) {
    case Phase::kNone:
      return "";
    case Phase::kPending:
      return "Pending";
    case Phase::kRunning:
      return "Running";
    case Phase::kSuccessful:
      return "Successful";
    case Phase::kFailed:
      return "Failed";
    case Phase::kError:
      return "Error";
    case Phase::kInconclusive:
      return "Inconclusive";
  }
  return "?";
}

bool completed(Phase p) {
  return p == Phase::kSuccessful || p == Phase::kFailed || p == Phase::kError ||
         p == Phase::kInconclusive;
}

const char* toString(RunKind k) {
  switch (k) {
    case RunKind::kStep:
      return "step";
    case RunKind::kBackground:
      return "background";
    case RunKind::kPrePromotion:
      return "prePromotion";
    case RunKind::kPostPromotion:
      return "postPromotion";
  }
  return "?";
}

const char* toString(RolloutPhase p) {
  switch (p) {
    case RolloutPhase::kProgressing:
      return "Progressing";
    case RolloutPhase::kPaused:
      return "Paused";
    case RolloutPhase::kDegraded:
      return "Degraded";
    case RolloutPhase::kHealthy:
      return "Healthy";
  }
  return "?";
}

const char* toString(UserAction a) {
  switch (a) {
    case UserAction::kPromote:
      return "promote";
    case UserAction::kPromoteFull:
      return "promote-full";
    case UserAction::kAbort:
      return "abort";
    case UserAction::kRetry:
      return "retry";
    case UserAction::kPause:
      return "pause";
    case UserAction::kResume:
      return "resume";
  }
  return "?";
}

const char* toString(ManagedRoute::Kind k) {
  return k == ManagedRoute::Kind::kHeader ? "header" : "mirror";
}

ArgoTrafficSplit argoTrafficSplit(const ArgoSnapshot& snap,
                                  const std::function<double(const ManagedRoute&)>& matchFraction) {
  // Envoy tries a VirtualService's HTTP routes in order and the first match wins; Argo puts its
  // managed routes on top in managedRoutes order (istio.go orderRoutes). A header route sends
  // everything it matches to the canary service at weight 100 (createHeaderRoute); a mirror
  // route carries the same destinations and weights as the weighted route (createMirrorRoute,
  // kept in step by generateVirtualServicePatches) plus a mirror of mirrorPercentage % to the
  // canary service.
  // Once an aborted rollout's weight is 0, trafficrouting.go points the canary service at the
  // stable pods (ensureSVCTargets): what a managed route still sends there reaches the stable.
  const double w = std::clamp(snap.canaryWeight / 100.0, 0.0, 1.0);
  const bool canaryServiceOnStable = snap.abort && snap.canaryWeight <= 0;
  double rest = 1.0;
  ArgoTrafficSplit out;
  out.canary = 0;
  for (const ManagedRoute& r : snap.routes) {
    const double taken = rest * std::clamp(matchFraction(r), 0.0, 1.0);
    if (r.kind == ManagedRoute::Kind::kHeader) {
      if (!canaryServiceOnStable) out.canary += taken;
    } else {
      out.canary += taken * w;
      if (!canaryServiceOnStable) out.mirrored += taken * std::clamp(r.percentage, 0, 100) / 100.0;
    }
    rest -= taken;
  }
  out.canary += rest * w;
  out.stable = 1.0 - out.canary;
  return out;
}

std::optional<UserAction> userActionFromString(const std::string& s) {
  for (UserAction a : {UserAction::kPromote, UserAction::kPromoteFull, UserAction::kAbort,
                       UserAction::kRetry, UserAction::kPause, UserAction::kResume}) {
    if (s == toString(a)) return a;
  }
  return std::nullopt;
}

const MetricResultState* AnalysisRunState::result(const std::string& metric) const {
  for (const auto& r : results) {
    if (r.name == metric) return &r;
  }
  return nullptr;
}

int ReplicaSetState::available(double t) const {
  int n = 0;
  for (double r : podReadyAt) n += r <= t ? 1 : 0;
  return n;
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// analysis/analysis.go DefaultErrorRetryInterval
constexpr double kErrorRetrySeconds = 10.0;
// metricproviders/kayenta/kayenta.go resumeDelay
constexpr double kKayentaResumeSeconds = 15.0;

const char* kPauseStep = "CanaryPauseStep";
const char* kPauseBlueGreen = "BlueGreenPause";
const char* kPauseInconclusive = "InconclusiveAnalysisRun";
const char* kReasonAborted = "RolloutAborted";
const char* kReasonTimedOut = "ProgressDeadlineExceeded";
const char* kReasonPaused = "RolloutPaused";

std::string fmtNum(double v) {
  char b[32];
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

// The worst-of order of utils/analysis/helpers.go analysisStatusOrder.
int severity(Phase p) {
  switch (p) {
    case Phase::kSuccessful:
      return 0;
    case Phase::kRunning:
      return 1;
    case Phase::kPending:
      return 2;
    case Phase::kInconclusive:
      return 3;
    case Phase::kError:
      return 4;
    case Phase::kFailed:
      return 5;
    case Phase::kNone:
      return 0;
  }
  return 0;
}

bool hasPause(const std::vector<PauseCondition>& conds, const std::string& reason) {
  for (const auto& c : conds) {
    if (c.reason == reason) return true;
  }
  return false;
}

const PauseCondition* findPause(const std::vector<PauseCondition>& conds,
                                const std::string& reason) {
  for (const auto& c : conds) {
    if (c.reason == reason) return &c;
  }
  return nullptr;
}

// Go's %v of the value a provider recorded.
std::string recordValue(const Value& v) { return v.toString(); }

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

// ---- AnalysisRun reconcile (analysis/analysis.go) -------------------------------------------

namespace {

Phase fromVerdict(AnalysisPhase p) {
  switch (p) {
    case AnalysisPhase::kSuccessful:
      return Phase::kSuccessful;
    case AnalysisPhase::kFailed:
      return Phase::kFailed;
    case AnalysisPhase::kInconclusive:
      return Phase::kInconclusive;
    case AnalysisPhase::kError:
      return Phase::kError;
  }
  return Phase::kError;
}

// analysis.go assessMetricFailureInconclusiveOrError: strict limits; later checks overwrite.
Phase failureInconclusiveOrError(const Metric& m, const MetricResultState& r,
                                 std::string* message) {
  Phase phase = Phase::kNone;
  const int failureLimit = m.failureLimitValue();
  if (failureLimit >= 0 && r.failed > failureLimit) {
    phase = Phase::kFailed;
    *message = "failed (" + std::to_string(r.failed) + ") > failureLimit (" +
               std::to_string(failureLimit) + ")";
  }
  const int inconclusiveLimit = m.inconclusiveLimitValue();
  if (r.inconclusive > inconclusiveLimit) {
    phase = Phase::kInconclusive;
    *message = "inconclusive (" + std::to_string(r.inconclusive) + ") > inconclusiveLimit (" +
               std::to_string(inconclusiveLimit) + ")";
  }
  const int errorLimit = m.consecutiveErrorLimitValue();
  if (r.consecutiveError > errorLimit) {
    phase = Phase::kError;
    *message = "consecutiveErrors (" + std::to_string(r.consecutiveError) +
               ") > consecutiveErrorLimit (" + std::to_string(errorLimit) + ")";
  }
  return phase;
}

// analysis.go assessMetricStatus
Phase assessMetric(const Metric& m, const MetricResultState* r, bool terminating) {
  if (r != nullptr && completed(r->phase)) return r->phase;
  if (r == nullptr || !r->last) return terminating ? Phase::kSuccessful : Phase::kPending;
  if (!completed(r->last->phase)) return Phase::kRunning;
  std::string msg;
  const Phase fie = failureInconclusiveOrError(m, *r, &msg);
  if (fie != Phase::kNone) return fie;
  const int csl = m.consecutiveSuccessLimitValue();
  if (m.consecutiveSuccessLimit.isSet() && csl > 0 && r->consecutiveSuccess >= csl)
    return Phase::kSuccessful;
  const auto eff = m.effectiveCount();
  if (eff && r->count >= *eff) {
    const bool failureApplicable = !m.failureLimit.isSet() || m.failureLimit.intValue() >= 0;
    const bool successApplicable = m.consecutiveSuccessLimit.isSet() && csl > 0;
    if (failureApplicable && successApplicable) return Phase::kInconclusive;
    if (successApplicable) return Phase::kFailed;
    return Phase::kSuccessful;
  }
  return terminating ? Phase::kSuccessful : Phase::kRunning;
}

// utils/analysis/helpers.go IsTerminating
bool isTerminating(const AnalysisRunState& run) {
  if (run.terminate) return true;
  for (const auto& r : run.results) {
    if (r.dryRun) continue;
    if (r.phase == Phase::kFailed || r.phase == Phase::kError || r.phase == Phase::kInconclusive)
      return true;
  }
  return false;
}

MetricResultState& resultFor(AnalysisRunState& run, const Metric& m) {
  for (auto& r : run.results) {
    if (r.name == m.name) return r;
  }
  MetricResultState r;
  r.name = m.name;
  r.phase = Phase::kRunning;
  r.dryRun = run.dryRun.count(m.name) > 0;
  run.results.push_back(r);
  return run.results.back();
}

// metricproviders/kayenta/kayenta.go getScopeRequest: explicit start/end, else the run's start
// (or, with lookback, the metric interval before the measurement) to now.
std::vector<KayentaScopeWindow> kayentaWindows(const Metric& m, double runStart, double startedAt) {
  std::vector<KayentaScopeWindow> out;
  for (const auto& sc : m.kayenta.scopes) {
    KayentaScopeWindow w;
    w.name = sc.name;
    w.controlScope = sc.controlScope.scope;
    w.experimentScope = sc.experimentScope.scope;
    double start = runStart;
    if (m.kayenta.lookback) {
      if (auto iv = m.intervalSeconds()) start = startedAt - *iv;
    }
    w.controlStart = w.experimentStart = start;
    w.controlEnd = w.experimentEnd = startedAt;
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace

bool ArgoEngine::reconcileRun(ArgoState& s, std::size_t index, double t, ArgoWorld& world,
                              std::string& reason) const {
  AnalysisRunState& run = s.runs[index];
  // reconcileAnalysisRun: a completed run is never touched again.
  if (completed(run.phase)) return false;
  const AnalysisRunState before = run;
  if (!run.specError.empty()) {
    run.phase = Phase::kError;
    run.message = run.specError;
    run.completedAt = t;
    reason = "AnalysisRun " + run.name + ": " + run.message;
    return true;
  }
  const bool terminating = isTerminating(run);
  // generateMetricTasks + runMeasurements
  for (const auto& m : run.metrics) {
    const MetricResultState* existing = run.result(m.name);
    if (existing && completed(existing->phase)) continue;
    const MeasurementState* last = existing && existing->last ? &*existing->last : nullptr;
    MeasureRequest req{
        t, &run.name, run.kind, run.stepIndex, &m, existing ? existing->measurements : 0};
    if (last && !last->finishedAt) {
      // An in-flight measurement: resume it when due, or terminate it.
      if (!terminating && last->resumeAt && *last->resumeAt > t) continue;
      MetricResultState& r = resultFor(run, m);
      MeasurementState meas = *r.last;
      req.measurement = r.measurements - 1;
      if (terminating) {
        if (m.provider == ProviderKind::kJob) {
          // job.go Terminate: the Job is deleted, the measurement Inconclusive.
          meas.phase = Phase::kInconclusive;
          meas.finishedAt = t;
          meas.message = "Metric Terminated";
        }
        // kayenta.go Terminate returns the measurement as it is: still in flight.
      } else if (m.provider == ProviderKind::kJob) {
        // job.go Resume: complete or failed once the Job is; else poll again.
        if (t >= meas.jobDoneAt) {
          meas.phase = meas.jobSucceeded ? Phase::kSuccessful : Phase::kFailed;
          meas.finishedAt = t;
          meas.resumeAt.reset();
        } else {
          meas.resumeAt = meas.jobDoneAt;
        }
      } else {
        // kayenta.go Resume: read the score; incomplete -> poll again in 15 s.
        KayentaRequest kr{
            t,  meas.startedAt,  run.startedAt.value_or(t),
            &m, req.measurement, kayentaWindows(m, run.startedAt.value_or(t), meas.startedAt)};
        const KayentaAnswer a = world.kayenta(kr);
        if (a.kind == KayentaAnswer::Kind::kIncomplete) {
          meas.resumeAt = t + kKayentaResumeSeconds;
        } else if (a.kind == KayentaAnswer::Kind::kError) {
          meas.phase = Phase::kError;
          meas.message = a.message;
          meas.finishedAt = t;
          meas.resumeAt.reset();
        } else {
          const long long score = static_cast<long long>(a.score);  // int(result)
          meas.value = std::to_string(score);
          meas.phase = score >= m.kayenta.pass       ? Phase::kSuccessful
                       : score >= m.kayenta.marginal ? Phase::kInconclusive
                                                     : Phase::kFailed;
          meas.finishedAt = t;
          meas.resumeAt.reset();
        }
      }
      if (completed(meas.phase) && meas.finishedAt) {
        switch (meas.phase) {
          case Phase::kSuccessful:
            ++r.successful, ++r.count, r.consecutiveError = 0, ++r.consecutiveSuccess;
            break;
          case Phase::kFailed:
            ++r.failed, ++r.count, r.consecutiveError = 0, r.consecutiveSuccess = 0;
            break;
          case Phase::kInconclusive:
            ++r.inconclusive, ++r.count, r.consecutiveError = 0, r.consecutiveSuccess = 0;
            break;
          default:
            ++r.error, ++r.consecutiveError, r.consecutiveSuccess = 0;
            break;
        }
      }
      r.last = meas;
      continue;
    }
    if (terminating) continue;
    if (!last) {
      if (auto delay = m.initialDelaySeconds()) {
        // startedAt is written at the end of the run's first reconcile.
        if (!run.startedAt || *run.startedAt + *delay > t) continue;
      } else if (!m.initialDelay.empty()) {
        continue;  // unparsable delay: never measured
      }
    } else {
      const auto eff = m.effectiveCount();
      if (eff && existing->count >= *eff) continue;
      double wait = kErrorRetrySeconds;
      if (last->phase != Phase::kError && !m.interval.empty()) {
        const auto iv = m.intervalSeconds();
        if (!iv) continue;
        wait = *iv;
      }
      if (t < *last->finishedAt + wait) continue;
    }
    // Take a measurement (provider.Run).
    MetricResultState& r = resultFor(run, m);
    req.measurement = r.measurements;
    ++r.measurements;
    MeasurementState meas;
    meas.startedAt = t;
    if (m.provider == ProviderKind::kJob) {
      const JobAnswer a = world.job(req);
      if (a.createError) {
        meas.phase = Phase::kError;
        meas.message = a.message;
        meas.finishedAt = t;
      } else {
        meas.phase = Phase::kRunning;
        meas.resumeAt = t;  // job.go Run: resume at once
        meas.jobDoneAt = t + std::max(0.0, a.duration);
        meas.jobSucceeded = a.succeeded;
      }
    } else if (m.provider == ProviderKind::kKayenta) {
      meas.phase = Phase::kRunning;
      meas.resumeAt = t + kKayentaResumeSeconds;  // kayenta.go Run
    } else {
      const ProviderAnswer a = world.measure(req);
      meas.finishedAt = t;
      if (a.error) {
        meas.phase = Phase::kError;
        meas.message = a.message;
      } else {
        meas.value = recordValue(a.value);
        const Verdict v = conditions(m).evaluate(a.value);
        meas.phase = fromVerdict(v.phase);
        meas.message = v.message;
      }
    }
    if (completed(meas.phase)) {
      switch (meas.phase) {
        case Phase::kSuccessful:
          ++r.successful, ++r.count, r.consecutiveError = 0, ++r.consecutiveSuccess;
          break;
        case Phase::kFailed:
          ++r.failed, ++r.count, r.consecutiveError = 0, r.consecutiveSuccess = 0;
          break;
        case Phase::kInconclusive:
          ++r.inconclusive, ++r.count, r.consecutiveError = 0, r.consecutiveSuccess = 0;
          break;
        default:
          ++r.error, ++r.consecutiveError, r.consecutiveSuccess = 0;
          break;
      }
    }
    r.last = meas;
  }
  // assessRunStatus
  if (!run.startedAt) run.startedAt = t;
  Phase worst = Phase::kNone;
  std::string worstMessage = run.terminate ? "Run Terminated" : "";
  bool everything = true;
  for (const auto& m : run.metrics) {
    MetricResultState* r = nullptr;
    for (auto& x : run.results) {
      if (x.name == m.name) r = &x;
    }
    if (r == nullptr) {
      everything = false;  // not started yet (initialDelay)
      continue;
    }
    const Phase ms = assessMetric(m, r, terminating);
    if (r->phase != ms) {
      if (r->last) r->message = r->last->message;
      r->phase = ms;
    }
    if (!completed(ms)) {
      everything = false;
      continue;
    }
    std::string limitMessage;
    failureInconclusiveOrError(m, *r, &limitMessage);
    if (!r->dryRun) {
      if (worst == Phase::kNone || severity(ms) > severity(worst)) {
        worst = ms;
        if (!limitMessage.empty()) {
          worstMessage =
              "Metric \"" + m.name + "\" assessed " + toString(ms) + " due to " + limitMessage;
          if (!r->message.empty()) worstMessage += ": \"Error Message: " + r->message + "\"";
        }
      }
    } else {
      if (worst == Phase::kNone) worst = Phase::kSuccessful;
      if (!limitMessage.empty())
        r->message = "Metric assessed " + std::string(toString(ms)) + " due to " + limitMessage;
    }
  }
  Phase runPhase;
  if (terminating) {
    runPhase = worst == Phase::kNone ? Phase::kSuccessful : worst;
  } else if (!everything || worst == Phase::kNone) {
    runPhase = Phase::kRunning;
    worstMessage.clear();
  } else {
    runPhase = worst;
  }
  if (runPhase != run.phase) {
    run.phase = runPhase;
    run.message = worstMessage;
    if (completed(runPhase) && !run.completedAt) run.completedAt = t;
  }
  // Report what changed.
  std::string what;
  for (const auto& r : run.results) {
    const MetricResultState* b = before.result(r.name);
    const int n0 = b ? b->count + b->error : 0;
    if (r.count + r.error > n0 && r.last) {
      what += (what.empty() ? "" : "; ") + r.name + " = " +
              (r.last->value.empty() ? r.last->message : r.last->value) + " -> " +
              toString(r.last->phase);
    } else if (r.last && (!b || !b->last ||
                          (b->last->finishedAt.has_value() != r.last->finishedAt.has_value()) ||
                          b->measurements != r.measurements)) {
      what += (what.empty() ? "" : "; ") + r.name + " measurement " +
              (r.last->finishedAt ? std::string(toString(r.last->phase)) : std::string("started"));
    }
  }
  if (run.phase != before.phase)
    what += (what.empty() ? "" : "; ") + std::string("run ") + toString(run.phase);
  reason = "AnalysisRun " + run.name + (what.empty() ? "" : ": " + what);
  bool changed = run.phase != before.phase || run.message != before.message ||
                 run.startedAt != before.startedAt || run.results.size() != before.results.size();
  for (std::size_t i = 0; !changed && i < run.results.size(); ++i) {
    const auto& a = run.results[i];
    const auto& b = before.results[i];
    changed = a.phase != b.phase || a.count != b.count || a.error != b.error ||
              a.measurements != b.measurements || a.message != b.message ||
              a.last.has_value() != b.last.has_value() ||
              (a.last &&
               (a.last->finishedAt != b.last->finishedAt || a.last->resumeAt != b.last->resumeAt));
  }
  return changed;
}

// ---- Rollout reconcile --------------------------------------------------------------------

struct ArgoEngine::Ctx {
  const ArgoEngine& e;
  ArgoState& s;
  double t;
  const RolloutSpec& spec;
  RolloutStatusState ro;  // c.rollout.Status
  bool specPaused;
  ReplicaSetState stable0;              // c.stableRS as read
  std::optional<ReplicaSetState> new0;  // c.newRS as read
  RolloutStatusState ns;                // c.newStatus
  // pauseContext
  std::vector<std::string> addPause, removePause;
  bool clearPause = false, addAbort = false, removeAbort = false;
  std::string abortMessage;
  // current AnalysisRuns (indices into s.runs; -1 none)
  int curStep = -1, curBackground = -1, curPre = -1, curPost = -1;
  bool sideEffect = false;
  std::string reason;

  bool isAborted() const {
    if (removeAbort) return false;
    return addAbort || ro.abort;
  }
  void addAbortWith(const std::string& m) {
    if (!addAbort && !ro.abort) note("abort: " + m);
    addAbort = true;
    abortMessage = m;
  }
  int replicas() const { return spec.replicasOrDefault(); }
  int maxWeight() const { return spec.maxTrafficWeight(); }
  bool tr() const { return spec.canary && spec.canary->trafficRouting; }
  bool dynamic() const { return spec.canary && spec.canary->dynamicStableScale; }
  int stepCount() const { return spec.canary ? static_cast<int>(spec.canary->steps.size()) : 0; }
  // replicasetutil.GetCurrentCanaryStep on c.rollout: (step or nullptr, index or nullopt)
  std::optional<int> index() const {
    if (stepCount() == 0) return std::nullopt;
    return ro.currentStepIndex.value_or(0);
  }
  const CanaryStep* step() const {
    auto i = index();
    if (!i || *i >= stepCount()) return nullptr;
    return &spec.canary->steps[static_cast<std::size_t>(*i)];
  }
  int newAvail() const { return new0 ? new0->available(t) : 0; }
  int newSpec() const { return new0 ? new0->replicas : 0; }
  AnalysisRunState* run(int i) const {
    return i < 0 ? nullptr : &s.runs[static_cast<std::size_t>(i)];
  }
  void note(const std::string& r) { reason += (reason.empty() ? "" : "; ") + r; }
};

namespace {

using Ctx = ArgoEngine::Ctx;

int ceilDiv(long long a, long long b) {
  return static_cast<int>(std::ceil(static_cast<double>(a) / b));
}

// utils/replicaset/canary.go trafficWeightToReplicas
int weightToReplicas(int replicas, int weight, int maxWeight) {
  return ceilDiv(static_cast<long long>(weight) * replicas, maxWeight);
}

// canary.go CheckMinPodsPerReplicaSet
int minPods(const Ctx& c, int count) {
  if (count == 0 || !c.tr() || !c.spec.canary->minPodsPerReplicaSet) return count;
  const int m = std::min(*c.spec.canary->minPodsPerReplicaSet, c.replicas());
  return std::max(count, m);
}

// canary.go GetCurrentSetWeight (on c.rollout)
int currentSetWeight(const Ctx& c) {
  if (c.ro.abort) return 0;
  const auto idx = c.index();
  if (c.step() == nullptr) return c.maxWeight();
  for (int i = *idx; i >= 0; --i) {
    const auto& st = c.spec.canary->steps[static_cast<std::size_t>(i)];
    if (st.setWeight) return *st.setWeight;
  }
  return 0;
}

// canary.go UseSetCanaryScale
const SetCanaryScale* useSetCanaryScale(const Ctx& c) {
  if (!c.tr()) return nullptr;
  if (c.ro.abort && c.spec.abortScaleDownDelay().has_value()) return nullptr;
  if (c.step() == nullptr) return nullptr;
  for (int i = *c.index(); i >= 0; --i) {
    const auto& st = c.spec.canary->steps[static_cast<std::size_t>(i)];
    if (!st.has(CanaryStep::Kind::kSetCanaryScale)) continue;
    if (st.setCanaryScale.matchTrafficWeight) return nullptr;
    return &st.setCanaryScale;
  }
  return nullptr;
}

// canary.go GetDesiredCanaryWeight
int desiredCanaryWeight(const Ctx& c) {
  if (c.ro.abort && c.dynamic() && c.new0) {
    const int replicas = c.replicas();
    const int expected = replicas - c.stable0.available(c.t);
    int canaryReplicas = std::max(expected, c.newAvail());
    if (c.spec.explicitAbortScaleDownDelay()) canaryReplicas = expected;
    const auto& steps = c.spec.canary->steps;
    for (int i = static_cast<int>(steps.size()) - 1; i >= 0; --i) {
      const auto& st = steps[static_cast<std::size_t>(i)];
      if (st.setWeight &&
          weightToReplicas(replicas, *st.setWeight, c.maxWeight()) < canaryReplicas) {
        return *st.setWeight;
      }
    }
    return 0;
  }
  return currentSetWeight(c);
}

// canary.go GetCanaryReplicasOrWeight: (setCanaryScale replicas, weight)
std::pair<std::optional<int>, int> canaryReplicasOrWeight(const Ctx& c) {
  if (c.ro.promoteFull || c.ro.stableRS.empty() || c.ro.currentPodHash == c.ro.stableRS) {
    return {std::nullopt, c.maxWeight()};
  }
  if (const SetCanaryScale* scs = useSetCanaryScale(c)) {
    if (scs->replicas) return {*scs->replicas, 0};
    if (scs->weight) return {std::nullopt, *scs->weight};
  }
  return {std::nullopt, desiredCanaryWeight(c)};
}

// canary.go CalculateReplicaCountsForTrafficRoutedCanary; `weight` is status.canary.weights
// (canary weight) or nullopt.
std::pair<int, int> trafficRoutedCounts(const Ctx& c, std::optional<int> weight) {
  const int replicas = c.replicas();
  const auto [scs, desired] = canaryReplicasOrWeight(c);
  int canary = scs ? *scs : minPods(c, weightToReplicas(replicas, desired, c.maxWeight()));
  if (!c.dynamic()) return {canary, replicas};
  int stable = weightToReplicas(replicas, c.maxWeight() - desired, c.maxWeight());
  if (weight) {
    stable = std::max(stable, weightToReplicas(replicas, c.maxWeight() - *weight, c.maxWeight()));
    if (c.ro.abort) canary = std::max(weightToReplicas(replicas, *weight, c.maxWeight()), canary);
  }
  return {minPods(c, canary), minPods(c, stable)};
}

// canary.go approximateWeightedCanaryStableReplicaCounts
std::pair<int, int> approximate(int replicas, int weight, int maxWeight, int maxSurge) {
  if (replicas == 0) return {0, 0};
  auto tied = [&](int total) {
    double ip;
    return std::modf(static_cast<double>(total) * (static_cast<double>(weight) / maxWeight), &ip) ==
           0.5;
  };
  auto delta = [&](int canary, int total) {
    return std::fabs(static_cast<double>(canary * maxWeight) / total - weight);
  };
  const int ceilC = static_cast<int>(std::ceil(static_cast<double>(replicas * weight) / maxWeight));
  const int floorC =
      static_cast<int>(std::floor(static_cast<double>(replicas * weight) / maxWeight));
  const bool zeroAllowed = weight == maxWeight || weight == 0 || (replicas == 1 && maxSurge == 0);
  std::vector<std::pair<int, int>> options;
  if (ceilC < replicas || zeroAllowed) options.emplace_back(ceilC, replicas);
  if (!tied(replicas) && (floorC != 0 || zeroAllowed)) options.emplace_back(floorC, replicas);
  if (maxSurge > 0) {
    options.emplace_back(ceilC, replicas + 1);
    if (!tied(replicas + 1) && (floorC != 0 || zeroAllowed))
      options.emplace_back(floorC, replicas + 1);
  }
  if (options.empty()) return {0, replicas};
  auto best = options[0];
  double bestD = delta(best.first, best.second);
  for (std::size_t i = 1; i < options.size(); ++i) {
    const double d = delta(options[i].first, options[i].second);
    if (d < bestD) {
      best = options[i];
      bestD = d;
    }
  }
  return {best.first, best.second - best.first};
}

// replicaset.go GetReplicasForScaleDown
int replicasForScaleDown(const ReplicaSetState* rs, double t, bool ignoreAvailability) {
  if (rs == nullptr) return 0;
  if (rs->replicas < rs->available(t)) return rs->replicas;
  if (ignoreAvailability) return rs->replicas;
  return rs->available(t);
}

// canary.go CalculateReplicaCountsForBasicCanary (no other ReplicaSets exist here: only the
// stable and the new one).
std::pair<int, int> basicCounts(const Ctx& c) {
  const int replicas = c.replicas();
  const int maxSurge = c.spec.maxSurgeValue();
  const int maxWeight = c.maxWeight();
  auto [desiredNew, desiredStable] =
      approximate(replicas, canaryReplicasOrWeight(c).second, maxWeight, maxSurge);
  const bool promoted = c.new0 && c.ro.stableRS == c.new0->hash;
  const ReplicaSetState* stable = promoted ? nullptr : &c.stable0;
  const ReplicaSetState* nrs = c.new0 ? &*c.new0 : nullptr;
  int newCount = nrs ? nrs->replicas : 0;
  int stableCount = 0;
  if (stable) {
    stableCount = stable->replicas;
  } else {
    desiredNew = replicas;
    desiredStable = 0;
  }
  const int maxAllowed = replicas + maxSurge;
  int total = (nrs ? nrs->replicas : 0) + (stable ? stable->replicas : 0);
  const ReplicaSetState* old = promoted ? &c.stable0 : nullptr;  // an "other" ReplicaSet
  if (old) total += old->replicas;
  int scaleUp = maxAllowed - total;
  if (stable && stable->replicas < desiredStable && scaleUp > 0) {
    if (stable->replicas + scaleUp < desiredStable) {
      stableCount = stable->replicas + scaleUp;
      scaleUp = 0;
    } else {
      stableCount = desiredStable;
      scaleUp -= desiredStable - stable->replicas;
    }
  }
  if (nrs && nrs->replicas < desiredNew && scaleUp > 0) {
    newCount = nrs->replicas + scaleUp < desiredNew ? nrs->replicas + scaleUp : desiredNew;
  }
  if (old && old->replicas > 0) return {newCount, stableCount};
  const int minAvailable = replicas - c.spec.maxUnavailableValue();
  const bool increasing = nrs == nullptr || desiredNew >= nrs->replicas;
  const int toScaleDown =
      replicasForScaleDown(nrs, c.t, !increasing) + replicasForScaleDown(stable, c.t, increasing);
  if (toScaleDown <= minAvailable) return {newCount, stableCount};
  const int scaleDown = toScaleDown - minAvailable;
  auto scaleDownCount = [&](const ReplicaSetState* drain, int desired, int current) {
    if (drain && drain->replicas > desired) return std::max(desired, drain->replicas - scaleDown);
    return current;
  };
  // canary.go adjustReplicaWithinLimits
  auto adjust = [&](const ReplicaSetState* drain, const ReplicaSetState* adj, int drainCount,
                    int adjCount) {
    int over = std::max(0, adjCount + drainCount - maxAllowed);
    int totalAvail = drain ? std::min(drain->available(c.t), drainCount) : 0;
    if (adj) {
      adjCount -= over;
      totalAvail += std::min(adj->available(c.t), adjCount);
      const int extra = std::max(0, adj->available(c.t) - adjCount);
      const int more = std::max(0, minAvailable - totalAvail);
      adjCount += std::min(extra, more);
      over = std::max(0, adjCount + drainCount - maxAllowed);
      drainCount -= over;
    }
    return std::pair<int, int>{drainCount, adjCount};
  };
  if (!increasing) {
    newCount = scaleDownCount(nrs, desiredNew, newCount);
    std::tie(newCount, stableCount) = adjust(nrs, stable, newCount, stableCount);
  } else if (stable) {
    stableCount = scaleDownCount(stable, desiredStable, stableCount);
    std::tie(stableCount, newCount) = adjust(stable, nrs, stableCount, newCount);
  }
  return {newCount, stableCount};
}

// canary.go AtDesiredReplicaCountsForCanary
bool atDesiredReplicaCounts(const Ctx& c, std::optional<int> weight) {
  const auto [desiredNew, desiredStable] = c.tr() ? trafficRoutedCounts(c, weight) : basicCounts(c);
  if (!c.new0 || !(desiredNew == c.new0->replicas && desiredNew == c.new0->available(c.t)))
    return false;
  if (!c.tr() || !c.dynamic()) {
    const bool promoted = c.ro.stableRS == c.new0->hash;
    const ReplicaSetState& stable = promoted ? *c.new0 : c.stable0;
    if (!(desiredStable == stable.replicas &&
          desiredStable == static_cast<int>(stable.podReadyAt.size()))) {
      return false;
    }
  }
  return true;
}

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

}  // namespace

namespace {

// The world is only needed to create pods; reconciles are otherwise world-free.
thread_local ArgoWorld* tWorld = nullptr;

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

}  // namespace

// rollout/sync.go persistRolloutStatus (with evaluateProgressDeadlineAbort,
// pause.go CalculatePauseStatus, calculateRolloutConditions, CalculateRolloutPhase)
static void persist(Ctx& c) {
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

namespace {

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

// rollout/analysis.go cancelAnalysisRuns
void cancelRun(Ctx& c, int i) {
  AnalysisRunState* r = c.run(i);
  if (r && !r->terminate && !completed(r->phase)) {
    r->terminate = true;
    c.sideEffect = true;
    c.note("terminated AnalysisRun " + r->name);
  }
}

int findRun(const ArgoState& s, const std::string& name) {
  if (name.empty()) return -1;
  for (std::size_t i = 0; i < s.runs.size(); ++i) {
    if (s.runs[i].name == name) return static_cast<int>(i);
  }
  return -1;
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

}  // namespace

// rollout/analysis.go createAnalysisRun / newAnalysisRunFromRollout + CreateWithCollisionCounter
static int createRun(Ctx& c, RunKind kind, int stepIndex) {
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

namespace {

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

// The router's RemoveManagedRoutes (istio.go: every step's header/mirror route and every
// managedRoutes entry leave the VirtualService; alb.go the same for the Ingress's actions).
void removeManagedRoutes(Ctx& c) {
  if (c.s.routes.empty()) return;
  c.s.routes.clear();
  c.note("managed routes removed");
}

// The router's SetHeaderRoute / SetMirrorRoute for the current step (istio.go
// reconcileVirtualServiceHeaderRoutes / reconcileVirtualServiceMirrorRoutes): the route of that
// name is removed first; a step without `match` leaves it removed; otherwise it is added and the
// managed routes are ordered as managedRoutes lists them (orderRoutes).
void setManagedRoute(Ctx& c, const CanaryStep& st, ManagedRoute::Kind kind) {
  auto& routes = c.s.routes;
  const std::vector<ManagedRoute> before = routes;
  routes.erase(std::remove_if(routes.begin(), routes.end(),
                              [&](const ManagedRoute& r) { return r.name == st.routeName; }),
               routes.end());
  if (st.routeMatches > 0) {
    ManagedRoute r;
    r.name = st.routeName;
    r.kind = kind;
    // createMirrorRoute: an unset percentage mirrors 100 %.
    if (kind == ManagedRoute::Kind::kMirror) r.percentage = st.mirrorPercentage.value_or(100);
    routes.push_back(std::move(r));
    const auto& managed = c.spec.canary->managedRoutes;
    auto rank = [&](const ManagedRoute& x) {
      return std::find(managed.begin(), managed.end(), x.name) - managed.begin();
    };
    std::stable_sort(
        routes.begin(), routes.end(),
        [&](const ManagedRoute& a, const ManagedRoute& b) { return rank(a) < rank(b); });
  }
  if (routes != before) {
    c.note(std::string(toString(kind)) + " route " + st.routeName +
           (st.routeMatches > 0 ? " set" : " removed"));
  }
}

// rollout/trafficrouting.go reconcileTrafficRouting (one router)
void reconcileTrafficRouting(Ctx& c) {
  if (!c.tr()) {
    c.ns.weightCanary.reset();
    return;
  }
  const int maxW = c.maxWeight();
  int desired = 0;
  const bool fully = c.ro.stableRS == c.ro.currentPodHash;
  std::string stableHash =
      c.ro.stableRS == (c.new0 ? c.new0->hash : "") && c.new0 ? c.new0->hash : c.stable0.hash;
  // RemoveManagedRoutes is called as the desired weight is chosen: fully promoted, aborted, no
  // available canary pod ("never weight to canary"; also drops the routes of an interrupted
  // update), promote --full.
  if (fully) {
    desired = 0;
    removeManagedRoutes(c);
  } else if (c.isAborted()) {
    // calculateDesiredWeightOnAbortOrStableRollback
    if (c.dynamic() && c.new0 && c.replicas() > 0) {
      const int dcw = desiredCanaryWeight(c);
      const int stableAvail = c.stable0.available(c.t);
      const int expected = std::max(0, maxW - (maxW * stableAvail) / c.replicas());
      if (!c.ro.weightCanary) {
        desired = std::max(expected, dcw);
      } else {
        const int cur = *c.ro.weightCanary;
        if (dcw <= 0) {
          desired = std::min(expected, cur);
        } else if ((maxW * stableAvail) / c.replicas() < maxW - dcw) {
          desired = cur;
        } else {
          desired = std::min(dcw, cur);
        }
      }
    }
    removeManagedRoutes(c);
  } else if (c.newAvail() == 0) {
    desired = 0;
    removeManagedRoutes(c);
  } else if (c.ro.promoteFull) {
    if (c.dynamic()) {
      desired = c.replicas() > 0 ? (maxW * c.newAvail()) / c.replicas() : 0;
    } else {
      desired = c.ro.weightCanary.value_or(0);
    }
    removeManagedRoutes(c);
  } else if (c.index()) {
    const int idx = *c.index();
    if (!atDesiredReplicaCounts(c, std::nullopt)) {
      for (int i = idx - 1; i >= 0; --i) {
        const auto& st = c.spec.canary->steps[static_cast<std::size_t>(i)];
        if (st.setWeight) {
          desired = *st.setWeight;
          break;
        }
      }
    } else if (idx != c.stepCount()) {
      desired = currentSetWeight(c);
    } else {
      desired = maxW;
    }
  }
  // checkReplicasAvailable(stableRS, max - desired)
  const ReplicaSetState& stable = fully && c.new0 ? *c.new0 : c.stable0;
  const int need = ((maxW - desired) * c.replicas()) / maxW;
  if (stable.available(c.t) < need) return;
  // The current step's header / mirror route, on every reconcile that reaches here while the
  // step is current, whatever the branch above chose (so after RemoveManagedRoutes too: an
  // aborted rollout back at index 0 re-adds step 0's route), and only for revision > 1 (the
  // annotation check that keeps a first install from running step 0's routes).
  if (const CanaryStep* st = c.step(); st && c.s.templateRevision > 1) {
    if (st->has(CanaryStep::Kind::kSetHeaderRoute))
      setManagedRoute(c, *st, ManagedRoute::Kind::kHeader);
    if (st->has(CanaryStep::Kind::kSetMirrorRoute))
      setManagedRoute(c, *st, ManagedRoute::Kind::kMirror);
  }
  if (c.ns.weightCanary != desired) c.note("traffic weight " + std::to_string(desired));
  c.ns.weightCanary = desired;
  c.ns.weightCanaryHash = c.new0 ? c.new0->hash : "";
  c.ns.weightStableHash = fully && c.new0 ? c.new0->hash : stableHash;
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
  scaleRS(c, rs, desired, true, *tWorld);
  return rs.replicas != before;
}

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
      scaleRS(c, old, oldAvail, false, *tWorld);
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
    scaleRS(c, old, desired, false, *tWorld);
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
  scaleRS(c, old, desired, false, *tWorld);
  return true;
}

// Ready pods are created in the world the engine was settled with.
void haltNote(Ctx& c, const char* why) { c.note(why); }

}  // namespace

// rollout/canary.go completedCurrentCanaryStep
static bool completedCurrentCanaryStep(Ctx& c) {
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

// rollout/sync.go resetRolloutStatus + the PodTemplateOrStepsChanged branch
static void resetStatus(Ctx& c) {
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
static void promoteStable(Ctx& c, const std::string& why) {
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

// rollout/canary.go syncRolloutStatusCanary
static void syncCanary(Ctx& c, bool changed) {
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

// rollout/canary.go rolloutCanary
static void reconcileCanary(Ctx& c) {
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
      scaleRS(c, c.s.stableRS, desiredStable, false, *tWorld);
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

// rollout/bluegreen.go rolloutBlueGreen
static void reconcileBlueGreen(Ctx& c) {
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
    scaleRS(c, c.s.stableRS, c.replicas(), false, *tWorld);
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

bool ArgoEngine::reconcileRollout(ArgoState& s, double t, std::string& reason) const {
  Ctx c{*this, s,     t,     rollout_, s.status, s.specPaused, s.stableRS, s.newRS, {},    {}, {},
        false, false, false, {},       -1,       -1,           -1,         -1,      false, {}};
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
  ArgoWorld* saved = tWorld;
  tWorld = &world;
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
    if (reconcileRollout(s, t, reason)) {
      changed = true;
      ArgoSnapshot now = snapshot(s, t);
      if (!(now == last)) {
        out.push_back({t, "rollout", "", reason, now});
        last = std::move(now);
      }
    }
    if (++passes > options_.maxReconcilesPerInstant) {
      tWorld = saved;
      throw InputError(Diagnostic{Severity::kError, rollout_.loc.file, rollout_.loc.line, 0, "", "",
                                  "the controller did not settle at t=" + fmtNum(t) + "s after " +
                                      std::to_string(passes) + " reconciles"});
    }
  }
  tWorld = saved;
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
