// Names of the Argo Rollouts API's enums (pkg/apis/rollouts/v1alpha1/types.go,
// analysis_types.go; the kubectl plugin's action names) and small accessors of the engine's
// state.

#include <optional>
#include <string>

#include "rolloutlab/core/argo/engine.h"

namespace rolloutlab::core::argo {

const char* toString(Phase p) {
  switch (p) {
    case Phase::kNone:
      return "";
    case Phase::kPending:
      return "Pending";
    case Phase::kRunning:
      return "Running";
    case Phase::kSuccessful:
      return "Successful";
    case Phase::kFailed:
      return "Failed";
    case Phase::kError:
      return "Error";
    case Phase::kInconclusive:
      return "Inconclusive";
  }
  return "?";
}

bool completed(Phase p) {
  return p == Phase::kSuccessful || p == Phase::kFailed || p == Phase::kError ||
         p == Phase::kInconclusive;
}

const char* toString(RunKind k) {
  switch (k) {
    case RunKind::kStep:
      return "step";
    case RunKind::kBackground:
      return "background";
    case RunKind::kPrePromotion:
      return "prePromotion";
    case RunKind::kPostPromotion:
      return "postPromotion";
  }
  return "?";
}

const char* toString(RolloutPhase p) {
  switch (p) {
    case RolloutPhase::kProgressing:
      return "Progressing";
    case RolloutPhase::kPaused:
      return "Paused";
    case RolloutPhase::kDegraded:
      return "Degraded";
    case RolloutPhase::kHealthy:
      return "Healthy";
  }
  return "?";
}

const char* toString(UserAction a) {
  switch (a) {
    case UserAction::kPromote:
      return "promote";
    case UserAction::kPromoteFull:
      return "promote-full";
    case UserAction::kAbort:
      return "abort";
    case UserAction::kRetry:
      return "retry";
    case UserAction::kPause:
      return "pause";
    case UserAction::kResume:
      return "resume";
  }
  return "?";
}

const char* toString(ManagedRoute::Kind k) {
  return k == ManagedRoute::Kind::kHeader ? "header" : "mirror";
}

std::optional<UserAction> userActionFromString(const std::string& s) {
  for (UserAction a : {UserAction::kPromote, UserAction::kPromoteFull, UserAction::kAbort,
                       UserAction::kRetry, UserAction::kPause, UserAction::kResume}) {
    if (s == toString(a)) return a;
  }
  return std::nullopt;
}

const MetricResultState* AnalysisRunState::result(const std::string& metric) const {
  for (const auto& r : results) {
    if (r.name == metric) return &r;
  }
  return nullptr;
}

int ReplicaSetState::available(double t) const {
  int n = 0;
  for (double r : podReadyAt) n += r <= t ? 1 : 0;
  return n;
}

}  // namespace rolloutlab::core::argo
