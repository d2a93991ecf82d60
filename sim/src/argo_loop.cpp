#include "rolloutlab/sim/argo_loop.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/number_format.h"

namespace rolloutlab::sim {

namespace ar = core::argo;
namespace fl = core::flagger;

RunSummary argoRunSummary(const ar::ArgoEngine& engine, const ar::ArgoState& state,
                          ar::ArgoRun& run, double end, double peak) {
  RunSummary sum;
  sum.engine = "argo";
  run.end = end;
  run.outcome = ar::argoOutcomeOf(run.events);
  const ar::ArgoOutcome& o = run.outcome;
  sum.outcome.result = ar::toString(o.result);
  sum.outcome.t = o.t;
  switch (o.result) {
    case ar::ArgoOutcome::Result::kPromoted:
      sum.outcome.decision = RunOutcome::Decision::kPromoted;
      sum.outcome.phase = fl::toString(fl::Phase::kSucceeded);
      sum.timeToDecision = o.t;
      sum.timeToPromotion = o.t;
      break;
    case ar::ArgoOutcome::Result::kAborted:
      sum.outcome.decision = RunOutcome::Decision::kRolledBack;
      sum.outcome.phase = fl::toString(fl::Phase::kFailed);
      sum.timeToDecision = o.t;
      break;
    default:
      sum.outcome.decision = RunOutcome::Decision::kNone;
      sum.outcome.phase = fl::toString(fl::Phase::kProgressing);
      sum.outcome.t = end;
      break;
  }
  sum.ticks = state.reconciles;
  sum.peakCanaryWeight = static_cast<int>(std::lround(peak));
  // The measurements the analyses took: every completed one is a check; Failed, Inconclusive
  // and Error ones failed.
  for (const auto& rv : engine.snapshot(state, end).runs) {
    for (const auto& mv : rv.metrics) {
      sum.metricChecks += mv.count + mv.error;
      sum.failedMetricChecks += mv.failed + mv.inconclusive + mv.error;
    }
  }
  return sum;
}

namespace {

// Shadow judges look every minute of the run's clock.
constexpr double kCadence = 60.0;

ar::Phase phaseOf(ar::AnalysisPhase p) {
  switch (p) {
    case ar::AnalysisPhase::kSuccessful:
      return ar::Phase::kSuccessful;
    case ar::AnalysisPhase::kFailed:
      return ar::Phase::kFailed;
    case ar::AnalysisPhase::kInconclusive:
      return ar::Phase::kInconclusive;
    case ar::AnalysisPhase::kError:
      return ar::Phase::kError;
  }
  return ar::Phase::kError;
}

// A number as Go's %v writes a float64's infinities and NaN, else the shortest round trip.
std::string numberText(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return core::formatNumber(v);
}

// The loop's measurement observer: the world as the engine sees it, every answer passed on
// unchanged and reported as the measurement it becomes. Used only when the caller keeps
// measurements, so a batch's world is called directly.
class MeasurementRecorder final : public ArgoRunWorld {
 public:
  MeasurementRecorder(const ar::ArgoEngine& engine, ArgoRunWorld& world,
                      std::vector<ArgoMeasurement>& log)
      : engine_(engine), world_(world), log_(log) {}

  double podStartup(double t, bool newRevision) override {
    return world_.podStartup(t, newRevision);
  }

  ar::ProviderAnswer measure(const ar::MeasureRequest& r) override {
    ar::ProviderAnswer pa = world_.measure(r);
    const ar::Metric& m = *r.metric;
    ArgoMeasurement x = started(r.t, r.runName, r.runKind, r.stepIndex, m);
    if (m.provider == ar::ProviderKind::kPrometheus) x.query = m.prometheusQuery;
    if (pa.error) {
      x.phase = ar::Phase::kError;
      x.message = pa.message;
    } else {
      // What the engine records (core/src/argo/analysisrun.cpp, runMeasurements after
      // provider.Run): the value's text and the conditions' verdict.
      x.value = pa.value.toString();
      const ar::Verdict v = engine_.conditions(m).evaluate(pa.value);
      x.phase = phaseOf(v.phase);
      x.message = v.message;
    }
    log_.push_back(std::move(x));
    return pa;
  }

  ar::JobAnswer job(const ar::MeasureRequest& r) override {
    ar::JobAnswer j = world_.job(r);
    ArgoMeasurement x = started(r.t, r.runName, r.runKind, r.stepIndex, *r.metric);
    if (j.createError) {
      // job.go Run: a Job that cannot be created is an Error measurement.
      x.phase = ar::Phase::kError;
      x.message = j.message;
    } else {
      x.phase = j.succeeded ? ar::Phase::kSuccessful : ar::Phase::kFailed;
      x.message = "the Job runs for " + numberText(j.duration) + " s";
    }
    log_.push_back(std::move(x));
    return j;
  }

  ar::KayentaAnswer kayenta(const ar::KayentaRequest& r) override {
    ar::KayentaAnswer k = world_.kayenta(r);
    // An incomplete judgment is polled again (kayenta.go Resume): no measurement yet.
    if (k.kind == ar::KayentaAnswer::Kind::kIncomplete) return k;
    const ar::Metric& m = *r.metric;
    ArgoMeasurement x = started(r.t, nullptr, ar::RunKind::kStep, -1, m);
    if (k.kind == ar::KayentaAnswer::Kind::kError) {
      x.phase = ar::Phase::kError;
      x.message = k.message;
    } else {
      // kayenta.go Resume: the score truncated to an int against the thresholds (as
      // core/src/argo/analysisrun.cpp records it).
      const long long score = static_cast<long long>(k.score);
      x.value = std::to_string(score);
      x.phase = score >= m.kayenta.pass       ? ar::Phase::kSuccessful
                : score >= m.kayenta.marginal ? ar::Phase::kInconclusive
                                              : ar::Phase::kFailed;
    }
    log_.push_back(std::move(x));
    return k;
  }

  void afterInstant(double t, const ar::ArgoState& state) override {
    world_.afterInstant(t, state);
  }
  std::optional<RunTotals> runTotals(double t) override { return world_.runTotals(t); }
  IntervalTrafficSource* intervalTraffic() override { return world_.intervalTraffic(); }
  void onLook(double t) override { world_.onLook(t); }
  std::string answerSource(const ar::Metric& metric) const override {
    return world_.answerSource(metric);
  }

 private:
  ArgoMeasurement started(double t, const std::string* run, ar::RunKind kind, int stepIndex,
                          const ar::Metric& m) const {
    ArgoMeasurement x;
    x.t = t;
    if (run != nullptr) x.run = *run;
    x.runKind = kind;
    x.stepIndex = stepIndex;
    x.metric = m.name;
    x.provider = m.provider;
    x.source = world_.answerSource(m);
    return x;
  }

  const ar::ArgoEngine& engine_;
  ArgoRunWorld& world_;
  std::vector<ArgoMeasurement>& log_;
};

}  // namespace

RunSummary runArgoLoop(const ar::ArgoEngine& engine, ArgoRunWorld& inner,
                       const ArgoLoopOptions& opt, ar::ArgoRun* keep) {
  std::optional<MeasurementRecorder> recorder;
  if (opt.measurements != nullptr) recorder.emplace(engine, inner, *opt.measurements);
  ArgoRunWorld& world = recorder ? static_cast<ArgoRunWorld&>(*recorder) : inner;
  // The traffic source is asked for only when judges are attached (a recording builds it on
  // demand).
  const bool judged = opt.judges != nullptr && !opt.judges->empty();
  ShadowJudges judges(opt.judges, opt.seed, judged ? world.intervalTraffic() : nullptr);
  double lastLook = 0;
  int looks = 0;
  auto lookUpTo = [&](double until) {
    while (lastLook + kCadence <= until + 1e-9) {
      const double c = lastLook + kCadence;
      world.onLook(c);
      if (!judges.empty()) judges.observe(++looks, lastLook, c);
      lastLook = c;
    }
  };
  ar::ArgoRun local;
  ar::ArgoRun& run = keep ? *keep : local;
  ar::ArgoState state = engine.initialState();
  double t = 0;
  // Called inside a handler: rethrows the error, with the replay's context when it has one.
  auto rethrow = [&](const core::EnvironmentError& e) {
    if (!opt.stoppedAt) throw;
    throw core::EnvironmentError(std::string(e.what()) + opt.stoppedAt(t));
  };
  try {
    // The new revision is applied at t = 0; the controller notices it at once.
    engine.applyNewRevision(state, 0.0, world, run.events);
    world.afterInstant(0.0, state);
  } catch (const core::EnvironmentError& e) {
    rethrow(e);
  }
  double peak = 0;
  for (const auto& e : run.events) peak = std::max(peak, e.state.canaryWeight);
  for (;;) {
    // Stop once the update is decided and nothing but clean-ups remain (a rollout waiting on a
    // human with nothing scheduled stops below: no wake-up).
    const ar::ArgoSnapshot snap = engine.snapshot(state, t);
    if ((snap.promoted && snap.phase == ar::RolloutPhase::kHealthy) || snap.abort) break;
    const double next = engine.nextWakeUp(state, t);
    if (!std::isfinite(next) || next > opt.duration) break;
    lookUpTo(next);
    t = next;
    const std::size_t before = run.events.size();
    try {
      engine.settle(state, t, world, run.events);
      world.afterInstant(t, state);
    } catch (const core::EnvironmentError& e) {
      rethrow(e);
    }
    for (std::size_t i = before; i < run.events.size(); ++i)
      peak = std::max(peak, run.events[i].state.canaryWeight);
    if (!keep && run.events.size() > 64) {
      // The batch keeps no trace: only the stretch the outcome is dated from.
      run.events.erase(
          run.events.begin(),
          run.events.begin() + static_cast<std::ptrdiff_t>(ar::finalStretchStart(run.events)));
    }
  }
  RunSummary sum = argoRunSummary(engine, state, run, t, peak);
  if (auto tot = world.runTotals(sum.outcome.t)) sum.totals = *tot;
  lookUpTo(sum.outcome.t);
  sum.judges = judges.verdicts();
  return sum;
}

}  // namespace rolloutlab::sim
