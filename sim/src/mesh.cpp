// Series layouts per provider. Label sets follow what each builtin query of fluxcd/flagger
// 1.44 selects (pkg/metrics/observers/<provider>.go); bucket bounds are each exporter's
// defaults (Istio and Envoy: the Istio/Envoy default millisecond buckets; Linkerd: its
// response_latency_ms buckets; Prometheus client libraries, Skipper included: DefBuckets in
// seconds).

#include "rolloutlab/sim/mesh.h"

#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::sim {

namespace {

const std::vector<double> kIstioMs = {0.5,   1,      5,      10,      25,     50,    100,
                                      250,   500,    1000,   2500,    5000,   10000, 30000,
                                      60000, 300000, 600000, 1800000, 3600000};
const std::vector<double> kLinkerdMs = {1,    2,    3,     4,     5,     10,    20,   30,   40,
                                        50,   100,  200,   300,   400,   500,   1000, 2000, 3000,
                                        4000, 5000, 10000, 20000, 30000, 40000, 50000};
const std::vector<double> kPromDefaultSeconds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                 0.5,   1,    2.5,   5,    10};
const std::vector<double> kTraefikSeconds = {0.1, 0.3, 1.2, 5};
const std::vector<double> kApisixMs = {1,   2,    5,    10,   20,    50,    100,  200,
                                       500, 1000, 2000, 5000, 10000, 30000, 60000};

bool startsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

/// Skipper's route-id sanitizer (dataclients/kubernetes routeID: every non-word character
/// becomes `_`), which Flagger's skipper.go encodeModelForSkipper mirrors.
std::string skipperWord(const std::string& s) {
  std::string out = s;
  for (char& c : out) {
    const bool word =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!word) c = '_';
  }
  return out;
}

}  // namespace

const std::vector<std::string>& synthesizedProviders() {
  static const std::vector<std::string> p = {
      "istio",   "linkerd",    "appmesh",    "contour", "gloo",   "nginx",   "kuma",
      "traefik", "gatewayapi", "kubernetes", "osm",     "apisix", "skipper", "knative"};
  return p;
}

MeshLayout meshLayout(const std::string& provider) {
  MeshLayout m;
  m.provider = provider;
  if (provider.empty() || provider == "istio") {
    m.provider = "istio";
    m.counter = "istio_requests_total";
    m.codeLabel = "response_code";
    m.successCode = "200";
    m.errorCode = "500";
    m.histogram = "istio_request_duration_milliseconds";
    m.buckets = kIstioMs;
  } else if (provider == "linkerd") {
    m.counter = "response_total";
    m.codeLabel = "classification";
    m.successCode = "success";
    m.errorCode = "failure";
    m.histogram = "response_latency_ms";
    m.buckets = kLinkerdMs;
  } else if (startsWith(provider, "appmesh") || provider == "contour" ||
             startsWith(provider, "gloo") || provider == "kuma") {
    m.provider = startsWith(provider, "appmesh") ? "appmesh"
                 : startsWith(provider, "gloo")  ? "gloo"
                                                 : provider;
    m.counter = "envoy_cluster_upstream_rq";
    m.codeLabel = "envoy_response_code";
    m.successCode = "200";
    m.errorCode = "503";
    m.histogram = "envoy_cluster_upstream_rq_time";
    m.buckets = kIstioMs;
  } else if (provider == "nginx") {
    m.counter = "nginx_ingress_controller_requests";
    m.codeLabel = "status";
    m.successCode = "200";
    m.errorCode = "500";
    m.histogram = "nginx_ingress_controller_response_duration_seconds";
    m.bucketsExported = false;
    m.unitPerMs = 0.001;
    m.buckets = kPromDefaultSeconds;
  } else if (provider == "traefik") {
    m.codeLabel = "code";
    m.successCode = "200";
    m.errorCode = "500";
    m.histogram = "traefik_service_request_duration_seconds";
    m.histogramByCode = true;
    m.unitPerMs = 0.001;
    m.buckets = kTraefikSeconds;
  } else if (provider == "kubernetes" || startsWith(provider, "gatewayapi")) {
    m.provider = provider == "kubernetes" ? "kubernetes" : "gatewayapi";
    m.codeLabel = "status";
    m.successCode = "200";
    m.errorCode = "500";
    m.histogram = "http_request_duration_seconds";
    m.histogramByCode = true;
    m.unitPerMs = 0.001;
    m.buckets = kPromDefaultSeconds;
  } else if (provider == "osm") {
    m.counter = "osm_request_total";
    m.codeLabel = "response_code";
    m.successCode = "200";
    m.errorCode = "500";
    m.histogram = "osm_request_duration_ms";
    m.buckets = kIstioMs;
  } else if (provider == "skipper") {
    // Skipper (metrics/prometheus.go): skipper_response_duration_seconds{code, method, route}
    // (route response metrics are on by default) and, with -serve-route-metrics, which
    // Flagger's Skipper guide turns on, skipper_serve_route_duration_seconds with the same
    // labels; both time every request. skipper.go reads the first's +Inf bucket by code and
    // the second's _sum/_count.
    m.codeLabel = "code";
    m.successCode = "200";
    m.errorCode = "500";
    m.histogram = "skipper_response_duration_seconds";
    m.histogramTwins = {"skipper_serve_route_duration_seconds"};
    m.histogramByCode = true;
    m.unitPerMs = 0.001;
    m.buckets = kPromDefaultSeconds;
  } else if (provider == "knative") {
    // knative.go reads the Envoy of the Knative ingress (Kourier): clusters named
    // "<namespace>/<revision>", the canary's being the latest revision.
    m.counter = "envoy_cluster_upstream_rq";
    m.codeLabel = "envoy_response_code";
    m.successCode = "200";
    m.errorCode = "503";
    m.histogram = "envoy_cluster_upstream_rq_time";
    m.buckets = kIstioMs;
  } else if (provider == "apisix") {
    m.counter = "apisix_http_status";
    m.codeLabel = "code";
    m.successCode = "200";
    m.errorCode = "500";
    m.histogram = "apisix_http_latency";
    m.buckets = kApisixMs;
  } else {
    std::string list;
    for (const auto& p : synthesizedProviders()) list += (list.empty() ? "" : ", ") + p;
    throw core::InputError(
        {core::Severity::kError, "", 0, 0, "provider", core::quoted(provider),
         "rolloutlab cannot synthesize this mesh's series (supported: " + list + ")"});
  }
  return m;
}

std::string knativeRevision(Variant v, const Workload& w) {
  if (v == Variant::kCanary) return w.canaryName.empty() ? w.target + "-00002" : w.canaryName;
  return w.primaryName.empty() ? w.target + "-00001" : w.primaryName;
}

namespace {
std::vector<std::pair<std::string, std::string>> baseLabels(const MeshLayout& m, Variant v,
                                                            const Workload& w);
}  // namespace

std::vector<std::pair<std::string, std::string>> MeshLayout::labels(Variant v,
                                                                    const Workload& w) const {
  auto out = baseLabels(*this, v, w);
  const auto& extra = v == Variant::kCanary ? w.canaryExtra : w.primaryExtra;
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

namespace {
std::vector<std::pair<std::string, std::string>> baseLabels(const MeshLayout& m, Variant v,
                                                            const Workload& w) {
  const std::string& provider = m.provider;
  const bool c = v == Variant::kCanary;
  const std::string canaryName = w.canaryName.empty() ? w.target : w.canaryName;
  const std::string primaryName = w.primaryName.empty() ? w.target + "-primary" : w.primaryName;
  const std::string port = std::to_string(w.port);
  if (provider == "istio") {
    return {{"reporter", "destination"},
            {"destination_workload_namespace", w.ns},
            {"destination_workload", c ? canaryName : primaryName}};
  }
  if (provider == "linkerd") {
    return {{"namespace", w.ns},
            {"deployment", c ? canaryName : primaryName},
            {"direction", "inbound"}};
  }
  if (provider == "appmesh" || provider == "kubernetes" || provider == "gatewayapi") {
    // Pod names: <deployment>-<replicaset hash>-<pod hash>.
    const std::string pod =
        c ? w.target + "-7d9f8c6b5d-x2x4z" : w.target + "-primary-5c6d7e8f9a-q7w8e";
    return {{"kubernetes_namespace", w.ns}, {"kubernetes_pod_name", pod}};
  }
  if (provider == "contour") {
    return {{"envoy_cluster_name", w.ns + "_" + w.service + (c ? "-canary_" : "-primary_") + port}};
  }
  if (provider == "gloo") {
    return {{"envoy_cluster_name", w.ns + "-" + w.target +
                                       (c ? "-canaryupstream-" : "-primaryupstream-") + port +
                                       "_gloo-system"}};
  }
  if (provider == "kuma") {
    return {{"service", w.target + (c ? "-canary_" : "-primary_") + w.ns + "_svc_" + port}};
  }
  if (provider == "nginx") {
    // The canary ingress's series carry the canary annotation's name; the primary's are empty.
    return {{"namespace", w.ns},
            {"ingress", w.ingress},
            {"canary", c ? w.ns + "-" + w.target + "-canary-" + port : ""}};
  }
  if (provider == "traefik") {
    return {{"service",
             w.ns + "-" + w.target + (c ? "-canary-" : "-primary-") + port + "@kubernetescrd"}};
  }
  if (provider == "osm") {
    return {{"destination_namespace", w.ns},
            {"destination_kind", "Deployment"},
            {"destination_name", c ? canaryName : primaryName}};
  }
  if (provider == "skipper") {
    // Route ids of the canary Ingress Flagger's skipper router makes (`<ingress>-canary`, one
    // path per backend: `<service>-primary` and `<service>-canary`), as Skipper names them:
    // kube_<namespace>__<ingress>__<host>__<path>__<backend>, sanitized.
    return {{"method", "GET"},
            {"route", "kube_" + skipperWord(w.ns) + "__" + skipperWord(w.ingress) +
                          "_canary__app_example_com_____" + skipperWord(w.service) +
                          (c ? "_canary" : "_primary")}};
  }
  if (provider == "knative") {
    return {{"envoy_cluster_name", w.ns + "/" + knativeRevision(v, w)}};
  }
  if (provider == "apisix") {
    return {
        {"route", w.ns + "_" + w.route + "-" + w.target + (c ? "-canary_" : "-primary_") + port},
        {"type", "request"}};
  }
  return {};
}

}  // namespace

}  // namespace rolloutlab::sim
