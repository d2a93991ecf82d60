// Replays against a real Prometheus 2.42 on loopback (started by the tests through
// tests/support/prom-fixture.sh, backfilled with Istio history from
// tests/support/istio-history.py), and against tiny servers that misbehave: a server
// stopped mid-replay, a port that answers garbage, a slow server against the timeout, auth.
//
// If Prometheus cannot be started the tests fail with the reason: CI installs it.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <tuple>

// nlohmann/json trips -Wnull-dereference once inlined (a false positive in its header).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <nlohmann/json.hpp>
#pragma GCC diagnostic pop

#include "replay_workspace.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/promql/exposition.h"
#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/replay/replay.h"
#include "rolloutlab/replay/time.h"

namespace {

using namespace rolloutlab;
using namespace rolloutlab::test::replayfx;
namespace fl = core::flagger;
namespace rp = replay;

constexpr double kT0 = 1704067200;  // 2024-01-01T00:00:00Z
// The history: 3 h at 15 s; from 90 min on the canary answers 20 % errors and a P99 of 800 ms.
const char* kRegression =
    "--duration 3h --step 15 --change-at 90m --canary-error-rate-after 0.2 --canary-p99-ms-after "
    "800 --seed 42";

// Flagger's builtin Istio queries for namespace test, target podinfo, interval 1m, as the
// reference note quotes them from fluxcd/flagger pkg/metrics/observers/istio.go (and its test).
const char* kSuccessRate =
    "sum( rate( istio_requests_total{ reporter=\"destination\", "
    "destination_workload_namespace=\"test\", "
    "destination_workload=~\"podinfo\", response_code!~\"5.*\" }[1m] ) ) / sum( rate( "
    "istio_requests_total{ "
    "reporter=\"destination\", destination_workload_namespace=\"test\", "
    "destination_workload=~\"podinfo\" }[1m] ) ) "
    "* 100";
const char* kDurationP99 =
    "histogram_quantile( 0.99, sum( rate( istio_request_duration_milliseconds_bucket{ "
    "reporter=\"destination\", "
    "destination_workload_namespace=\"test\", destination_workload=~\"podinfo\" }[1m] ) ) by (le) "
    ")";

// query_range values by time.
std::map<long long, double> rangeValues(const std::string& body) {
  std::map<long long, double> out;
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || j.value("status", "") != "success") {
    ADD_FAILURE() << "query_range failed: " << body;
    return out;
  }
  for (const auto& s : j["data"]["result"]) {
    for (const auto& p : s["values"]) {
      double v = 0;
      core::promql::parseGoFloat(p[1].get<std::string>(), v);
      out[std::llround(p[0].get<double>())] = v;
    }
  }
  return out;
}

struct Run {
  sim::SimulationResult result;
  std::string error;
};

rp::ReplaySpec liveSpec(const std::string& url, double from, double to) {
  rp::ReplaySpec s;
  s.from = from;
  s.to = to;
  rp::PrometheusOptions o;
  o.url = url;
  o.timeoutSeconds = 5;
  o.retries = 1;
  o.backoffSeconds = 0.05;
  s.prometheus = o;
  return s;
}

using Wrapper = std::function<std::unique_ptr<rp::ReplaySource>(std::unique_ptr<rp::ReplaySource>)>;

sim::SimulationResult replay(const app::Workspace& ws, const rp::ReplaySpec& spec,
                             Wrapper wrapper = nullptr) {
  const auto& canary = ws.canary("");
  auto rec = rp::Recording::open(spec, rp::targetOf(canary, "istio"));
  rp::FlaggerReplayPlan plan(canary, io::resolveTemplates(canary, ws.metricTemplates), "istio",
                             rec);
  auto source = rec->makeSource();
  if (wrapper) source = wrapper(std::move(source));
  return rp::replayFlagger(plan, *source, {});
}

// A source that stops the server after `after` queries (the controller's Prometheus going away).
class StopAfter final : public rp::ReplaySource {
 public:
  StopAfter(std::unique_ptr<rp::ReplaySource> inner, int after, std::function<void()> stop)
      : inner_(std::move(inner)), after_(after), stop_(std::move(stop)) {}
  void reset(std::uint64_t s, std::optional<std::uint64_t> r) override { inner_->reset(s, r); }
  bool answersQueries() const override { return inner_->answersQueries(); }
  rp::InstantAnswer query(const std::string& q, double t) override {
    if (++queries_ == after_ + 1) stop_();
    return inner_->query(q, t);
  }
  bool hasNamed(std::string_view m, rp::Variant v) const override { return inner_->hasNamed(m, v); }
  rp::NamedAnswer named(std::string_view m, rp::Variant v, double t) override {
    return inner_->named(m, v, t);
  }
  void checkOnline(double t) override { inner_->checkOnline(t); }
  std::string describe() const override { return inner_->describe(); }

 private:
  std::unique_ptr<rp::ReplaySource> inner_;
  int after_;
  int queries_ = 0;
  std::function<void()> stop_;
};

class PrometheusReplay : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    prom_ = new Prometheus(kRegression);
    started_ = prom_->start();
  }
  static void TearDownTestSuite() {
    delete prom_;
    prom_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(started_) << prom_->error(); }
  static Prometheus* prom_;
  static bool started_;
};
Prometheus* PrometheusReplay::prom_ = nullptr;
bool PrometheusReplay::started_ = false;

// The rollback tick the Flagger rules give on the data Prometheus holds, worked out from its own
// query_range answers at the tick times: ticks 1 and 2 run no metric check (new revision, then
// the first analysis step); from tick 3 on a failing check adds a failed check and ends the
// tick; a tick that starts with failedChecks >= threshold rolls back (scheduler.go
// advanceCanary / scheduler_metrics.go runBuiltinMetricChecks).
TEST_F(PrometheusReplay, RollsBackOnTheTickTheDataGives) {
  TempDir dir;
  const auto ws = workspaceFrom(dir, "canary.yaml", canaryYaml(2));
  const double from = kT0 + 85 * 60, to = kT0 + 150 * 60;
  const auto sr = rangeValues(prom_->queryRange(kSuccessRate, from, to, 60));
  const auto p99 = rangeValues(prom_->queryRange(kDurationP99, from, to, 60));
  ASSERT_GT(sr.size(), 60u);
  int expected = -1, failed = 0, weight = 0;
  for (int k = 1; k <= 66; ++k) {
    const long long t = static_cast<long long>(from) + (k - 1) * 60;
    if (k == 1) continue;
    if (failed >= 2) {
      expected = k;
      break;
    }
    if (k == 2) {
      weight = 5;
      continue;
    }
    const bool srFails = !sr.count(t) || std::isnan(sr.at(t)) || sr.at(t) < 99;
    const bool p99Fails = !p99.count(t) || std::isnan(p99.at(t)) || std::trunc(p99.at(t)) > 500;
    if (srFails || p99Fails) {
      ++failed;
      continue;
    }
    ASSERT_LT(weight, 50) << "the data promotes the canary before the regression (tick " << k
                          << ")";
    weight += 5;
  }
  ASSERT_GT(expected, 3) << "the regression at 01:30 must fall inside the window";

  const auto res = replay(ws, liveSpec(prom_->url(), from, to));
  EXPECT_EQ(res.run.outcome.result, fl::Outcome::Result::kRolledBack);
  EXPECT_EQ(res.run.outcome.tick, expected);
  EXPECT_EQ(res.run.outcome.t, (expected - 1) * 60.0);
  // Every checked value is Prometheus' answer at the tick's time.
  int compared = 0;
  for (const auto& tick : res.run.ticks) {
    const long long t = static_cast<long long>(from + tick.t);
    for (const auto& m : tick.metrics) {
      if (m.kind != fl::CheckKind::kRequestSuccessRate || !sr.count(t)) continue;
      EXPECT_NEAR(m.value, sr.at(t), 1e-9 * std::fabs(sr.at(t))) << "tick " << tick.tick;
      ++compared;
    }
  }
  EXPECT_GE(compared, 3);
}

// The same history backfilled into Prometheus and loaded from its OpenMetrics file: the replay
// decides the same, tick for tick, with the same values.
TEST_F(PrometheusReplay, LiveServerAndRecordedSeriesGiveTheSameTrace) {
  TempDir dir;
  const auto ws = workspaceFrom(dir, "canary.yaml", canaryYaml(3));
  const double from = kT0 + 80 * 60, to = kT0 + 140 * 60;
  const auto live = replay(ws, liveSpec(prom_->url(), from, to));
  rp::ReplaySpec offline;
  offline.from = from;
  offline.to = to;
  offline.series = {prom_->openMetricsFile()};
  const auto rec = replay(ws, offline);
  ASSERT_EQ(live.run.ticks.size(), rec.run.ticks.size());
  for (std::size_t i = 0; i < live.run.ticks.size(); ++i) {
    const auto& a = live.run.ticks[i];
    const auto& b = rec.run.ticks[i];
    EXPECT_EQ(a.status.phase, b.status.phase) << "tick " << a.tick;
    EXPECT_EQ(a.status.failedChecks, b.status.failedChecks) << "tick " << a.tick;
    EXPECT_EQ(a.routes.canaryWeight, b.routes.canaryWeight) << "tick " << a.tick;
    ASSERT_EQ(a.metrics.size(), b.metrics.size()) << "tick " << a.tick;
    for (std::size_t m = 0; m < a.metrics.size(); ++m) {
      EXPECT_EQ(a.metrics[m].result, b.metrics[m].result);
      if (!std::isnan(a.metrics[m].value)) {
        EXPECT_NEAR(a.metrics[m].value, b.metrics[m].value, 1e-9 * std::fabs(a.metrics[m].value));
      }
    }
  }
  EXPECT_EQ(live.run.outcome.result, rec.run.outcome.result);
  EXPECT_EQ(live.run.outcome.tick, rec.run.outcome.tick);
}

// A MetricTemplate whose query Prometheus rejects (HTTP 400 bad_data): the controller records a
// failed check every tick; the replay shows the same, it does not abort.
TEST_F(PrometheusReplay, AQueryPrometheusRejectsIsAFailedCheckInTheTrace) {
  TempDir dir;
  const std::string yaml =
      canaryYaml(2, "",
                 "      - name: broken\n        templateRef:\n          name: broken\n"
                 "        thresholdRange:\n          max: 1\n") +
      "---\napiVersion: flagger.app/v1beta1\nkind: MetricTemplate\nmetadata:\n  name: broken\n"
      "  namespace: test\nspec:\n  provider:\n    type: prometheus\n"
      "    address: http://prometheus.istio-system:9090\n  query: sum(rate(x[1m]\n";
  const auto ws = workspaceFrom(dir, "canary.yaml", yaml);
  const double from = kT0 + 30 * 60;
  const auto res = replay(ws, liveSpec(prom_->url(), from, from + 20 * 60));
  EXPECT_EQ(res.run.outcome.result, fl::Outcome::Result::kRolledBack);
  EXPECT_EQ(res.run.outcome.tick, 5);  // errors on ticks 3 and 4, rollback on 5
  bool sawError = false;
  for (const auto& t : res.run.ticks) {
    for (const auto& m : t.metrics) {
      if (m.name != "broken") continue;
      EXPECT_EQ(m.result, fl::MetricCheck::Result::kError);
      EXPECT_NE(m.message.find("bad_data"), std::string::npos) << m.message;
      EXPECT_NE(m.message.find("parse error"), std::string::npos) << m.message;
      sawError = true;
    }
  }
  EXPECT_TRUE(sawError);
}

TEST_F(PrometheusReplay, JsonOutputIsByteStableAcrossRuns) {
  TempDir dir;
  dir.write("canary.yaml", canaryYaml(2));
  auto once = [&] {
    std::istringstream in;
    std::ostringstream out, err;
    app::Streams io{in, out, err};
    const int rc = app::runMain(
        {"replay", "--spec", dir.file("canary.yaml"), "--prometheus", prom_->url(), "--from",
         "2024-01-01T01:25:00Z", "--to", "2024-01-01T02:00:00Z", "-o", "json"},
        io);
    EXPECT_EQ(rc, 0) << err.str();
    return out.str();
  };
  const std::string a = once();
  EXPECT_EQ(a, once());
  const auto j = nlohmann::json::parse(a);
  EXPECT_EQ(j["replay"]["from"], "2024-01-01T01:25:00Z");
  EXPECT_EQ(j["ticks"][0]["time"], "2024-01-01T01:25:00Z");
  EXPECT_EQ(j["ticks"][1]["t"], 60);
  EXPECT_EQ(j["outcome"]["result"], "rolled_back");
}

// The builtin metrics saved as `promtool query range -o json` prints them (a bare result array)
// and as the HTTP API answers: both replay to the same trace, and to the live server's; so do
// the raw series promtool prints, given as --series.
TEST_F(PrometheusReplay, PromtoolOutputReplaysAsTheApiAnswer) {
  TempDir dir;
  const auto ws = workspaceFrom(dir, "canary.yaml", canaryYaml(2));
  const double from = kT0 + 85 * 60, to = kT0 + 150 * 60;
  const std::string promtoolSr = prom_->promtoolQueryRange(kSuccessRate, from, to, 15);
  ASSERT_EQ(promtoolSr.rfind("[{\"metric\":{},\"values\":[[", 0), 0u) << promtoolSr;
  auto saved = [&](const std::string& sr, const std::string& p99, const std::string& tag) {
    rp::ReplaySpec spec;
    spec.from = from;
    spec.to = to;
    spec.queryRange = {{"request-success-rate", std::nullopt, dir.write(tag + "-sr.json", sr)},
                       {"request-duration", std::nullopt, dir.write(tag + "-p99.json", p99)}};
    return replay(ws, spec);
  };
  const auto api = saved(prom_->queryRange(kSuccessRate, from, to, 15),
                         prom_->queryRange(kDurationP99, from, to, 15), "api");
  const auto promtool =
      saved(promtoolSr, prom_->promtoolQueryRange(kDurationP99, from, to, 15), "promtool");
  // Raw series as promtool prints them, for --series: the spec's queries are evaluated on them.
  rp::ReplaySpec raw;
  raw.from = from;
  raw.to = to;
  raw.series = {dir.write(
      "raw.json", prom_->promtoolQueryRange("{__name__=~\"istio_requests_total|istio_request_"
                                            "duration_milliseconds_bucket\"}",
                                            from - 300, to, 15))};
  const auto series = replay(ws, raw);
  const auto live = replay(ws, liveSpec(prom_->url(), from, to));
  EXPECT_EQ(live.run.outcome.result, fl::Outcome::Result::kRolledBack);
  ASSERT_EQ(series.run.ticks.size(), live.run.ticks.size());
  for (std::size_t i = 0; i < live.run.ticks.size(); ++i) {
    ASSERT_EQ(series.run.ticks[i].metrics.size(), live.run.ticks[i].metrics.size());
    for (std::size_t m = 0; m < live.run.ticks[i].metrics.size(); ++m) {
      const double v = live.run.ticks[i].metrics[m].value;
      if (!std::isnan(v)) {
        EXPECT_NEAR(series.run.ticks[i].metrics[m].value, v, 1e-9 * std::fabs(v));
      }
    }
  }
  EXPECT_EQ(series.run.outcome.tick, live.run.outcome.tick);
  for (const auto* r : {&api, &promtool}) {
    ASSERT_EQ(r->run.ticks.size(), live.run.ticks.size());
    for (std::size_t i = 0; i < live.run.ticks.size(); ++i) {
      const auto& a = live.run.ticks[i];
      const auto& b = r->run.ticks[i];
      EXPECT_EQ(a.status.phase, b.status.phase) << "tick " << a.tick;
      EXPECT_EQ(a.status.failedChecks, b.status.failedChecks) << "tick " << a.tick;
      ASSERT_EQ(a.metrics.size(), b.metrics.size()) << "tick " << a.tick;
      for (std::size_t m = 0; m < a.metrics.size(); ++m) {
        EXPECT_EQ(a.metrics[m].result, b.metrics[m].result) << "tick " << a.tick;
        // The very strings the server sent, read the same way.
        if (!std::isnan(a.metrics[m].value)) {
          EXPECT_EQ(a.metrics[m].value, b.metrics[m].value);
        }
      }
    }
    EXPECT_EQ(r->run.outcome.tick, live.run.outcome.tick);
  }
}

// ---- faults
// --------------------------------------------------------------------------------------

// Prometheus stops answering in the middle: by default the replay stops with an environment
// error naming the tick (the recording is incomplete); with serverErrors: trace every later
// check is a failed query, as Flagger records "request failed", and the canary rolls back after
// `threshold` of them.
TEST(PrometheusReplayFaults, ServerStoppedMidReplay) {
  TempDir dir;
  const auto ws = workspaceFrom(dir, "canary.yaml", canaryYaml(2));
  const double from = kT0 + 20 * 60, to = kT0 + 50 * 60;
  for (const auto mode : {rp::ServerErrors::kAbort, rp::ServerErrors::kTrace}) {
    Prometheus prom("--duration 1h --step 15 --seed 7");
    ASSERT_TRUE(prom.start()) << prom.error();
    auto spec = liveSpec(prom.url(), from, to);
    spec.prometheus->serverErrors = mode;
    spec.prometheus->timeoutSeconds = 2;
    // Every tick asks both checks (run or traced): ticks 1 to 3 take 6 queries; the server
    // stops before tick 4's first.
    Wrapper wrap =
        [&](std::unique_ptr<rp::ReplaySource> inner) -> std::unique_ptr<rp::ReplaySource> {
      return std::make_unique<StopAfter>(std::move(inner), 6, [&] { prom.stop(); });
    };
    if (mode == rp::ServerErrors::kAbort) {
      try {
        replay(ws, spec, wrap);
        ADD_FAILURE() << "the replay went on without its server";
      } catch (const core::EnvironmentError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("cannot be reached"), std::string::npos) << msg;
        EXPECT_NE(msg.find("stopped at tick 4"), std::string::npos) << msg;
        EXPECT_NE(msg.find("2 attempts"), std::string::npos) << msg;
      }
    } else {
      const auto res = replay(ws, spec, wrap);
      EXPECT_EQ(res.run.outcome.result, fl::Outcome::Result::kRolledBack);
      // Checks error on ticks 4 and 5; tick 6 starts at the threshold and rolls back.
      EXPECT_EQ(res.run.outcome.tick, 6);
      ASSERT_GE(res.run.ticks.size(), 5u);
      ASSERT_FALSE(res.run.ticks[3].metrics.empty());
      EXPECT_EQ(res.run.ticks[3].metrics[0].result, fl::MetricCheck::Result::kError);
      EXPECT_NE(res.run.ticks[3].metrics[0].message.find("request failed"), std::string::npos);
    }
  }
}

// A port that answers garbage: not HTTP at all, or HTTP 200 with a body that is not the API's.
TEST(PrometheusReplayFaults, APortThatAnswersGarbage) {
  TempDir dir;
  const auto ws = workspaceFrom(dir, "canary.yaml", canaryYaml(2));
  TcpServer raw([](int fd, const std::atomic<bool>& stopping) {
    TcpServer::readRequest(fd, stopping);
    TcpServer::send(fd, "SSH-2.0-OpenSSH_9.2p1 garbage\r\n\x01\x02\x03");
  });
  TcpServer html([](int fd, const std::atomic<bool>& stopping) {
    TcpServer::readRequest(fd, stopping);
    TcpServer::send(
        fd, TcpServer::httpResponse(200, "OK", "text/html", "<html><body>It works!</body></html>"));
  });
  for (TcpServer* s : {&raw, &html}) {
    auto spec = liveSpec(s->url(), kT0, kT0 + 600);
    try {
      replay(ws, spec);
      ADD_FAILURE() << "garbage was accepted";
    } catch (const core::EnvironmentError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(s->url()), std::string::npos) << msg;
      if (s == &html) {
        EXPECT_NE(msg.find("did not answer like the Prometheus HTTP API"), std::string::npos)
            << msg;
      }
    }
  }
  // Through the CLI: exit code 3, one line.
  std::istringstream in;
  std::ostringstream out, err;
  app::Streams io{in, out, err};
  const int rc =
      app::runMain({"replay", "--spec", dir.file("canary.yaml"), "--prometheus", html.url(),
                    "--from", "1704067200", "--to", "1704067800", "--retries", "0"},
                   io);
  const std::string e = err.str();
  EXPECT_EQ(rc, 3) << e;
  EXPECT_EQ(std::count(e.begin(), e.end(), '\n'), 1) << e;
}

// A server that accepts and never answers: each attempt gives up at the timeout.
TEST(PrometheusReplayFaults, ASlowServerAgainstTheTimeout) {
  TempDir dir;
  const auto ws = workspaceFrom(dir, "canary.yaml", canaryYaml(2));
  TcpServer slow([](int fd, const std::atomic<bool>& stopping) {
    TcpServer::readRequest(fd, stopping);
    for (int i = 0; i < 100 && !stopping; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  });
  auto spec = liveSpec(slow.url(), kT0, kT0 + 600);
  spec.prometheus->timeoutSeconds = 0.3;
  spec.prometheus->retries = 1;
  const auto start = std::chrono::steady_clock::now();
  try {
    replay(ws, spec);
    ADD_FAILURE() << "the slow server was waited for";
  } catch (const core::EnvironmentError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("did not answer within 0.3 s"), std::string::npos) << msg;
    EXPECT_NE(msg.find("gave up after 2 attempts"), std::string::npos) << msg;
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(elapsed, 2.5);
  EXPECT_GE(elapsed, 0.6);  // two attempts of 0.3 s each
}

// A server that answers the online check and the first tick, then accepts connections and never
// answers. With --server-errors trace every later query would wait out its timeout and retries
// (minutes for the whole window); --deadline stops the replay at its own limit: exit 3, one line
// naming the deadline and the tick reached, nothing on standard output.
TEST(PrometheusReplayFaults, DeadlineBoundsAReplayAgainstAServerThatStopsAnswering) {
  TempDir dir;
  dir.write("canary.yaml", canaryYaml(100));  // never rolls back on failed checks
  std::atomic<int> answered{0};
  TcpServer stalls([&](int fd, const std::atomic<bool>& stopping) {
    TcpServer::readRequest(fd, stopping);
    if (answered < 3) {  // vector(1), then tick 1's two checks
      ++answered;
      TcpServer::send(
          fd,
          TcpServer::httpResponse(
              200, "OK", "application/json",
              R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1704067200,"1"]}]}})"));
      return;
    }
    while (!stopping) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  });
  std::istringstream in;
  std::ostringstream out, err;
  app::Streams io{in, out, err};
  const auto start = std::chrono::steady_clock::now();
  const int rc =
      app::runMain({"replay", "--spec", dir.file("canary.yaml"), "--prometheus", stalls.url(),
                    "--from", "1704067200", "--to", "1704069000", "--server-errors", "trace",
                    "--timeout", "1s", "--deadline", "2s", "-o", "json"},
                   io);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string e = err.str();
  EXPECT_EQ(rc, 3) << e;
  EXPECT_EQ(std::count(e.begin(), e.end(), '\n'), 1) << e;
  EXPECT_NE(e.find("deadline of 2 s passed"), std::string::npos) << e;
  EXPECT_NE(e.find("stopped at tick 2"), std::string::npos) << e;
  EXPECT_EQ(out.str(), "");  // no trace, not even half of one
  // 2 s and the last attempt's cut-off; without the deadline: 29 ticks x 2 checks x ~4.5 s.
  EXPECT_GE(elapsed, 1.9);
  EXPECT_LT(elapsed, 3.5);

  // A bad duration is a command-line error.
  std::ostringstream out2, err2;
  app::Streams io2{in, out2, err2};
  EXPECT_EQ(app::runMain({"replay", "--spec", dir.file("canary.yaml"), "--prometheus", stalls.url(),
                          "--from", "1704067200", "--to", "1704069000", "--deadline", "soon"},
                         io2),
            2);
  EXPECT_NE(err2.str().find("--deadline = \"soon\""), std::string::npos) << err2.str();
}

// A server that answers 503 once, then the right answer: retried, and the replay goes on.
TEST(PrometheusReplayFaults, TransientErrorsAreRetried) {
  std::atomic<int> calls{0};
  TcpServer flaky([&](int fd, const std::atomic<bool>& stopping) {
    TcpServer::readRequest(fd, stopping);
    if (calls++ == 0) {
      TcpServer::send(fd, TcpServer::httpResponse(
                              503, "Service Unavailable", "application/json",
                              R"({"status":"error","errorType":"unavailable","error":"busy"})"));
      return;
    }
    TcpServer::send(
        fd,
        TcpServer::httpResponse(
            200, "OK", "application/json",
            R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1704067200,"1"]}]}})"));
  });
  rp::PrometheusOptions o;
  o.url = flaky.url();
  o.retries = 2;
  o.backoffSeconds = 0.01;
  rp::PrometheusClient client(o);
  EXPECT_NO_THROW(client.checkOnline(kT0));
  EXPECT_EQ(client.requests(), 2u);
}

// Credentials come from a file or the environment and never show up in messages.
TEST(PrometheusReplayFaults, CredentialsAreSentAndNeverEchoed) {
  TempDir dir;
  const std::string token = "s3cr3t-t0ken-XYZ";
  std::atomic<int> ok{0}, refused{0};
  TcpServer guarded([&](int fd, const std::atomic<bool>& stopping) {
    const std::string req = TcpServer::readRequest(fd, stopping);
    const bool bearer = req.find("Authorization: Bearer " + token + "\r\n") != std::string::npos;
    // user:pa:ss in base64
    const bool basic = req.find("Authorization: Basic dXNlcjpwYTpzcw==\r\n") != std::string::npos;
    if (!bearer && !basic) {
      ++refused;
      TcpServer::send(fd,
                      TcpServer::httpResponse(401, "Unauthorized", "text/plain", "Unauthorized\n"));
      return;
    }
    ++ok;
    TcpServer::send(
        fd,
        TcpServer::httpResponse(
            200, "OK", "application/json",
            R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1"]}]}})"));
  });
  rp::PrometheusOptions o;
  o.url = guarded.url();
  o.retries = 0;
  o.auth = rp::AuthKind::kBearerTokenFile;
  o.authSource = dir.write("token", token + "\n");
  {
    rp::PrometheusClient client(o);
    EXPECT_NO_THROW(client.checkOnline(kT0));
  }
  setenv("ROLLOUTLAB_TEST_BASIC", "user:pa:ss", 1);
  o.auth = rp::AuthKind::kBasicAuthEnv;
  o.authSource = "ROLLOUTLAB_TEST_BASIC";
  {
    rp::PrometheusClient client(o);
    EXPECT_NO_THROW(client.checkOnline(kT0));
  }
  setenv("ROLLOUTLAB_TEST_TOKEN", "wrong-token-ABC", 1);
  o.auth = rp::AuthKind::kBearerTokenEnv;
  o.authSource = "ROLLOUTLAB_TEST_TOKEN";
  try {
    rp::PrometheusClient client(o);
    client.checkOnline(kT0);
    ADD_FAILURE() << "a refused token was accepted";
  } catch (const core::EnvironmentError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("HTTP 401"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("wrong-token-ABC"), std::string::npos) << msg;
  }
  EXPECT_EQ(ok.load(), 2);
  EXPECT_EQ(refused.load(), 1);
  unsetenv("ROLLOUTLAB_TEST_TOKEN");
  try {
    rp::PrometheusClient client(o);
    ADD_FAILURE() << "an unset variable was accepted";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("ROLLOUTLAB_TEST_TOKEN"), std::string::npos);
  }
  // Credentials in the URL are refused (they would end up in messages).
  o.url = "http://user:pw@127.0.0.1:1";
  o.auth = rp::AuthKind::kNone;
  try {
    rp::PrometheusClient client(o);
    ADD_FAILURE();
  } catch (const core::InputError& e) {
    EXPECT_EQ(std::string(e.what()).find("pw@"), std::string::npos);
  }
  unsetenv("ROLLOUTLAB_TEST_BASIC");
}

// --header NAME=VALUE (repeatable; Mimir, Cortex and Thanos want X-Scope-OrgID): sent with
// every request, and the value never shows in the output or a message, even when the server
// echoes it in its errors.
TEST(PrometheusReplayFaults, ExtraHeadersAreSentAndNeverShown) {
  TempDir dir;
  dir.write("canary.yaml", canaryYaml(2));
  const std::string tenant = "tenant-s3cr3t-42";
  const std::string key = "key-v4lue-77";
  std::mutex mu;
  std::vector<std::string> heads;
  // 0: answers 1 to everything; 1: 429 naming the tenant; 2: vector(1), else bad_data naming it.
  std::atomic<int> mode{0};
  TcpServer server([&](int fd, const std::atomic<bool>& stopping) {
    const std::string req = TcpServer::readRequest(fd, stopping);
    {
      std::lock_guard<std::mutex> lock(mu);
      heads.push_back(req);
    }
    const std::string one =
        R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1"]}]}})";
    if (mode == 1) {
      TcpServer::send(fd, TcpServer::httpResponse(429, "Too Many Requests", "text/plain",
                                                  "the tenant " + tenant + " is over its limit"));
    } else if (mode == 2 && req.find("query=vector%281%29") == std::string::npos) {
      TcpServer::send(fd, TcpServer::httpResponse(
                              400, "Bad Request", "application/json",
                              R"({"status":"error","errorType":"bad_data","error":"no data for )" +
                                  tenant + R"("})"));
    } else {
      TcpServer::send(fd, TcpServer::httpResponse(200, "OK", "application/json", one));
    }
  });
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"replay",     "--spec",     dir.file("canary.yaml"),
                                     "--from",     "1704067200", "--to",
                                     "1704067800", "--retries",  "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::istringstream in;
    std::ostringstream out, err;
    app::Streams io{in, out, err};
    const int rc = app::runMain(args, io);
    return std::make_tuple(rc, out.str(), err.str());
  };
  auto shown = [&](const std::string& text) {
    return text.find("s3cr3t") != std::string::npos || text.find(key) != std::string::npos;
  };
  const std::vector<std::string> flags = {"--prometheus", server.url(),
                                          "--header",     "X-Scope-OrgID=" + tenant,
                                          "--header",     " X-Api-Key = " + key};
  for (const char* format : {"json", "table"}) {
    auto extra = flags;
    extra.insert(extra.end(), {"-o", format});
    const auto [rc, out, err] = run(extra);
    EXPECT_EQ(rc, 0) << err;
    EXPECT_FALSE(shown(out)) << out;
    EXPECT_FALSE(shown(err)) << err;
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_GT(heads.size(), 6u);
    for (const auto& h : heads) {
      EXPECT_NE(h.find("\r\nX-Scope-OrgID: " + tenant + "\r\n"), std::string::npos) << h;
      EXPECT_NE(h.find("\r\nX-Api-Key: " + key + "\r\n"), std::string::npos) << h;
    }
  }
  // The server echoes the tenant in a refusal: exit 3, one line, the value hidden.
  mode = 1;
  {
    const auto [rc, out, err] = run(flags);
    EXPECT_EQ(rc, 3) << err;
    EXPECT_NE(err.find("HTTP 429"), std::string::npos) << err;
    EXPECT_NE(err.find("the tenant <hidden> is over its limit"), std::string::npos) << err;
    EXPECT_FALSE(shown(err)) << err;
    EXPECT_TRUE(out.empty()) << out;
  }
  // ... and in the query errors the trace records as failed checks.
  mode = 2;
  {
    auto extra = flags;
    extra.insert(extra.end(), {"-o", "json"});
    const auto [rc, out, err] = run(extra);
    EXPECT_EQ(rc, 0) << err;
    EXPECT_NE(out.find("bad_data: no data for <hidden>"), std::string::npos) << out;
    EXPECT_FALSE(shown(out)) << out;
    EXPECT_FALSE(shown(err)) << err;
  }
  mode = 0;

  // A Replay document's spec.prometheus.headers are sent the same way.
  dir.write("replay.yaml",
            "apiVersion: rolloutlab.io/v1alpha1\nkind: Replay\nmetadata: {name: tenant}\n"
            "spec:\n  from: 2024-01-01T00:00:00Z\n  to: 2024-01-01T00:10:00Z\n"
            "  prometheus:\n    url: \"" +
                server.url() + "\"\n    headers: {X-Scope-OrgID: " + tenant + "}\n");
  {
    std::lock_guard<std::mutex> lock(mu);
    heads.clear();
  }
  {
    std::istringstream in;
    std::ostringstream out, err;
    app::Streams io{in, out, err};
    const int rc = app::runMain(
        {"replay", "--spec", dir.file("canary.yaml"), "--replay", dir.file("replay.yaml")}, io);
    EXPECT_EQ(rc, 0) << err.str();
    EXPECT_FALSE(shown(out.str()));
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_FALSE(heads.empty());
    for (const auto& h : heads)
      EXPECT_NE(h.find("\r\nX-Scope-OrgID: " + tenant + "\r\n"), std::string::npos) << h;
  }
}

// A malformed --header is a usage error (exit 2) that does not repeat the value, and nothing is
// sent; in a Replay document it is an input error (exit 1) naming the field only.
TEST(PrometheusReplayFaults, MalformedHeadersAreRefusedWithoutTheirValue) {
  TempDir dir;
  dir.write("canary.yaml", canaryYaml(2));
  TcpServer server([](int fd, const std::atomic<bool>& stopping) {
    TcpServer::readRequest(fd, stopping);
    TcpServer::send(fd, TcpServer::httpResponse(500, "No", "text/plain", "no"));
  });
  struct Bad {
    std::string header;
    std::string message;
  };
  const std::vector<Bad> bad = {
      {"X-Scope-OrgID: s3cr3t-tenant", "--header must be NAME=VALUE"},
      {"X-Scope OrgID=s3cr3t-tenant", "--header: the name must be letters, digits"},
      {"=s3cr3t-tenant", "--header needs a name before '='"},
      {"X-Scope-OrgID=", "--header X-Scope-OrgID: the value is empty"},
      {"X-Scope-OrgID=s3cr3t\r\nX-Injected: 1",
       "--header X-Scope-OrgID: the value holds a control"},
      {"Authorization=Bearer s3cr3t-token", "--header Authorization: give credentials with"},
      {"host=s3cr3t.example", "--header host: set by the HTTP client itself"},
  };
  for (const auto& b : bad) {
    std::istringstream in;
    std::ostringstream out, err;
    app::Streams io{in, out, err};
    const int rc =
        app::runMain({"replay", "--spec", dir.file("canary.yaml"), "--prometheus", server.url(),
                      "--from", "1704067200", "--to", "1704067800", "--header", b.header},
                     io);
    EXPECT_EQ(rc, 2) << b.header;
    EXPECT_NE(err.str().find(b.message), std::string::npos) << err.str();
    EXPECT_EQ(err.str().find("s3cr3t"), std::string::npos) << err.str();
    EXPECT_TRUE(out.str().empty());
  }
  {
    std::istringstream in;
    std::ostringstream out, err;
    app::Streams io{in, out, err};
    EXPECT_EQ(app::runMain({"replay", "--spec", dir.file("canary.yaml"), "--csv", "x.csv", "--from",
                            "1704067200", "--to", "1704067800", "--header", "A=b"},
                           io),
              2);
    EXPECT_NE(err.str().find("--header needs --prometheus"), std::string::npos) << err.str();
  }
  dir.write("replay.yaml",
            "apiVersion: rolloutlab.io/v1alpha1\nkind: Replay\nmetadata: {name: tenant}\n"
            "spec:\n  from: 2024-01-01T00:00:00Z\n  to: 2024-01-01T00:10:00Z\n"
            "  prometheus:\n    url: \"" +
                server.url() +
                "\"\n    headers:\n      Authorization: Bearer s3cr3t-token\n"
                "      X-Scope-OrgID: s3cr3t-tenant\n      x-scope-orgid: s3cr3t-again\n");
  std::istringstream in;
  std::ostringstream out, err;
  app::Streams io{in, out, err};
  EXPECT_EQ(
      app::runMain(
          {"replay", "--spec", dir.file("canary.yaml"), "--replay", dir.file("replay.yaml")}, io),
      1);
  EXPECT_NE(err.str().find("replay.yaml:10: spec.prometheus.headers.Authorization: --header "
                           "Authorization: give credentials with"),
            std::string::npos)
      << err.str();
  EXPECT_NE(err.str().find("spec.prometheus.headers.x-scope-orgid: the same header twice"),
            std::string::npos)
      << err.str();
  EXPECT_EQ(err.str().find("s3cr3t"), std::string::npos) << err.str();
  EXPECT_EQ(server.connections(), 0);
}

// The Canary's metricsServer and the MetricTemplate's address point at a listener: the replay
// sends everything to --prometheus and nothing there.
TEST(PrometheusReplayFaults, AddressesInTheSpecAreNeverContacted) {
  TempDir dir;
  TcpServer trap([](int fd, const std::atomic<bool>& stopping) {
    TcpServer::readRequest(fd, stopping);
    TcpServer::send(fd, TcpServer::httpResponse(500, "No", "text/plain", "no"));
  });
  std::atomic<int> asked{0};
  TcpServer fake([&](int fd, const std::atomic<bool>& stopping) {
    TcpServer::readRequest(fd, stopping);
    ++asked;
    TcpServer::send(
        fd,
        TcpServer::httpResponse(
            200, "OK", "application/json",
            R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1"]}]}})"));
  });
  const std::string yaml =
      canaryYaml(2, "  metricsServer: " + trap.url() + "\n",
                 "      - name: custom\n        templateRef:\n          name: custom\n"
                 "        thresholdRange:\n          max: 5\n") +
      "---\napiVersion: flagger.app/v1beta1\nkind: MetricTemplate\nmetadata:\n  name: custom\n  "
      "namespace: test\n"
      "spec:\n  provider:\n    type: prometheus\n    address: " +
      trap.url() + "\n  query: vector(1)\n";
  const auto ws = workspaceFrom(dir, "canary.yaml", yaml);
  auto spec = liveSpec(fake.url(), kT0, kT0 + 300);
  const auto res = replay(ws, spec);
  EXPECT_GT(asked.load(), 5);
  EXPECT_EQ(trap.connections(), 0);
  // The fake answers 1 to everything: the success rate (>= 99) fails on ticks 3 and 4.
  EXPECT_EQ(res.run.outcome.result, fl::Outcome::Result::kRolledBack);
  EXPECT_EQ(res.run.outcome.tick, 5);
}

}  // namespace
