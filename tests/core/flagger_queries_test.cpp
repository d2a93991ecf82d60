// Flagger's builtin queries, template rendering, observer selection and value reading.
// Expected query strings are the expectations of Flagger's own tests
// (fluxcd/flagger pkg/metrics/observers/<observer>_test.go at 1.44) and of
// ../shared/reference/prometheus-replay.md §3.
#include "rolloutlab/core/flagger_queries.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/promql/memory_series_store.h"

namespace {

using namespace rolloutlab::core::flagger;
using rolloutlab::core::InputError;
namespace promql = rolloutlab::core::promql;

MetricTemplateModel model(std::string ns, std::string target, std::string service,
                          std::string ingress = "", std::string route = "") {
  MetricTemplateModel m;
  m.name = "podinfo";
  m.namespace_ = std::move(ns);
  m.target = std::move(target);
  m.service = std::move(service);
  m.ingress = std::move(ingress);
  m.route = std::move(route);
  m.interval = "1m";
  return m;
}

struct Expectation {
  Observer observer;
  BuiltinMetric metric;
  MetricTemplateModel model;
  std::string query;
};

TEST(FlaggerQueries, RendersByteForByteAsFlaggerTestsExpect) {
  const auto sr = BuiltinMetric::kRequestSuccessRate;
  const auto rd = BuiltinMetric::kRequestDuration;
  const auto def = model("default", "podinfo", "podinfo", "", "podinfo");
  const std::vector<Expectation> cases = {
      {Observer::kIstio, sr, def,
       R"( sum( rate( istio_requests_total{ reporter="destination", destination_workload_namespace="default", destination_workload=~"podinfo", response_code!~"5.*" }[1m] ) ) / sum( rate( istio_requests_total{ reporter="destination", destination_workload_namespace="default", destination_workload=~"podinfo" }[1m] ) ) * 100)"},
      {Observer::kIstio, rd, def,
       R"( histogram_quantile( 0.99, sum( rate( istio_request_duration_milliseconds_bucket{ reporter="destination", destination_workload_namespace="default", destination_workload=~"podinfo" }[1m] ) ) by (le) ))"},
      {Observer::kLinkerd, sr, def,
       R"( sum( rate( response_total{ namespace="default", deployment=~"podinfo", classification!="failure", direction="inbound" }[1m] ) ) / sum( rate( response_total{ namespace="default", deployment=~"podinfo", direction="inbound" }[1m] ) ) * 100)"},
      {Observer::kLinkerd, rd, def,
       R"( histogram_quantile( 0.99, sum( rate( response_latency_ms_bucket{ namespace="default", deployment=~"podinfo", direction="inbound" }[1m] ) ) by (le) ))"},
      {Observer::kAppMesh, sr, def,
       R"q( sum( rate( envoy_cluster_upstream_rq{ kubernetes_namespace="default", kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)", envoy_response_code!~"5.*" }[1m] ) ) / sum( rate( envoy_cluster_upstream_rq{ kubernetes_namespace="default", kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)" }[1m] ) ) * 100)q"},
      {Observer::kAppMesh, rd, def,
       R"q( histogram_quantile( 0.99, sum( rate( envoy_cluster_upstream_rq_time_bucket{ kubernetes_namespace="default", kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)" }[1m] ) ) by (le) ))q"},
      {Observer::kContour, sr, def,
       R"( sum( rate( envoy_cluster_upstream_rq{ envoy_cluster_name=~"default_podinfo-canary_[0-9a-zA-Z-]+", envoy_response_code!~"5.*" }[1m] ) ) / sum( rate( envoy_cluster_upstream_rq{ envoy_cluster_name=~"default_podinfo-canary_[0-9a-zA-Z-]+", }[1m] ) ) * 100)"},
      {Observer::kContour, sr, model("default", "podinfo", "podinfo-service"),
       R"( sum( rate( envoy_cluster_upstream_rq{ envoy_cluster_name=~"default_podinfo-service-canary_[0-9a-zA-Z-]+", envoy_response_code!~"5.*" }[1m] ) ) / sum( rate( envoy_cluster_upstream_rq{ envoy_cluster_name=~"default_podinfo-service-canary_[0-9a-zA-Z-]+", }[1m] ) ) * 100)"},
      {Observer::kContour, rd, def,
       R"( histogram_quantile( 0.99, sum( rate( envoy_cluster_upstream_rq_time_bucket{ envoy_cluster_name=~"default_podinfo-canary_[0-9a-zA-Z-]+", }[1m] ) ) by (le) ))"},
      {Observer::kGloo, sr,
       def, R"( sum( rate( envoy_cluster_upstream_rq{ envoy_cluster_name=~"default-podinfo-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+", envoy_response_code!~"5.*" }[1m] ) ) / sum( rate( envoy_cluster_upstream_rq{ envoy_cluster_name=~"default-podinfo-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+", }[1m] ) ) * 100)"},
      {Observer::kGloo, rd, def,
       R"( histogram_quantile( 0.99, sum( rate( envoy_cluster_upstream_rq_time_bucket{ envoy_cluster_name=~"default-podinfo-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+", }[1m] ) ) by (le) ))"},
      {Observer::kHttp, sr, def,
       R"q( sum( rate( http_request_duration_seconds_count{ kubernetes_namespace="default", kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)", status!~"5.*" }[1m] ) ) / sum( rate( http_request_duration_seconds_count{ kubernetes_namespace="default", kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)" }[1m] ) ) * 100)q"},
      {Observer::kHttp, rd, def,
       R"q( histogram_quantile( 0.99, sum( rate( http_request_duration_seconds_bucket{ kubernetes_namespace="default", kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)" }[1m] ) ) by (le) ))q"},
      {Observer::kKnative, sr, model("default", "podinfo", "podinfo", "", "podinfo-00001"),
       R"( sum( rate( envoy_cluster_upstream_rq{ envoy_cluster_name=~"default/podinfo-00001", envoy_response_code!~"5.*" }[1m] ) ) / sum( rate( envoy_cluster_upstream_rq{ envoy_cluster_name=~"default/podinfo-00001", }[1m] ) ) * 100)"},
      {Observer::kKnative, rd, model("default", "podinfo", "podinfo", "", "podinfo-00001"),
       R"( histogram_quantile( 0.99, sum( rate( envoy_cluster_upstream_rq_time_bucket{ envoy_cluster_name=~"default/podinfo-00001", }[1m] ) ) by (le) ))"},
      {Observer::kKuma, sr, def,
       R"( sum( rate( envoy_cluster_upstream_rq{ service=~"podinfo-canary_default_svc_[0-9a-zA-Z-]+", envoy_response_code!~"5.*" }[1m] ) ) / sum( rate( envoy_cluster_upstream_rq{ service=~"podinfo-canary_default_svc_[0-9a-zA-Z-]+", }[1m] ) ) * 100)"},
      {Observer::kKuma, rd, def,
       R"( histogram_quantile( 0.99, sum( rate( envoy_cluster_upstream_rq_time_bucket{ service=~"podinfo-canary_default_svc_[0-9a-zA-Z-]+", }[1m] ) ) by (le) ))"},
      {Observer::kNginx, sr, model("nginx", "podinfo", "", "podinfo"),
       R"( sum( rate( nginx_ingress_controller_requests{ namespace="nginx", ingress="podinfo", canary!="", status!~"5.*" }[1m] ) ) / sum( rate( nginx_ingress_controller_requests{ namespace="nginx", ingress="podinfo", canary!="" }[1m] ) ) * 100)"},
      {Observer::kNginx, rd, model("nginx", "podinfo", "", "podinfo"),
       R"( sum( rate( nginx_ingress_controller_response_duration_seconds_sum{ namespace="nginx", ingress="podinfo", canary!="" }[1m] ) ) / sum( rate( nginx_ingress_controller_response_duration_seconds_count{ namespace="nginx", ingress="podinfo", canary!="" }[1m] ) ) * 1000)"},
      {Observer::kOsm, sr,
       def, R"( sum( rate( osm_request_total{ destination_namespace="default", destination_kind="Deployment", destination_name="podinfo", response_code!~"5.*" }[1m] ) ) / sum( rate( osm_request_total{ destination_namespace="default", destination_kind="Deployment", destination_name="podinfo" }[1m] ) ) * 100)"},
      {Observer::kOsm, rd, def,
       R"( histogram_quantile( 0.99, sum( rate( osm_request_duration_ms_bucket{ destination_namespace="default", destination_kind="Deployment", destination_name="podinfo" }[1m] ) ) by (le) ))"},
      {Observer::kTraefik, sr, def,
       R"( sum( rate( traefik_service_request_duration_seconds_bucket{ service=~"default-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd", code!~"5..", le="+Inf" }[1m] ) ) / sum( rate( traefik_service_request_duration_seconds_bucket{ service=~"default-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd", le="+Inf" }[1m] ) ) * 100)"},
      {Observer::kTraefik, rd, def,
       R"( histogram_quantile( 0.99, sum( rate( traefik_service_request_duration_seconds_bucket{ service=~"default-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd" }[1m] ) ) by (le) ) * 1000)"},
      {Observer::kApisix, sr, def,
       R"( sum( rate( apisix_http_status{ route=~"default_podinfo-podinfo-canary_.+", code!~"5.." }[1m] ) ) / sum( rate( apisix_http_status{ route=~"default_podinfo-podinfo-canary_.+" }[1m] ) ) * 100)"},
      {Observer::kApisix, rd, def,
       R"( histogram_quantile( 0.99, sum( rate( apisix_http_latency_bucket{ type=~"request", route=~"default_podinfo-podinfo-canary_.+" }[1m] ) ) by (le) ))"},
      {Observer::kSkipper, sr, model("skipper", "", "backend", "skipper-ingress"),
       R"q( sum(rate(skipper_response_duration_seconds_bucket{route=~"kube(ew)?_skipper__skipper_ingress_canary__.*__backend_canary(_[0-9]+)?",code!~"5..",le="+Inf"}[1m])) / sum(rate(skipper_response_duration_seconds_bucket{route=~"kube(ew)?_skipper__skipper_ingress_canary__.*__backend_canary(_[0-9]+)?",le="+Inf"}[1m])) * 100)q"},
      {Observer::kSkipper, rd, model("skipper", "", "backend", "skipper-ingress"),
       R"q( sum(rate(skipper_serve_route_duration_seconds_sum{route=~"kube(ew)?_skipper__skipper_ingress_canary__.*__backend_canary(_[0-9]+)?"}[1m])) / sum(rate(skipper_serve_route_duration_seconds_count{route=~"kube(ew)?_skipper__skipper_ingress_canary__.*__backend_canary(_[0-9]+)?"}[1m])) * 1000)q"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(prometheusQuery(c.observer, c.metric, c.model), c.query)
        << toString(c.observer) << " " << toString(c.metric);
    // Every builtin query, trimmed or not, is inside the evaluator's subset.
    EXPECT_NO_THROW(promql::parse(prometheusQuery(c.observer, c.metric, c.model)));
    EXPECT_NO_THROW(promql::parse(renderBuiltinQuery(c.observer, c.metric, c.model)));
  }
}

TEST(FlaggerQueries, IstioQueryOfTheReplayNote) {
  // prometheus-replay.md §3: namespace test, target podinfo, interval 1m.
  MetricTemplateModel m = model("test", "podinfo", "podinfo");
  EXPECT_EQ(
      prometheusQuery(Observer::kIstio, BuiltinMetric::kRequestDuration, m),
      R"( histogram_quantile( 0.99, sum( rate( istio_request_duration_milliseconds_bucket{ reporter="destination", destination_workload_namespace="test", destination_workload=~"podinfo" }[1m] ) ) by (le) ))");
  EXPECT_EQ(
      prometheusQuery(Observer::kIstio, BuiltinMetric::kRequestSuccessRate, m),
      R"( sum( rate( istio_requests_total{ reporter="destination", destination_workload_namespace="test", destination_workload=~"podinfo", response_code!~"5.*" }[1m] ) ) / sum( rate( istio_requests_total{ reporter="destination", destination_workload_namespace="test", destination_workload=~"podinfo" }[1m] ) ) * 100)");
  // The raw template keeps its whitespace; only sending collapses it.
  const std::string raw = renderBuiltinQuery(Observer::kIstio, BuiltinMetric::kRequestDuration, m);
  EXPECT_NE(raw.find('\n'), std::string::npos);
  EXPECT_EQ(trimQuery(raw), prometheusQuery(Observer::kIstio, BuiltinMetric::kRequestDuration, m));
}

TEST(FlaggerTemplates, RenderLikeGoTextTemplate) {
  MetricTemplateModel m = model("default", "myapp", "svc");
  m.interval = "1m";
  m.variables = {{"cluster", "dev"}, {"consumer_group", "my_consumer"}};
  // render_test.go ok_without_variables / ok_with_variables.
  EXPECT_EQ(
      renderTemplate(
          R"(sum(envoy_cluster_upstream_rq{envoy_cluster_name=~"{{ namespace }}_{{ target }}"}))",
          m),
      R"(sum(envoy_cluster_upstream_rq{envoy_cluster_name=~"default_myapp"}))");
  EXPECT_EQ(
      renderTemplate(
          R"(delta(max by (consumer_group) (kafka_consumer_current_offset{cluster="{{ variables.cluster }}", consumer_group="{{ variables.consumer_group }}"}[{{ interval }}])))",
          m),
      R"(delta(max by (consumer_group) (kafka_consumer_current_offset{cluster="dev", consumer_group="my_consumer"}[1m])))");
  EXPECT_EQ(renderTemplate("{{name}}/{{ service }}/{{ ingress }}/{{ route }}", m), "podinfo/svc//");
  EXPECT_EQ(renderTemplate("a {{- \" b \" -}} c", m), "a b c");
  EXPECT_EQ(renderTemplate("a  {{- /* note */ -}}  c", m), "ac");
  EXPECT_EQ(renderTemplate("{{/* note */}}x", m), "x");
  EXPECT_EQ(renderTemplate("{{ $x := printf \"%s-%s\" namespace target }}[{{ $x }}]", m),
            "[default-myapp]");
  EXPECT_EQ(renderTemplate("{{ target | printf \"%s!\" }}", m), "myapp!");
  EXPECT_EQ(renderTemplate("{{ index variables \"cluster\" }}", m), "dev");
  EXPECT_EQ(renderTemplate("{{ index variables \"nope\" }}", m), "");
  EXPECT_EQ(renderTemplate("{{ len target }}", m), "5");
  EXPECT_EQ(renderTemplate("{{ printf \"%d\" target }}", m), "%!d(string=myapp)");
  EXPECT_EQ(renderTemplate("{{ . }}", m), "<no value>");
  EXPECT_EQ(renderTemplate("{{ (variables).cluster }}", m), "dev");
}

std::string renderError(const std::string& t, const MetricTemplateModel& m) {
  try {
    renderTemplate(t, m);
  } catch (const InputError& e) {
    return e.diagnostic().rule;
  }
  return "(rendered)";
}

TEST(FlaggerTemplates, ErrorsAsFlaggerReportsThem) {
  MetricTemplateModel m = model("default", "myapp", "svc");
  m.variables = {{"invalid", "dev"}};
  // missingkey=error (render_test.go missing_variable_key).
  EXPECT_EQ(renderError("x{cluster=\"{{ variables.cluster }}\"}", m),
            "template excution failed: template: tmpl:1:23: executing \"tmpl\" at "
            "<variables.cluster>: map has no entry for key \"cluster\"");
  EXPECT_EQ(renderError("{{ foo }}", m),
            "template parsing failed: template: tmpl:1: function \"foo\" not defined");
  EXPECT_EQ(renderError("{{ .Foo }}", m),
            "template excution failed: template: tmpl:1:3: executing \"tmpl\" at <.Foo>: nil data; "
            "no entry for key \"Foo\"");
  EXPECT_EQ(renderError("{{ if target }}x{{ end }}", m),
            "template parsing failed: template: tmpl:1: the {{if}} action is not supported");
  EXPECT_EQ(renderError("{{ target", m),
            "template parsing failed: template: tmpl:1: unclosed action");
  EXPECT_EQ(renderError("{{ $y }}", m),
            "template parsing failed: template: tmpl:1: undefined variable \"$y\"");
  EXPECT_EQ(renderError("{{ target 1 }}", m),
            "template excution failed: template: tmpl:1:3: executing \"tmpl\" at <target>: wrong "
            "number of args for target: want 0 got 1");
  // A parse error anywhere wins over an execution error earlier in the text.
  EXPECT_EQ(renderError("{{ variables.cluster }}{{ foo }}", m),
            "template parsing failed: template: tmpl:1: function \"foo\" not defined");
}

TEST(FlaggerQueries, TrimQueryCollapsesGoWhitespace) {
  EXPECT_EQ(trimQuery("\n\ta \t\n b\r\f c "), " a b c ");
  EXPECT_EQ(trimQuery("a\vb"), "a\vb");  // \v is not in RE2's \s
}

TEST(FlaggerQueries, ObserverSelection) {
  // scheduler_metrics.go runBuiltinMetricChecks + observers/factory.go Observer.
  EXPECT_EQ(metricsProvider("istio", "", "Deployment", "apps/v1"), "istio");
  EXPECT_EQ(metricsProvider("istio", "nginx", "Deployment", "apps/v1"), "nginx");
  EXPECT_EQ(metricsProvider("linkerd", "nginx", "Deployment", "apps/v1"), "linkerd");
  EXPECT_EQ(metricsProvider("smi:linkerd", "", "Deployment", "apps/v1"), "smi:linkerd");
  EXPECT_EQ(metricsProvider("smi:crossover", "", "Deployment", "apps/v1"), "crossover");
  EXPECT_EQ(metricsProvider("istio", "", "Service", "v1"), "istio:service");
  EXPECT_EQ(metricsProvider("knative", "", "Service", "serving.knative.dev/v1"), "knative");
  EXPECT_EQ(observerFor("istio"), Observer::kIstio);
  EXPECT_EQ(observerFor("linkerd"), Observer::kLinkerd);
  EXPECT_EQ(observerFor("appmesh:v1beta2"), Observer::kAppMesh);
  EXPECT_EQ(observerFor("gloo:service"), Observer::kGloo);
  EXPECT_EQ(observerFor("gatewayapi:v1beta1"), Observer::kHttp);
  EXPECT_EQ(observerFor("kubernetes"), Observer::kHttp);
  EXPECT_EQ(observerFor("kubernetes:service"), Observer::kIstio);  // exact match only
  EXPECT_EQ(observerFor("nginx:service"), Observer::kIstio);
  EXPECT_EQ(observerFor("crossover"), Observer::kIstio);
  EXPECT_EQ(observerFor("smi:linkerd"), Observer::kIstio);
  EXPECT_EQ(observerFor("contour"), Observer::kContour);
  EXPECT_EQ(observerFor("skipper"), Observer::kSkipper);
  EXPECT_EQ(observerFor("traefik"), Observer::kTraefik);
  EXPECT_EQ(observerFor("osm"), Observer::kOsm);
  EXPECT_EQ(observerFor("kuma"), Observer::kKuma);
  EXPECT_EQ(observerFor("apisix"), Observer::kApisix);
  EXPECT_EQ(observerFor("knative"), Observer::kKnative);
  EXPECT_EQ(observerFor(""), Observer::kIstio);
  for (Observer o : {Observer::kIstio, Observer::kHttp, Observer::kSkipper}) {
    EXPECT_EQ(observerFromString(toString(o)), o);
  }
  const auto m = makeModel("podinfo", "test", "podinfo", "", "", "", "1m");
  EXPECT_EQ(m.service, "podinfo");
  EXPECT_EQ(m.ingress, "podinfo");
  EXPECT_EQ(m.route, "podinfo");
}

TEST(FlaggerQueries, DurationUnitsAndTruncation) {
  constexpr std::int64_t kMs = 1000000;
  // istio.go: time.Duration(int64(value)) * time.Millisecond — truncation to whole ms.
  EXPECT_EQ(requestDurationNanos(Observer::kIstio, 94.9), 94 * kMs);
  EXPECT_EQ(requestDurationNanos(Observer::kTraefik, 880.99), 880 * kMs);
  EXPECT_EQ(requestDurationNanos(Observer::kNginx, 12.5), 12 * kMs);
  // http.go: the query answers seconds: int64(value * 1000).
  EXPECT_EQ(requestDurationNanos(Observer::kHttp, 0.0949), 94 * kMs);
  // amd64 float→int64 of +Inf is INT64_MIN, and × 1e6 wraps to 0.
  EXPECT_EQ(requestDurationNanos(Observer::kIstio, std::numeric_limits<double>::infinity()), 0);
  EXPECT_EQ(thresholdNanos(500.9), 500 * kMs);
  EXPECT_TRUE(durationIsMean(Observer::kNginx));
  EXPECT_TRUE(durationIsMean(Observer::kSkipper));
  EXPECT_FALSE(durationIsMean(Observer::kIstio));
}

TEST(FlaggerQueries, ReadsAnswersAsTheProviderDoes) {
  promql::MemorySeriesStore s;
  s.append(promql::Labels{{"__name__", "m"}, {"i", "1"}}, 0, 1);
  s.append(promql::Labels{{"__name__", "m"}, {"i", "2"}}, 0, 2);
  auto read = [&](const std::string& q) {
    promql::PreparedQuery p = promql::parse(q);
    return readPrometheusAnswer(p.evaluate(s, 1));
  };
  EXPECT_EQ(read("m").outcome, ProviderOutcome::kValue);
  EXPECT_EQ(read("m").value, 2);  // the last series wins
  EXPECT_EQ(read("nothing").outcome, ProviderOutcome::kNoValues);
  EXPECT_EQ(read("sum(m) / 0 - Inf").outcome, ProviderOutcome::kNoValues);  // NaN
  EXPECT_EQ(read("1").outcome, ProviderOutcome::kError);  // a scalar does not decode
  EXPECT_EQ(read("m + ignoring(i) m").outcome, ProviderOutcome::kError);
}

// Each observer's queries answer the right numbers on series shaped like its mesh's.
TEST(FlaggerQueries, EvaluateOnSyntheticMeshSeries) {
  using promql::Labels;
  promql::MemorySeriesStore s;
  // Two scrapes 60 s apart: 600 requests of which 30 failed; latencies in buckets.
  auto counter = [&](Labels l, double total) {
    const auto r = s.addSeries(l);
    ASSERT_TRUE(s.append(r, 0, 0));
    ASSERT_TRUE(s.append(r, 60000, total));
  };
  // istio
  for (const auto& [code, n] :
       std::vector<std::pair<std::string, double>>{{"200", 570}, {"503", 30}}) {
    counter({{"__name__", "istio_requests_total"},
             {"reporter", "destination"},
             {"destination_workload_namespace", "test"},
             {"destination_workload", "podinfo"},
             {"response_code", code}},
            n);
  }
  for (const auto& [le, n] : std::vector<std::pair<std::string, double>>{
           {"50", 300}, {"100", 540}, {"250", 600}, {"+Inf", 600}}) {
    counter({{"__name__", "istio_request_duration_milliseconds_bucket"},
             {"reporter", "destination"},
             {"destination_workload_namespace", "test"},
             {"destination_workload", "podinfo"},
             {"le", le}},
            n);
  }
  // http.go (seconds) and nginx (mean)
  for (const auto& [st, n] :
       std::vector<std::pair<std::string, double>>{{"200", 570}, {"500", 30}}) {
    counter({{"__name__", "http_request_duration_seconds_count"},
             {"kubernetes_namespace", "test"},
             {"kubernetes_pod_name", "podinfo-5d8f9-x7k2p"},
             {"status", st}},
            n);
  }
  for (const auto& [le, n] : std::vector<std::pair<std::string, double>>{
           {"0.05", 300}, {"0.1", 540}, {"0.25", 600}, {"+Inf", 600}}) {
    counter({{"__name__", "http_request_duration_seconds_bucket"},
             {"kubernetes_namespace", "test"},
             {"kubernetes_pod_name", "podinfo-5d8f9-x7k2p"},
             {"le", le}},
            n);
  }
  counter({{"__name__", "nginx_ingress_controller_response_duration_seconds_sum"},
           {"namespace", "test"},
           {"ingress", "podinfo"},
           {"canary", "podinfo-canary"}},
          600 * 0.042);
  counter({{"__name__", "nginx_ingress_controller_response_duration_seconds_count"},
           {"namespace", "test"},
           {"ingress", "podinfo"},
           {"canary", "podinfo-canary"}},
          600);
  // The stable ingress (canary="") is not counted by nginx's query.
  counter({{"__name__", "nginx_ingress_controller_response_duration_seconds_count"},
           {"namespace", "test"},
           {"ingress", "podinfo"}},
          999);
  const auto m = makeModel("podinfo", "test", "podinfo", "", "", "", "1m");
  auto value = [&](Observer o, BuiltinMetric b) {
    promql::PreparedQuery q = promql::parse(prometheusQuery(o, b, m));
    const auto a = readPrometheusAnswer(q.evaluate(s, 60));
    EXPECT_EQ(a.outcome, ProviderOutcome::kValue) << toString(o) << ": " << a.error;
    return a.value;
  };
  EXPECT_DOUBLE_EQ(value(Observer::kIstio, BuiltinMetric::kRequestSuccessRate), 95);
  // p99: rank 594 in (100, 250]: 100 + 150 × 54 / 60 = 235 ms.
  EXPECT_DOUBLE_EQ(value(Observer::kIstio, BuiltinMetric::kRequestDuration), 235);
  EXPECT_DOUBLE_EQ(value(Observer::kHttp, BuiltinMetric::kRequestSuccessRate), 95);
  const double seconds = value(Observer::kHttp, BuiltinMetric::kRequestDuration);
  EXPECT_DOUBLE_EQ(seconds, 0.235);
  EXPECT_EQ(requestDurationNanos(Observer::kHttp, seconds), 235 * 1000000LL);
  EXPECT_NEAR(value(Observer::kNginx, BuiltinMetric::kRequestDuration), 42, 1e-9);
  // Other observers: no matching series, so "no values".
  promql::PreparedQuery q =
      promql::parse(prometheusQuery(Observer::kLinkerd, BuiltinMetric::kRequestSuccessRate, m));
  EXPECT_EQ(readPrometheusAnswer(q.evaluate(s, 60)).outcome, ProviderOutcome::kNoValues);
}

}  // namespace
