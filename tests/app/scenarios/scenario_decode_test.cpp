// Scenario documents: the bundled library loads, and bad input is rejected with one line
// naming file, line, field, value and rule.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "rolloutlab/app/workspace.h"
#include "rolloutlab/sim/model.h"
#include "test_support.h"

namespace fs = std::filesystem;
using rolloutlab::app::loadWorkspace;
using namespace rolloutlab::sim;

namespace {
std::vector<std::string> errorsOf(const std::string& body, const std::string& extraFile = "",
                                  const std::string& extraText = "") {
  const auto dir = fs::temp_directory_path() / ("rolloutlab-scen-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "s.yaml")
      << "apiVersion: rolloutlab.io/v1alpha1\nkind: Scenario\nmetadata: {name: x}\nspec:\n"
      << body;
  if (!extraFile.empty()) std::ofstream(dir / extraFile) << extraText;
  auto ws = loadWorkspace({(dir / "s.yaml").string()});
  fs::remove_all(dir);
  std::vector<std::string> out;
  for (const auto& d : ws.diagnostics.items) {
    std::string m = d.toString();
    const auto p = m.find("s.yaml");
    out.push_back(p == std::string::npos ? m.substr(m.find_last_of('/') + 1) : m.substr(p));
  }
  return out;
}
}  // namespace

TEST(ScenarioLibrary, EveryFileLoadsAndSaysWhatItStandsFor) {
  const std::string dir = ROLLOUTLAB_SCENARIO_LIBRARY_DIR;
  auto ws = loadWorkspace({dir});
  EXPECT_EQ(ws.diagnostics.errors(), 0)
      << (ws.diagnostics.items.empty() ? "" : ws.diagnostics.items[0].toString());
  EXPECT_GE(ws.scenarios.size(), 18u);
  int good = 0, bad = 0;
  for (const auto& s : ws.scenarios) (s.release == Release::kGood ? good : bad)++;
  EXPECT_GE(good, 5);
  EXPECT_GE(bad, 10);
  for (const auto& e : fs::directory_iterator(dir)) {
    std::ifstream in(e.path());
    std::string first;
    std::getline(in, first);
    EXPECT_EQ(first.rfind("# ", 0), 0u)
        << e.path() << " must start with a comment saying what it stands for";
  }
}

TEST(ScenarioDecode, StrictFieldsAndRanges) {
  EXPECT_EQ(errorsOf("  release: bad\n  traffic: {rps: 100}\n  primary: {errorRat: 0.1}\n"),
            (std::vector<std::string>{
                "s.yaml:7: spec.primary.errorRat: unknown field (did you mean \"errorRate\"?)"}));
  EXPECT_EQ(
      errorsOf("  release: ok\n  traffic: {rps: -1}\n"),
      (std::vector<std::string>{"s.yaml:5: spec.release = \"ok\": must be good or bad",
                                "s.yaml:6: spec.traffic.rps = -1: must be >= 0 and <= 1e+09"}));
  EXPECT_EQ(errorsOf("  release: good\n  traffic: {rps: 10}\n  primary: {errorRate: .nan}\n"),
            (std::vector<std::string>{"s.yaml:7: spec.primary.errorRate = .nan: must be a finite "
                                      "number (JSON has no NaN or Inf)"}));
  EXPECT_EQ(
      errorsOf(
          "  release: good\n  traffic: {rps: 10}\n  primary: {latency: {p50: 100, p99: 50}}\n"),
      (std::vector<std::string>{
          "s.yaml:7: spec.primary.latency.p99 = 50: must be greater than p50 (100)"}));
  EXPECT_EQ(errorsOf("  release: good\n  traffic: {rps: 10}\n  effects:\n    - {kind: drift, at: "
                     "10m, until: 5m}\n"),
            (std::vector<std::string>{
                "s.yaml:8: spec.effects[0].until = 300: a drift needs until > at"}));
  EXPECT_EQ(errorsOf("  release: good\n"),
            (std::vector<std::string>{"s.yaml:5: spec.traffic: required field is missing"}));
}

TEST(ScenarioDecode, MeshMustBeOneRolloutlabSynthesizes) {
  EXPECT_EQ(
      errorsOf("  release: good\n  traffic: {rps: 10}\n  metrics: {mesh: skiper}\n"),
      (std::vector<std::string>{"s.yaml:7: spec.metrics.mesh = \"skiper\": rolloutlab cannot "
                                "synthesize this mesh's series "
                                "(supported: istio, linkerd, appmesh, contour, gloo, nginx, kuma, "
                                "traefik, gatewayapi, kubernetes, "
                                "osm, apisix, skipper, knative) (did you mean \"skipper\"?)"}));
  for (const char* mesh : {"skipper", "knative", "appmesh:v1beta2", "gatewayapi:v1"}) {
    EXPECT_TRUE(errorsOf("  release: good\n  traffic: {rps: 10}\n  metrics: {mesh: \"" +
                         std::string(mesh) + "\"}\n")
                    .empty())
        << mesh;
  }
}

TEST(ScenarioDecode, KnativeRevisionsAreNamedAndDistinct) {
  EXPECT_TRUE(errorsOf("  release: good\n  traffic: {rps: 10}\n  metrics:\n    mesh: knative\n"
                       "    revisions: {canary: web-00007, primary: web-00006}\n")
                  .empty());
  EXPECT_EQ(errorsOf("  release: good\n  traffic: {rps: 10}\n  metrics:\n    revisions: {canary: "
                     "a, primary: a}\n"),
            (std::vector<std::string>{
                "s.yaml:8: spec.metrics.revisions.primary = \"a\": must differ from the canary's "
                "revision"}));
  EXPECT_EQ(
      errorsOf("  release: good\n  traffic: {rps: 10}\n  metrics:\n    revisions: {canry: a}\n"),
      (std::vector<std::string>{
          "s.yaml:8: spec.metrics.revisions.canry: unknown field (did you mean \"canary\"?)"}));
}

TEST(ScenarioDecode, RouteMatchFractions) {
  // Argo managed routes: per-route match fractions are shares (0..1), named by route.
  EXPECT_EQ(errorsOf("  release: good\n  traffic:\n    rps: 10\n    mirrorMatchFraction: 2\n"
                     "    routeMatch: {beta: 0.2, shadow: -0.1}\n"),
            (std::vector<std::string>{
                "s.yaml:8: spec.traffic.mirrorMatchFraction = 2: must be >= 0 and <= 1",
                "s.yaml:9: spec.traffic.routeMatch.shadow = -0.1: must be >= 0 and <= 1"}));
  EXPECT_TRUE(errorsOf("  release: good\n  traffic:\n    rps: 10\n    mirrorMatchFraction: 0.5\n"
                       "    routeMatch: {beta: 0.2}\n")
                  .empty());
}

TEST(ScenarioDecode, TrafficCsvErrorsNameLineAndColumn) {
  auto e = errorsOf("  release: good\n  traffic: {csv: t.csv}\n", "t.csv",
                    "time,rps\n0,10\n60,abc\n30,5\n20,5\n");
  EXPECT_EQ(e, (std::vector<std::string>{"t.csv:3: \"abc\": rps must be a number >= 0",
                                         "t.csv:5: \"20\": times must increase"}));
}

TEST(TrafficProfile, IntegralsAreExact) {
  TrafficSpec t;
  t.shape = TrafficSpec::Shape::kDiurnal;
  t.rps = 100;
  t.amplitude = 0.5;
  t.peakHour = 12;
  t.startHour = 0;
  TrafficProfile p(t);
  // Over a whole day the cosine integrates to zero.
  EXPECT_NEAR(p.integral(0, 86400), 100.0 * 86400, 1e-6);
  // Midpoint sum converges to the closed form.
  double sum = 0;
  for (int i = 0; i < 36000; ++i) sum += p.rate(i * 0.1 + 0.05) * 0.1;
  EXPECT_NEAR(p.integral(0, 3600), sum, 1e-3);
  TrafficSpec c;
  c.shape = TrafficSpec::Shape::kCsv;
  c.points = {{0, 10}, {100, 20}, {200, 20}};
  c.bursts.push_back({50, 100, 3});
  TrafficProfile q(c);
  // 0-50: 10..15 -> 625; 50-100: 15..20 x3 -> 2625; 100-150: 20 x3 -> 3000; 150-200: 1000.
  EXPECT_NEAR(q.integral(0, 200), 625 + 2625 + 3000 + 1000, 1e-9);
}

TEST(LatencyModel, LognormalByP50AndP99AndTheTailTransform) {
  LatencySpec l;
  l.p50 = 40;
  l.p99 = 200;
  LatencyModel m(l);
  EXPECT_NEAR(m.quantile(0.5, 1, 1), 40, 1e-9);
  EXPECT_NEAR(m.quantile(0.99, 1, 1), 200, 1e-6);
  EXPECT_NEAR(m.cdf(200, 1, 1), 0.99, 1e-9);
  // p99Factor 1.5 with the median kept: kappa = ln(300/40)/ln(200/40).
  const double kappa = std::log(300.0 / 40) / std::log(200.0 / 40);
  EXPECT_NEAR(m.quantile(0.99, 1, kappa), 300, 1e-6);
  EXPECT_NEAR(m.quantile(0.5, 1, kappa), 40, 1e-9);
  // Empirical CDF with linear interpolation.
  LatencySpec e;
  e.cdf = {{10, 0.5}, {100, 1.0}};
  LatencyModel em(e);
  EXPECT_NEAR(em.cdf(5, 1, 1), 0.25, 1e-12);
  EXPECT_NEAR(em.cdf(55, 1, 1), 0.75, 1e-12);
  EXPECT_NEAR(em.mean(1, 1), 0.5 * 5 + 0.5 * 55, 1e-9);
}
