#include "rolloutlab/core/flagger/spec.h"

#include <cctype>
#include <charconv>
#include <cmath>

#include "rolloutlab/core/go/duration.h"

namespace rolloutlab::core::flagger {

const char* toString(Phase p) {
  switch (p) {
    case Phase::kInitializing:
      return "Initializing";
    case Phase::kInitialized:
      return "Initialized";
    case Phase::kWaiting:
      return "Waiting";
    case Phase::kProgressing:
      return "Progressing";
    case Phase::kWaitingPromotion:
      return "WaitingPromotion";
    case Phase::kPromoting:
      return "Promoting";
    case Phase::kFinalising:
      return "Finalising";
    case Phase::kSucceeded:
      return "Succeeded";
    case Phase::kFailed:
      return "Failed";
    case Phase::kTerminating:
      return "Terminating";
    case Phase::kTerminated:
      return "Terminated";
  }
  return "?";
}

std::optional<Phase> phaseFromString(const std::string& s) {
  for (int i = 0; i <= static_cast<int>(Phase::kTerminated); ++i) {
    if (s == toString(static_cast<Phase>(i))) return static_cast<Phase>(i);
  }
  return std::nullopt;
}

const char* toString(WebhookType t) {
  switch (t) {
    case WebhookType::kRollout:
      return "rollout";
    case WebhookType::kConfirmRollout:
      return "confirm-rollout";
    case WebhookType::kPreRollout:
      return "pre-rollout";
    case WebhookType::kConfirmTrafficIncrease:
      return "confirm-traffic-increase";
    case WebhookType::kConfirmPromotion:
      return "confirm-promotion";
    case WebhookType::kPostRollout:
      return "post-rollout";
    case WebhookType::kRollback:
      return "rollback";
    case WebhookType::kEvent:
      return "event";
  }
  return "?";
}

std::optional<WebhookType> webhookTypeFromString(const std::string& s) {
  if (s.empty()) return WebhookType::kRollout;
  for (int i = 0; i <= static_cast<int>(WebhookType::kEvent); ++i) {
    if (s == toString(static_cast<WebhookType>(i))) return static_cast<WebhookType>(i);
  }
  return std::nullopt;
}

const char* toString(Strategy s) {
  switch (s) {
    case Strategy::kCanary:
      return "canary";
    case Strategy::kABTesting:
      return "A/B";
    case Strategy::kBlueGreen:
      return "Blue/Green";
    case Strategy::kBlueGreenMirroring:
      return "Blue/Green with mirroring";
  }
  return "?";
}

double CanarySpec::analysisIntervalSeconds() const {
  // canary.go GetAnalysisInterval
  if (analysis.interval.empty()) return 60.0;
  const auto d = parseGoDuration(analysis.interval);
  if (!d) return 60.0;
  if (*d < 10.0) return 10.0;
  return *d;
}

int CanarySpec::analysisThreshold() const {
  // canary.go GetAnalysisThreshold
  return analysis.threshold > 0 ? analysis.threshold : 1;
}

int CanarySpec::progressDeadline() const {
  // canary.go GetProgressDeadlineSeconds (ProgressDeadlineSeconds = 600)
  return progressDeadlineSeconds ? *progressDeadlineSeconds : 600;
}

bool CanarySpec::skipsAnalysis() const {
  // canary.go SkipAnalysis
  return !hasAnalysis || skipAnalysis;
}

Strategy CanarySpec::strategy() const {
  // canary.go DeploymentStrategy
  if (!hasAnalysis) return Strategy::kCanary;
  if (analysis.matchCount > 0 && analysis.iterations > 0) return Strategy::kABTesting;
  if (analysis.iterations > 0) {
    return analysis.mirror ? Strategy::kBlueGreenMirroring : Strategy::kBlueGreen;
  }
  return Strategy::kCanary;
}

std::string CanarySpec::effectiveProvider(const std::string& meshProvider) const {
  // scheduler.go advanceCanary: spec.provider overrides the global mesh provider
  return provider.empty() ? meshProvider : provider;
}

std::optional<double> parseGoDuration(const std::string& s) { return go::parseDuration(s); }

bool matchesFlaggerIntervalPattern(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  return i > 0 && i < s.size() && (s[i] == 'm' || s[i] == 's');
}

}  // namespace rolloutlab::core::flagger
