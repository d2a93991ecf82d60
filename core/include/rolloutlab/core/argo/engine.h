#pragma once
/// ArgoEngine: the Argo Rollouts controller's decisions for one Rollout update, as a pure
/// function of the spec, the state and what the world answers. No clock, no I/O.
///
/// Argo is event-driven, not tick-based. The engine is stepped with the time of the next
/// interesting instant (a measurement due, a pause ending, a pod becoming available, a user
/// action, a deadline); at each instant it reconciles the AnalysisRuns (analysis/analysis.go
/// `reconcileAnalysisRun`) and the Rollout (rollout/canary.go `rolloutCanary`,
/// rollout/bluegreen.go `rolloutBlueGreen`) until nothing changes, as the controller does when
/// every status patch triggers another reconcile. Each reconcile reads the objects as they were
/// when it started (the informer cache) and writes through at its end.
///
/// Timers fire exactly at their expiry and count as elapsed there: the controller requeues for
/// the remaining time and its `now.After(expiry)` holds an instant later. Kubernetes stores
/// times to the second; the engine keeps them exact.

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rolloutlab/core/argo/analysis.h"
#include "rolloutlab/core/argo/expr/evaluate.h"
#include "rolloutlab/core/argo/spec.h"

namespace rolloutlab::core::argo {

/// `AnalysisPhase` of a run, a metric or a measurement. kNone is the empty phase of a run the
/// analysis controller has not reconciled yet.
enum class Phase { kNone, kPending, kRunning, kSuccessful, kFailed, kError, kInconclusive };
const char* toString(Phase p);
/// `AnalysisPhase.Completed`: Successful, Failed, Error or Inconclusive.
bool completed(Phase p);

/// What kind of run an AnalysisRun is (its `rollout-type` label).
enum class RunKind { kStep, kBackground, kPrePromotion, kPostPromotion };
const char* toString(RunKind k);

/// Rollout phases (`RolloutPhase`).
enum class RolloutPhase { kProgressing, kPaused, kDegraded, kHealthy };
const char* toString(RolloutPhase p);

/// User actions (kubectl argo rollouts promote / promote --full / abort / retry / pause, and
/// resume = clear spec.paused).
enum class UserAction { kPromote, kPromoteFull, kAbort, kRetry, kPause, kResume };
const char* toString(UserAction a);
std::optional<UserAction> userActionFromString(const std::string& s);

// ---- what the world answers ------------------------------------------------------------------

/// Identifies one measurement for the world.
struct MeasureRequest {
  double t = 0;  ///< seconds since the new revision
  const std::string* runName = nullptr;
  RunKind runKind = RunKind::kStep;
  int stepIndex = -1;              ///< step runs: the step's index
  const Metric* metric = nullptr;  ///< arguments substituted
  int measurement = 0;             ///< 0-based index of this measurement of this metric in this run
};

/// A provider's answer for prometheus, web and the providers rolloutlab does not model itself:
/// the result the conditions are evaluated on, or a provider error.
struct ProviderAnswer {
  bool error = false;
  std::string message;  ///< provider error text
  Value value;          ///< the result (`result` in the conditions)
  static ProviderAnswer of(Value v) { return {false, {}, std::move(v)}; }
  static ProviderAnswer fail(std::string msg) { return {true, std::move(msg), {}}; }
};

/// A Job metric's Job: created (or not), then complete or failed after `duration` seconds.
struct JobAnswer {
  bool createError = false;  ///< the Job cannot be created: measurement Error
  std::string message;
  bool succeeded = true;  ///< Job Complete (Successful) or Failed
  double duration = 0;    ///< seconds from creation to completion
};

/// What Argo's Kayenta provider sends and reads back (metricproviders/kayenta/kayenta.go):
/// scopes with their control and experiment windows, the thresholds, and the judgment's score.
struct KayentaScopeWindow {
  std::string name;
  double controlStart = 0, controlEnd = 0;  ///< seconds since the new revision
  double experimentStart = 0, experimentEnd = 0;
  std::string controlScope, experimentScope;
};
struct KayentaRequest {
  double t = 0;             ///< when the score is read (the measurement's resume)
  double startedAt = 0;     ///< when the canary analysis execution was started
  double runStartedAt = 0;  ///< the AnalysisRun's startedAt
  const Metric* metric = nullptr;
  int measurement = 0;
  std::vector<KayentaScopeWindow> scopes;
};
struct KayentaAnswer {
  enum class Kind { kScore, kIncomplete, kError };
  Kind kind = Kind::kScore;
  double score = 0;  ///< the judge's summary score (0-100); Argo truncates it to an int
  std::string message;
};

/// The hook a Kayenta-compatible judge implements: answers the score of one canary analysis
/// execution. A world may delegate to it.
class KayentaJudgeHook {
 public:
  virtual ~KayentaJudgeHook() = default;
  virtual KayentaAnswer judge(const KayentaRequest& request) = 0;
};

/// What the engine asks of the world. Implemented by scripts, synthetic worlds and replays.
class ArgoWorld {
 public:
  virtual ~ArgoWorld() = default;
  /// Seconds a pod created at t takes to become available (infinity: never).
  virtual double podStartup(double t, bool newRevision) = 0;
  /// One measurement of a metric that is neither a Job nor Kayenta (`provider.Run`).
  virtual ProviderAnswer measure(const MeasureRequest& request) = 0;
  /// The Job of a Job metric's measurement.
  virtual JobAnswer job(const MeasureRequest& request) = 0;
  /// The score of a Kayenta canary analysis execution, read when the measurement resumes.
  virtual KayentaAnswer kayenta(const KayentaRequest& request) = 0;
};

// ---- state -------------------------------------------------------------------------------

/// One measurement (`Measurement`).
struct MeasurementState {
  Phase phase = Phase::kRunning;
  double startedAt = 0;
  std::optional<double> finishedAt;
  std::optional<double> resumeAt;
  std::string value;  ///< as Argo records it ("[0.99]", "0.95", a score)
  std::string message;
  double jobDoneAt = 0;  ///< Job measurements: when the Job completes
  bool jobSucceeded = true;
};

/// `MetricResult`: counters are cumulative; only the last measurement is kept.
struct MetricResultState {
  std::string name;
  Phase phase = Phase::kRunning;
  int count = 0;
  int successful = 0;
  int failed = 0;
  int inconclusive = 0;
  int error = 0;
  int consecutiveError = 0;
  int consecutiveSuccess = 0;
  int measurements = 0;  ///< measurements started
  bool dryRun = false;
  std::string message;
  std::optional<MeasurementState> last;
};

/// An AnalysisRun.
struct AnalysisRunState {
  std::string name;
  RunKind kind = RunKind::kStep;
  int stepIndex = -1;
  double createdAt = 0;
  bool terminate = false;        ///< spec.terminate
  std::vector<Metric> metrics;   ///< spec.metrics (arguments substituted when valid)
  std::string specError;         ///< set: the run goes Error on its first reconcile
  std::set<std::string> dryRun;  ///< dry-run metric names
  Phase phase = Phase::kNone;
  std::string message;
  std::optional<double> startedAt;
  std::optional<double> completedAt;
  std::vector<MetricResultState> results;  ///< in the order metrics were first measured

  const MetricResultState* result(const std::string& metric) const;
};

/// A ReplicaSet: desired replicas and its pods' availability times.
struct ReplicaSetState {
  std::string hash;
  int replicas = 0;                   ///< spec.replicas
  std::vector<double> podReadyAt;     ///< one per pod (status.replicas = size)
  std::optional<double> scaleDownAt;  ///< scale-down-deadline annotation
  int available(double t) const;
};

struct PauseCondition {
  std::string reason;  ///< CanaryPauseStep, BlueGreenPause, InconclusiveAnalysisRun
  double startTime = 0;
};

/// The `Progressing` condition.
struct ProgressingCondition {
  std::string status = "True";  ///< True, False, Unknown
  std::string reason = "NewReplicaSetAvailable";
  double lastUpdate = 0;
};

/// The Rollout status fields the decisions read (`RolloutStatus`).
struct RolloutStatusState {
  std::string currentPodHash;
  std::string stableRS;
  std::optional<int> currentStepIndex;
  bool abort = false;
  std::optional<double> abortedAt;
  std::string abortMessage;
  std::vector<PauseCondition> pauseConditions;
  bool controllerPause = false;
  bool promoteFull = false;
  std::optional<int> weightCanary;  ///< status.canary.weights.canary.weight (nil: none)
  std::string weightCanaryHash, weightStableHash;  ///< the pod hashes the router was given
  std::string stepRun;                             ///< canary.currentStepAnalysisRunStatus.name
  std::string backgroundRun;    ///< canary.currentBackgroundAnalysisRunStatus.name
  std::string preRun, postRun;  ///< blueGreen pre/post-promotion run names
  std::string activeSelector;
  std::string previewSelector;
  bool scaleUpPreviewCheckPoint = false;
  ProgressingCondition progressing;
  bool pausedCondition = false;  ///< the `Paused` condition is True
  RolloutPhase phase = RolloutPhase::kHealthy;
  std::string message;
  int replicas = 0, updatedReplicas = 0, availableReplicas = 0, readyReplicas = 0;
};

/// A route the controller manages on the router: an HTTP route named in
/// `trafficRouting.managedRoutes`, created by a setHeaderRoute or setMirrorRoute step
/// (rollout/trafficrouting/istio/istio.go createHeaderRoute / createMirrorRoute). Upstream keeps
/// it in the VirtualService (or the ALB Ingress), not in the Rollout's status.
struct ManagedRoute {
  enum class Kind {
    kHeader,  ///< matching requests go to the canary service, 100 %, whatever the weight
    kMirror,  ///< matching requests are served at the current weights and `percentage` % of
              ///< them are also copied to the canary service (the copies' responses are dropped)
  };
  std::string name;
  Kind kind = Kind::kHeader;
  int percentage = 100;  ///< mirror routes: `mirrorPercentage` (an unset percentage is 100)
  bool operator==(const ManagedRoute&) const = default;
};
const char* toString(ManagedRoute::Kind k);

/// Everything the engine carries between instants.
struct ArgoState {
  RolloutStatusState status;
  bool specPaused = false;   ///< spec.paused
  int templateRevision = 1;  ///< bumped to 2 when the new revision is applied
  ReplicaSetState stableRS;
  std::optional<ReplicaSetState> newRS;
  std::vector<AnalysisRunState> runs;
  /// The managed routes the router holds, in precedence order (the order of
  /// `trafficRouting.managedRoutes`, above the routes the user wrote: istio.go orderRoutes).
  std::vector<ManagedRoute> routes;
  int reconciles = 0;
};

// ---- trace ------------------------------------------------------------------------------

/// A metric's counters as shown in a trace.
struct MetricView {
  std::string name;
  Phase phase = Phase::kRunning;
  int count = 0, successful = 0, failed = 0, inconclusive = 0, error = 0, consecutiveError = 0;
  bool dryRun = false;
  std::string lastValue;    ///< the last measurement's value as Argo records it
  std::string lastMessage;  ///< its message (errors)
  bool operator==(const MetricView&) const = default;
};

/// A run as shown in a trace.
struct RunView {
  std::string name;
  RunKind kind = RunKind::kStep;
  Phase phase = Phase::kNone;
  std::string message;
  std::vector<MetricView> metrics;
  bool operator==(const RunView&) const = default;
};

/// The listed fields of the state after one reconcile.
struct ArgoSnapshot {
  std::optional<int> currentStepIndex;
  double canaryWeight = 0;  ///< share of production traffic on the new revision, percent
  RolloutPhase phase = RolloutPhase::kHealthy;
  std::string message;
  bool abort = false;
  std::vector<std::string> pauseConditions;
  bool specPaused = false;
  bool promoted = false;  ///< stableRS is the new revision
  int stableDesired = 0, stableAvailable = 0, newDesired = 0, newAvailable = 0;
  std::vector<RunView> runs;
  std::vector<ManagedRoute> routes;  ///< the router's managed routes, in precedence order
  bool operator==(const ArgoSnapshot&) const = default;
};

/// How production requests reach the revisions under the router's weight and managed routes.
/// Fractions of the user requests, 0..1.
struct ArgoTrafficSplit {
  double canary = 0;    ///< served by the new revision (users see its answers)
  double stable = 1;    ///< served by the stable revision
  double mirrored = 0;  ///< copied to the new revision by mirror routes (answers dropped)
};

/// The split a snapshot's router makes (Envoy's first-match HTTP route semantics): the managed
/// routes are tried in precedence order, each taking `matchFraction(route)` of the requests that
/// no route above it took (match conditions are taken as independent of one another); a header
/// route sends what it takes to the canary, a mirror route serves it at the weight and copies
/// `percentage` % of it to the canary; the rest follows the weight (`canaryWeight`). Once an
/// aborted rollout is at weight 0 the canary service selects the stable pods, so routes that
/// remain send nothing to the new revision.
ArgoTrafficSplit argoTrafficSplit(const ArgoSnapshot& snapshot,
                                  const std::function<double(const ManagedRoute&)>& matchFraction);

/// One entry of a trace: a reconcile (or user action) that changed a listed field.
struct ArgoEvent {
  double t = 0;
  std::string source;  ///< "rollout", "analysisrun <name>", "action", "revision"
  std::string action;  ///< for actions: promote, promote-full, ...
  std::string reason;  ///< what the reconcile did, e.g. "step 0 (setWeight: 20) completed"
  ArgoSnapshot state;
};

/// Engine configuration beyond the spec.
struct ArgoEngineOptions {
  /// Stops a runaway "reconcile until no change" loop (a bug, never upstream behaviour):
  /// settle() throws InternalError after this many reconciles at one instant.
  int maxReconcilesPerInstant = 200;
};

class ArgoEngine {
 public:
  /// Compiles the rollout against the templates. Throws InputError when the rollout cannot be
  /// simulated: an invalid spec (what the controller marks InvalidSpec), or an experiment or
  /// plugin step.
  ArgoEngine(const RolloutSpec& rollout, const TemplateCatalog& catalog,
             ArgoEngineOptions options = {});

  /// A healthy, fully promoted rollout at the stable revision (t < 0).
  ArgoState initialState() const;
  /// The new pod template is applied at t (`kubectl apply`): the controller notices it at once.
  void applyNewRevision(ArgoState& state, double t, ArgoWorld& world,
                        std::vector<ArgoEvent>& out) const;
  /// A user action at t, then the reconciles it triggers.
  void applyAction(ArgoState& state, UserAction action, double t, ArgoWorld& world,
                   std::vector<ArgoEvent>& out) const;
  /// Reconciles everything due at t until nothing changes; appends an event for every reconcile
  /// that changed a listed field. Throws InternalError when that takes more than
  /// `maxReconcilesPerInstant` reconciles.
  void settle(ArgoState& state, double t, ArgoWorld& world, std::vector<ArgoEvent>& out) const;
  /// The next instant after t at which something is due (infinity: nothing).
  double nextWakeUp(const ArgoState& state, double t) const;
  /// The listed fields at t.
  ArgoSnapshot snapshot(const ArgoState& state, double t) const;

  const RolloutSpec& rollout() const { return rollout_; }

  /// A rollout analysis merged and resolved once: what every AnalysisRun created from it holds.
  struct PreparedAnalysis {
    AnalysisRunSpec spec;
    std::vector<Metric> metrics;   ///< arguments substituted (empty when `error` is set)
    std::set<std::string> dryRun;  ///< dry-run metric names
    std::string error;             ///< the run goes Error with this message
  };
  /// By step index; the background analysis; the blue-green pre/post-promotion analyses.
  const std::map<int, PreparedAnalysis>& stepAnalyses() const { return steps_; }
  const std::optional<PreparedAnalysis>& backgroundAnalysis() const { return background_; }
  const std::optional<PreparedAnalysis>& prePromotionAnalysis() const { return pre_; }
  const std::optional<PreparedAnalysis>& postPromotionAnalysis() const { return post_; }
  /// Every metric any run of this rollout can measure (arguments substituted), once per name.
  const std::vector<const Metric*>& allMetrics() const { return allMetrics_; }
  /// The compiled conditions of a metric of `allMetrics()`.
  const MetricConditions& conditions(const Metric& m) const;

  struct Ctx;

 private:
  bool reconcileRun(ArgoState& s, std::size_t run, double t, ArgoWorld& world,
                    std::string& reason) const;
  bool reconcileRollout(ArgoState& s, double t, ArgoWorld& world, std::string& reason) const;

  RolloutSpec rollout_;
  ArgoEngineOptions options_;
  std::map<int, PreparedAnalysis> steps_;
  std::optional<PreparedAnalysis> background_, pre_, post_;
  std::vector<const Metric*> allMetrics_;
  std::map<std::string, MetricConditions>
      conditions_;  // by successCondition + '\n' + failureCondition
};

}  // namespace rolloutlab::core::argo
