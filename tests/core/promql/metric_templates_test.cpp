// Every Prometheus query in the reference manifests parses and evaluates: Flagger
// MetricTemplates (../shared/reference/flagger/*MetricTemplate.yaml, rendered as Flagger renders
// them) and Argo Rollouts analysis queries (../shared/reference/argo-rollouts/*analysis*, with
// `{{args.x}}` replaced by plausible values).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <set>

#include "rolloutlab/core/flagger_queries.h"
#include "rolloutlab/core/promql/memory_series_store.h"
#include "rolloutlab/core/promql/query.h"
#include "test_support.h"

namespace {

using namespace rolloutlab::core::promql;
namespace flagger = rolloutlab::core::flagger;
namespace fs = std::filesystem;

constexpr TimestampMs kStartMs = 1704067200000;

// Series for the meshes the reference templates query: Istio, Linkerd and app-exported HTTP
// histograms, two scrapes a minute apart for 5 minutes.
MemorySeriesStore syntheticStore() {
  MemorySeriesStore s;
  auto counter = [&](const Labels& l, double perMinute) {
    const SeriesRef r = s.addSeries(l);
    for (int k = 0; k <= 20; ++k) s.append(r, kStartMs + k * 15000, perMinute * k / 4.0);
  };
  const std::vector<std::pair<std::string, double>> codes = {
      {"200", 570}, {"404", 20}, {"503", 10}};
  for (const auto& [code, n] : codes) {
    counter({{"__name__", "istio_requests_total"},
             {"reporter", "destination"},
             {"destination_workload_namespace", "test"},
             {"destination_workload", "podinfo"},
             {"response_code", code}},
            n);
  }
  const std::vector<std::pair<std::string, double>> msBuckets = {
      {"25", 100}, {"50", 300}, {"100", 560}, {"250", 596}, {"500", 600}, {"+Inf", 600}};
  for (const auto& [le, n] : msBuckets) {
    counter({{"__name__", "istio_request_duration_milliseconds_bucket"},
             {"reporter", "destination"},
             {"destination_workload_namespace", "test"},
             {"destination_workload", "podinfo"},
             {"le", le}},
            n);
    counter({{"__name__", "response_latency_ms_bucket"},
             {"namespace", "test"},
             {"deployment", "podinfo"},
             {"direction", "inbound"},
             {"le", le}},
            n);
  }
  for (const auto& [cls, n] :
       std::vector<std::pair<std::string, double>>{{"success", 590}, {"failure", 10}}) {
    counter({{"__name__", "response_total"},
             {"namespace", "test"},
             {"deployment", "podinfo"},
             {"direction", "inbound"},
             {"classification", cls}},
            n);
  }
  const std::vector<std::pair<std::string, double>> sBuckets = {
      {"0.025", 100}, {"0.05", 300}, {"0.1", 560}, {"0.25", 596}, {"+Inf", 600}};
  for (const auto& [le, n] : sBuckets) {
    counter({{"__name__", "http_request_duration_seconds_bucket"},
             {"kubernetes_namespace", "test"},
             {"kubernetes_pod_name", "podinfo-7c9d8-k2x4p"},
             {"path", "/api/info"},
             {"le", le}},
            n);
  }
  return s;
}

struct Found {
  std::string file;
  std::string query;
};

std::vector<fs::path> filesIn(const std::string& dir, const std::string& contains) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const auto name = e.path().filename().string();
    if (name.find(contains) != std::string::npos && e.path().extension() == ".yaml") {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ReferenceQueries, FlaggerMetricTemplatesParseAndEvaluate) {
  ROLLOUTLAB_SKIP_WITHOUT_REFERENCE("flagger");
  const std::string dir = rolloutlab::test::referencePath("flagger");
  std::vector<Found> prom;
  std::set<std::string> otherProviders;
  for (const auto& f : filesIn(dir, "MetricTemplate")) {
    for (const auto& doc : YAML::LoadAllFromFile(f.string())) {
      if (!doc["kind"] || doc["kind"].as<std::string>() != "MetricTemplate") continue;
      const auto spec = doc["spec"];
      const std::string type = spec["provider"]["type"].as<std::string>("prometheus");
      if (type != "prometheus") {
        otherProviders.insert(type);  // not PromQL: Datadog, CloudWatch, New Relic, Dynatrace
        continue;
      }
      prom.push_back({f.filename().string(), spec["query"].as<std::string>()});
    }
  }
  ASSERT_GE(prom.size(), 5u) << "the reference holds five Prometheus MetricTemplates";
  for (const auto& t : otherProviders) {
    EXPECT_TRUE(t == "datadog" || t == "cloudwatch" || t == "newrelic" || t == "dynatrace") << t;
  }

  MemorySeriesStore store = syntheticStore();
  auto model = flagger::makeModel(
      "podinfo", "test", "podinfo", "", "", "", "1m",
      {{"reporter", "destination"}, {"direction", "inbound"}, {"path", "/api/info"}});
  for (const auto& t : prom) {
    SCOPED_TRACE(t.file);
    // What Flagger sends: the rendered template with whitespace collapsed.
    const std::string sent = flagger::trimQuery(flagger::renderTemplate(t.query, model));
    PreparedQuery q = parse(sent);
    const auto& r = q.evaluate(store, (kStartMs + 240000) / 1000.0);
    ASSERT_EQ(r.kind, ResultKind::kVector) << sent << ": " << r.error;
    ASSERT_EQ(r.vector.size(), 1u) << sent;
    const double v = r.vector[0].value;
    EXPECT_TRUE(std::isfinite(v)) << sent;
    if (sent.find("histogram_quantile") != std::string::npos) {
      // p99 falls in the (100, 250] ms bucket: 100 + 150 × (594 - 560) / 36.
      const double ms = 100 + 150 * (594.0 - 560) / 36;
      EXPECT_NEAR(sent.find("_seconds_") != std::string::npos ? v * 1000 : v, ms, 1e-9) << sent;
    } else if (sent.find("404") != std::string::npos) {
      EXPECT_NEAR(v, 100 - 580.0 / 600 * 100, 1e-9) << sent;  // not-found percentage
    } else {
      EXPECT_GT(v, 95) << sent;
      EXPECT_LT(v, 100) << sent;
    }
    // The untrimmed rendering parses the same way.
    EXPECT_NO_THROW(parse(flagger::renderTemplate(t.query, model)));
  }
}

// {{args.name}} / {{ args.name }} → a plausible value for the argument.
std::string substituteArgs(const std::string& q) {
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t open = q.find("{{", pos);
    const std::size_t close = open == std::string::npos ? open : q.find("}}", open);
    if (close == std::string::npos) break;
    std::string inner = q.substr(open + 2, close - open - 2);
    inner.erase(0, inner.find_first_not_of(' '));
    inner.erase(inner.find_last_not_of(' ') + 1);
    out += q.substr(pos, open - pos);
    if (inner.rfind("args.", 0) != 0) {
      out += q.substr(open, close + 2 - open);  // not an argument: left as it is
    } else if (inner.find("namespace") != std::string::npos) {
      out += "test";
    } else if (inner.find("interval") != std::string::npos ||
               inner.find("window") != std::string::npos) {
      out += "1m";
    } else {
      out += "podinfo";
    }
    pos = close + 2;
  }
  return out + q.substr(pos);
}

void collectArgoQueries(const YAML::Node& n, const std::string& file, std::vector<Found>& out) {
  if (n.IsMap()) {
    if (n["prometheus"] && n["prometheus"].IsMap() && n["prometheus"]["query"]) {
      out.push_back({file, n["prometheus"]["query"].as<std::string>()});
    }
    for (const auto& kv : n) collectArgoQueries(kv.second, file, out);
  } else if (n.IsSequence()) {
    for (const auto& e : n) collectArgoQueries(e, file, out);
  }
}

TEST(ReferenceQueries, ArgoAnalysisQueriesParseAndEvaluate) {
  ROLLOUTLAB_SKIP_WITHOUT_REFERENCE("argo-rollouts");
  const std::string dir = rolloutlab::test::referencePath("argo-rollouts");
  std::vector<Found> queries;
  for (const auto& f : filesIn(dir, "analysis")) {
    for (const auto& doc : YAML::LoadAllFromFile(f.string())) {
      if (!doc["kind"] || doc["kind"].as<std::string>() == "CustomResourceDefinition") continue;
      collectArgoQueries(doc["spec"], f.filename().string(), queries);
    }
  }
  // The reference folder's analysis manifests use job and web providers only; the Prometheus
  // example of Argo's documentation (docs/analysis/prometheus.md) stands in for them.
  queries.push_back(
      {"argo docs example",
       "sum(irate(\n  istio_requests_total{reporter=\"destination\",destination_workload=~\""
       "{{args.service-name}}\",response_code!~\"5.*\"}[5m]\n)) /\nsum(irate(\n  "
       "istio_requests_total{reporter=\"destination\",destination_workload=~\""
       "{{args.service-name}}\"}[5m]\n))"});
  MemorySeriesStore store = syntheticStore();
  for (const auto& q : queries) {
    SCOPED_TRACE(q.file);
    const std::string text = substituteArgs(q.query);
    EXPECT_EQ(text.find("{{"), std::string::npos) << text;
    PreparedQuery p = parse(text);
    const auto& r = p.evaluate(store, (kStartMs + 240000) / 1000.0);
    ASSERT_EQ(r.kind, ResultKind::kVector) << text << ": " << r.error;
    ASSERT_EQ(r.vector.size(), 1u) << text;
    EXPECT_NEAR(r.vector[0].value, 590.0 / 600, 1e-9) << text;
  }
}

}  // namespace
