// Shadow judges attached to replays: on request logs they read, per tick and variant, exactly
// the requests the log holds in that tick's interval (counted as the mesh's counters count
// them: a request ending at T by the first scrape after T), decide as the core sequential judge
// decides on those counts, and run everywhere a Scenario's judges run (replay, simulate, batch);
// a recording of metric values only is a one-line error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "replay_workspace.h"
#include "rolloutlab/app/batch.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/core/judge/sequential_judge.h"
#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/replay/interval_traffic.h"
#include "rolloutlab/replay/log_synth.h"
#include "rolloutlab/replay/replay.h"
#include "rolloutlab/replay/time.h"

namespace {

using namespace rolloutlab;
using namespace rolloutlab::test::replayfx;
namespace rp = rolloutlab::replay;
namespace jd = rolloutlab::core::judge;

constexpr double kT0 = 1704067200;  // 2024-01-01T00:00:00Z
constexpr double kScrape = 15;

// Errors only, so that the expectation below can feed the core judge by hand.
const char* kJudgeYaml =
    "apiVersion: rolloutlab.io/v1alpha1\nkind: Judge\nmetadata:\n  name: seq\nspec:\n"
    "  sequential:\n    alpha: 0.05\n    metrics:\n"
    "      - {name: errors, source: errorRate, allowedChange: 0.0, meaningfulChange: 1.0}\n";

// The bundled tail judge's latency metric alone.
const char* kTailJudgeYaml =
    "apiVersion: rolloutlab.io/v1alpha1\nkind: Judge\nmetadata:\n  name: tail\nspec:\n"
    "  sequential:\n    alpha: 0.05\n    metrics:\n"
    "      - {name: tail, source: latencyDistribution, quantile: 0.99, allowedChange: 0.0}\n";

struct Request {
  bool canary;
  int code;
  double end;  // epoch seconds
  double latencyMs;
};

// Every line of the log, read with a general JSON parser (not rolloutlab's reader).
std::vector<Request> bruteForce(const std::string& path) {
  std::vector<Request> out;
  std::ifstream in(path);
  for (std::string l; std::getline(in, l);) {
    const auto j = nlohmann::json::parse(l);
    const double lat = j["duration"].get<double>();
    out.push_back({j["upstream_cluster"].get<std::string>().find("canary") != std::string::npos,
                   j["response_code"].get<int>(),
                   *rp::parseTime(j["start_time"].get<std::string>()) + lat / 1000, lat});
  }
  return out;
}

struct Counts {
  double requests = 0, errors = 0;
  std::map<double, double> atOrBelow;  // latency bound (ms) -> requests
};

// The requests of a variant that the scrapes at or before `from` and `to` (epoch seconds) tell
// apart: those ending in [scrape(from), scrape(to)), where scrape(x) is the last scrape at or
// before x (a request is counted by the first scrape after it ends).
Counts countBetween(const std::vector<Request>& reqs, bool canary, double from, double to) {
  const double a = std::floor(from / kScrape) * kScrape;
  const double b = std::floor(to / kScrape) * kScrape;
  Counts c;
  for (const auto& r : reqs) {
    if (r.canary != canary || r.end < a || r.end >= b) continue;
    ++c.requests;
    if (r.code >= 500) ++c.errors;
    for (double le : {50.0, 100.0, 500.0}) {
      if (r.latencyMs <= le) ++c.atOrBelow[le];
    }
  }
  return c;
}

struct Fixture {
  TempDir dir;
  app::Workspace ws;
  std::string log;
  std::vector<sim::JudgeSpec> judges;

  // 40 rps, a fifth on the canary; from `changeAt` seconds on the canary fails 10% of requests.
  // From `changeAt` on, the canary's P99 is `canaryP99After` ms (P50 40 ms, P99 200 before).
  explicit Fixture(double canaryErrorsAfter, double changeAt = 600, double canaryP99After = 200,
                   const char* judgeYaml = kJudgeYaml) {
    ws = workspaceFrom(dir, "canary.yaml", canaryYaml(30));
    rp::SyntheticLogOptions o;
    o.duration = 1800;
    o.rps = 40;
    o.canaryShare = 0.2;
    o.canaryErrorRate = 0.001;
    o.primaryErrorRate = 0.001;
    o.canaryErrorRateAfter = canaryErrorsAfter;
    o.changeAt = changeAt;
    o.canaryP99MsAfter = canaryP99After;
    o.seed = 17;
    log = dir.file("access.log");
    rp::writeSyntheticEnvoyLog(log, o);
    judges = workspaceFrom(dir, "judge.yaml", judgeYaml).judges;
  }
  rp::ReplaySpec spec() const {
    rp::ReplaySpec s;
    s.from = kT0;
    s.to = kT0 + 1800;
    s.accessLogs = {log};
    return s;
  }
};

struct JudgedRun {
  sim::SimulationResult res;
  std::vector<sim::TickTraffic> traffic;  // what the judge read, per tick from the second
};

JudgedRun replayWithJudges(const Fixture& f, const rp::ReplaySpec& spec) {
  const auto& canary = f.ws.canary("");
  auto rec = rp::Recording::open(spec, rp::targetOf(canary, "istio"));
  const rp::FlaggerReplayPlan plan(canary, io::resolveTemplates(canary, f.ws.metricTemplates),
                                   "istio", rec);
  auto src = rec->makeSource();
  rp::ReplayRunOptions o;
  o.judges = &f.judges;
  JudgedRun r;
  r.res = rp::replayFlagger(plan, *src, o);
  // The same source, read again over each tick interval after the run.
  sim::IntervalTrafficSource* it = src->intervalTraffic();
  EXPECT_NE(it, nullptr);
  if (it == nullptr) return r;
  for (std::size_t i = 1; i < r.res.run.ticks.size(); ++i) {
    r.traffic.push_back(sim::tickTraffic(*it, r.res.run.ticks[i - 1].t, r.res.run.ticks[i].t));
  }
  return r;
}

TEST(ReplayShadowJudge, SequentialJudgeFailsARegressionOnItsExactTickCounts) {
  Fixture f(0.1);
  const JudgedRun r = replayWithJudges(f, f.spec());
  const auto reqs = bruteForce(f.log);
  ASSERT_EQ(r.res.summary.judges.size(), 1u);
  const sim::ShadowVerdict& v = r.res.summary.judges[0];
  EXPECT_EQ(v.kind, sim::ShadowVerdict::Kind::kFail) << v.reason;
  // After the regression starts (t = 600 s), and not long after.
  EXPECT_GT(v.t, 600);
  EXPECT_LE(v.t, 1200);

  // The independent expectation: brute-force counts of the log per tick interval, fed to the
  // core sequential judge by hand, give the same verdict at the same tick.
  jd::SequentialJudge expected(f.judges[0].sequential);
  int expectedTick = 0;
  ASSERT_EQ(r.traffic.size() + 1, r.res.run.ticks.size());
  int compared = 0;
  for (std::size_t i = 0; i < r.traffic.size(); ++i) {
    const auto& tr = r.traffic[i];
    const double from = kT0 + tr.from;
    const double to = kT0 + tr.to;
    Counts c = countBetween(reqs, true, from, to);
    Counts p = countBetween(reqs, false, from, to);
    ASSERT_EQ(tr.canary.ok + tr.canary.err, c.requests) << "tick " << i + 2;
    ASSERT_EQ(tr.canary.err, c.errors) << "tick " << i + 2;
    ASSERT_EQ(tr.primary.ok + tr.primary.err, p.requests) << "tick " << i + 2;
    ASSERT_EQ(tr.primary.err, p.errors) << "tick " << i + 2;
    // Latency buckets: the cumulative count at Istio's 50, 100 and 500 ms bounds.
    for (double le : {50.0, 100.0, 500.0}) {
      double cumCanary = 0, cumPrimary = 0;
      for (std::size_t k = 0; k < tr.boundsMs.size() && tr.boundsMs[k] <= le; ++k) {
        cumCanary += tr.canary.buckets[k];
        cumPrimary += tr.primary.buckets[k];
      }
      ASSERT_EQ(cumCanary, c.atOrBelow[le]) << "le " << le << " tick " << i + 2;
      ASSERT_EQ(cumPrimary, p.atOrBelow[le]) << "le " << le << " tick " << i + 2;
    }
    ++compared;
    if (expectedTick != 0 || c.requests <= 0) continue;
    jd::TickData d;
    d.timeSeconds = tr.to;
    jd::MetricTick m;
    m.name = "errors";
    m.baselineCounts = {static_cast<std::int64_t>(p.requests), static_cast<std::int64_t>(p.errors)};
    m.canaryCounts = {static_cast<std::int64_t>(c.requests), static_cast<std::int64_t>(c.errors)};
    d.metrics.push_back(m);
    expected.observe(d);
    if (expected.decision() != jd::SequentialVerdict::kContinue) {
      expectedTick = static_cast<int>(i) + 2;
      EXPECT_EQ(expected.decision(), jd::SequentialVerdict::kFail);
    }
  }
  EXPECT_GT(compared, 10);
  EXPECT_EQ(v.tick, expectedTick);
  // The trace's per-tick verdicts turn to fail at that tick.
  ASSERT_EQ(r.res.judgeTicks.size(), r.res.run.ticks.size());
  EXPECT_EQ(r.res.judgeTicks[static_cast<std::size_t>(v.tick - 2)][0],
            sim::ShadowVerdict::Kind::kUndecided);
  EXPECT_EQ(r.res.judgeTicks[static_cast<std::size_t>(v.tick - 1)][0],
            sim::ShadowVerdict::Kind::kFail);
}

TEST(ReplayShadowJudge, GoodReleaseIsNotFailed) {
  Fixture f(0.001);
  const JudgedRun r = replayWithJudges(f, f.spec());
  ASSERT_EQ(r.res.summary.judges.size(), 1u);
  EXPECT_NE(r.res.summary.judges[0].kind, sim::ShadowVerdict::Kind::kFail)
      << r.res.summary.judges[0].reason;
}

TEST(ReplayShadowJudge, TailJudgeFailsAHeavierTailOnTheLogsBuckets) {
  // A release whose P99 is 330 ms against the primary's 200 ms, its median unchanged, from
  // its first request. The latency-distribution judge fails it, at the tick the core judge
  // fails on the log's own per-bucket counts (read here by brute force, not by the replay's
  // aggregation).
  Fixture f(0.001, 0, 330, kTailJudgeYaml);
  const JudgedRun r = replayWithJudges(f, f.spec());
  const auto reqs = bruteForce(f.log);
  ASSERT_EQ(r.res.summary.judges.size(), 1u);
  const sim::ShadowVerdict& v = r.res.summary.judges[0];
  EXPECT_EQ(v.kind, sim::ShadowVerdict::Kind::kFail) << v.reason;
  EXPECT_LE(v.t, 600);

  jd::SequentialJudge expected(f.judges[0].sequential);
  int expectedTick = 0;
  for (std::size_t i = 0; i < r.traffic.size() && expectedTick == 0; ++i) {
    const auto& tr = r.traffic[i];
    const double a = std::floor((kT0 + tr.from) / kScrape) * kScrape;
    const double b = std::floor((kT0 + tr.to) / kScrape) * kScrape;
    jd::MetricTick m;
    m.name = "tail";
    m.bucketUpperBounds = tr.boundsMs;
    m.canaryBuckets.assign(tr.boundsMs.size() + 1, 0);
    m.baselineBuckets.assign(tr.boundsMs.size() + 1, 0);
    std::int64_t canaryRequests = 0;
    for (const auto& q : reqs) {
      if (q.end < a || q.end >= b) continue;
      const auto k = static_cast<std::size_t>(
          std::lower_bound(tr.boundsMs.begin(), tr.boundsMs.end(), q.latencyMs) -
          tr.boundsMs.begin());
      ++(q.canary ? m.canaryBuckets : m.baselineBuckets)[k];
      canaryRequests += q.canary;
    }
    if (canaryRequests == 0) continue;
    jd::TickData d;
    d.timeSeconds = tr.to;
    d.metrics.push_back(m);
    expected.observe(d);
    if (expected.decision() == jd::SequentialVerdict::kFail) expectedTick = static_cast<int>(i) + 2;
  }
  EXPECT_EQ(v.tick, expectedTick) << v.reason;
}

TEST(ReplayShadowJudge, TailJudgeDoesNotFailAGoodRelease) {
  Fixture f(0.001, 600, 200, kTailJudgeYaml);
  const JudgedRun r = replayWithJudges(f, f.spec());
  ASSERT_EQ(r.res.summary.judges.size(), 1u);
  EXPECT_NE(r.res.summary.judges[0].kind, sim::ShadowVerdict::Kind::kFail)
      << r.res.summary.judges[0].reason;
}

TEST(ReplayShadowJudge, CounterIncreaseHandlesResets) {
  // Prometheus' counter semantics: 10 -> 14 -> 3 (a reset: +3) -> 5 is an increase of 4 + 3 +
  // 2 = 9 over (t0, t3]; from before the series exists it counts from 0.
  core::promql::MemorySeriesStore store;
  const core::promql::Labels l{{"__name__", "c"}};
  const std::pair<core::promql::TimestampMs, double> samples[] = {
      {1000, 10.0}, {2000, 14.0}, {3000, 3.0}, {4000, 5.0}};
  for (const auto& [t, v] : samples) store.append(l, t, v);
  std::vector<core::promql::SeriesRef> refs;
  store.select({core::promql::Matcher::make(core::promql::MatchType::kEqual, "__name__", "c")},
               refs);
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_EQ(rp::counterIncrease(store, refs[0], 1000, 4000), 9.0);
  EXPECT_EQ(rp::counterIncrease(store, refs[0], 2000, 3000), 3.0);
  EXPECT_EQ(rp::counterIncrease(store, refs[0], 0, 2000), 14.0);
  EXPECT_EQ(rp::counterIncrease(store, refs[0], 4000, 9000), 0.0);
}

// The judge's tick counts off raw series, read three ways: the OpenMetrics file parsed here by
// hand, the file loaded as `--series`, and a real Prometheus 2.42 serving the same file (range
// selectors over its HTTP API). All three agree on every tick, and the judge fails the
// generated regression (+10 points of errors at 10 minutes) the same way on both sources.
TEST(ReplayShadowJudge, RawSeriesAndALivePrometheusGiveTheSameCounts) {
  Prometheus prom(
      "--duration 30m --step 15 --seed 5 --rps 40 --canary-error-rate 0.005 "
      "--canary-error-rate-after 0.1 --change-at 10m");
  ASSERT_TRUE(prom.start()) << prom.error();
  TempDir dir;
  const auto ws = workspaceFrom(dir, "canary.yaml", canaryYaml(30));
  const auto judges = workspaceFrom(dir, "judge.yaml", kJudgeYaml).judges;
  // By hand: (workload, code) -> time -> counter value.
  std::map<std::pair<std::string, std::string>, std::map<double, double>> om;
  {
    std::ifstream in(prom.openMetricsFile());
    for (std::string l; std::getline(in, l);) {
      if (l.rfind("istio_requests_total{", 0) != 0) continue;
      auto label = [&](const std::string& name) {
        const auto a = l.find(name + "=\"") + name.size() + 2;
        return l.substr(a, l.find('"', a) - a);
      };
      std::istringstream rest(l.substr(l.find('}') + 1));
      double v = 0, t = 0;
      rest >> v >> t;
      om[{label("destination_workload"), label("response_code")}][t] = v;
    }
  }
  auto byHand = [&](const std::string& workload, const std::string& code, double from, double to) {
    const auto& series = om[{workload, code}];
    auto at = [&](double t) {
      auto it = series.upper_bound(t);
      return it == series.begin() ? 0.0 : std::prev(it)->second;
    };
    return at(to) - at(from);
  };
  auto run = [&](const rp::ReplaySpec& spec) {
    const auto& canary = ws.canary("");
    auto rec = rp::Recording::open(spec, rp::targetOf(canary, "istio"));
    const rp::FlaggerReplayPlan plan(canary, io::resolveTemplates(canary, ws.metricTemplates),
                                     "istio", rec);
    auto src = rec->makeSource();
    rp::ReplayRunOptions o;
    o.judges = &judges;
    JudgedRun r;
    r.res = rp::replayFlagger(plan, *src, o);
    for (std::size_t i = 1; i < r.res.run.ticks.size(); ++i) {
      r.traffic.push_back(sim::tickTraffic(*src->intervalTraffic(), r.res.run.ticks[i - 1].t,
                                           r.res.run.ticks[i].t));
    }
    return r;
  };
  rp::ReplaySpec series;
  // From the change on (before it the variants match and the judge passes within minutes).
  series.from = kT0 + 600;
  series.to = kT0 + 1500;
  series.series = {prom.openMetricsFile()};
  rp::ReplaySpec live = series;
  live.series.clear();
  rp::PrometheusOptions po;
  po.url = prom.url();
  po.timeoutSeconds = 5;
  live.prometheus = po;
  const JudgedRun a = run(series);
  const JudgedRun b = run(live);
  ASSERT_EQ(a.traffic.size(), b.traffic.size());
  ASSERT_GE(a.traffic.size(), 10u);
  for (std::size_t i = 0; i < a.traffic.size(); ++i) {
    const auto& x = a.traffic[i];
    const auto& y = b.traffic[i];
    const double from = series.from + x.from;
    const double to = series.from + x.to;
    EXPECT_EQ(x.canary.err, byHand("podinfo", "500", from, to)) << i;
    EXPECT_EQ(x.canary.ok, byHand("podinfo", "200", from, to)) << i;
    EXPECT_EQ(x.primary.err, byHand("podinfo-primary", "500", from, to)) << i;
    EXPECT_EQ(x.primary.ok, byHand("podinfo-primary", "200", from, to)) << i;
    EXPECT_EQ(x.canary.ok, y.canary.ok) << i;
    EXPECT_EQ(x.canary.err, y.canary.err) << i;
    EXPECT_EQ(x.primary.ok, y.primary.ok) << i;
    EXPECT_EQ(x.primary.err, y.primary.err) << i;
    EXPECT_EQ(x.canary.buckets, y.canary.buckets) << i;
    EXPECT_EQ(x.primary.buckets, y.primary.buckets) << i;
    EXPECT_EQ(x.boundsMs, y.boundsMs) << i;
  }
  ASSERT_EQ(a.res.summary.judges.size(), 1u);
  ASSERT_EQ(b.res.summary.judges.size(), 1u);
  EXPECT_EQ(a.res.summary.judges[0].kind, sim::ShadowVerdict::Kind::kFail);
  EXPECT_EQ(b.res.summary.judges[0].kind, a.res.summary.judges[0].kind);
  EXPECT_EQ(b.res.summary.judges[0].tick, a.res.summary.judges[0].tick);
  EXPECT_EQ(b.res.summary.judges[0].reason, a.res.summary.judges[0].reason);
}

struct Cli {
  int code = -1;
  std::string out, err;
};

Cli cli(const std::vector<std::string>& args) {
  std::istringstream in;
  std::ostringstream out, err;
  app::Streams io{in, out, err};
  Cli r;
  r.code = app::runMain(args, io);
  r.out = out.str();
  r.err = err.str();
  return r;
}

TEST(ReplayShadowJudge, RecordingOfMetricValuesIsAOneLineError) {
  TempDir dir;
  const std::string canary = dir.write("canary.yaml", canaryYaml(2));
  const std::string judge = dir.write("judge.yaml", kJudgeYaml);
  dir.write("v.csv",
            "time,variant,metric,value\n1704067200,canary,request-success-rate,100\n"
            "1704067260,canary,request-success-rate,100\n");
  const std::string replay = dir.write(
      "replay.yaml",
      "apiVersion: rolloutlab.io/v1alpha1\nkind: Replay\nmetadata:\n  name: values\n"
      "spec:\n  from: 2024-01-01T00:00:00Z\n  to: 2024-01-01T00:10:00Z\n  csv: [v.csv]\n");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"replay", "--spec", canary, "--replay", replay, "--judge", judge},
           {"simulate", "--spec", canary, "--scenario", replay, "--judge", judge},
           {"batch", "--spec", canary, "--scenarios", replay, "--judge", judge, "--runs", "2"}}) {
    const Cli r = cli(args);
    EXPECT_EQ(r.code, 1) << args[0] << ": " << r.err;
    EXPECT_EQ(r.out, "") << args[0];
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args[0] << ": " << r.err;
    // The Replay document (its first line), the field and the reason.
    EXPECT_EQ(r.err.rfind("error: " + replay + ":1: spec.source = \"values\": ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("the judge needs request counts and latency histograms; the recording "
                         "holds only metric values"),
              std::string::npos)
        << r.err;
  }
  // The same from flags names --judge.
  const Cli r = cli({"replay", "--spec", canary, "--csv", dir.file("v.csv"), "--from", "1704067200",
                     "--to", "1704067800", "--judge", judge});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("error: --judge", 0), 0u) << r.err;
}

TEST(ReplayShadowJudge, ReplaySimulateAndBatchReportTheJudges) {
  Fixture f(0.1);
  const std::string canary = f.dir.file("canary.yaml");
  const std::string judge = f.dir.file("judge.yaml");
  const std::string replay = f.dir.write(
      "replay.yaml",
      "apiVersion: rolloutlab.io/v1alpha1\nkind: Replay\nmetadata:\n  name: logs\n"
      "spec:\n  release: bad\n  from: 2024-01-01T00:00:00Z\n  to: 2024-01-01T00:30:00Z\n"
      "  accessLogs:\n    files: [access.log]\n");
  const Cli r = cli({"replay", "--spec", canary, "--replay", replay, "--judge", judge});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["judges"].size(), 1u);
  EXPECT_EQ(j["judges"][0]["name"], "seq");
  EXPECT_EQ(j["judges"][0]["mode"], "sequential");
  EXPECT_EQ(j["judges"][0]["verdict"], "fail");
  EXPECT_TRUE(j["judges"][0].contains("tick"));
  EXPECT_EQ(j["ticks"][0]["judges"]["seq"], "undecided");
  // simulate takes the same document and prints the same trace.
  const Cli s = cli({"simulate", "--spec", canary, "--scenario", replay, "--judge", judge});
  ASSERT_EQ(s.code, 0) << s.err;
  EXPECT_EQ(s.out, r.out);
  const Cli t =
      cli({"replay", "--spec", canary, "--replay", replay, "--judge", judge, "-o", "table"});
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_NE(t.out.find("shadow judge seq: fail at tick "), std::string::npos) << t.out;

  // batch: bootstrap replicates of the log; byte-identical output for 1 and 2 threads.
  auto batch = [&](const char* threads) {
    Cli b = cli({"batch", "--spec", canary, "--scenarios", replay, "--judge", judge, "--runs", "6",
                 "--seed", "3", "--threads", threads});
    EXPECT_EQ(b.code, 0) << b.err;
    auto bj = nlohmann::json::parse(b.out);
    bj.erase("elapsedSeconds");
    return bj.dump();
  };
  const std::string one = batch("1");
  EXPECT_EQ(one, batch("2"));
  const auto bj = nlohmann::json::parse(one);
  ASSERT_EQ(bj["judges"].size(), 1u);
  EXPECT_EQ(bj["judges"][0]["name"], "seq");
  // Every replicate of a 10% regression is failed by the judge.
  EXPECT_NE(one.find("\"judges\""), std::string::npos);
  const Cli tb = cli({"batch", "--spec", canary, "--scenarios", replay, "--judge", judge, "--runs",
                      "6", "--seed", "3", "--threads", "2", "-o", "table"});
  ASSERT_EQ(tb.code, 0) << tb.err;
  EXPECT_NE(tb.out.find("shadow judge seq"), std::string::npos) << tb.out;
}

}  // namespace
