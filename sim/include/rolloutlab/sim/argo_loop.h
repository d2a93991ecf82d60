#pragma once
/// The one Argo Rollouts reconcile loop: the new revision applied at t = 0, then every instant
/// the controller is due (a requeue, an analysis measurement, a pause's end) until the update
/// is decided and nothing but clean-ups remain, nothing is due, or the run's end; in any world
/// (a synthetic one or a recording). Shadow judges look every minute of the run's clock.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/core/argo/run.h"
#include "rolloutlab/sim/run.h"
#include "rolloutlab/sim/shadow_judge.h"

namespace rolloutlab::sim {

/// A world an Argo run reconciles in: the engine's ArgoWorld, plus what the loop reads.
class ArgoRunWorld : public core::argo::ArgoWorld {
 public:
  /// The controller's decisions at t: new traffic split, canary scale-up / scale-down.
  virtual void afterInstant(double t, const core::argo::ArgoState& state) = 0;
  /// What the run cost up to t; nullopt when the world cannot tell.
  virtual std::optional<RunTotals> runTotals(double t) = 0;
  /// Where shadow judges read per-interval traffic; nullptr when the world holds no request
  /// counts.
  virtual IntervalTrafficSource* intervalTraffic() = 0;
  /// Called at every minute of the run's clock, before the judges look, whether or not judges
  /// are attached (a synthetic world draws the canary's scrape there, so that attaching judges
  /// never changes a run's draws).
  virtual void onLook(double t) { (void)t; }
};

struct ArgoLoopOptions {
  double duration = 0;     ///< no instant after it is reconciled (seconds from the new revision)
  std::uint64_t seed = 0;  ///< the run's seed (the shadow judges' streams)
  const std::vector<JudgeSpec>* judges = nullptr;  ///< shadow judges (nullptr or empty: none)
  /// Appended to the message of an EnvironmentError raised while reconciling at t; unset: the
  /// error passes as it is.
  std::function<std::string(double t)> stoppedAt;
};

/// The summary of a finished Argo run: sets `run.end` (the last instant simulated) and
/// `run.outcome`, and maps the outcome (promoted -> Succeeded, aborted -> Failed, the rest in
/// progress at `end`), counts reconciles and the measurements the analyses took. Totals and
/// judges are the caller's.
RunSummary argoRunSummary(const core::argo::ArgoEngine& engine, const core::argo::ArgoState& state,
                          core::argo::ArgoRun& run, double end, double peakCanaryWeight);

/// Runs the loop in `world` (reset by the caller). `keep` receives the events (nullptr: only
/// the stretch the outcome is dated from is kept, the batch path).
RunSummary runArgoLoop(const core::argo::ArgoEngine& engine, ArgoRunWorld& world,
                       const ArgoLoopOptions& options, core::argo::ArgoRun* keep = nullptr);

}  // namespace rolloutlab::sim
