#pragma once
/// The analysis-relevant parts of Argo Rollouts' `Rollout`, `AnalysisTemplate` and
/// `ClusterAnalysisTemplate` (argoproj.io/v1alpha1) as plain values, with the controller's
/// defaults applied in one place (the accessors mirror argo-rollouts `utils/defaults/defaults.go`
/// and `pkg/apis/rollouts/v1alpha1/analysis_types.go`).
///
/// Times are seconds; weights are percent of `maxTrafficWeight` (100 unless set).

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rolloutlab::core::argo {

/// Where a value was written: file and 1-based line (0 = unknown).
struct Loc {
  std::string file;
  int line = 0;
};

/// Kubernetes `intstr.IntOrString` as written: unset, an integer, or a string (which may hold
/// `{{args.name}}` placeholders until the arguments are substituted).
struct IntOrString {
  enum class Kind { kUnset, kInt, kString };
  Kind kind = Kind::kUnset;
  long long i = 0;
  std::string s;

  static IntOrString ofInt(long long v) { return {Kind::kInt, v, {}}; }
  static IntOrString ofString(std::string v) { return {Kind::kString, 0, std::move(v)}; }
  bool isSet() const { return kind != Kind::kUnset; }
  /// `IntOrString.IntValue`: the integer, or `strconv.Atoi` of the string (0 when it is not a
  /// number, e.g. "{{args.count}}" or "forever").
  int intValue() const;
  /// As written ("5", "{{args.count}}", "" when unset).
  std::string text() const;
};

/// The metric providers Argo knows (`MetricProvider`).
enum class ProviderKind {
  kNone,
  kPrometheus,
  kWeb,
  kJob,
  kKayenta,
  kDatadog,
  kNewRelic,
  kWavefront,
  kCloudWatch,
  kGraphite,
  kInfluxdb,
  kSkyWalking,
  kPlugin,
};
const char* toString(ProviderKind k);

/// `kayenta.scopes[].controlScope` / `experimentScope`.
struct KayentaScopeDetail {
  std::string scope;
  std::string region;
  long long step = 0;
  std::string start;
  std::string end;
};

struct KayentaScope {
  std::string name;
  KayentaScopeDetail controlScope;
  KayentaScopeDetail experimentScope;
};

/// `provider.kayenta`.
struct KayentaProvider {
  std::string address;
  std::string application;
  std::string canaryConfigName;
  std::string metricsAccountName;
  std::string configurationAccountName;
  std::string storageAccountName;
  long long pass = 0;      ///< threshold.pass (score >= pass is Successful)
  long long marginal = 0;  ///< threshold.marginal (marginal <= score < pass is Inconclusive)
  std::vector<KayentaScope> scopes;
  bool lookback = false;
};

/// `provider.web`.
struct WebProvider {
  std::string method;  ///< GET (default), POST, PUT
  std::string url;
  std::string jsonPath;
  std::string body;
  bool hasJsonBody = false;
  std::vector<std::pair<std::string, std::string>> headers;
  long long timeoutSeconds = 0;
};

/// One entry of `spec.metrics`.
struct Metric {
  std::string name;
  std::string interval;      ///< Go duration string; empty = not set
  std::string initialDelay;  ///< Go duration string; empty = not set
  IntOrString count;
  IntOrString failureLimit;
  IntOrString inconclusiveLimit;
  IntOrString consecutiveErrorLimit;
  IntOrString consecutiveSuccessLimit;
  std::string successCondition;
  std::string failureCondition;
  ProviderKind provider = ProviderKind::kNone;
  int providerCount = 0;  ///< how many providers are set (validation wants exactly one)
  std::string prometheusQuery;
  std::string prometheusAddress;
  WebProvider web;
  KayentaProvider kayenta;
  /// Every string of the provider block (keys and values) that `{{args.*}}` substitution
  /// touches, e.g. a job's pod spec; only checked for unresolved placeholders.
  std::vector<std::string> providerStrings;
  Loc loc;

  /// `Metric.EffectiveCount`: count unset or 0 and no interval -> 1; count unset or 0 with an
  /// interval -> nullopt (runs until a limit or termination); otherwise count.
  std::optional<int> effectiveCount() const;
  /// failureLimit, default 0 (-1 disables it).
  int failureLimitValue() const { return failureLimit.isSet() ? failureLimit.intValue() : 0; }
  /// inconclusiveLimit, default 0.
  int inconclusiveLimitValue() const {
    return inconclusiveLimit.isSet() ? inconclusiveLimit.intValue() : 0;
  }
  /// `defaults.GetConsecutiveErrorLimitOrDefault`: default 4.
  int consecutiveErrorLimitValue() const;
  /// consecutiveSuccessLimit, default 0 (not used).
  int consecutiveSuccessLimitValue() const {
    return consecutiveSuccessLimit.isSet() ? consecutiveSuccessLimit.intValue() : 0;
  }
  /// interval in seconds; nullopt when unset or not a Go duration.
  std::optional<double> intervalSeconds() const;
  std::optional<double> initialDelaySeconds() const;
};

/// `valueFrom` of an argument.
struct ArgValueFrom {
  enum class Kind { kNone, kSecretKeyRef, kFieldRef, kPodTemplateHashValue };
  Kind kind = Kind::kNone;
  std::string secretName, secretKey;  ///< secretKeyRef (templates only)
  std::string fieldPath;              ///< fieldRef
  std::string podTemplateHashValue;   ///< Latest | Stable
};

/// An argument of a template (`Argument`) or of a rollout's analysis (`AnalysisRunArgument`).
struct Argument {
  std::string name;
  std::optional<std::string> value;
  ArgValueFrom valueFrom;
  Loc loc;
};

struct DryRun {
  std::string metricName;  ///< unanchored Go regular expression
};

struct MeasurementRetention {
  std::string metricName;  ///< unanchored Go regular expression
  int limit = 0;
};

/// `templates[]` of a rollout analysis (or of a template, nested).
struct TemplateRef {
  std::string templateName;
  bool clusterScope = false;
  Loc loc;
};

/// `AnalysisTemplate` / `ClusterAnalysisTemplate`.
struct AnalysisTemplateSpec {
  std::string name;
  std::string namespace_;
  bool clusterScoped = false;
  std::vector<Metric> metrics;
  std::vector<Argument> args;
  std::vector<DryRun> dryRun;
  std::vector<MeasurementRetention> measurementRetention;
  std::vector<TemplateRef> templates;  ///< nested template references
  Loc loc;
};

/// `RolloutAnalysis`: a step analysis, background analysis or blue-green pre/post analysis.
struct RolloutAnalysis {
  std::vector<TemplateRef> templates;
  std::vector<Argument> args;
  std::vector<DryRun> dryRun;
  std::vector<MeasurementRetention> measurementRetention;
  std::optional<int> startingStep;  ///< background analysis only
  Loc loc;
};

/// `setCanaryScale`.
struct SetCanaryScale {
  std::optional<int> replicas;
  std::optional<int> weight;
  bool matchTrafficWeight = false;
};

/// One canary step. Upstream allows several actions in one step object; `kinds` lists every
/// action present, in the order `completedCurrentCanaryStep` tests them.
struct CanaryStep {
  enum class Kind {
    kSetWeight,
    kPause,
    kAnalysis,
    kExperiment,
    kSetCanaryScale,
    kSetHeaderRoute,
    kSetMirrorRoute,
    kPlugin,
  };
  std::vector<Kind> kinds;
  std::optional<int> setWeight;
  bool hasPause = false;
  /// Pause duration in seconds (nullopt = indefinite). `RolloutPause.DurationSeconds`: an int,
  /// a bare number string, or a Go duration; -1 when it parses as none of them.
  std::optional<int> pauseSeconds;
  std::string pauseRaw;  ///< as written
  RolloutAnalysis analysis;
  SetCanaryScale setCanaryScale;
  std::string routeName;  ///< setHeaderRoute / setMirrorRoute name
  /// setHeaderRoute / setMirrorRoute: how many `match` entries are written. None (or an empty
  /// list) removes the route (istio.go reconcileVirtualServiceHeaderRoutes /
  /// reconcileVirtualServiceMirrorRoutes: `Match == nil`).
  int routeMatches = 0;
  /// setMirrorRoute `percentage` (nullopt: unset, which createMirrorRoute reads as 100).
  std::optional<int> mirrorPercentage;
  std::string pluginName;
  Loc loc;

  bool has(Kind k) const;
  /// `CanaryStepString`: "setWeight: 20", "pause", "pause: 30s", "analysis", ...
  std::string toString() const;
};
const char* toString(CanaryStep::Kind k);

/// `strategy.canary`.
struct CanaryStrategy {
  std::vector<CanaryStep> steps;
  bool trafficRouting = false;    ///< trafficRouting is set
  std::string router;             ///< istio, nginx, alb, smi, ... ("" without traffic routing)
  bool requiresServices = false;  ///< the router needs canaryService and stableService
  std::vector<std::string> managedRoutes;
  std::optional<int> maxTrafficWeight;
  std::string canaryService;
  std::string stableService;
  IntOrString maxSurge;
  IntOrString maxUnavailable;
  std::optional<RolloutAnalysis> analysis;  ///< background analysis
  std::optional<int> abortScaleDownDelaySeconds;
  std::optional<int> scaleDownDelaySeconds;
  bool dynamicStableScale = false;
  std::optional<int> minPodsPerReplicaSet;
};

/// `strategy.blueGreen`.
struct BlueGreenStrategy {
  std::string activeService;
  std::string previewService;
  std::optional<int> previewReplicaCount;
  std::optional<bool> autoPromotionEnabled;
  int autoPromotionSeconds = 0;
  std::optional<RolloutAnalysis> prePromotionAnalysis;
  std::optional<RolloutAnalysis> postPromotionAnalysis;
  std::optional<int> scaleDownDelaySeconds;
  std::optional<int> abortScaleDownDelaySeconds;
};

/// `Rollout`.
struct RolloutSpec {
  std::string name;
  std::string namespace_;
  std::optional<int> replicas;
  std::optional<int> progressDeadlineSeconds;
  bool progressDeadlineAbort = false;
  bool paused = false;
  std::optional<CanaryStrategy> canary;
  std::optional<BlueGreenStrategy> blueGreen;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  /// Every scalar of the manifest by dotted path ("spec.template.spec.containers.0.image"),
  /// for `valueFrom.fieldRef` arguments outside metadata.
  std::map<std::string, std::string> fields;
  Loc loc;

  /// `GetReplicasOrDefault`: 1.
  int replicasOrDefault() const { return replicas.value_or(1); }
  /// `GetProgressDeadlineSecondsOrDefault`: 600.
  int progressDeadline() const { return progressDeadlineSeconds.value_or(600); }
  /// `weightutil.MaxTrafficWeight`: trafficRouting.maxTrafficWeight, else 100.
  int maxTrafficWeight() const;
  /// `GetAbortScaleDownDelaySecondsOrDefault`: nullopt means "never scale down" (an explicit
  /// 0); default 30 for a traffic-routed canary and blue-green, none for a basic canary.
  std::optional<int> abortScaleDownDelay() const;
  /// True when abortScaleDownDelaySeconds is written (`HasExplicitAbortScaleDownDelay`).
  bool explicitAbortScaleDownDelay() const;
  /// `GetScaleDownDelaySecondsOrDefault`: 30 (blue-green, traffic-routed canary), else 0.
  int scaleDownDelay() const;
  /// `MaxSurge` / `MaxUnavailable` (`resolveFenceposts`, defaults 25% / 25%; surge rounds up,
  /// unavailable down; both 0 -> unavailable 1).
  int maxSurgeValue() const;
  int maxUnavailableValue() const;
  /// "canary" or "blueGreen".
  const char* strategyName() const;
};

/// Kubernetes `intstr.GetValueFromIntOrPercent`: an int, or "N%" of `total` rounded up or down.
/// nullopt when the string is neither.
std::optional<int> valueFromIntOrPercent(const IntOrString& v, int total, bool roundUp);

/// `time.ParseDuration` in seconds; nullopt when it does not parse (go::parseDuration).
std::optional<double> goDurationSeconds(const std::string& s);

/// The argo-rollouts `fasttemplate` substitution of `{{args.name}}` tags (whitespace inside the
/// braces is trimmed). Fails (returns false and sets `*error` to `failed to resolve {{tag}}`)
/// on a tag that names no supplied argument or an unterminated `{{`.
bool substituteArgs(const std::string& text, const std::map<std::string, std::string>& args,
                    std::string* out, std::string* error);

/// The synthetic pod-template hashes rolloutlab gives the stable and the new ReplicaSet
/// (valueFrom.podTemplateHashValue Stable | Latest, and AnalysisRun names).
inline constexpr const char* kStablePodHash = "789746c88d";
inline constexpr const char* kNewPodHash = "7bf84f9696";
/// The revision of the new ReplicaSet (the stable one is revision 1).
inline constexpr int kNewRevision = 2;

}  // namespace rolloutlab::core::argo
