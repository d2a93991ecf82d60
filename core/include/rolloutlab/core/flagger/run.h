#pragma once
/// One Flagger run: the ticks an engine took and how the rollout ended.

#include <cstdint>
#include <string>
#include <vector>

#include "rolloutlab/core/flagger/engine.h"
#include "rolloutlab/core/script.h"

namespace rolloutlab::core::flagger {

/// How a run ended (DESIGN conventions: `t` and `tick` are when the final phase is reached).
struct Outcome {
  enum class Result {
    kPromoted,         ///< Succeeded after an analysis
    kRolledBack,       ///< Failed by rollback (checks, gate, deadline)
    kPromotionFailed,  ///< Failed because the primary failed during promotion
    kSkippedAnalysis,  ///< Succeeded without analysis (skipAnalysis)
    kInProgress,       ///< the run ended first
  };
  Result result = Result::kInProgress;
  Phase phase = Phase::kInitialized;
  int tick = 0;
  double t = 0.0;
};
const char* toString(Outcome::Result r);

struct FlaggerRun {
  std::vector<TickRecord> ticks;
  Outcome outcome;
};

/// The outcome of a sequence of ticks: the last entry into a final phase, if the run is still
/// in it at the end; otherwise in progress at the last tick.
Outcome outcomeOf(const std::vector<TickRecord>& ticks);

/// The metric value a script shorthand stands for: inside (pass) or outside (fail) the
/// metric's threshold as the engine compares it. Numbers are returned as they are.
double scriptedValue(const MetricSpec& m, CheckKind kind, const ScriptMetricValue& v);

/// Runs a Script against an engine: tick i at t = (i-1) x analysis interval.
FlaggerRun runScript(const FlaggerEngine& engine, const Script& script);

}  // namespace rolloutlab::core::flagger
