#include "rolloutlab/core/flagger_queries.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/go/template.h"

namespace rolloutlab::core::flagger {

namespace {

struct ObserverName {
  Observer o;
  const char* name;
};
constexpr ObserverName kObserverNames[] = {
    {Observer::kIstio, "istio"},     {Observer::kLinkerd, "linkerd"},
    {Observer::kAppMesh, "appmesh"}, {Observer::kContour, "contour"},
    {Observer::kGloo, "gloo"},       {Observer::kNginx, "nginx"},
    {Observer::kKuma, "kuma"},       {Observer::kKnative, "knative"},
    {Observer::kSkipper, "skipper"}, {Observer::kTraefik, "traefik"},
    {Observer::kApisix, "apisix"},   {Observer::kOsm, "osm"},
    {Observer::kHttp, "http"},
};

// The query templates of pkg/metrics/observers/<observer>.go. Only the placement of whitespace
// matters to what Flagger sends (trimQuery collapses every run to one space); the layout here
// keeps the upstream token sequence and whitespace positions so that the sent queries are
// byte-identical to Flagger's (checked against the expectations of each observer's _test.go).
struct Templates {
  std::string successRate;
  std::string duration;
};

Templates istio() {
  return {R"q(
  sum(
    rate(
      istio_requests_total{
        reporter="destination",
        destination_workload_namespace="{{ namespace }}",
        destination_workload=~"{{ target }}",
        response_code!~"5.*"
      }[{{ interval }}]
    )
  )
  /
  sum(
    rate(
      istio_requests_total{
        reporter="destination",
        destination_workload_namespace="{{ namespace }}",
        destination_workload=~"{{ target }}"
      }[{{ interval }}]
    )
  )
  * 100)q",
          R"q(
  histogram_quantile(
    0.99,
    sum(
      rate(
        istio_request_duration_milliseconds_bucket{
          reporter="destination",
          destination_workload_namespace="{{ namespace }}",
          destination_workload=~"{{ target }}"
        }[{{ interval }}]
      )
    ) by (le)
  ))q"};
}

Templates linkerd() {
  return {R"q(
  sum(
    rate(
      response_total{
        namespace="{{ namespace }}",
        deployment=~"{{ target }}",
        classification!="failure",
        direction="inbound"
      }[{{ interval }}]
    )
  )
  /
  sum(
    rate(
      response_total{
        namespace="{{ namespace }}",
        deployment=~"{{ target }}",
        direction="inbound"
      }[{{ interval }}]
    )
  )
  * 100)q",
          R"q(
  histogram_quantile(
    0.99,
    sum(
      rate(
        response_latency_ms_bucket{
          namespace="{{ namespace }}",
          deployment=~"{{ target }}",
          direction="inbound"
        }[{{ interval }}]
      )
    ) by (le)
  ))q"};
}

Templates appmesh() {
  return {R"q(
  sum(
    rate(
      envoy_cluster_upstream_rq{
        kubernetes_namespace="{{ namespace }}",
        kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)",
        envoy_response_code!~"5.*"
      }[{{ interval }}]
    )
  )
  /
  sum(
    rate(
      envoy_cluster_upstream_rq{
        kubernetes_namespace="{{ namespace }}",
        kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"
      }[{{ interval }}]
    )
  )
  * 100)q",
          R"q(
  histogram_quantile(
    0.99,
    sum(
      rate(
        envoy_cluster_upstream_rq_time_bucket{
          kubernetes_namespace="{{ namespace }}",
          kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"
        }[{{ interval }}]
      )
    ) by (le)
  ))q"};
}

// contour, gloo, kuma and knative share one shape: a single regex matcher with a trailing comma.
Templates envoyCluster(const std::string& matcher) {
  return {R"q(
  sum(
    rate(
      envoy_cluster_upstream_rq{
        )q" + matcher +
              R"q(,
        envoy_response_code!~"5.*"
      }[{{ interval }}]
    )
  )
  /
  sum(
    rate(
      envoy_cluster_upstream_rq{
        )q" + matcher +
              R"q(,
      }[{{ interval }}]
    )
  )
  * 100)q",
          R"q(
  histogram_quantile(
    0.99,
    sum(
      rate(
        envoy_cluster_upstream_rq_time_bucket{
          )q" +
              matcher + R"q(,
        }[{{ interval }}]
      )
    ) by (le)
  ))q"};
}

Templates nginx() {
  return {R"q(
  sum(
    rate(
      nginx_ingress_controller_requests{
        namespace="{{ namespace }}",
        ingress="{{ ingress }}",
        canary!="",
        status!~"5.*"
      }[{{ interval }}]
    )
  )
  /
  sum(
    rate(
      nginx_ingress_controller_requests{
        namespace="{{ namespace }}",
        ingress="{{ ingress }}",
        canary!=""
      }[{{ interval }}]
    )
  )
  * 100)q",
          R"q(
  sum(
    rate(
      nginx_ingress_controller_response_duration_seconds_sum{
        namespace="{{ namespace }}",
        ingress="{{ ingress }}",
        canary!=""
      }[{{ interval }}]
    )
  )
  /
  sum(
    rate(
      nginx_ingress_controller_response_duration_seconds_count{
        namespace="{{ namespace }}",
        ingress="{{ ingress }}",
        canary!=""
      }[{{ interval }}]
    )
  )
  * 1000)q"};
}

Templates skipper() {
  // skipper.go routePattern: a template variable assembled with printf.
  const std::string route =
      R"q({{- $route := printf "kube(ew)?_%s__%s_canary__.*__%s_canary(_[0-9]+)?" namespace ingress service }})q";
  return {route + R"q(
  sum(rate(skipper_response_duration_seconds_bucket{route=~"{{ $route }}",code!~"5..",le="+Inf"}[{{ interval }}])) /
  sum(rate(skipper_response_duration_seconds_bucket{route=~"{{ $route }}",le="+Inf"}[{{ interval }}])) * 100)q",
          route + R"q(
  sum(rate(skipper_serve_route_duration_seconds_sum{route=~"{{ $route }}"}[{{ interval }}])) /
  sum(rate(skipper_serve_route_duration_seconds_count{route=~"{{ $route }}"}[{{ interval }}])) * 1000)q"};
}

Templates traefik() {
  return {R"q(
  sum(
    rate(
      traefik_service_request_duration_seconds_bucket{
        service=~"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd",
        code!~"5..",
        le="+Inf"
      }[{{ interval }}]
    )
  )
  /
  sum(
    rate(
      traefik_service_request_duration_seconds_bucket{
        service=~"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd",
        le="+Inf"
      }[{{ interval }}]
    )
  ) * 100)q",
          R"q(
  histogram_quantile(
    0.99,
    sum(
      rate(
        traefik_service_request_duration_seconds_bucket{
          service=~"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd"
        }[{{ interval }}]
      )
    ) by (le)
  ) * 1000)q"};
}

Templates apisix() {
  return {R"q(
  sum(
    rate(
      apisix_http_status{
        route=~"{{ namespace }}_{{ route }}-{{ target }}-canary_.+",
        code!~"5.."
      }[{{ interval }}]
    )
  )
  /
  sum(
    rate(
      apisix_http_status{
        route=~"{{ namespace }}_{{ route }}-{{ target }}-canary_.+"
      }[{{ interval }}]
    )
  ) * 100)q",
          R"q(
  histogram_quantile(
    0.99,
    sum(
      rate(
        apisix_http_latency_bucket{
          type=~"request",
          route=~"{{ namespace }}_{{ route }}-{{ target }}-canary_.+"
        }[{{ interval }}]
      )
    ) by (le)
  ))q"};
}

Templates osm() {
  return {R"q(
  sum(
    rate(
      osm_request_total{
        destination_namespace="{{ namespace }}",
        destination_kind="Deployment",
        destination_name="{{ target }}",
        response_code!~"5.*"
      }[{{ interval }}]
    )
  )
  /
  sum(
    rate(
      osm_request_total{
        destination_namespace="{{ namespace }}",
        destination_kind="Deployment",
        destination_name="{{ target }}"
      }[{{ interval }}]
    )
  )
  * 100)q",
          R"q(
  histogram_quantile(
    0.99,
    sum(
      rate(
        osm_request_duration_ms_bucket{
          destination_namespace="{{ namespace }}",
          destination_kind="Deployment",
          destination_name="{{ target }}"
        }[{{ interval }}]
      )
    ) by (le)
  ))q"};
}

Templates http() {
  return {R"q(
  sum(
    rate(
      http_request_duration_seconds_count{
        kubernetes_namespace="{{ namespace }}",
        kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)",
        status!~"5.*"
      }[{{ interval }}]
    )
  )
  /
  sum(
    rate(
      http_request_duration_seconds_count{
        kubernetes_namespace="{{ namespace }}",
        kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"
      }[{{ interval }}]
    )
  )
  * 100)q",
          R"q(
  histogram_quantile(
    0.99,
    sum(
      rate(
        http_request_duration_seconds_bucket{
          kubernetes_namespace="{{ namespace }}",
          kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"
        }[{{ interval }}]
      )
    ) by (le)
  ))q"};
}

const Templates& templatesFor(Observer o) {
  static const Templates kIstio = istio();
  static const Templates kLinkerd = linkerd();
  static const Templates kAppMesh = appmesh();
  static const Templates kContour =
      envoyCluster(R"q(envoy_cluster_name=~"{{ namespace }}_{{ service }}-canary_[0-9a-zA-Z-]+")q");
  static const Templates kGloo = envoyCluster(
      R"q(envoy_cluster_name=~"{{ namespace }}-{{ target }}-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+")q");
  static const Templates kKuma =
      envoyCluster(R"q(service=~"{{ target }}-canary_{{ namespace }}_svc_[0-9a-zA-Z-]+")q");
  static const Templates kKnative =
      envoyCluster(R"q(envoy_cluster_name=~"{{ namespace }}/{{ route }}")q");
  static const Templates kNginx = nginx();
  static const Templates kSkipper = skipper();
  static const Templates kTraefik = traefik();
  static const Templates kApisix = apisix();
  static const Templates kOsm = osm();
  static const Templates kHttp = http();
  switch (o) {
    case Observer::kIstio:
      return kIstio;
    case Observer::kLinkerd:
      return kLinkerd;
    case Observer::kAppMesh:
      return kAppMesh;
    case Observer::kContour:
      return kContour;
    case Observer::kGloo:
      return kGloo;
    case Observer::kNginx:
      return kNginx;
    case Observer::kKuma:
      return kKuma;
    case Observer::kKnative:
      return kKnative;
    case Observer::kSkipper:
      return kSkipper;
    case Observer::kTraefik:
      return kTraefik;
    case Observer::kApisix:
      return kApisix;
    case Observer::kOsm:
      return kOsm;
    case Observer::kHttp:
      return kHttp;
  }
  return kIstio;
}

// Go regexp `\W` replaced by "_", rune by rune (skipper.go encodeModelForSkipper).
std::string encodeForSkipper(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 1;
    if (c >= 0xF0) {
      len = 4;
    } else if (c >= 0xE0) {
      len = 3;
    } else if (c >= 0xC0) {
      len = 2;
    }
    const bool word =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    out += word ? static_cast<char>(c) : '_';
    i += std::min(len, s.size() - i);
  }
  return out;
}

// Go's int64(float64) on amd64 (CVTTSD2SQ): truncation; NaN and out-of-range give INT64_MIN.
std::int64_t goInt64(double v) {
  if (!(v > -9223372036854775808.0 && v < 9223372036854775808.0)) {
    return std::numeric_limits<std::int64_t>::min();
  }
  return static_cast<std::int64_t>(v);
}

// Go's wrapping int64 multiplication.
std::int64_t wrapMul(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
}

}  // namespace

const char* toString(Observer o) {
  for (const auto& n : kObserverNames) {
    if (n.o == o) return n.name;
  }
  return "istio";
}

std::optional<Observer> observerFromString(std::string_view s) {
  for (const auto& n : kObserverNames) {
    if (s == n.name) return n.o;
  }
  return std::nullopt;
}

const char* toString(BuiltinMetric m) {
  return m == BuiltinMetric::kRequestSuccessRate ? "request-success-rate" : "request-duration";
}

std::optional<BuiltinMetric> builtinMetricFromString(std::string_view s) {
  if (s == "request-success-rate") return BuiltinMetric::kRequestSuccessRate;
  if (s == "request-duration") return BuiltinMetric::kRequestDuration;
  return std::nullopt;
}

MetricTemplateModel makeModel(std::string_view canaryName, std::string_view ns,
                              std::string_view targetName, std::string_view serviceName,
                              std::string_view ingressRefName, std::string_view routeRefName,
                              std::string_view interval,
                              std::map<std::string, std::string> variables) {
  // scheduler_metrics.go toMetricModel.
  MetricTemplateModel m;
  m.name = canaryName;
  m.namespace_ = ns;
  m.target = targetName;
  m.service = serviceName.empty() ? targetName : serviceName;
  m.ingress = ingressRefName.empty() ? targetName : ingressRefName;
  m.route = routeRefName.empty() ? targetName : routeRefName;
  m.interval = interval;
  m.variables = std::move(variables);
  return m;
}

std::string metricsProvider(std::string_view meshProvider, std::string_view specProvider,
                            std::string_view targetKind, std::string_view targetApiVersion) {
  // scheduler_metrics.go runBuiltinMetricChecks.
  std::string p = meshProvider.find("crossover") != std::string_view::npos
                      ? std::string("crossover")
                      : std::string(meshProvider);
  if (!specProvider.empty()) {
    p = specProvider;
    if (meshProvider.find("linkerd") != std::string_view::npos) p = "linkerd";
  }
  const bool knative = targetKind == "Service" && targetApiVersion == "serving.knative.dev/v1";
  if (targetKind == "Service" && !knative) p += ":service";
  return p;
}

Observer observerFor(std::string_view p) {
  // observers/factory.go Observer, in its order of cases.
  if (p.starts_with("appmesh")) return Observer::kAppMesh;
  if (p == "linkerd") return Observer::kLinkerd;
  if (p == "istio") return Observer::kIstio;
  if (p == "contour") return Observer::kContour;
  if (p.starts_with("gloo")) return Observer::kGloo;
  if (p == "nginx") return Observer::kNginx;
  if (p == "kubernetes" || p.starts_with("gatewayapi")) return Observer::kHttp;
  if (p == "skipper") return Observer::kSkipper;
  if (p == "traefik") return Observer::kTraefik;
  if (p == "osm") return Observer::kOsm;
  if (p == "kuma") return Observer::kKuma;
  if (p == "apisix") return Observer::kApisix;
  if (p == "knative") return Observer::kKnative;
  return Observer::kIstio;
}

const std::string& builtinQueryTemplate(Observer o, BuiltinMetric m) {
  const Templates& t = templatesFor(o);
  return m == BuiltinMetric::kRequestSuccessRate ? t.successRate : t.duration;
}

std::string renderTemplate(std::string_view tmpl, const MetricTemplateModel& model) {
  // metric.go TemplateFunctions: one niladic function per model field.
  const std::map<std::string, gotmpl::NullaryFunc> funcs = {
      {"name", [&] { return gotmpl::Value::string(model.name); }},
      {"namespace", [&] { return gotmpl::Value::string(model.namespace_); }},
      {"target", [&] { return gotmpl::Value::string(model.target); }},
      {"service", [&] { return gotmpl::Value::string(model.service); }},
      {"ingress", [&] { return gotmpl::Value::string(model.ingress); }},
      {"route", [&] { return gotmpl::Value::string(model.route); }},
      {"interval", [&] { return gotmpl::Value::string(model.interval); }},
      {"variables", [&] { return gotmpl::Value::strMap(model.variables); }},
  };
  try {
    return gotmpl::execute(tmpl, funcs);
  } catch (const gotmpl::TemplateError& e) {
    // render.go RenderQuery wraps the two failures like this (upstream spelling kept).
    Diagnostic d;
    d.field = "query";
    d.rule = std::string(e.parse ? "template parsing failed: " : "template excution failed: ") +
             e.message;
    throw InputError(d);
  }
}

std::string renderBuiltinQuery(Observer o, BuiltinMetric m, const MetricTemplateModel& model) {
  if (o == Observer::kSkipper) {
    MetricTemplateModel enc = model;
    enc.ingress = encodeForSkipper(model.ingress);
    enc.name = encodeForSkipper(model.name);
    enc.namespace_ = encodeForSkipper(model.namespace_);
    enc.service = encodeForSkipper(model.service);
    enc.target = encodeForSkipper(model.target);
    return renderTemplate(builtinQueryTemplate(o, m), enc);
  }
  return renderTemplate(builtinQueryTemplate(o, m), model);
}

std::string trimQuery(std::string_view query) {
  // prometheus.go trimQuery: regexp `\s+` → " " (RE2 \s is [\t\n\f\r ]).
  std::string out;
  out.reserve(query.size());
  bool inSpace = false;
  for (char c : query) {
    const bool sp = c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
    if (sp) {
      if (!inSpace) out += ' ';
      inSpace = true;
    } else {
      out += c;
      inSpace = false;
    }
  }
  return out;
}

std::string prometheusQuery(Observer o, BuiltinMetric m, const MetricTemplateModel& model) {
  return trimQuery(renderBuiltinQuery(o, m, model));
}

bool durationIsMean(Observer o) { return o == Observer::kNginx || o == Observer::kSkipper; }

std::int64_t requestDurationNanos(Observer o, double value) {
  constexpr std::int64_t kMillisecond = 1000000;
  // http.go: the query answers seconds; the observer converts with int64(value*1000).
  const std::int64_t ms = o == Observer::kHttp ? goInt64(value * 1000) : goInt64(value);
  return wrapMul(ms, kMillisecond);
}

std::int64_t thresholdNanos(double milliseconds) { return wrapMul(goInt64(milliseconds), 1000000); }

ProviderAnswer readPrometheusAnswer(const promql::QueryResult& r) {
  ProviderAnswer a;
  switch (r.kind) {
    case promql::ResultKind::kError:
      a.outcome = ProviderOutcome::kError;
      a.error = r.error;
      return a;
    case promql::ResultKind::kScalar:
      // `result` is then [t, "v"], which does not decode into the provider's list of series.
      a.outcome = ProviderOutcome::kError;
      a.error = "error unmarshaling result: a scalar result is not a list of series";
      return a;
    case promql::ResultKind::kVector:
      break;
  }
  if (r.vector.empty() || std::isnan(r.vector.back().value)) {
    a.outcome = ProviderOutcome::kNoValues;
    a.error = "no values found";
    return a;
  }
  a.outcome = ProviderOutcome::kValue;
  a.value = r.vector.back().value;
  return a;
}

}  // namespace rolloutlab::core::flagger
