#include "rolloutlab/sim/argo_loop.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "rolloutlab/core/diagnostics.h"

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

}  // namespace

RunSummary runArgoLoop(const ar::ArgoEngine& engine, ArgoRunWorld& world,
                       const ArgoLoopOptions& opt, ar::ArgoRun* keep) {
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
