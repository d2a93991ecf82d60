// Request logs: parsing Envoy/Istio JSON and nginx lines, aggregation per variant and scrape
// step checked against a brute-force count of the log, gzip, malformed lines, and replays of
// the aggregated series (recorded, and counterfactual under the engine's weights).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>

// nlohmann/json trips -Wnull-dereference once inlined (a false positive in its header).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <nlohmann/json.hpp>
#pragma GCC diagnostic pop

#include "replay_workspace.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/promql/query.h"
#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/replay/access_log.h"
#include "rolloutlab/replay/log_synth.h"
#include "rolloutlab/replay/replay.h"
#include "rolloutlab/replay/time.h"

namespace {

using namespace rolloutlab;
using namespace rolloutlab::test::replayfx;
namespace fl = core::flagger;
namespace pq = core::promql;
namespace rp = replay;

constexpr double kT0 = 1704067200;  // 2024-01-01T00:00:00Z

rp::AccessLogOptions envoyOptions() {
  rp::AccessLogOptions o;
  o.canaryMatch = "podinfo-canary";
  return o;
}

// ---- parsing
// -------------------------------------------------------------------------------------

TEST(EnvoyJsonLine, ReadsIstioFields) {
  const auto o = envoyOptions();
  rp::LogRequest r;
  int col = 0;
  std::string err;
  const std::string line =
      R"({"authority":"podinfo.test:9898","bytes_sent":12,"duration":37,"path":"/a\"b\\","req":{"n":[1,{"x":"}"}]},)"
      R"("response_code":503,"start_time":"2024-01-01T00:00:10.250Z",)"
      R"("upstream_cluster":"outbound|9898||podinfo-canary.test.svc.cluster.local","x":null,"ok":true})";
  ASSERT_TRUE(rp::parseEnvoyJsonLine(line, o, r, col, err)) << err << " at " << col;
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.latencyMs, 37);
  EXPECT_DOUBLE_EQ(r.endTime, kT0 + 10.25 + 0.037);  // counted when the response completes
  EXPECT_NE(r.variantText.find("podinfo-canary"), std::string_view::npos);
  // Strings for numbers, spaces, an offset time, no duration.
  ASSERT_TRUE(rp::parseEnvoyJsonLine(
      R"( { "start_time" : "2024-01-01T01:00:00+01:00" , "response_code" : "200", "duration" : null } )",
      o, r, col, err))
      << err;
  EXPECT_EQ(r.status, 200);
  EXPECT_LT(r.latencyMs, 0);
  EXPECT_EQ(r.endTime, kT0);
  // The cached fast path of UTC times: consecutive lines within one second.
  ASSERT_TRUE(rp::parseEnvoyJsonLine(
      R"({"start_time":"2024-01-01T00:00:10.999Z","response_code":200})", o, r, col, err));
  EXPECT_DOUBLE_EQ(r.endTime, kT0 + 10.999);
  ASSERT_TRUE(rp::parseEnvoyJsonLine(R"({"start_time":"2024-01-01T00:00:10Z","response_code":0})",
                                     o, r, col, err));
  EXPECT_EQ(r.endTime, kT0 + 10);
  EXPECT_EQ(r.status, 0);
}

TEST(EnvoyJsonLine, MalformedLinesNameTheColumn) {
  const auto o = envoyOptions();
  rp::LogRequest r;
  int col = 0;
  std::string err;
  EXPECT_FALSE(rp::parseEnvoyJsonLine(R"({"start_time":"2024-01-01T00:00:00Z","response_code":200)",
                                      o, r, col, err));
  EXPECT_EQ(col, 57);
  EXPECT_EQ(err, "expected ',' or '}'");
  EXPECT_FALSE(
      rp::parseEnvoyJsonLine(R"({"start_time":"soon","response_code":200})", o, r, col, err));
  EXPECT_EQ(col, 15);
  EXPECT_FALSE(rp::parseEnvoyJsonLine(
      R"({"start_time":"2024-01-01T00:00:00Z","response_code":"OK"})", o, r, col, err));
  EXPECT_EQ(col, 54);
  EXPECT_EQ(err, "the response code is not an HTTP status");
  EXPECT_FALSE(rp::parseEnvoyJsonLine(R"({"response_code":200})", o, r, col, err));
  EXPECT_EQ(err, "no start time field");
  EXPECT_FALSE(rp::parseEnvoyJsonLine("not json", o, r, col, err));
  EXPECT_EQ(col, 1);
}

TEST(NginxLine, CombinedAndIngressNginx) {
  rp::LogRequest r;
  int col = 0;
  std::string err;
  ASSERT_TRUE(rp::parseNginxLine(
      R"(203.0.113.9 - - [01/Jan/2024:01:00:05 +0100] "GET /a HTTP/1.1" 502 157 "-" "curl/7.88.1")",
      r, col, err))
      << err;
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(r.endTime, kT0 + 5);
  EXPECT_LT(r.latencyMs, 0);  // plain combined has no request time
  ASSERT_TRUE(rp::parseNginxLine(
      R"x(10.0.0.1 - bob [01/Jan/2024:00:00:07 +0000] "POST /api HTTP/2.0" 200 12 "https://x/\"q\"" "Mozilla/5.0 (X)" 341 0.250 [test-podinfo-9898] [test-podinfo-canary-9898] 10.1.2.3:9898 12 0.249 200 abc)x",
      r, col, err))
      << err;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.latencyMs, 250);
  EXPECT_NE(r.variantText.find("podinfo-canary"), std::string_view::npos);
  EXPECT_FALSE(rp::parseNginxLine(
      R"(1.2.3.4 - - [1/Jan/2024:00:00:07 +0000] "GET /" 200 1 "-" "-")", r, col, err));
  EXPECT_EQ(col, 14);
  EXPECT_FALSE(rp::parseNginxLine(
      R"(1.2.3.4 - - [01/Jan/2024:00:00:07 +0000] "GET /" OK 1 "-" "-")", r, col, err));
  EXPECT_EQ(err, "the status is not an HTTP status");
}

// ---- aggregation
// ---------------------------------------------------------------------------------

std::string envoyLine(double start, int code, double durationMs, bool canary) {
  std::string ts = rp::formatTime(start);
  return R"({"start_time":")" + ts + R"(","response_code":)" + std::to_string(code) +
         R"(,"duration":)" + rp::formatNumber(durationMs) +
         R"(,"upstream_cluster":"outbound|9898||podinfo-)" + (canary ? "canary" : "primary") +
         ".test.svc.cluster.local\"}\n";
}

// Samples of the series matching `selector` (PromQL), as the evaluator reads them.
std::vector<pq::Sample> seriesSamples(pq::SeriesSource& s, const std::string& selector, double from,
                                      double to) {
  std::vector<pq::Matcher> ms;
  // The test selectors are `name{a="b",...}`.
  const auto brace = selector.find('{');
  ms.push_back(pq::Matcher::make(pq::MatchType::kEqual, "__name__", selector.substr(0, brace)));
  std::string rest = selector.substr(brace + 1, selector.size() - brace - 2);
  while (!rest.empty()) {
    const auto eq = rest.find('=');
    const auto close = rest.find('"', eq + 2);
    ms.push_back(pq::Matcher::make(pq::MatchType::kEqual, rest.substr(0, eq),
                                   rest.substr(eq + 2, close - eq - 2)));
    rest = close + 2 < rest.size() ? rest.substr(close + 2) : "";
  }
  std::vector<pq::SeriesRef> refs;
  s.select(ms, refs);
  EXPECT_EQ(refs.size(), 1u) << selector;
  std::vector<pq::Sample> out;
  if (refs.size() == 1) {
    s.samples(refs[0], static_cast<pq::TimestampMs>(from * 1000),
              static_cast<pq::TimestampMs>(to * 1000), out);
  }
  return out;
}

TEST(TrafficRecording, CountsEachRequestAtTheFirstScrapeAfterItEnds) {
  TempDir dir;
  std::string log;
  log += envoyLine(kT0 + 1, 200, 4, false);  // ends at +1.004: scrape +15
  log += envoyLine(kT0 + 14.99, 200, 10,
                   false);  // ends +15.000: scrape +30 (the scrape at +15 is before it)
  log += envoyLine(kT0 + 16, 503, 25, false);            // 5xx, latency exactly on a bound: le="25"
  log += envoyLine(kT0 + 20, 200, 26, true);             // the canary's first request
  log += envoyLine(kT0 + 44, 404, 2000, false);          // a 4xx is not an error; le="2500"
  log += envoyLine(kT0 + 55 - 3700, 200, 3.7e6, false);  // ends at +55, beyond every bound: +Inf
  rp::ReplaySpec spec;
  spec.from = kT0;
  spec.to = kT0 + 60;
  spec.accessLogs = {dir.write("a.log", log)};
  TempDir cdir;
  const auto ws = workspaceFrom(cdir, "canary.yaml", canaryYaml(2));
  auto rec = rp::Recording::open(spec, rp::targetOf(ws.canary(""), "istio"));
  const rp::TrafficRecording& tr = *rec->traffic();
  EXPECT_EQ(tr.rows(), 4);
  EXPECT_EQ(tr.scrapeMs(0), (static_cast<long long>(kT0) + 15) * 1000);
  rp::TrafficSeries s(tr, rec->target().workload, rp::Counterfactual::kNone, nullptr, kT0);
  auto values = [&](const std::string& sel) {
    std::vector<double> v;
    for (const auto& p : seriesSamples(s, sel, kT0, kT0 + 60)) v.push_back(p.v);
    return v;
  };
  const std::string primary =
      R"(reporter="destination",destination_workload_namespace="test",destination_workload="podinfo-primary")";
  EXPECT_EQ(values("istio_requests_total{" + primary + R"(,response_code="200"})"),
            (std::vector<double>{1, 2, 2, 3}));
  EXPECT_EQ(values("istio_requests_total{" + primary + R"(,response_code="503"})"),
            (std::vector<double>{1, 1, 1}));  // from +30
  EXPECT_EQ(values("istio_requests_total{" + primary + R"(,response_code="404"})"),
            (std::vector<double>{1}));  // +60
  EXPECT_EQ(values("istio_request_duration_milliseconds_bucket{" + primary + R"(,le="25"})"),
            (std::vector<double>{1, 3, 3, 3}));
  EXPECT_EQ(values("istio_request_duration_milliseconds_bucket{" + primary + R"(,le="2500"})"),
            (std::vector<double>{1, 3, 3, 4}));
  EXPECT_EQ(values("istio_request_duration_milliseconds_bucket{" + primary + R"(,le="+Inf"})"),
            (std::vector<double>{1, 3, 3, 5}));
  EXPECT_EQ(values("istio_request_duration_milliseconds_sum{" + primary + "}"),
            (std::vector<double>{4, 39, 39, 39 + 2000 + 3.7e6}));
  const std::string canary =
      R"(reporter="destination",destination_workload_namespace="test",destination_workload="podinfo")";
  EXPECT_EQ(values("istio_requests_total{" + canary + R"(,response_code="200"})"),
            (std::vector<double>{1, 1, 1}));
  // The canary's series exists from its first request: no sample at +15.
  EXPECT_EQ(seriesSamples(s, "istio_requests_total{" + canary + R"(,response_code="200"})", kT0,
                          kT0 + 60)[0]
                .t,
            (static_cast<long long>(kT0) + 30) * 1000);
}

// Every counter sample of a synthetic log equals a brute-force count of its lines.
TEST(TrafficRecording, AgreesWithABruteForceCountOfTheLog) {
  TempDir dir;
  rp::SyntheticLogOptions o;
  o.duration = 300;
  o.rps = 40;
  o.canaryShare = 0.2;
  o.canaryErrorRate = 0.05;
  o.seed = 5;
  const std::string path = dir.file("a.log");
  const auto lines = rp::writeSyntheticEnvoyLog(path, o);
  ASSERT_GT(lines, 10000u);
  // Brute force: every line parsed by a general JSON parser.
  std::map<std::tuple<int, int, long long>, double>
      count;  // (canary, code, scrape ms) -> requests ending before
  std::vector<std::tuple<int, int, double, double>> reqs;  // canary, code, end, latency
  std::ifstream in(path);
  for (std::string l; std::getline(in, l);) {
    const auto j = nlohmann::json::parse(l);
    const double end =
        *rp::parseTime(j["start_time"].get<std::string>()) + j["duration"].get<double>() / 1000;
    reqs.emplace_back(j["upstream_cluster"].get<std::string>().find("canary") != std::string::npos,
                      j["response_code"].get<int>(), end, j["duration"].get<double>());
  }
  rp::ReplaySpec spec;
  spec.from = kT0;
  spec.to = kT0 + 600;
  spec.accessLogs = {path};
  TempDir cdir;
  const auto ws = workspaceFrom(cdir, "canary.yaml", canaryYaml(2));
  auto rec = rp::Recording::open(spec, rp::targetOf(ws.canary(""), "istio"));
  const rp::IngestStats* st = rec->ingest();
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->requests, lines);
  EXPECT_EQ(st->malformed, 0u);
  rp::TrafficSeries s(*rec->traffic(), rec->target().workload, rp::Counterfactual::kNone, nullptr,
                      kT0);
  int compared = 0;
  for (int canary : {0, 1}) {
    for (int code : {200, 503}) {
      const std::string sel = std::string(
                                  "istio_requests_total{reporter=\"destination\",destination_"
                                  "workload_namespace=\"test\",") +
                              "destination_workload=\"" + (canary ? "podinfo" : "podinfo-primary") +
                              "\",response_code=\"" + std::to_string(code) + "\"}";
      for (const auto& p : seriesSamples(s, sel, kT0, kT0 + 700)) {
        double expected = 0;
        for (const auto& [c, k, end, lat] : reqs) {
          if (c == canary && k == code && end * 1000 < static_cast<double>(p.t)) ++expected;
        }
        ASSERT_EQ(p.v, expected) << sel << " at " << p.t;
        ++compared;
      }
    }
    const std::string le =
        std::string("istio_request_duration_milliseconds_bucket{reporter=\"destination\",") +
        "destination_workload_namespace=\"test\",destination_workload=\"" +
        (canary ? "podinfo" : "podinfo-primary") + "\",le=\"50\"}";
    for (const auto& p : seriesSamples(s, le, kT0, kT0 + 700)) {
      double expected = 0;
      for (const auto& [c, k, end, lat] : reqs) {
        if (c == canary && lat <= 50 && end * 1000 < static_cast<double>(p.t)) ++expected;
      }
      ASSERT_EQ(p.v, expected) << le << " at " << p.t;
      ++compared;
    }
  }
  EXPECT_GT(compared, 80);
}

TEST(TrafficRecording, GzipGivesTheSameRecording) {
  TempDir dir;
  rp::SyntheticLogOptions o;
  o.duration = 300;
  o.canaryShare = 0.1;
  const auto n = rp::writeSyntheticEnvoyLog(dir.file("a.log"), o);
  o.gzip = true;
  ASSERT_EQ(rp::writeSyntheticEnvoyLog(dir.file("a.log.gz"), o), n);
  const auto layout = sim::meshLayout("istio");
  rp::TrafficRecording a(layout, 15, true), b(layout, 15, true);
  const auto sa = rp::ingestAccessLogs({dir.file("a.log")}, envoyOptions(), a);
  const auto sb = rp::ingestAccessLogs({dir.file("a.log.gz")}, envoyOptions(), b);
  a.finish();
  b.finish();
  EXPECT_EQ(sa.requests, n);
  EXPECT_EQ(sb.requests, n);
  EXPECT_EQ(sa.bytes, sb.bytes);
  ASSERT_EQ(a.rows(), b.rows());
  for (std::int64_t r = 0; r < a.rows(); ++r) {
    for (auto v : {rp::Variant::kCanary, rp::Variant::kPrimary}) {
      EXPECT_EQ(a.cell(r, v).byCode, b.cell(r, v).byCode);
      EXPECT_EQ(a.cell(r, v).okBuckets, b.cell(r, v).okBuckets);
      EXPECT_EQ(a.cell(r, v).okSumMs, b.cell(r, v).okSumMs);
    }
  }
  // A corrupt gzip file is an input error naming it.
  std::string bytes = rolloutlab::test::readFile(dir.file("a.log.gz"));
  bytes.resize(bytes.size() / 2);
  bytes[bytes.size() - 10] ^= 0x5a;
  const std::string bad = dir.write("bad.log.gz", bytes);
  rp::TrafficRecording c(layout, 15, false);
  try {
    rp::ingestAccessLogs({bad}, envoyOptions(), c);
    ADD_FAILURE() << "a truncated gzip file was read";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
  }
}

TEST(TrafficRecording, MalformedLinesAreCountedAndNamed) {
  TempDir dir;
  std::string log = envoyLine(kT0, 200, 3, false) +
                    "{\"start_time\":\"2024-01-01T00:00:01Z\",\"response_code\":\"x\"}\n" + "\n" +
                    envoyLine(kT0 + 2, 200, 3, false) + "garbage\n";
  const auto layout = sim::meshLayout("istio");
  rp::TrafficRecording r(layout, 15, false);
  const auto st = rp::ingestAccessLogs({dir.write("m.log", log)}, envoyOptions(), r);
  EXPECT_EQ(st.lines, 4u);
  EXPECT_EQ(st.requests, 2u);
  EXPECT_EQ(st.malformed, 2u);
  ASSERT_EQ(st.warnings.size(), 2u);
  EXPECT_EQ(st.warnings[0].line, 2u);
  EXPECT_EQ(st.warnings[0].column, 54);
  EXPECT_EQ(st.warnings[1].line, 5u);
  rp::TrafficRecording r2(layout, 15, false);
  try {
    rp::ingestAccessLogs({dir.write("bad.log", "{\"nope\":1}\n{\"nope\":2}\n")}, envoyOptions(),
                         r2);
    ADD_FAILURE();
  } catch (const core::InputError& e) {
    EXPECT_EQ(
        std::string(e.what()),
        dir.file("bad.log") +
            ":1: column 1: no start time field (no line of the envoy-json log could be read)");
  }
}

// ---- replays of request logs
// ---------------------------------------------------------------------

struct LogReplay {
  sim::SimulationResult res;
  std::shared_ptr<const rp::Recording> rec;
};

LogReplay replayLog(const app::Workspace& ws, rp::ReplaySpec spec, std::uint64_t seed = 0,
                    std::optional<std::uint64_t> replicate = std::nullopt) {
  const auto& canary = ws.canary("");
  LogReplay out;
  out.rec = rp::Recording::open(spec, rp::targetOf(canary, "istio"));
  const rp::FlaggerReplayPlan plan(canary, io::resolveTemplates(canary, ws.metricTemplates),
                                   "istio", out.rec);
  auto src = out.rec->makeSource();
  rp::ReplayRunOptions o;
  o.seed = seed;
  o.replicate = replicate;
  out.res = rp::replayFlagger(plan, *src, o);
  return out;
}

// A log with a real canary whose error rate jumps from 0.1 % to 10 % at 10 minutes; the replay
// of the recorded requests decides from the mesh's series built from them, and agrees with a
// replay of the same series backfilled into a real Prometheus.
TEST(AccessLogReplay, RecordedCanaryMatchesPrometheusOnTheSameSeries) {
  TempDir dir;
  rp::SyntheticLogOptions o;
  o.duration = 1800;
  o.rps = 100;
  o.canaryShare = 0.2;
  o.canaryErrorRateAfter = 0.1;
  o.changeAt = 600;
  o.seed = 9;
  const std::string path = dir.file("a.log.gz");
  o.gzip = true;
  rp::writeSyntheticEnvoyLog(path, o);
  const auto ws = workspaceFrom(dir, "canary.yaml", canaryYaml(2));
  rp::ReplaySpec spec;
  spec.from = kT0 + 120;
  spec.to = kT0 + 1740;
  spec.accessLogs = {path};
  const auto logRun = replayLog(ws, spec);
  EXPECT_EQ(logRun.res.run.outcome.result, fl::Outcome::Result::kRolledBack);
  // Export every series of the aggregated log as OpenMetrics, backfill it into Prometheus and
  // replay the same spec live.
  rp::TrafficSeries series(*logRun.rec->traffic(), logRun.rec->target().workload,
                           rp::Counterfactual::kNone, nullptr, spec.from);
  std::vector<pq::SeriesRef> refs;
  series.select({}, refs);
  std::string om;
  std::vector<pq::Sample> samples;
  for (auto ref : refs) {
    series.samples(ref, 0, static_cast<pq::TimestampMs>((kT0 + 4000) * 1000), samples);
    const auto& L = series.labels(ref);
    std::string name(L.get("__name__"));
    std::string lbl;
    for (const auto& l : L.withoutMetricName())
      lbl += (lbl.empty() ? "" : ",") + l.name + "=\"" + l.value + "\"";
    for (const auto& s : samples) {
      om += name + "{" + lbl + "} " + rp::formatNumber(s.v) + " " +
            rp::formatNumber(static_cast<double>(s.t) / 1000) + "\n";
    }
  }
  om += "# EOF\n";
  const std::string omFile = dir.write("log.om", om);
  Prometheus prom("");
  ASSERT_TRUE(prom.serve(omFile)) << prom.error();
  rp::ReplaySpec live;
  live.from = spec.from;
  live.to = spec.to;
  live.prometheus = rp::PrometheusOptions{};
  live.prometheus->url = prom.url();
  const auto liveRun = replayLog(ws, live);
  ASSERT_EQ(liveRun.res.run.ticks.size(), logRun.res.run.ticks.size());
  for (std::size_t i = 0; i < liveRun.res.run.ticks.size(); ++i) {
    const auto& a = liveRun.res.run.ticks[i];
    const auto& b = logRun.res.run.ticks[i];
    EXPECT_EQ(a.status.phase, b.status.phase) << "tick " << a.tick;
    EXPECT_EQ(a.status.failedChecks, b.status.failedChecks) << "tick " << a.tick;
    ASSERT_EQ(a.metrics.size(), b.metrics.size()) << "tick " << a.tick;
    for (std::size_t m = 0; m < a.metrics.size(); ++m) {
      EXPECT_NEAR(a.metrics[m].value, b.metrics[m].value, 1e-9 * std::fabs(b.metrics[m].value))
          << "tick " << a.tick;
    }
  }
  EXPECT_EQ(liveRun.res.run.outcome.tick, logRun.res.run.outcome.tick);
  // The canary requests the log recorded, from --from to the decision.
  const rp::IngestStats* st = logRun.rec->ingest();
  ASSERT_NE(st, nullptr);
  EXPECT_GT(logRun.res.summary.totals.canaryRequests, 0);
  EXPECT_LT(logRun.res.summary.totals.canaryRequests, static_cast<double>(st->canary));
}

rp::ReplaySpec counterfactualSpec(const TempDir& dir, rp::Counterfactual mode,
                                  const std::string& effects) {
  rp::SyntheticLogOptions o;
  o.duration = 1800;
  o.rps = 40;
  o.primaryErrorRate = 0.002;
  o.canaryShare = mode == rp::Counterfactual::kRecordedCanary ? 0.02 : 0.0;
  o.canaryErrorRate = o.canaryErrorRateAfter = 0.08;
  o.seed = 21;
  const std::string path = dir.file("stable.log");
  if (!std::filesystem::exists(path)) rp::writeSyntheticEnvoyLog(path, o);
  rp::ReplaySpec spec;
  spec.from = kT0 + 300;
  spec.to = kT0 + 1700;
  spec.accessLogs = {path};
  spec.counterfactual = mode;
  if (!effects.empty()) {
    const auto sw =
        app::loadWorkspace({dir.write("scenario.yaml",
                                      "apiVersion: rolloutlab.io/v1alpha1\nkind: Scenario\n"
                                      "metadata:\n  name: release\nspec:\n  release: bad\n"
                                      "  traffic: {rps: 50}\n  effects:\n" +
                                          effects)});
    EXPECT_EQ(sw.diagnostics.errors(), 0);
    if (!sw.scenarios.empty()) spec.scenario = sw.scenarios.front();
  }
  return spec;
}

// Stable traffic only; the canary's behaviour is the release model's. With no effect the canary
// answers like the stable version (an A/A replay) and is promoted; +5 points of errors fail the
// success rate (>= 99) on the first checks; latency x5 fails the P99 (<= 500 ms, stable P99
// 200 ms).
TEST(AccessLogReplay, CounterfactualReleaseModel) {
  TempDir dir;
  const auto ws = workspaceFrom(dir, "canary.yaml", canaryYaml(2));
  const auto aa = replayLog(ws, counterfactualSpec(dir, rp::Counterfactual::kModel, ""), 1);
  EXPECT_EQ(aa.res.run.outcome.result, fl::Outcome::Result::kPromoted);
  // Canary requests: each stable request goes to the canary with the canary's weight, so the
  // count is Poisson-binomial around sum(weight x requests); the excess errors are ~0.
  const double n = aa.res.summary.totals.canaryRequests;
  double expected = 0;
  for (const auto& t : aa.res.run.ticks) expected += t.routes.canaryWeight / 100.0 * 40 * 60;
  EXPECT_NEAR(n, expected, 6 * std::sqrt(expected) + 0.02 * expected);
  EXPECT_NEAR(aa.res.summary.totals.excessErrors, 0, 1e-9);

  const auto errs = replayLog(ws,
                              counterfactualSpec(dir, rp::Counterfactual::kModel,
                                                 "    - {kind: step, at: 0, errorRateAdd: 0.05}\n"),
                              1);
  EXPECT_EQ(errs.res.run.outcome.result, fl::Outcome::Result::kRolledBack);
  EXPECT_EQ(errs.res.run.outcome.tick, 5);  // fails on ticks 3 and 4
  for (int k : {2, 3}) {
    const auto& m = errs.res.run.ticks[static_cast<std::size_t>(k)].metrics.at(0);
    EXPECT_EQ(m.result, fl::MetricCheck::Result::kFail);
    // 100 - (0.2 % + 99.8 % x 5 %) = 94.81, over the last minute's canary requests (5 % of
    // 40 rps): within 4 binomial standard deviations.
    const double moved = 0.05 * 40 * 60;
    EXPECT_NEAR(m.value, 94.81, 400 * std::sqrt(0.0519 * 0.9481 / moved)) << "tick " << k + 1;
  }
  EXPECT_GT(errs.res.summary.totals.excessErrors, 0);
  // The expected 5xx the release adds: 5 % of the canary's requests that the stable version
  // answered without a 5xx (0.2 % of them failed on the stable version).
  EXPECT_NEAR(errs.res.summary.totals.excessErrors, 0.05 * errs.res.summary.totals.canaryRequests,
              0.01 * errs.res.summary.totals.canaryRequests);

  const auto slow = replayLog(ws,
                              counterfactualSpec(dir, rp::Counterfactual::kModel,
                                                 "    - {kind: step, at: 0, latencyFactor: 5}\n"),
                              1);
  EXPECT_EQ(slow.res.run.outcome.result, fl::Outcome::Result::kRolledBack);
  const auto& d = slow.res.run.ticks.at(2).metrics;
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].result, fl::MetricCheck::Result::kPass);
  EXPECT_EQ(d[1].result, fl::MetricCheck::Result::kFail);
  EXPECT_GT(d[1].value, 500);
  // The effect starting later: the canary passes until then.
  const auto later =
      replayLog(ws,
                counterfactualSpec(dir, rp::Counterfactual::kModel,
                                   "    - {kind: step, at: 5m, errorRateAdd: 0.05}\n"),
                1);
  EXPECT_EQ(later.res.run.outcome.result, fl::Outcome::Result::kRolledBack);
  EXPECT_EQ(later.res.run.outcome.tick,
            9);  // checks at t = 360 and 420 fail (the 1m window after 5m)
}

// All stable traffic routed to the canary under a release model: its latency buckets match a
// brute-force count of the log's latencies transformed as the model says (T(x) = f m (x/m)^k,
// the Scenario vocabulary's latencyFactor and p99Factor), and its 5xx rate is p + (1 - p) a.
TEST(AccessLogReplay, CounterfactualTransformMatchesTheLog) {
  TempDir dir;
  rp::SyntheticLogOptions o;
  o.duration = 600;
  o.rps = 40;
  o.primaryErrorRate = 0.01;
  o.seed = 13;
  const std::string path = dir.write("x", "");
  rp::writeSyntheticEnvoyLog(path, o);
  std::vector<std::pair<double, int>> reqs;  // latency, code
  {
    std::ifstream in(path);
    for (std::string l; std::getline(in, l);) {
      const auto j = nlohmann::json::parse(l);
      reqs.emplace_back(j["duration"].get<double>(), j["response_code"].get<int>());
    }
  }
  const auto layout = sim::meshLayout("istio");
  rp::TrafficRecording rec(layout, 15, true);
  rp::ingestAccessLogs({path}, envoyOptions(), rec);
  rec.finish();
  const double m = rec.stableLatencyQuantile(0.5);
  const double p99 = rec.stableLatencyQuantile(0.99);
  struct Case {
    const char* effects;
    double factor, p99Factor, add;
  };
  for (const Case& c :
       {Case{"    - {kind: step, at: 0, latencyFactor: 2}\n", 2, 1, 0},
        Case{"    - {kind: step, at: 0, p99Factor: 2, errorRateAdd: 0.1}\n", 1, 2, 0.1}}) {
    const auto sw = app::loadWorkspace(
        {dir.write("s.yaml",
                   "apiVersion: rolloutlab.io/v1alpha1\nkind: Scenario\n"
                   "metadata:\n  name: r\nspec:\n  release: bad\n  traffic: {rps: 1}\n"
                   "  effects:\n" +
                       std::string(c.effects))});
    ASSERT_EQ(sw.scenarios.size(), 1u);
    rp::TrafficSeries series(
        rec, rp::targetOf(workspaceFrom(dir, "c.yaml", canaryYaml()).canary(""), "istio").workload,
        rp::Counterfactual::kModel, &sw.scenarios[0], o.start - 100);
    series.reset(5, rp::BlockResample());
    series.setShares(o.start - 200, rp::RouteShares{1.0, 0.0, 0.0});
    const double kappa = c.p99Factor == 1 ? 1 : std::log(c.p99Factor * p99 / m) / std::log(p99 / m);
    auto T = [&](double x) { return c.factor * m * std::pow(x / m, kappa); };
    const std::string canary =
        R"(reporter="destination",destination_workload_namespace="test",destination_workload="podinfo")";
    for (double bound : {25.0, 50.0, 100.0, 250.0}) {
      char le[32];
      std::snprintf(le, sizeof le, "%g", bound);
      const auto got = seriesSamples(
          series, "istio_request_duration_milliseconds_bucket{" + canary + ",le=\"" + le + "\"}",
          o.start, o.start + 1000);
      ASSERT_FALSE(got.empty());
      double expected = 0;
      for (const auto& [lat, code] : reqs) expected += T(lat) <= bound;
      EXPECT_NEAR(got.back().v, expected, 0.01 * static_cast<double>(reqs.size()))
          << c.effects << " le " << le;
    }
    double total = 0, errors = 0;
    for (const auto& [lat, code] : reqs) {
      total += 1;
      errors += code >= 500;
    }
    // Recorded 5xx keep their code (503); requests the release fails answer the mesh's 500.
    const auto e503 =
        seriesSamples(series, "istio_requests_total{" + canary + R"(,response_code="503"})",
                      o.start, o.start + 1000);
    const auto e500 =
        seriesSamples(series, "istio_requests_total{" + canary + R"(,response_code="500"})",
                      o.start, o.start + 1000);
    ASSERT_FALSE(e503.empty());
    EXPECT_EQ(e500.empty(), c.add == 0);
    const double p = errors / total;
    const double rate = (e503.back().v + (e500.empty() ? 0.0 : e500.back().v)) / total;
    EXPECT_NEAR(rate, p + (1 - p) * c.add, 4 * std::sqrt(0.1 / total) + 1e-9) << c.effects;
  }
}

TEST(AccessLogReplay, CounterfactualIsDeterministicPerSeed) {
  TempDir dir;
  const auto ws = workspaceFrom(dir, "canary.yaml", canaryYaml(2));
  const auto spec = counterfactualSpec(dir, rp::Counterfactual::kModel,
                                       "    - {kind: step, at: 0, errorRateAdd: 0.005}\n");
  const auto& canary = ws.canary("");
  const auto rec = rp::Recording::open(spec, rp::targetOf(canary, "istio"));
  const rp::FlaggerReplayPlan plan(canary, {}, "istio", rec);
  auto values = [&](std::uint64_t seed, std::optional<std::uint64_t> rep) {
    auto src = rec->makeSource();
    rp::ReplayRunOptions o;
    o.seed = seed;
    o.replicate = rep;
    std::vector<double> v;
    for (const auto& t : rp::replayFlagger(plan, *src, o).run.ticks) {
      for (const auto& m : t.metrics) v.push_back(m.value);
    }
    return v;
  };
  EXPECT_EQ(values(3, std::nullopt), values(3, std::nullopt));
  EXPECT_NE(values(3, std::nullopt), values(4, std::nullopt));
  EXPECT_EQ(values(3, 0), values(3, 0));
  EXPECT_NE(values(3, 0), values(3, std::nullopt));
}

// The canary's behaviour taken from its recorded requests (2 % of the traffic, 8 % errors):
// re-routed at the engine's weights, the canary fails the success rate.
TEST(AccessLogReplay, CounterfactualFromRecordedCanaryRequests) {
  TempDir dir;
  const auto ws = workspaceFrom(dir, "canary.yaml", canaryYaml(2));
  const auto r = replayLog(ws, counterfactualSpec(dir, rp::Counterfactual::kRecordedCanary, ""), 2);
  EXPECT_EQ(r.res.run.outcome.result, fl::Outcome::Result::kRolledBack);
  EXPECT_EQ(r.res.run.outcome.tick, 5);
  const auto& m = r.res.run.ticks.at(2).metrics.at(0);
  EXPECT_NEAR(m.value, 92, 4);
  EXPECT_GT(r.res.summary.totals.canaryRequests, 100);
  EXPECT_NEAR(r.res.summary.totals.excessErrors / r.res.summary.totals.canaryRequests, 0.078, 0.03);
}

TEST(AccessLogReplay, NginxLogsDriveTheNginxProvider) {
  TempDir dir;
  std::string log;
  core::Rng rng(4);
  for (int s = 0; s < 900; ++s) {
    for (int k = 0; k < 20; ++k) {
      const bool canary = rng.uniform() < 0.3;
      const bool bad = canary && s >= 300 && rng.uniform() < 0.2;
      const long long t = static_cast<long long>(kT0) + s;
      const long long sec = t % 60, min = (t / 60) % 60, hour = (t / 3600) % 24;
      char ts[64];
      std::snprintf(ts, sizeof ts, "01/Jan/2024:%02lld:%02lld:%02lld +0000", hour, min, sec);
      log += std::string("10.0.0.1 - - [") + ts + "] \"GET / HTTP/1.1\" " + (bad ? "500" : "200") +
             " 12 \"-\" \"curl\" 80 0.0" + std::to_string(10 + k) + " [test-podinfo-9898] [" +
             (canary ? "test-podinfo-canary-9898" : "") + "] 10.1.1.1:9898 12 0.01 200 id\n";
    }
  }
  const auto ws = workspaceFrom(
      dir, "canary.yaml",
      "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: podinfo\n  namespace: "
      "test\n"
      "spec:\n  provider: nginx\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: "
      "podinfo}\n"
      "  ingressRef: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: podinfo}\n"
      "  service: {port: 9898}\n  analysis:\n    interval: 1m\n    threshold: 2\n    maxWeight: "
      "50\n    stepWeight: 5\n"
      "    metrics:\n      - name: request-success-rate\n        thresholdRange: {min: 99}\n       "
      " interval: 1m\n");
  rp::ReplaySpec spec;
  spec.from = kT0 + 60;
  spec.to = kT0 + 840;
  spec.accessLogs = {dir.write("access.log", log)};
  spec.logOptions.format = rp::LogFormat::kNginx;
  const auto r = replayLog(ws, spec);
  const rp::IngestStats* st = r.rec->ingest();
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->malformed, 0u);
  EXPECT_GT(st->canary, 4000u);
  EXPECT_EQ(r.res.run.outcome.result, fl::Outcome::Result::kRolledBack);
  // Failing from the first check whose window starts after 5 minutes (t >= 300 s + 1 m).
  const auto& ticks = r.res.run.ticks;
  ASSERT_GE(ticks.size(), 7u);
  EXPECT_EQ(ticks[2].metrics.at(0).result, fl::MetricCheck::Result::kPass);
  EXPECT_EQ(ticks[5].metrics.at(0).result, fl::MetricCheck::Result::kFail);  // t = 360
}

}  // namespace
