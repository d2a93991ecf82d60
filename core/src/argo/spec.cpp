// Argo Rollouts spec model: defaults and small helpers, each naming the argo-rollouts function
// it reproduces.

#include "rolloutlab/core/argo/spec.h"

#include <cctype>
#include <charconv>
#include <climits>
#include <cmath>

#include "rolloutlab/core/go/duration.h"

namespace rolloutlab::core::argo {

namespace {

// strconv.Atoi: optional sign and decimal digits, nothing else; out of int range fails.
std::optional<long long> atoi(const std::string& s) {
  if (s.empty()) return std::nullopt;
  std::size_t i = 0;
  if (s[0] == '+' || s[0] == '-') i = 1;
  if (i >= s.size()) return std::nullopt;
  for (std::size_t j = i; j < s.size(); ++j) {
    if (!std::isdigit(static_cast<unsigned char>(s[j]))) return std::nullopt;
  }
  long long v = 0;
  const char* b = s.data() + (s[0] == '+' ? 1 : 0);
  const auto r = std::from_chars(b, s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

int IntOrString::intValue() const {
  // k8s.io/apimachinery intstr.IntOrString.IntValue: strconv.Atoi of a string, 0 on error.
  if (kind == Kind::kInt) return static_cast<int>(i);
  if (kind == Kind::kString) {
    const auto v = atoi(s);
    if (!v || *v > INT_MAX || *v < INT_MIN) return 0;
    return static_cast<int>(*v);
  }
  return 0;
}

std::string IntOrString::text() const {
  if (kind == Kind::kInt) return std::to_string(i);
  if (kind == Kind::kString) return s;
  return {};
}

const char* toString(ProviderKind k) {
  switch (k) {
    case ProviderKind::kNone:
      return "none";
    case ProviderKind::kPrometheus:
      return "prometheus";
    case ProviderKind::kWeb:
      return "web";
    case ProviderKind::kJob:
      return "job";
    case ProviderKind::kKayenta:
      return "kayenta";
    case ProviderKind::kDatadog:
      return "datadog";
    case ProviderKind::kNewRelic:
      return "newRelic";
    case ProviderKind::kWavefront:
      return "wavefront";
    case ProviderKind::kCloudWatch:
      return "cloudWatch";
    case ProviderKind::kGraphite:
      return "graphite";
    case ProviderKind::kInfluxdb:
      return "influxdb";
    case ProviderKind::kSkyWalking:
      return "skywalking";
    case ProviderKind::kPlugin:
      return "plugin";
  }
  return "?";
}

std::optional<int> Metric::effectiveCount() const {
  // analysis_types.go Metric.EffectiveCount
  if (!count.isSet() || count.intValue() == 0) {
    if (interval.empty()) return 1;
    return std::nullopt;
  }
  return count.intValue();
}

int Metric::consecutiveErrorLimitValue() const {
  // defaults.go GetConsecutiveErrorLimitOrDefault: DefaultConsecutiveErrorLimit = 4
  return consecutiveErrorLimit.isSet() ? consecutiveErrorLimit.intValue() : 4;
}

std::optional<double> Metric::intervalSeconds() const {
  if (interval.empty()) return std::nullopt;
  return goDurationSeconds(interval);
}

std::optional<double> Metric::initialDelaySeconds() const {
  if (initialDelay.empty()) return std::nullopt;
  return goDurationSeconds(initialDelay);
}

const char* toString(CanaryStep::Kind k) {
  switch (k) {
    case CanaryStep::Kind::kSetWeight:
      return "setWeight";
    case CanaryStep::Kind::kPause:
      return "pause";
    case CanaryStep::Kind::kAnalysis:
      return "analysis";
    case CanaryStep::Kind::kExperiment:
      return "experiment";
    case CanaryStep::Kind::kSetCanaryScale:
      return "setCanaryScale";
    case CanaryStep::Kind::kSetHeaderRoute:
      return "setHeaderRoute";
    case CanaryStep::Kind::kSetMirrorRoute:
      return "setMirrorRoute";
    case CanaryStep::Kind::kPlugin:
      return "plugin";
  }
  return "?";
}

bool CanaryStep::has(Kind k) const {
  for (Kind x : kinds) {
    if (x == k) return true;
  }
  return false;
}

std::string CanaryStep::toString() const {
  // utils/rollout/rolloututil.go CanaryStepString
  if (setWeight) return "setWeight: " + std::to_string(*setWeight);
  if (hasPause) return pauseRaw.empty() ? "pause" : "pause: " + pauseRaw;
  if (has(Kind::kExperiment)) return "experiment";
  if (has(Kind::kAnalysis)) return "analysis";
  if (has(Kind::kSetCanaryScale)) {
    if (setCanaryScale.weight)
      return "setCanaryScale{weight: " + std::to_string(*setCanaryScale.weight) + "}";
    if (setCanaryScale.matchTrafficWeight) return "setCanaryScale{matchTrafficWeight: true}";
    if (setCanaryScale.replicas) {
      return "setCanaryScale{replicas: " + std::to_string(*setCanaryScale.replicas) + "}";
    }
  }
  if (has(Kind::kPlugin)) return "plugin: " + pluginName;
  if (has(Kind::kSetHeaderRoute)) return "setHeaderRoute: " + routeName;
  if (has(Kind::kSetMirrorRoute)) return "setMirrorRoute: " + routeName;
  return "invalid";
}

int RolloutSpec::maxTrafficWeight() const {
  // weightutil.MaxTrafficWeight
  if (canary && canary->trafficRouting && canary->maxTrafficWeight)
    return *canary->maxTrafficWeight;
  return 100;
}

std::optional<int> RolloutSpec::abortScaleDownDelay() const {
  // defaults.go GetAbortScaleDownDelaySecondsOrDefault: an explicit 0 means "never".
  if (blueGreen) {
    if (blueGreen->abortScaleDownDelaySeconds) {
      if (*blueGreen->abortScaleDownDelaySeconds == 0) return std::nullopt;
      return *blueGreen->abortScaleDownDelaySeconds;
    }
    return 30;
  }
  if (canary && canary->trafficRouting) {
    if (canary->abortScaleDownDelaySeconds) {
      if (*canary->abortScaleDownDelaySeconds == 0) return std::nullopt;
      return *canary->abortScaleDownDelaySeconds;
    }
    return 30;
  }
  return 0;
}

bool RolloutSpec::explicitAbortScaleDownDelay() const {
  // defaults.go HasExplicitAbortScaleDownDelay
  if (blueGreen) return blueGreen->abortScaleDownDelaySeconds.has_value();
  if (canary && canary->trafficRouting) return canary->abortScaleDownDelaySeconds.has_value();
  return false;
}

int RolloutSpec::scaleDownDelay() const {
  // defaults.go GetScaleDownDelaySecondsOrDefault (DefaultScaleDownDelaySeconds = 30)
  if (blueGreen) return blueGreen->scaleDownDelaySeconds.value_or(30);
  if (canary && canary->trafficRouting) return canary->scaleDownDelaySeconds.value_or(30);
  return 0;
}

std::optional<int> valueFromIntOrPercent(const IntOrString& v, int total, bool roundUp) {
  // k8s.io/apimachinery intstr.GetScaledValueFromIntOrPercent
  if (v.kind == IntOrString::Kind::kInt) return static_cast<int>(v.i);
  if (v.kind == IntOrString::Kind::kString) {
    if (v.s.empty() || v.s.back() != '%') return std::nullopt;
    const auto p = atoi(v.s.substr(0, v.s.size() - 1));
    if (!p) return std::nullopt;
    const double x = static_cast<double>(*p) * total / 100.0;
    return static_cast<int>(roundUp ? std::ceil(x) : std::floor(x));
  }
  return 0;
}

namespace {

// utils/replicaset/replicaset.go resolveFenceposts with the canary defaults (25% / 25%).
std::pair<int, int> fenceposts(const RolloutSpec& r) {
  const int desired = r.replicasOrDefault();
  IntOrString surge = IntOrString::ofString("25%");
  IntOrString unavailable = IntOrString::ofString("25%");
  if (r.canary && r.canary->maxSurge.isSet()) surge = r.canary->maxSurge;
  if (r.canary && r.canary->maxUnavailable.isSet()) unavailable = r.canary->maxUnavailable;
  const int s = valueFromIntOrPercent(surge, desired, true).value_or(0);
  int u = valueFromIntOrPercent(unavailable, desired, false).value_or(0);
  if (s == 0 && u == 0) u = 1;
  return {s, u};
}

}  // namespace

int RolloutSpec::maxSurgeValue() const {
  // replicaset.go MaxSurge: 0 for blue-green
  if (!canary) return 0;
  return fenceposts(*this).first;
}

int RolloutSpec::maxUnavailableValue() const {
  // replicaset.go MaxUnavailable: capped at spec.replicas
  const int replicas = replicasOrDefault();
  if (replicas == 0) return 0;
  int u = fenceposts(*this).second;
  return u > replicas ? replicas : u;
}

const char* RolloutSpec::strategyName() const { return blueGreen ? "blueGreen" : "canary"; }

std::optional<double> goDurationSeconds(const std::string& s) { return go::parseDuration(s); }

bool substituteArgs(const std::string& text, const std::map<std::string, std::string>& args,
                    std::string* out, std::string* error) {
  // utils/template/template.go ResolveArgs (valyala/fasttemplate with "{{" "}}")
  std::string r;
  r.reserve(text.size());
  std::size_t i = 0;
  bool ok = true;
  while (i < text.size()) {
    const std::size_t open = text.find("{{", i);
    if (open == std::string::npos) {
      r.append(text, i, std::string::npos);
      break;
    }
    r.append(text, i, open - i);
    const std::size_t close = text.find("}}", open + 2);
    if (close == std::string::npos) {
      if (error) *error = "Cannot find end tag=\"}}\" when parsing \"" + text + "\"";
      return false;
    }
    const std::string tag = text.substr(open + 2, close - open - 2);
    std::size_t b = 0, e = tag.size();
    while (b < e && std::isspace(static_cast<unsigned char>(tag[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(tag[e - 1]))) --e;
    const std::string clean = tag.substr(b, e - b);
    bool found = false;
    if (clean.rfind("args.", 0) == 0) {
      const auto it = args.find(clean.substr(5));
      if (it != args.end()) {
        r += it->second;
        found = true;
      }
    }
    if (!found) {  // fasttemplate keeps the last unresolved tag's error
      ok = false;
      if (error) *error = "failed to resolve {{" + tag + "}}";
    }
    i = close + 2;
  }
  if (out) *out = std::move(r);
  return ok;
}

}  // namespace rolloutlab::core::argo
