#pragma once
/// Flagger's builtin metric queries and how Flagger renders, sends and reads them.
///
/// Reproduces fluxcd/flagger 1.44 (`pkg/metrics/observers/*.go`, `render.go`,
/// `pkg/apis/flagger/v1beta1/metric.go` `TemplateFunctions`,
/// `pkg/metrics/providers/prometheus.go` `RunQuery`/`trimQuery`,
/// `pkg/controller/scheduler_metrics.go` `runBuiltinMetricChecks`/`toMetricModel`).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "rolloutlab/core/promql/query.h"

namespace rolloutlab::core::flagger {

/// The observers Flagger has (`observers/factory.go`).
enum class Observer {
  kIstio,    ///< istio.go (also the fallback for unknown providers)
  kLinkerd,  ///< linkerd.go
  kAppMesh,  ///< appmesh.go (provider prefix "appmesh")
  kContour,  ///< contour.go
  kGloo,     ///< gloo.go (provider prefix "gloo")
  kNginx,    ///< nginx.go
  kKuma,     ///< kuma.go
  kKnative,  ///< knative.go
  kSkipper,  ///< skipper.go
  kTraefik,  ///< traefik.go
  kApisix,   ///< apisix.go
  kOsm,      ///< osm.go
  kHttp,     ///< http.go: providers "kubernetes" and prefix "gatewayapi"
};

/// `istio`, `linkerd`, ... (`http` for kHttp).
const char* toString(Observer o);
/// Inverse of `toString`.
std::optional<Observer> observerFromString(std::string_view s);

/// The two builtin metrics.
enum class BuiltinMetric {
  kRequestSuccessRate,  ///< `request-success-rate`: percent 0–100
  kRequestDuration,     ///< `request-duration`: milliseconds (see `requestDurationNanos`)
};

/// `request-success-rate` or `request-duration`.
const char* toString(BuiltinMetric m);
std::optional<BuiltinMetric> builtinMetricFromString(std::string_view s);

/// The model a query template is rendered with (`MetricTemplateModel`).
struct MetricTemplateModel {
  std::string name;        ///< the Canary's name
  std::string namespace_;  ///< the Canary's namespace
  std::string target;      ///< targetRef.name (the canary workload)
  std::string service;     ///< service.name, else targetRef.name
  std::string ingress;     ///< ingressRef.name, else targetRef.name
  std::string route;       ///< routeRef.name, else targetRef.name (Knative: latest revision)
  std::string interval;    ///< the metric's interval, e.g. `1m`
  std::map<std::string, std::string> variables;  ///< templateVariables
};

/// Builds the model as `toMetricModel` does from Canary fields (empty optional names fall back
/// to the target).
MetricTemplateModel makeModel(std::string_view canaryName, std::string_view ns,
                              std::string_view targetName, std::string_view serviceName,
                              std::string_view ingressRefName, std::string_view routeRefName,
                              std::string_view interval,
                              std::map<std::string, std::string> variables = {});

/// The metrics provider string `runBuiltinMetricChecks` computes: the mesh provider (or
/// "crossover" when it contains "crossover"), overridden by `spec.provider` (but "linkerd"
/// whenever the mesh provider contains "linkerd"), with ":service" appended for a Service
/// target that is not a Knative service.
std::string metricsProvider(std::string_view meshProvider, std::string_view specProvider,
                            std::string_view targetKind, std::string_view targetApiVersion);

/// `observers/factory.go` `Observer`: prefix matches for appmesh, gloo and gatewayapi, exact
/// matches for the rest, Istio for anything else (including "crossover" and "<x>:service").
Observer observerFor(std::string_view metricsProvider);

/// The raw Go template of a builtin query, exactly as the observer holds it (whitespace
/// included: Flagger collapses it only when sending).
const std::string& builtinQueryTemplate(Observer o, BuiltinMetric m);

/// Renders a Go text/template query as `RenderQuery` does (`missingkey=error`; functions
/// `name`, `namespace`, `target`, `service`, `ingress`, `route`, `interval`, `variables`, plus
/// `printf`, `print`, `index`, `len` and `$var := ...`). Control actions (`if`, `range`, ...)
/// are not supported. Throws `InputError` with Go's message for parse and execution errors,
/// e.g. a missing `variables` key.
std::string renderTemplate(std::string_view tmpl, const MetricTemplateModel& model);

/// The builtin query rendered with the model (untrimmed). The Skipper observer first replaces
/// every non-word character of name, namespace, target, service and ingress by `_`
/// (`encodeModelForSkipper`).
std::string renderBuiltinQuery(Observer o, BuiltinMetric m, const MetricTemplateModel& model);

/// The Prometheus provider's `trimQuery`: every run of RE2 `\s` (`[\t\n\f\r ]`) becomes one
/// space. Leading and trailing spaces remain.
std::string trimQuery(std::string_view query);

/// What Flagger sends to Prometheus for a builtin metric: `trimQuery(renderBuiltinQuery(...))`.
std::string prometheusQuery(Observer o, BuiltinMetric m, const MetricTemplateModel& model);

/// True when the observer's request-duration query is a mean (`_sum / _count`), not a P99:
/// nginx and skipper.
bool durationIsMean(Observer o);

/// The observer's conversion of a request-duration query value into a Go `time.Duration`
/// (nanoseconds), truncated to whole milliseconds: `time.Duration(int64(v)) * time.Millisecond`,
/// and for http.go (whose query answers seconds) `int64(v * 1000)`. Go's float→int64 conversion
/// is taken as on amd64 (NaN and out-of-range values become INT64_MIN), and the multiplication
/// wraps as Go's does, so +Inf reads as a zero duration.
std::int64_t requestDurationNanos(Observer o, double value);

/// `time.Duration(ms) * time.Millisecond` for a threshold given in (possibly fractional)
/// milliseconds: Flagger truncates `thresholdRange` bounds to whole ms (500.9 → 500 ms).
std::int64_t thresholdNanos(double milliseconds);

/// How the Prometheus provider reads an answer (`prometheus.go` `RunQuery`).
enum class ProviderOutcome {
  kValue,     ///< a number (the last element of the vector)
  kNoValues,  ///< `ErrNoValuesFound`: an empty vector, or NaN
  kError,     ///< a query error, or an answer Flagger cannot decode (a scalar)
};

struct ProviderAnswer {
  ProviderOutcome outcome = ProviderOutcome::kError;
  double value = 0;
  std::string error;
};

/// Flagger's reading of an instant query's answer: with several series the last one wins; an
/// empty vector or a NaN value is "no values"; a scalar result fails to decode (the provider
/// unmarshals `result` as a list of series).
ProviderAnswer readPrometheusAnswer(const promql::QueryResult& r);

}  // namespace rolloutlab::core::flagger
