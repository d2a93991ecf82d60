// The AnalysisRun controller (analysis/analysis.go reconcileAnalysisRun): measurements taken,
// resumed and terminated, metrics and the run assessed.

#include <algorithm>
#include <string>
#include <vector>

#include "rollout_context.h"

namespace rolloutlab::core::argo {

using controller::kErrorRetrySeconds;

namespace {

// metricproviders/kayenta/kayenta.go resumeDelay
constexpr double kKayentaResumeSeconds = 15.0;

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

// Go's %v of the value a provider recorded.
std::string recordValue(const Value& v) { return v.toString(); }

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

}  // namespace rolloutlab::core::argo
