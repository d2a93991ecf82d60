#pragma once
/// FlaggerEngine: one scheduler tick of Flagger (`pkg/controller/scheduler.go` advanceCanary),
/// as a pure function of the spec, the state and what the world answers. No clock, no I/O.
///
/// The engine keeps apart, as upstream does, the Canary status (phase, canaryWeight,
/// failedChecks, iterations) and the weights programmed into the router (primary, canary,
/// mirrored), which the scheduler re-reads every tick and bases its decisions on.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "rolloutlab/core/flagger/spec.h"

namespace rolloutlab::core::flagger {

/// What a readiness check answers (`pkg/canary/deployment_ready.go` isDeploymentReady).
enum class Readiness {
  kReady,             ///< rolled out and available
  kWaiting,           ///< retriable: not ready yet, the tick is held
  kDeadlineExceeded,  ///< non-retriable: progress deadline exceeded
};
const char* toString(Readiness r);

/// The kind of metric check the scheduler runs (`scheduler_metrics.go`).
enum class CheckKind {
  kRequestSuccessRate,  ///< builtin request-success-rate (percent)
  kRequestDuration,     ///< builtin request-duration (milliseconds, P99 or mean)
  kInlineQuery,         ///< metric.query
  kTemplate,            ///< metric.templateRef
};
const char* toString(CheckKind k);

/// What a metric query returns before the threshold comparison.
struct MetricAnswer {
  enum class Kind {
    kValue,   ///< a number (may be +/-Inf; NaN from Prometheus is kNoData)
    kNoData,  ///< `providers.ErrNoValuesFound`: empty result or NaN
    kError,   ///< the query failed (server down, bad query, render error)
  };
  Kind kind = Kind::kValue;
  double value = 0.0;
  std::string message;
  static MetricAnswer of(double v) { return {Kind::kValue, v, {}}; }
  static MetricAnswer noData(std::string msg = {}) { return {Kind::kNoData, 0.0, std::move(msg)}; }
  static MetricAnswer error(std::string msg) { return {Kind::kError, 0.0, std::move(msg)}; }
};

/// What the engine asks of the world during a tick. Implemented by scripts, synthetic worlds
/// and replays. Calls happen in the order upstream makes them, only when upstream makes them.
class FlaggerWorld {
 public:
  virtual ~FlaggerWorld() = default;
  /// `IsPrimaryReady` at time t (seconds since the first tick), in the given phase.
  virtual Readiness primaryReady(double t, Phase phase) = 0;
  /// `IsCanaryReady`.
  virtual Readiness canaryReady(double t, Phase phase) = 0;
  /// `CallWebhook`: true when the hook answers with a status <= 202 (success).
  /// `index` is the hook's position in analysis.webhooks.
  virtual bool webhook(double t, const WebhookSpec& hook, int index, Phase payloadPhase) = 0;
  /// Runs the query of metric `index` of analysis.metrics as check `kind`. For
  /// kRequestDuration the answer is in milliseconds, before Flagger's truncation.
  virtual MetricAnswer metric(double t, const MetricSpec& m, int index, CheckKind kind) = 0;
};

/// Canary status fields (`pkg/apis/flagger/v1beta1/status.go` CanaryStatus).
struct CanaryStatus {
  Phase phase = Phase::kInitialized;
  int canaryWeight = 0;
  int failedChecks = 0;
  int iterations = 0;
  /// Revision bookkeeping: stands for the lastAppliedSpec/lastPromotedSpec hashes.
  int lastAppliedRevision = 0;
  int lastPromotedRevision = 0;
};

/// Weights programmed into the mesh/ingress (`router.Interface` GetRoutes/SetRoutes).
struct Routes {
  int primaryWeight = kTotalWeight;
  int canaryWeight = 0;
  bool mirrored = false;
};

/// The complete state the engine carries between ticks.
struct FlaggerState {
  CanaryStatus status;
  Routes routes;           ///< what SetRoutes last wrote
  int targetRevision = 0;  ///< the target's current pod template (bumped on a new revision)
};

/// One metric check as it ran.
struct MetricCheck {
  std::string name;
  CheckKind kind = CheckKind::kInlineQuery;
  enum class Result { kPass, kFail, kNoData, kError } result = Result::kPass;
  double value = std::numeric_limits<double>::quiet_NaN();  ///< compared value (ms truncated)
  std::optional<double> min;  ///< bound held against (thresholdRange or deprecated threshold)
  std::optional<double> max;
  std::string message;
};
const char* toString(MetricCheck::Result r);

/// One webhook call as it ran.
struct HookCall {
  std::string name;
  WebhookType type = WebhookType::kRollout;
  bool ok = false;
};

/// What one tick did: the router and status after it, events in upstream wording, the rule
/// that ended it, and the checks it ran.
struct TickRecord {
  int tick = 0;
  double t = 0.0;
  Routes routes;
  CanaryStatus status;
  std::vector<std::string> events;
  std::string reason;  ///< the rule that decided this tick, e.g. "failedChecks 2 >= threshold 2"
  std::vector<MetricCheck> metrics;
  std::vector<HookCall> webhooks;
  bool failedCheck = false;  ///< failedChecks was incremented this tick
  /// Set on the tick that reaches a final phase: how the rollout ended.
  enum class Final { kNone, kPromoted, kRolledBack, kPromotionFailed, kSkippedAnalysis };
  Final final = Final::kNone;
};

/// What a tick writes into its record besides the decisions (routes, status, checks' results
/// and values, webhook calls, final): kFull adds the words (events, reason, the checks' names
/// and messages, the webhook calls' names); kDecisionsOnly leaves them empty, for a batch that
/// reads only the decisions.
/// Both take the same steps and ask the world the same questions in the same order.
enum class TickText { kFull, kDecisionsOnly };

/// Engine configuration beyond the spec.
struct FlaggerEngineOptions {
  /// Flagger's `-mesh-provider` flag (the installation default), used when spec.provider is
  /// empty.
  std::string meshProvider = "istio";
};

class FlaggerEngine {
 public:
  /// `templates[i]` is the MetricTemplate that metric i's templateRef resolves to, or nullptr
  /// when it has none or it is missing (a missing template fails the check, as upstream).
  FlaggerEngine(const CanarySpec& spec, std::vector<const MetricTemplateSpec*> templates,
                FlaggerEngineOptions options = {});

  /// Runs one `advanceCanary` at time t and returns what happened. `state` is updated.
  TickRecord tick(FlaggerState& state, double t, FlaggerWorld& world,
                  TickText text = TickText::kFull) const;
  /// The same into `rec`, which is overwritten but keeps its storage (a loop reuses one record).
  void tick(FlaggerState& state, double t, FlaggerWorld& world, TickText text,
            TickRecord& rec) const;

  const CanarySpec& spec() const { return spec_; }
  /// The effective provider (spec.provider or the mesh provider).
  const std::string& provider() const { return provider_; }
  /// `maxWeight` of scheduler.go.
  int maxWeight() const;
  /// `nextStepWeight` of scheduler.go for a canary weight.
  int nextStepWeight(int canaryWeight) const;

 private:
  struct TickContext;
  void rollback(TickContext& c, const std::string& why) const;
  void handleFailedPromotion(TickContext& c) const;
  bool runAnalysis(TickContext& c) const;
  bool runBuiltinMetricChecks(TickContext& c) const;
  bool runTemplateMetricChecks(TickContext& c) const;
  bool checkValue(TickContext& c, const MetricSpec& m, CheckKind kind, const MetricAnswer& a) const;
  bool runHooks(TickContext& c, WebhookType type, Phase payload, bool stopOnSuccess) const;
  void runPostRolloutHooks(TickContext& c, Phase payload) const;
  bool runConfirmPromotionHooks(TickContext& c, int analysisIterations) const;
  void runCanary(TickContext& c, int canaryWeight, int primaryWeight, int maxWeight,
                 bool mirrored) const;
  void runAB(TickContext& c, int analysisIterations) const;
  void runBlueGreen(TickContext& c, int analysisIterations, bool mirrored) const;
  void runPromotionTrafficShift(TickContext& c, int canaryWeight, int primaryWeight) const;
  void setRoutes(TickContext& c, int primary, int canary, bool mirrored) const;
  void syncStatus(TickContext& c, Phase phase, int canaryWeight, int failedChecks,
                  int iterations) const;
  void setStatusPhase(TickContext& c, Phase phase, int analysisIterations) const;

  CanarySpec spec_;
  std::string namespace_;  // spec.namespace or "default"
  std::string id_;         // "<name>.<namespace>"
  std::string target_;     // "<targetName>.<namespace>"
  std::vector<const MetricTemplateSpec*> templates_;
  // The metrics as runBuiltinMetricChecks' loop copies them (interval defaulted to 1m), made
  // once rather than on every tick.
  std::vector<MetricSpec> loopMetrics_;
  FlaggerEngineOptions options_;
  std::string provider_;
  bool kubernetesProvider_ = false;
};

/// True when the phase ends a rollout (Succeeded or Failed).
inline bool isFinal(Phase p) { return p == Phase::kSucceeded || p == Phase::kFailed; }

}  // namespace rolloutlab::core::flagger
