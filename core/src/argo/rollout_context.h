#pragma once
// The state of one Rollout reconcile (rollout/context.go rolloutContext) and what the files of the
// Argo engine share: the pause and condition reasons, and the controller's rules one file calls
// in another. Each file follows one upstream file:
//   engine.cpp            the driver: construction, reconcile until settled, wake-ups
//                         (controller.go, rollout/controller.go syncHandler)
//   analysisrun.cpp       the AnalysisRun controller (analysis/analysis.go)
//   rollout_analysis.cpp  the Rollout's AnalysisRuns (rollout/analysis.go)
//   replicas.cpp          replica arithmetic (utils/replicaset/canary.go, replicaset.go)
//   replicaset.cpp        scaling ReplicaSets (rollout/replicaset.go)
//   trafficrouting.cpp    weights and managed routes (rollout/trafficrouting.go, istio.go)
//   status.cpp            the status written back (rollout/sync.go, pause.go, rolloututil.go)
//   canary.cpp            rollout/canary.go
//   bluegreen.cpp         rollout/bluegreen.go (with service.go)
//   types.cpp             names of the API's enums (pkg/apis/rollouts/v1alpha1)
//
// A rollout reconcile reads the objects as they were when it started (`Ctx::ro`, `Ctx::stable0`,
// `Ctx::new0`: the informer cache) and writes the new status (`Ctx::ns`) and the ReplicaSets and
// AnalysisRuns through.

#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rolloutlab/core/argo/engine.h"

namespace rolloutlab::core::argo {

struct ArgoEngine::Ctx {
  const ArgoEngine& e;
  ArgoState& s;
  ArgoWorld& world;  // what pods are created in (their start-up times)
  double t;
  const RolloutSpec& spec;
  RolloutStatusState ro;  // c.rollout.Status
  bool specPaused;
  ReplicaSetState stable0;              // c.stableRS as read
  std::optional<ReplicaSetState> new0;  // c.newRS as read
  RolloutStatusState ns;                // c.newStatus
  // pauseContext
  std::vector<std::string> addPause, removePause;
  bool clearPause = false, addAbort = false, removeAbort = false;
  std::string abortMessage;
  // current AnalysisRuns (indices into s.runs; -1 none)
  int curStep = -1, curBackground = -1, curPre = -1, curPost = -1;
  bool sideEffect = false;
  std::string reason;

  bool isAborted() const {
    if (removeAbort) return false;
    return addAbort || ro.abort;
  }
  void addAbortWith(const std::string& m) {
    if (!addAbort && !ro.abort) note("abort: " + m);
    addAbort = true;
    abortMessage = m;
  }
  int replicas() const { return spec.replicasOrDefault(); }
  int maxWeight() const { return spec.maxTrafficWeight(); }
  bool tr() const { return spec.canary && spec.canary->trafficRouting; }
  bool dynamic() const { return spec.canary && spec.canary->dynamicStableScale; }
  int stepCount() const { return spec.canary ? static_cast<int>(spec.canary->steps.size()) : 0; }
  // replicasetutil.GetCurrentCanaryStep on c.rollout: (step or nullptr, index or nullopt)
  std::optional<int> index() const {
    if (stepCount() == 0) return std::nullopt;
    return ro.currentStepIndex.value_or(0);
  }
  const CanaryStep* step() const {
    auto i = index();
    if (!i || *i >= stepCount()) return nullptr;
    return &spec.canary->steps[static_cast<std::size_t>(*i)];
  }
  int newAvail() const { return new0 ? new0->available(t) : 0; }
  int newSpec() const { return new0 ? new0->replicas : 0; }
  AnalysisRunState* run(int i) const {
    return i < 0 ? nullptr : &s.runs[static_cast<std::size_t>(i)];
  }
  void note(const std::string& r) { reason += (reason.empty() ? "" : "; ") + r; }
};

namespace controller {

using Ctx = ArgoEngine::Ctx;

inline constexpr double kInf = std::numeric_limits<double>::infinity();
// analysis/analysis.go DefaultErrorRetryInterval
inline constexpr double kErrorRetrySeconds = 10.0;

inline constexpr const char* kPauseStep = "CanaryPauseStep";
inline constexpr const char* kPauseBlueGreen = "BlueGreenPause";
inline constexpr const char* kPauseInconclusive = "InconclusiveAnalysisRun";
inline constexpr const char* kReasonAborted = "RolloutAborted";
inline constexpr const char* kReasonTimedOut = "ProgressDeadlineExceeded";
inline constexpr const char* kReasonPaused = "RolloutPaused";

inline bool hasPause(const std::vector<PauseCondition>& conds, const std::string& reason) {
  for (const auto& c : conds) {
    if (c.reason == reason) return true;
  }
  return false;
}

inline const PauseCondition* findPause(const std::vector<PauseCondition>& conds,
                                       const std::string& reason) {
  for (const auto& c : conds) {
    if (c.reason == reason) return &c;
  }
  return nullptr;
}

// ---- replicas.cpp (utils/replicaset/canary.go) ----
// canary.go GetCurrentSetWeight (on c.rollout)
int currentSetWeight(const Ctx& c);
// canary.go GetDesiredCanaryWeight
int desiredCanaryWeight(const Ctx& c);
// canary.go CalculateReplicaCountsForTrafficRoutedCanary: (canary, stable)
std::pair<int, int> trafficRoutedCounts(const Ctx& c, std::optional<int> weight);
// canary.go CalculateReplicaCountsForBasicCanary: (new, stable)
std::pair<int, int> basicCounts(const Ctx& c);
// canary.go AtDesiredReplicaCountsForCanary
bool atDesiredReplicaCounts(const Ctx& c, std::optional<int> weight);

// ---- replicaset.cpp (rollout/replicaset.go) ----
// Scales a ReplicaSet; new pods become available after the world's start-up time.
void scaleRS(Ctx& c, ReplicaSetState& rs, int desired, bool newRevision, ArgoWorld& world);
// replicaset.go shouldDelayScaleDownOnAbort
bool delayScaleDownOnAbort(const Ctx& c);
// replicaset.go reconcileNewReplicaSet (returns whether it scaled)
bool reconcileNewReplicaSet(Ctx& c, int desired);
// canary.go scaleDownOldReplicaSetsForCanary / bluegreen.go scaleDownOldReplicaSetsForBlueGreen
bool reconcileOtherReplicaSets(Ctx& c);

// ---- rollout_analysis.cpp (rollout/analysis.go) ----
// The index of the AnalysisRun of that name in s.runs, or -1.
int findRun(const ArgoState& s, const std::string& name);
// analysis.go reconcileAnalysisRuns (both strategies)
void reconcileAnalysisRuns(Ctx& c);

// ---- trafficrouting.cpp (rollout/trafficrouting.go) ----
void reconcileTrafficRouting(Ctx& c);

// ---- status.cpp (rollout/sync.go, pause.go, utils/rollout/rolloututil.go) ----
// rolloututil.go CalculateRolloutPhase
std::pair<RolloutPhase, std::string> rolloutPhase(const RolloutSpec& spec,
                                                  const RolloutStatusState& st, bool specPaused);
// sync.go persistRolloutStatus
void persist(Ctx& c);
// sync.go calculateBaseStatus
void baseStatus(Ctx& c);
// sync.go resetRolloutStatus
void resetStatus(Ctx& c);
// sync.go promoteStable
void promoteStable(Ctx& c, const std::string& why);

// ---- canary.cpp, bluegreen.cpp ----
// canary.go rolloutCanary
void reconcileCanary(Ctx& c);
// bluegreen.go rolloutBlueGreen
void reconcileBlueGreen(Ctx& c);

}  // namespace controller

}  // namespace rolloutlab::core::argo
