#pragma once
/// One Argo Rollouts run: the events the controller produced and how the update ended.

#include <string>
#include <vector>

#include "rolloutlab/core/argo/engine.h"
#include "rolloutlab/core/script.h"

namespace rolloutlab::core::argo {

/// How an update ended. `t` is the reconcile where the Rollout first reached the state it ends
/// in (Healthy, Degraded, or the pause); later clean-ups (scale-down delays) are later events.
struct ArgoOutcome {
  enum class Result {
    kPromoted,    ///< the new revision is stable
    kAborted,     ///< status.abort (analysis failure, user abort, progress deadline abort)
    kPaused,      ///< waiting on a human when the run ended
    kInProgress,  ///< none of the above when the run ended (including a timed-out Degraded)
  };
  Result result = Result::kInProgress;
  double t = 0;
  RolloutPhase phase = RolloutPhase::kProgressing;
};
const char* toString(ArgoOutcome::Result r);

struct ArgoRun {
  std::vector<ArgoEvent> events;
  ArgoOutcome outcome;
  double end = 0;  ///< the last instant simulated
};

/// The outcome of a sequence of events (see ArgoOutcome).
ArgoOutcome argoOutcomeOf(const std::vector<ArgoEvent>& events);
/// The index of the first event of the trailing stretch that argoOutcomeOf dates the outcome
/// from (events before it can be dropped without changing the outcome).
std::size_t finalStretchStart(const std::vector<ArgoEvent>& events);

/// The result a scripted measurement stands for, as the metric's provider would return it:
/// Prometheus lists are []float64, web lists are []interface{}, maps are JSON objects.
Value scriptValue(const ScriptDatum& d, ProviderKind provider);

/// Default horizon of a script without `until`: one hour of simulated time.
inline constexpr double kDefaultScriptHorizon = 3600;

/// Runs a Script against an engine: the new revision at t = 0, then every instant at which
/// something is due (or an action is scripted) until nothing is left or `until`. Throws
/// InputError when the script names a metric the rollout does not have, or when a metric is
/// measured that the script gives no measurements for.
ArgoRun runArgoScript(const ArgoEngine& engine, const Script& script);

}  // namespace rolloutlab::core::argo
