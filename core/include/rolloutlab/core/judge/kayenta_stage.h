#pragma once
/// How a Spinnaker canary stage turns Kayenta judgments into a verdict (spinnaker/orca
/// orca-kayenta: RunCanaryIntervalsStage.kt, MonitorKayentaCanaryTask.kt,
/// AggregateCanaryResultsTask.kt; the standalone API in kayenta-standalone-canary-analysis has
/// the same semantics). Times are in seconds from the start of the canary.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/core/judge/kayenta_judge.h"

namespace rolloutlab::core::judge {

/// The stage's schedule and thresholds (KayentaCanaryContext), Orca's defaults.
struct KayentaStageConfig {
  std::int64_t lifetimeSeconds = 3600;  ///< lifetimeDuration: required, >= 60
  /// canaryAnalysisInterval: unset, 0 or longer than the lifetime means one judgment at the end.
  std::optional<std::int64_t> intervalSeconds;
  std::int64_t warmupSeconds = 0;          ///< beginCanaryAnalysisAfter
  std::int64_t lookbackSeconds = 0;        ///< 0: growing windows; > 0: sliding windows
  std::int64_t baselineOffsetSeconds = 0;  ///< baselineAnalysisOffset: control window shift back
  /// scoreThresholds; unset means "no thresholds" (every judgment succeeds).
  std::optional<KayentaScoreThresholds> thresholds = KayentaScoreThresholds{};

  /// The effective interval (the lifetime when unset, 0 or too long), seconds.
  std::int64_t effectiveIntervalSeconds() const;
  /// floor(lifetime minutes / interval minutes), both truncated to whole minutes as Orca does.
  int judgmentCount() const;
  bool isValid(std::string* error) const;
};

/// The metric windows of judgment `index` (1-based), seconds from the canary start.
struct KayentaWindow {
  int index = 0;
  std::int64_t judgeAtSeconds = 0;  ///< when the judgment runs: warmup + index * interval
  std::int64_t experimentStart = 0;
  std::int64_t experimentEnd = 0;
  std::int64_t controlStart = 0;  ///< experiment window minus baselineOffset
  std::int64_t controlEnd = 0;
};

/// The judgments' windows: growing ([warmup, warmup + i interval]) or sliding (the last
/// lookback before that end).
std::vector<KayentaWindow> kayentaWindows(const KayentaStageConfig& config);

/// The state of a stage.
enum class KayentaStageStatus {
  kRunning,    ///< more judgments to come
  kSucceeded,  ///< the last judgment met the pass threshold
  kFailed,     ///< a judgment scored <= marginal, or the last one scored < pass
};
const char* toString(KayentaStageStatus s);

/// Feeds judgment scores in order and applies the stage rules: any score <= marginal stops the
/// stage (TERMINAL); the verdict is taken on the last score only (fail if <= marginal or
/// < pass).
class KayentaStage {
 public:
  /// Throws std::invalid_argument when the config is not valid.
  explicit KayentaStage(const KayentaStageConfig& config);
  /// Records judgment i's summary score (0-100); returns the status after it. Ignored once the
  /// stage has ended.
  KayentaStageStatus addScore(double score);

  KayentaStageStatus status() const { return status_; }
  const std::vector<double>& scores() const { return scores_; }
  int judgmentCount() const { return judgments_; }
  /// The message Orca would attach (canaryScoreMessage).
  const std::string& reason() const { return reason_; }

 private:
  KayentaStageConfig config_;
  int judgments_;
  std::vector<double> scores_;
  KayentaStageStatus status_ = KayentaStageStatus::kRunning;
  std::string reason_;
};

}  // namespace rolloutlab::core::judge
