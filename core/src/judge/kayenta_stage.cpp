#include "rolloutlab/core/judge/kayenta_stage.h"

#include <stdexcept>

#include "judge_util.h"

namespace rolloutlab::core::judge {

std::int64_t KayentaStageConfig::effectiveIntervalSeconds() const {
  // RunCanaryIntervalsStage.beforeStages: interval defaults to the lifetime; zero or longer
  // than the lifetime becomes the lifetime.
  if (!intervalSeconds || *intervalSeconds == 0 || *intervalSeconds > lifetimeSeconds)
    return lifetimeSeconds;
  return *intervalSeconds;
}

int KayentaStageConfig::judgmentCount() const {
  const std::int64_t lifetimeMinutes = lifetimeSeconds / 60;
  const std::int64_t intervalMinutes = effectiveIntervalSeconds() / 60;
  if (intervalMinutes <= 0) return 0;
  return static_cast<int>(lifetimeMinutes / intervalMinutes);
}

bool KayentaStageConfig::isValid(std::string* error) const {
  using detail::fail;
  if (lifetimeSeconds < 60)
    return fail(error, "lifetimeSeconds", std::to_string(lifetimeSeconds),
                "must be at least 60 (Orca counts whole minutes)");
  if (intervalSeconds && *intervalSeconds < 0)
    return fail(error, "intervalSeconds", std::to_string(*intervalSeconds), "must be >= 0");
  if (effectiveIntervalSeconds() < 60)
    return fail(error, "intervalSeconds", std::to_string(effectiveIntervalSeconds()),
                "must be 0 or at least 60 (Orca divides whole minutes)");
  if (warmupSeconds < 0)
    return fail(error, "warmupSeconds", std::to_string(warmupSeconds), "must be >= 0");
  if (lookbackSeconds < 0)
    return fail(error, "lookbackSeconds", std::to_string(lookbackSeconds), "must be >= 0");
  if (baselineOffsetSeconds < 0)
    return fail(error, "baselineOffsetSeconds", std::to_string(baselineOffsetSeconds),
                "must be >= 0");
  if (thresholds && !(thresholds->marginal <= thresholds->pass))
    return detail::failDouble(error, "scoreThresholds.marginal", thresholds->marginal,
                              "must be <= pass");
  return true;
}

std::vector<KayentaWindow> kayentaWindows(const KayentaStageConfig& config) {
  std::vector<KayentaWindow> out;
  const std::int64_t interval = config.effectiveIntervalSeconds();
  const int n = config.judgmentCount();
  for (int i = 1; i <= n; ++i) {
    // RunCanaryIntervalsStage.buildRequestScopes (no explicit end time).
    KayentaWindow w;
    w.index = i;
    w.experimentEnd = config.warmupSeconds + interval * i;
    w.experimentStart = config.lookbackSeconds > 0 ? w.experimentEnd - config.lookbackSeconds
                                                   : config.warmupSeconds;
    w.judgeAtSeconds = w.experimentEnd;
    w.controlStart = w.experimentStart - config.baselineOffsetSeconds;
    w.controlEnd = w.experimentEnd - config.baselineOffsetSeconds;
    out.push_back(w);
  }
  return out;
}

const char* toString(KayentaStageStatus s) {
  switch (s) {
    case KayentaStageStatus::kRunning:
      return "Running";
    case KayentaStageStatus::kSucceeded:
      return "Succeeded";
    case KayentaStageStatus::kFailed:
      return "Failed";
  }
  return "Failed";
}

namespace {
const KayentaStageConfig& checked(const KayentaStageConfig& c) {
  std::string err;
  if (!c.isValid(&err)) throw std::invalid_argument("Kayenta stage: " + err);
  return c;
}
}  // namespace

KayentaStage::KayentaStage(const KayentaStageConfig& config)
    : config_(checked(config)), judgments_(config.judgmentCount()) {}

KayentaStageStatus KayentaStage::addScore(double score) {
  if (status_ != KayentaStageStatus::kRunning) return status_;
  scores_.push_back(score);
  const auto& t = config_.thresholds;
  // MonitorKayentaCanaryTask: every judgment, the last one included.
  if (t && score <= t->marginal) {
    status_ = KayentaStageStatus::kFailed;
    reason_ = "Canary score is not above the marginal score threshold.";
    return status_;
  }
  if (static_cast<int>(scores_.size()) < judgments_) return status_;
  // AggregateCanaryResultsTask: the last score decides.
  const std::string fin = detail::formatDouble(score);
  if (!t) {
    status_ = KayentaStageStatus::kSucceeded;
    reason_ = "No score thresholds were specified.";
  } else if (score <= t->marginal) {
    status_ = KayentaStageStatus::kFailed;
    reason_ = "Final canary score " + fin + " is not above the marginal score threshold.";
  } else if (score < t->pass) {
    status_ = KayentaStageStatus::kFailed;
    reason_ = "Final canary score " + fin + " is below the pass score threshold.";
  } else {
    status_ = KayentaStageStatus::kSucceeded;
    reason_ = "Final canary score " + fin + " met or exceeded the pass score threshold.";
  }
  return status_;
}

}  // namespace rolloutlab::core::judge
