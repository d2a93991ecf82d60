#pragma once
/// The analysis-relevant parts of Flagger's `Canary` and `MetricTemplate` (flagger.app/v1beta1),
/// as plain values, with the upstream defaults applied in one place (the accessors below mirror
/// `pkg/apis/flagger/v1beta1/canary.go`).

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rolloutlab::core::flagger {

/// Where a value was written: file and 1-based line (0 = unknown).
struct SourceLoc {
  std::string file;
  int line = 0;
};

/// Canary phases, as in `pkg/apis/flagger/v1beta1/status.go`.
enum class Phase {
  kInitializing,      ///< the primary is being created
  kInitialized,       ///< the primary runs the current release; waiting for a new revision
  kWaiting,           ///< a confirm-rollout gate holds the analysis
  kProgressing,       ///< the canary analysis is underway
  kWaitingPromotion,  ///< analysis done, a confirm-promotion gate holds the promotion
  kPromoting,         ///< the canary spec is being copied to the primary
  kFinalising,        ///< traffic is back on the primary; the canary is scaled down
  kSucceeded,         ///< the release was promoted
  kFailed,            ///< the release was rolled back (or its promotion failed)
  kTerminating,       ///< the Canary is being deleted
  kTerminated,        ///< declared upstream, never written
};
const char* toString(Phase p);
std::optional<Phase> phaseFromString(const std::string& s);

/// Webhook types, as in `pkg/apis/flagger/v1beta1/canary.go` (HookType).
enum class WebhookType {
  kRollout,  ///< `rollout` or empty: runs before the metrics on every analysis tick
  kConfirmRollout,
  kPreRollout,
  kConfirmTrafficIncrease,
  kConfirmPromotion,
  kPostRollout,
  kRollback,
  kEvent,
};
const char* toString(WebhookType t);
/// "" and "rollout" both map to kRollout; unknown strings give nullopt.
std::optional<WebhookType> webhookTypeFromString(const std::string& s);

/// `thresholdRange`: inclusive bounds; an absent bound is not checked.
struct ThresholdRange {
  std::optional<double> min;
  std::optional<double> max;
};

struct TemplateRef {
  std::string name;
  std::string namespace_;  ///< empty = the Canary's namespace
};

/// One entry of `analysis.metrics`.
struct MetricSpec {
  std::string name;
  std::string interval;  ///< raw; empty = not set (builtin/inline get "1m", templates stay empty)
  double threshold = 0;  ///< deprecated `threshold` (0 when absent, as Go's zero value)
  std::optional<ThresholdRange> thresholdRange;
  std::string query;  ///< inline PromQL (Go template), may be empty
  std::optional<TemplateRef> templateRef;
  std::map<std::string, std::string> templateVariables;
  SourceLoc loc;
};

struct WebhookSpec {
  std::string name;
  WebhookType type = WebhookType::kRollout;
  std::string url;
  std::string timeout;
  int retries = 0;
  bool muteAlert = false;
  SourceLoc loc;
};

/// `spec.analysis`. Integer fields hold Go's zero value when absent.
struct AnalysisSpec {
  std::string interval;  ///< raw; see analysisIntervalSeconds()
  int threshold = 0;
  int maxWeight = 0;
  int stepWeight = 0;
  std::vector<int> stepWeights;
  int stepWeightPromotion = 0;
  int iterations = 0;
  bool mirror = false;
  int mirrorWeight = 0;
  int matchCount = 0;             ///< number of `match` conditions (A/B needs them with iterations)
  int primaryReadyThreshold = 0;  ///< 0 = default 100
  int canaryReadyThreshold = 0;   ///< 0 = default 100
  std::vector<MetricSpec> metrics;
  std::vector<WebhookSpec> webhooks;
};

/// The deployment strategy Flagger picks (`canary.go` DeploymentStrategy).
enum class Strategy { kCanary, kABTesting, kBlueGreen, kBlueGreenMirroring };
const char* toString(Strategy s);

struct CanarySpec {
  std::string name;
  std::string namespace_;  ///< empty in a manifest means the default namespace
  std::string provider;    ///< spec.provider; empty = the mesh provider of the installation
  std::string metricsServer;
  std::string targetKind = "Deployment";  ///< Deployment | DaemonSet | Service
  std::string targetName;
  std::string
      targetApiVersion;     ///< targetRef.apiVersion (serving.knative.dev/v1: a Knative service)
  std::string serviceName;  ///< spec.service.name (empty = targetName)
  int servicePort = 0;
  std::string ingressRef;  ///< spec.ingressRef.name
  std::string routeRef;    ///< spec.routeRef.name
  std::optional<int> progressDeadlineSeconds;
  bool skipAnalysis = false;
  bool suspend = false;
  bool hasAnalysis = false;  ///< false when neither `analysis` nor `canaryAnalysis` is present
  AnalysisSpec analysis;
  SourceLoc loc;

  /// `GetAnalysisInterval`: empty or unparsable -> 60 s; below 10 s -> 10 s.
  double analysisIntervalSeconds() const;
  /// `GetAnalysisThreshold`: threshold if > 0, else 1.
  int analysisThreshold() const;
  /// `GetProgressDeadlineSeconds`: default 600.
  int progressDeadline() const;
  /// `SkipAnalysis`: skipAnalysis, or no analysis block at all.
  bool skipsAnalysis() const;
  /// `DeploymentStrategy` (plus mirroring as its own name for Blue/Green with mirror).
  Strategy strategy() const;
  /// The provider in effect: spec.provider, else the installation's mesh provider.
  std::string effectiveProvider(const std::string& meshProvider) const;
};

/// `MetricTemplate.spec`.
struct MetricTemplateSpec {
  std::string name;
  std::string namespace_;
  std::string providerType;  ///< prometheus, datadog, ... (unknown types fall back to prometheus)
  std::string address;
  std::string query;
  SourceLoc loc;
};

/// `GetMetricInterval`: the default query window of builtin and inline metrics.
inline constexpr const char* kDefaultMetricInterval = "1m";
/// The weight total Flagger routes (`totalWeight`).
inline constexpr int kTotalWeight = 100;

/// Parses a Go duration (`time.ParseDuration`: "90s", "1m30s", "1.5h", "300ms"); nullopt if it
/// does not parse. The same as go::parseDuration (rolloutlab/core/go/duration.h).
std::optional<double> parseGoDuration(const std::string& s);
/// The CRD pattern for Flagger intervals and timeouts, `^[0-9]+(m|s)` (only the start is
/// anchored, so "1m30s" matches and "1h" does not).
bool matchesFlaggerIntervalPattern(const std::string& s);

}  // namespace rolloutlab::core::flagger
