#pragma once
/// The one Argo Rollouts reconcile loop: the new revision applied at t = 0, then every instant
/// the controller is due (a requeue, an analysis measurement, a pause's end) until the update
/// is decided and nothing but clean-ups remain, nothing is due, or the run's end; in any world
/// (a synthetic one or a recording). Shadow judges look every minute of the run's clock; when
/// asked, every measurement the analyses take is reported as the world answered it.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/core/argo/run.h"
#include "rolloutlab/sim/run.h"
#include "rolloutlab/sim/shadow_judge.h"

namespace rolloutlab::sim {

/// One measurement an Argo run took, as the world answered it and the engine judges it (the
/// `measurements` of a trace; the checks of a run view).
struct ArgoMeasurement {
  double t = 0;     ///< seconds since the new revision (Kayenta: when the score was read)
  std::string run;  ///< the AnalysisRun's name (empty for Kayenta scores)
  core::argo::RunKind runKind = core::argo::RunKind::kStep;
  int stepIndex = -1;  ///< step runs: the step's index
  std::string metric;
  core::argo::ProviderKind provider = core::argo::ProviderKind::kPrometheus;
  std::string source;  ///< what answered it, in the world's words (ArgoRunWorld::answerSource)
  std::string query;   ///< Prometheus: the query sent (arguments substituted)
  /// The measurement's phase as its conditions (or Job, or Kayenta thresholds) give it:
  /// Successful, Failed, Inconclusive or Error. A Job metric's measurement is reported when its
  /// Job is created, with the result the Job will have.
  core::argo::Phase phase = core::argo::Phase::kSuccessful;
  std::string value;    ///< as Argo records it (`[0.99]`, `0.95`, a score); empty on Error
  std::string message;  ///< the provider's error, or why the conditions could not be evaluated
};

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
  /// What answers a metric's measurements, as a measurement reports it (`query`, `model`, ...);
  /// empty: the world does not say.
  virtual std::string answerSource(const core::argo::Metric& metric) const {
    (void)metric;
    return {};
  }
};

struct ArgoLoopOptions {
  double duration = 0;     ///< no instant after it is reconciled (seconds from the new revision)
  std::uint64_t seed = 0;  ///< the run's seed (the shadow judges' streams)
  const std::vector<JudgeSpec>* judges = nullptr;  ///< shadow judges (nullptr or empty: none)
  /// Appended to the message of an EnvironmentError raised while reconciling at t; unset: the
  /// error passes as it is.
  std::function<std::string(double t)> stoppedAt;
  /// Receives every measurement the analyses take, in the order they are taken (nullptr: none
  /// are kept, the batch path pays nothing for them).
  std::vector<ArgoMeasurement>* measurements = nullptr;
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
