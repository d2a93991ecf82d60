#pragma once
/// The kind-neutral vocabulary of a run, whatever drives it (a Flagger Canary or an Argo
/// Rollout) and whatever answers it (a synthetic world or a recording): what a run cost, how it
/// ended, what it measured on every tick.

#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/core/argo/run.h"
#include "rolloutlab/core/flagger/engine.h"
#include "rolloutlab/core/flagger/run.h"
#include "rolloutlab/sim/shadow_judge.h"

namespace rolloutlab::sim {

/// What a run cost the users, measured on the world's own draws (or counted in a recording).
struct RunTotals {
  double canaryRequests =
      0;                    ///< user requests the canary answered (mirrored and load-test excluded)
  double canaryErrors = 0;  ///< of which 5xx
  double excessErrors =
      0;  ///< expected 5xx the release caused: integral of lambda_user * (p_canary - p_primary)
};

/// How a run ended, whatever the engine. `decision` is what a batch counts; `result` and
/// `phase` are the engine's own names, as its trace prints them.
struct RunOutcome {
  enum class Decision {
    kNone,             ///< still in progress (or paused) when the run ended
    kPromoted,         ///< Flagger Succeeded; Argo promoted (Healthy on the new revision)
    kRolledBack,       ///< Flagger Failed (rolled back); Argo aborted
    kPromotionFailed,  ///< Flagger: the primary did not become ready after the promotion
    kSkippedAnalysis,  ///< Flagger: skipAnalysis promoted without an analysis
  };
  Decision decision = Decision::kNone;
  /// Flagger: promoted, rolled_back, promotion_failed, skipped_analysis, in_progress.
  /// Argo: promoted, aborted, paused, in_progress.
  std::string result = "in_progress";
  /// Flagger: the Canary's phase (Succeeded, Failed, Progressing, ...). Argo: Succeeded, Failed
  /// or Progressing, the Canary phase a Flagger run would end in.
  std::string phase;
  int tick = 0;  ///< Flagger: the last tick (1-based); Argo: 0
  double t = 0;  ///< seconds from the new revision to the end (the decision, or the last instant)
};
/// The engine-neutral outcome of a Flagger run.
RunOutcome runOutcome(const core::flagger::Outcome& o);

/// One run's result.
struct RunSummary {
  RunOutcome outcome;
  double timeToDecision = -1;   ///< seconds from detection to the final phase; -1 if none
  double timeToPromotion = -1;  ///< seconds to Succeeded after an analysis; -1 otherwise
  RunTotals totals;
  int peakCanaryWeight = 0;           ///< highest share of live traffic on the canary, percent
  int ticks = 0;                      ///< Flagger: ticks; Argo: reconciles
  int metricChecks = 0;               ///< metric checks the spec ran (Argo: measurements taken)
  int failedMetricChecks = 0;         ///< of which failed (out of range, no data, error)
  std::vector<ShadowVerdict> judges;  ///< per shadow judge, in the order given
  std::string engine = "flagger";     ///< "flagger" or "argo"
};

/// Per tick, the value of every metric check the spec has, and the range it is held against.
struct MeasuredValue {
  std::string name;
  core::flagger::CheckKind kind = core::flagger::CheckKind::kInlineQuery;
  core::flagger::MetricAnswer answer;
  bool checkedByEngine = false;  ///< the engine ran this check on this tick
  std::optional<double> min, max;
  /// The primary's value of the same check at the same time, when asked for.
  std::optional<core::flagger::MetricAnswer> primary;
};

/// A Flagger run with its trace.
struct SimulationResult {
  core::flagger::FlaggerRun run;
  /// Per tick, each shadow judge's verdict so far.
  std::vector<std::vector<ShadowVerdict::Kind>> judgeTicks;
  std::vector<std::vector<MeasuredValue>> measured;  ///< per tick
  RunSummary summary;
};

/// An Argo run with its trace.
struct ArgoSimulation {
  core::argo::ArgoRun run;
  RunSummary summary;
};

}  // namespace rolloutlab::sim
