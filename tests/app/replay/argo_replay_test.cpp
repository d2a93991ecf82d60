// Replays of Argo Rollouts: against a real Prometheus 2.42 on loopback (started by the tests
// through tests/support/prom-fixture.sh, backfilled with Istio history from
// tests/support/istio-history.py), against the same history recorded in files, in
// batches over bootstrap resamples, with web and Job metrics answered by the Replay's models,
// and with request logs re-routed under the Rollout's weights.
//
// The expected decisions are worked out from Prometheus' own query_range answers with Argo's
// rules (argo-rollouts analysis/analysis.go: a background run measures when it starts and then
// an interval after each measurement; utils/evaluate/evaluate.go: a success condition that does
// not hold fails the measurement; a metric fails once `failed > failureLimit`, and a failed
// background run aborts the rollout, rollout/analysis.go).
//
// If Prometheus cannot be started the tests fail with the reason: CI installs it.
#include "rolloutlab/replay/argo_replay.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

// nlohmann/json trips -Wnull-dereference once inlined (a false positive in its header).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <nlohmann/json.hpp>
#pragma GCC diagnostic pop

#include "replay_workspace.h"
#include "rolloutlab/app/batch.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/promql/exposition.h"
#include "rolloutlab/replay/log_synth.h"
#include "rolloutlab/replay/time.h"

namespace {

using namespace rolloutlab;
using namespace rolloutlab::test::replayfx;
namespace ar = core::argo;
namespace rp = replay;

constexpr double kT0 = 1704067200;  // 2024-01-01T00:00:00Z
// The history: 3 h at 15 s; from 90 min on the canary answers 20 % errors.
const char* kRegression =
    "--duration 3h --step 15 --change-at 90m --canary-error-rate-after 0.2 --canary-p99-ms-after "
    "800 --seed 42";

// The success rate of one workload as a fraction, with the template's arguments.
const char* kTemplateQuery =
    "sum(rate(istio_requests_total{reporter=\"destination\",destination_workload_namespace=\"{{"
    "args.namespace}}\",destination_workload=\"{{args.workload}}\",response_code!~\"5.*\"}[1m])) "
    "/ sum(rate(istio_requests_total{reporter=\"destination\",destination_workload_namespace=\"{{"
    "args.namespace}}\",destination_workload=\"{{args.workload}}\"}[1m]))";
// The same as Argo sends it for this Rollout: namespace from metadata.namespace (fieldRef),
// workload given as a value.
const char* kSentQuery =
    "sum(rate(istio_requests_total{reporter=\"destination\",destination_workload_namespace="
    "\"test\",destination_workload=\"podinfo\",response_code!~\"5.*\"}[1m])) / "
    "sum(rate(istio_requests_total{reporter=\"destination\",destination_workload_namespace="
    "\"test\",destination_workload=\"podinfo\"}[1m]))";

// An AnalysisTemplate measuring the canary's success rate every minute (failureLimit 1), and a
// Rollout podinfo (namespace test, 2 replicas, Istio) running it as background analysis over
// steps that take 30 minutes: 20 % for 10 min, 50 % for 10 min, 80 % for 10 min.
std::string rolloutYaml(const std::string& name = "podinfo") {
  return std::string(
             "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\n"
             "metadata: {name: success-rate, namespace: test}\n"
             "spec:\n  args:\n    - name: workload\n    - name: namespace\n"
             "  metrics:\n    - name: success-rate\n      interval: 1m\n      failureLimit: 1\n"
             "      successCondition: len(result) == 0 || result[0] >= 0.95\n"
             "      provider:\n        prometheus:\n"
             "          address: http://prometheus.istio-system:9090\n"
             "          query: '") +
         kTemplateQuery +
         "'\n---\n"
         "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\n"
         "metadata: {name: " +
         name +
         ", namespace: test}\n"
         "spec:\n  replicas: 2\n  selector: {matchLabels: {app: podinfo}}\n"
         "  template: {metadata: {labels: {app: podinfo}}, spec: {containers: [{name: podinfo, "
         "image: \"podinfo:6.1\"}]}}\n"
         "  strategy:\n    canary:\n      canaryService: podinfo-canary\n"
         "      stableService: podinfo-stable\n"
         "      trafficRouting: {istio: {virtualService: {name: podinfo}}}\n"
         "      analysis:\n        templates: [{templateName: success-rate}]\n"
         "        args:\n          - {name: workload, value: podinfo}\n"
         "          - name: namespace\n"
         "            valueFrom: {fieldRef: {fieldPath: metadata.namespace}}\n"
         "      steps:\n        - setWeight: 20\n        - pause: {duration: 10m}\n"
         "        - setWeight: 50\n        - pause: {duration: 10m}\n"
         "        - setWeight: 80\n        - pause: {duration: 10m}\n";
}

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

// "[0.99]" -> 0.99 (one-element vectors as Argo records them).
double vectorValue(const std::string& recorded) {
  EXPECT_GE(recorded.size(), 3u) << recorded;
  if (recorded.size() < 3) return NAN;
  double v = 0;
  EXPECT_TRUE(core::promql::parseGoFloat(recorded.substr(1, recorded.size() - 2), v)) << recorded;
  return v;
}

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

struct Replayed {
  sim::ArgoSimulation sim;
  std::vector<rp::ArgoMeasurement> measurements;
};

Replayed replayRollout(const app::Workspace& ws, const rp::ReplaySpec& spec,
                       const std::string& target = "", std::uint64_t seed = 0,
                       const std::vector<sim::JudgeSpec>* judges = nullptr) {
  const ar::RolloutSpec* rollout = ws.rollout(target);
  EXPECT_NE(rollout, nullptr);
  auto rec = rp::Recording::open(spec, rp::targetOf(*rollout));
  const rp::ArgoReplayPlan plan(*rollout, ws.argoTemplates, rec);
  auto source = rec->makeSource();
  Replayed r;
  rp::ReplayRunOptions o;
  o.seed = seed;
  o.judges = judges;
  r.sim = rp::replayArgo(plan, *source, o, &r.measurements);
  return r;
}

// The outcome Argo's rules give on Prometheus' answers at the measurement times from + 60 k
// (k = 0, 1, ...; the background run starts with the update, the canary's pods being ready at
// once): the time of the second failed measurement (failed > failureLimit = 1), or -1 when
// fewer than two fail before `until`.
double expectedAbort(const std::map<long long, double>& sr, double from, double until) {
  int failed = 0;
  for (int k = 0; 60.0 * k < until; ++k) {
    const auto t = static_cast<long long>(from) + 60LL * k;
    // len(result) == 0 || result[0] >= 0.95: no series succeeds, NaN fails.
    const bool fails = sr.count(t) && !(sr.at(t) >= 0.95);
    if (fails && ++failed > 1) return 60.0 * k;
  }
  return -1;
}

std::string saveQueryRange(const Prometheus& prom, const TempDir& dir, const std::string& name) {
  return dir.write(name, prom.queryRange(kSentQuery, kT0, kT0 + 3 * 3600, 15));
}

class ArgoPrometheusReplay : public ::testing::Test {
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
Prometheus* ArgoPrometheusReplay::prom_ = nullptr;
bool ArgoPrometheusReplay::started_ = false;

// A window that starts 20 minutes before the regression: the abort time is the one Argo's rules
// give on Prometheus' query_range answers, every measurement ran at its own time with the query
// as Argo substitutes it, and saw what Prometheus answered then.
TEST_F(ArgoPrometheusReplay, AbortsWhenPrometheusAnswersSay) {
  TempDir dir;
  const auto ws = workspaceFrom(dir, "rollout.yaml", rolloutYaml());
  const double from = kT0 + 70 * 60, to = kT0 + 150 * 60;
  const auto sr = rangeValues(prom_->queryRange(kSentQuery, from, to, 60));
  ASSERT_GT(sr.size(), 60u);
  const double expected = expectedAbort(sr, from, 1800);
  // The regression starts 20 minutes in; the steps end at 30 minutes.
  ASSERT_GE(expected, 1200);
  ASSERT_LT(expected, 1800);

  const auto r = replayRollout(ws, liveSpec(prom_->url(), from, to));
  EXPECT_EQ(r.sim.summary.outcome.result, "aborted");
  EXPECT_EQ(r.sim.run.outcome.result, ar::ArgoOutcome::Result::kAborted);
  EXPECT_EQ(r.sim.run.outcome.t, expected);
  EXPECT_EQ(r.sim.summary.timeToDecision, expected);
  EXPECT_EQ(r.sim.summary.timeToPromotion, -1);
  EXPECT_EQ(r.sim.summary.peakCanaryWeight, 80);  // the last step's weight was reached at 1200 s
  // The abort sends all traffic back to the stable version at once.
  ASSERT_FALSE(r.sim.run.events.empty());
  EXPECT_EQ(r.sim.run.events.back().state.canaryWeight, 0);
  EXPECT_TRUE(r.sim.run.events.back().state.abort);

  ASSERT_EQ(r.measurements.size(), static_cast<std::size_t>(expected / 60) + 1);
  for (std::size_t k = 0; k < r.measurements.size(); ++k) {
    const auto& m = r.measurements[k];
    EXPECT_EQ(m.t, 60.0 * static_cast<double>(k));
    EXPECT_EQ(m.metric, "success-rate");
    EXPECT_EQ(m.source, rp::toString(rp::ArgoReplayAnswer::Source::kQuery));
    EXPECT_EQ(m.query, kSentQuery);
    const auto at = static_cast<long long>(from + m.t);
    ASSERT_TRUE(sr.count(at)) << "t=" << m.t;
    EXPECT_EQ(vectorValue(m.value), sr.at(at)) << "t=" << m.t;
    EXPECT_EQ(m.phase, sr.at(at) >= 0.95 ? ar::Phase::kSuccessful : ar::Phase::kFailed);
  }
}

// A window well before the regression: no measurement fails twice, and the Rollout is promoted
// when its last pause ends (10 + 10 + 10 minutes; pods ready at once).
TEST_F(ArgoPrometheusReplay, AGoodWindowPromotes) {
  TempDir dir;
  const auto ws = workspaceFrom(dir, "rollout.yaml", rolloutYaml());
  const double from = kT0 + 5 * 60, to = kT0 + 85 * 60;
  const auto sr = rangeValues(prom_->queryRange(kSentQuery, from, to, 60));
  ASSERT_EQ(expectedAbort(sr, from, 1801), -1) << "the history fails before the regression";
  const auto r = replayRollout(ws, liveSpec(prom_->url(), from, to));
  EXPECT_EQ(r.sim.summary.outcome.result, "promoted");
  EXPECT_EQ(r.sim.run.outcome.phase, ar::RolloutPhase::kHealthy);
  EXPECT_EQ(r.sim.summary.timeToPromotion, 1800);
  EXPECT_EQ(r.sim.summary.peakCanaryWeight, 100);
  // Measurements at 0, 60, ..., 1800 s.
  EXPECT_EQ(r.measurements.size(), 31u);
  for (const auto& m : r.measurements) EXPECT_EQ(m.phase, ar::Phase::kSuccessful) << m.t;
}

// The same history recorded: the OpenMetrics file the server was backfilled from (the query
// evaluated by rolloutlab), and the query's own query_range answer saved by name. Both give the
// live replay's events; the saved answer reads the very strings the server sent, so its events
// are identical to the field.
TEST_F(ArgoPrometheusReplay, RecordedFilesGiveTheLiveEvents) {
  TempDir dir;
  const auto ws = workspaceFrom(dir, "rollout.yaml", rolloutYaml());
  const double from = kT0 + 70 * 60, to = kT0 + 150 * 60;
  const auto live = replayRollout(ws, liveSpec(prom_->url(), from, to));
  ASSERT_EQ(live.sim.summary.outcome.result, "aborted");

  rp::ReplaySpec named;
  named.from = from;
  named.to = to;
  named.queryRange = {{"success-rate", std::nullopt, saveQueryRange(*prom_, dir, "sr.json")}};
  const auto saved = replayRollout(ws, named);
  ASSERT_EQ(saved.sim.run.events.size(), live.sim.run.events.size());
  for (std::size_t i = 0; i < live.sim.run.events.size(); ++i) {
    const auto& a = live.sim.run.events[i];
    const auto& b = saved.sim.run.events[i];
    EXPECT_EQ(a.t, b.t) << i;
    EXPECT_EQ(a.source, b.source) << i;
    EXPECT_EQ(a.reason, b.reason) << i;
    EXPECT_TRUE(a.state == b.state) << "event " << i << " at t=" << a.t;
  }
  ASSERT_EQ(saved.measurements.size(), live.measurements.size());
  EXPECT_EQ(saved.measurements.front().source, rp::toString(rp::ArgoReplayAnswer::Source::kNamed));

  rp::ReplaySpec series;
  series.from = from;
  series.to = to;
  series.series = {prom_->openMetricsFile()};
  const auto offline = replayRollout(ws, series);
  ASSERT_EQ(offline.sim.run.events.size(), live.sim.run.events.size());
  for (std::size_t i = 0; i < live.sim.run.events.size(); ++i) {
    const auto& a = live.sim.run.events[i].state;
    const auto& b = offline.sim.run.events[i].state;
    EXPECT_EQ(live.sim.run.events[i].t, offline.sim.run.events[i].t) << i;
    EXPECT_EQ(a.currentStepIndex, b.currentStepIndex) << i;
    EXPECT_EQ(a.canaryWeight, b.canaryWeight) << i;
    EXPECT_EQ(a.phase, b.phase) << i;
    EXPECT_EQ(a.abort, b.abort) << i;
    ASSERT_EQ(a.runs.size(), b.runs.size()) << i;
    for (std::size_t k = 0; k < a.runs.size(); ++k) {
      EXPECT_EQ(a.runs[k].phase, b.runs[k].phase) << i;
      ASSERT_EQ(a.runs[k].metrics.size(), b.runs[k].metrics.size()) << i;
      for (std::size_t m = 0; m < a.runs[k].metrics.size(); ++m) {
        const auto& x = a.runs[k].metrics[m];
        const auto& y = b.runs[k].metrics[m];
        EXPECT_EQ(x.count, y.count);
        EXPECT_EQ(x.successful, y.successful);
        EXPECT_EQ(x.failed, y.failed);
        EXPECT_EQ(x.phase, y.phase);
      }
    }
  }
  ASSERT_EQ(offline.measurements.size(), live.measurements.size());
  for (std::size_t k = 0; k < live.measurements.size(); ++k) {
    const double a = vectorValue(live.measurements[k].value);
    EXPECT_NEAR(vectorValue(offline.measurements[k].value), a, 1e-12 * std::fabs(a)) << k;
  }
  EXPECT_EQ(offline.sim.run.outcome.t, live.sim.run.outcome.t);
}

// Bootstrap replicates of a saved query_range answer: the batch gives the same report whatever
// the thread count or the shard split, and replicate r is `simulate --seed <pair seed>
// --replicate r` on the same Replay document.
TEST_F(ArgoPrometheusReplay, BatchOverASavedAnswerIsDeterministic) {
  TempDir dir;
  dir.write("rollout.yaml", rolloutYaml());
  saveQueryRange(*prom_, dir, "sr.json");
  std::filesystem::create_directories(dir.file("replays"));
  dir.write("replays/bad.yaml",
            "apiVersion: rolloutlab.io/v1alpha1\nkind: Replay\nmetadata:\n  name: regression\n"
            "spec:\n  release: bad\n  from: 2024-01-01T01:10:00Z\n  to: 2024-01-01T02:30:00Z\n"
            "  queryRange: [{metric: success-rate, file: ../sr.json}]\n");
  dir.write("replays/good.yaml",
            "apiVersion: rolloutlab.io/v1alpha1\nkind: Replay\nmetadata:\n  name: quiet\n"
            "spec:\n  release: good\n  from: 2024-01-01T00:05:00Z\n  to: 2024-01-01T01:25:00Z\n"
            "  queryRange: [{metric: success-rate, file: ../sr.json}]\n"
            "  bootstrap: {blockSteps: 20}\n");
  const auto specs = app::loadWorkspace({dir.file("rollout.yaml")});
  const auto replays = app::loadWorkspace({dir.file("replays")});
  ASSERT_EQ(replays.diagnostics.errors(), 0) << replays.diagnostics.items.at(0).toString();
  ASSERT_EQ(replays.replays.size(), 2u);
  const auto batchSpecs = app::batchSpecs(specs, "istio");
  ASSERT_EQ(batchSpecs.size(), 1u);
  EXPECT_EQ(batchSpecs[0].engine, "argo");
  auto run = [&](std::int64_t runs, int threads, int shard, int shards) {
    app::BatchOptions o;
    o.runs = runs;
    o.seed = 5;
    o.threads = threads;
    o.shardIndex = shard;
    o.shardCount = shards;
    return app::runBatch(batchSpecs, {}, replays.replays, {}, o);
  };
  auto strip = [](io::Json j) {
    j.erase("elapsedSeconds");
    return j.dump();
  };
  const auto one = run(60, 1, 0, 1);
  EXPECT_EQ(strip(app::batchJson(one)), strip(app::batchJson(run(60, 3, 0, 1))));
  EXPECT_EQ(
      strip(app::batchJson(one)),
      strip(app::batchJson(app::mergeBatches({run(60, 2, 0, 2), run(60, 2, 1, 2)}, {"a", "b"}))));
  ASSERT_EQ(one.pairs.size(), 2u);
  for (const auto& p : one.pairs) {
    EXPECT_EQ(p.engine, "argo");
    EXPECT_EQ(p.agg.runs, 60);
    EXPECT_EQ(p.agg.promoted + p.agg.rolledBack + p.agg.other, 60);
  }
  // Resampled blocks of the regression window put failing minutes at other times: most
  // replicates still abort, at times that vary.
  const auto& bad = one.pairs[0].scenario == "regression" ? one.pairs[0] : one.pairs[1];
  EXPECT_GT(bad.agg.rolledBack, 30);

  // One run per pair, compared with `simulate --replicate 0`.
  const auto single = run(1, 1, 0, 1);
  for (const auto& p : single.pairs) {
    std::istringstream in;
    std::ostringstream out, err;
    app::Streams io{in, out, err};
    ASSERT_EQ(app::runMain(
                  {"simulate", "--spec", dir.file("rollout.yaml"), "--scenario",
                   dir.file(p.scenario == "regression" ? "replays/bad.yaml" : "replays/good.yaml"),
                   "--seed", std::to_string(p.seed), "--replicate", "0", "-o", "json"},
                  io),
              0)
        << err.str();
    const auto j = nlohmann::json::parse(out.str());
    EXPECT_EQ(j["engine"], "argo");
    EXPECT_EQ(j["replicate"], 0);
    const std::string result = j["summary"]["result"];
    EXPECT_EQ(p.agg.promoted, result == "promoted" ? 1 : 0) << p.scenario;
    EXPECT_EQ(p.agg.rolledBack, result == "aborted" ? 1 : 0) << p.scenario;
  }
}

// `rolloutlab replay` on a Rollout: byte-stable JSON with wall times, the table, --target
// picking the Rollout beside a Canary, and `simulate` with a Replay document printing the same.
TEST_F(ArgoPrometheusReplay, CommandLine) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("specs"));
  dir.write("specs/a-canary.yaml", canaryYaml(2));
  dir.write("specs/b-rollout.yaml", rolloutYaml("podinfo-rollout"));
  auto cli = [](const std::vector<std::string>& args, std::string* errOut = nullptr) {
    std::istringstream in;
    std::ostringstream out, err;
    app::Streams io{in, out, err};
    const int rc = app::runMain(args, io);
    EXPECT_EQ(rc, 0) << err.str();
    if (errOut) *errOut = err.str();
    return out.str();
  };
  const std::vector<std::string> base = {"replay",
                                         "--spec",
                                         dir.file("specs"),
                                         "--prometheus",
                                         prom_->url(),
                                         "--from",
                                         "2024-01-01T01:10:00Z",
                                         "--to",
                                         "2024-01-01T02:30:00Z"};
  auto with = [&](std::vector<std::string> extra) {
    auto a = base;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  const std::string a = cli(with({"--target", "podinfo-rollout", "-o", "json"}));
  EXPECT_EQ(a, cli(with({"--target", "test/podinfo-rollout", "-o", "json"})));
  // --step is a Canary's tick: a Rollout measures at its own times, and says so.
  std::string err;
  EXPECT_EQ(a, cli(with({"--target", "podinfo-rollout", "-o", "json", "--step", "5m"}), &err));
  EXPECT_NE(err.find("note: --step does not apply to a Rollout"), std::string::npos) << err;
  const auto j = nlohmann::json::parse(a);
  EXPECT_EQ(j["engine"], "argo");
  EXPECT_EQ(j["target"], "podinfo-rollout");
  EXPECT_EQ(j["replay"]["from"], "2024-01-01T01:10:00Z");
  EXPECT_TRUE(j["replay"]["step"].is_null());
  EXPECT_EQ(j["events"][0]["time"], "2024-01-01T01:10:00Z");
  EXPECT_EQ(j["measurements"][1]["time"], "2024-01-01T01:11:00Z");
  EXPECT_EQ(j["measurements"][1]["query"], kSentQuery);
  EXPECT_EQ(j["outcome"]["result"], "aborted");
  EXPECT_TRUE(j["summary"]["canaryRequests"].is_null());
  // Without --target, with a Canary and a Rollout loaded, nothing runs: the error lists both
  // (the first in file order used to be taken silently; issue 16).
  {
    std::istringstream in;
    std::ostringstream out, err2;
    app::Streams io{in, out, err2};
    EXPECT_EQ(app::runMain(with({"-o", "json"}), io), 1);
    EXPECT_EQ(out.str(), "");
    EXPECT_NE(err2.str().find(
                  "several specs are loaded (Canary test/podinfo, Rollout test/podinfo-rollout)"),
              std::string::npos)
        << err2.str();
  }

  const std::string table = cli(with({"--target", "podinfo-rollout", "-o", "table"}));
  EXPECT_NE(table.find("Rollout test/podinfo-rollout replayed over 2024-01-01T01:10:00Z"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("measured bg success-rate = [0."), std::string::npos) << table;
  EXPECT_NE(table.find("outcome: aborted (Degraded) at t="), std::string::npos) << table;

  dir.write("replay.yaml",
            "apiVersion: rolloutlab.io/v1alpha1\nkind: Replay\nmetadata:\n  name: regression\n"
            "spec:\n  from: 2024-01-01T01:10:00Z\n  to: 2024-01-01T02:30:00Z\n"
            "  prometheus: {url: \"" +
                prom_->url() + "\"}\n");
  const std::string viaReplay =
      cli({"replay", "--spec", dir.file("specs"), "--target", "podinfo-rollout", "--replay",
           dir.file("replay.yaml"), "-o", "table"});
  const std::string viaSimulate =
      cli({"simulate", "--spec", dir.file("specs"), "--target", "podinfo-rollout", "--scenario",
           dir.file("replay.yaml"), "-o", "table"});
  EXPECT_EQ(viaReplay, viaSimulate);
  EXPECT_NE(viaReplay.find("outcome: aborted"), std::string::npos);
  // The help names Rollouts.
  EXPECT_NE(cli({"replay", "--help"}).find("Argo Rollout"), std::string::npos);
}

// ---- without a server
// ------------------------------------------------------------------------------

// Per-minute success rates as CSV: 0.99 until `badFrom` minutes, then 0.5.
std::string minuteCsv(int minutes, int badFrom) {
  std::string csv = "time,variant,metric,value\n";
  for (int m = 0; m <= minutes; ++m) {
    csv += rp::formatNumber(kT0 + m * 60) + ",canary,success-rate," +
           (m >= badFrom ? "0.5" : "0.99") + "\n";
  }
  return csv;
}

// A Rollout whose step analysis also runs a web metric and a Job metric: a replay answers them
// from the Replay's Scenario models (their bad values once the Scenario's effects act, counted
// from `from`), and refuses before any run when none answers them.
TEST(ArgoReplayModels, WebAndJobMetricsFromTheScenario) {
  TempDir dir;
  const std::string yaml =
      "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\n"
      "metadata: {name: checks, namespace: test}\n"
      "spec:\n  metrics:\n"
      "    - name: success-rate\n      interval: 1m\n      count: 3\n"
      "      successCondition: result[0] >= 0.95\n"
      "      provider: {prometheus: {address: http://p:9090, query: 'vector(1)'}}\n"
      "    - name: smoke\n      interval: 1m\n      count: 3\n"
      "      successCondition: result == 1\n"
      "      provider: {web: {url: 'http://smoke.test/check', jsonPath: '{$.ok}'}}\n"
      "    - name: e2e\n      provider: {job: {spec: {template: {spec: {containers: [{name: t, "
      "image: e2e}], restartPolicy: Never}}, backoffLimit: 0}}}\n"
      "---\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\n"
      "metadata: {name: podinfo, namespace: test}\n"
      "spec:\n  replicas: 1\n  selector: {matchLabels: {app: podinfo}}\n"
      "  template: {metadata: {labels: {app: podinfo}}, spec: {containers: [{name: podinfo, "
      "image: \"podinfo:6.1\"}]}}\n"
      "  strategy:\n    canary:\n      canaryService: podinfo-canary\n"
      "      stableService: podinfo-stable\n"
      "      trafficRouting: {istio: {virtualService: {name: podinfo}}}\n"
      "      steps:\n        - setWeight: 20\n"
      "        - analysis: {templates: [{templateName: checks}]}\n"
      "        - setWeight: 50\n"
      "        - analysis: {templates: [{templateName: checks}]}\n";
  const auto ws = workspaceFrom(dir, "rollout.yaml", yaml);
  const std::string csv = dir.write("values.csv", minuteCsv(60, 1000));
  auto spec = [&](const std::string& models, const std::string& effects) {
    rp::ReplaySpec s;
    s.from = kT0;
    s.to = kT0 + 3600;
    s.csv = {csv};
    if (!models.empty()) {
      const auto sw = app::loadWorkspace(
          {dir.write("scenario.yaml",
                     "apiVersion: rolloutlab.io/v1alpha1\nkind: Scenario\nmetadata:\n  name: m\n"
                     "spec:\n  release: bad\n  traffic: {rps: 10}\n"
                     "  cluster: {canaryStartup: 45s}\n" +
                         effects + "  metrics:\n    models:\n" + models)});
      EXPECT_EQ(sw.diagnostics.errors(), 0)
          << (sw.diagnostics.items.empty() ? "" : sw.diagnostics.items[0].toString());
      if (!sw.scenarios.empty()) s.scenario = sw.scenarios.front();
    }
    return s;
  };
  const std::string models =
      "      smoke: {kind: normal, mean: 1, sd: 0, badMean: 0, badSd: 0}\n"
      "      e2e: {kind: job, failProbability: 0, badFailProbability: 1, duration: 30s}\n";
  // No regression: every check passes. The canary's pod is ready at 45 s (the Scenario's
  // cluster.canaryStartup), when the weight goes to 20 and step 1's run starts: measurements at
  // 45, 105, 165 s (the Job from 45 to 75 s); the run is Successful at 165 s, the weight goes to
  // 50 and step 3's run measures at 165, 225, 285 s: promoted at 285 s.
  const auto good = replayRollout(ws, spec(models, ""));
  EXPECT_EQ(good.sim.summary.outcome.result, "promoted");
  EXPECT_EQ(good.sim.summary.timeToPromotion, 285);
  int web = 0, jobs = 0;
  for (const auto& m : good.measurements) {
    if (m.metric == "smoke") {
      ++web;
      EXPECT_EQ(m.source, rp::toString(rp::ArgoReplayAnswer::Source::kModel));
      EXPECT_EQ(m.value, "1");
      EXPECT_EQ(m.phase, ar::Phase::kSuccessful);
    }
    if (m.metric == "e2e") {
      ++jobs;
      EXPECT_EQ(m.phase, ar::Phase::kSuccessful);
    }
    if (m.metric == "success-rate") {
      EXPECT_EQ(m.source, rp::toString(rp::ArgoReplayAnswer::Source::kNamed));
      EXPECT_EQ(m.value, "[0.99]");
    }
  }
  EXPECT_EQ(web, 6);
  EXPECT_EQ(jobs, 2);

  // The Scenario's regression from 200 s: step 3's run sees the web check answer 0 at 225 s,
  // Failed with failureLimit 0: the run fails and the rollout aborts then.
  const auto bad = replayRollout(
      ws, spec(models, "  effects:\n    - {kind: step, at: 200s, errorRateAdd: 0.1}\n"));
  EXPECT_EQ(bad.sim.summary.outcome.result, "aborted");
  EXPECT_EQ(bad.sim.summary.timeToDecision, 225);
  for (const auto& m : bad.measurements) {
    if (m.metric == "smoke") {
      EXPECT_EQ(m.value, m.t < 200 ? "1" : "0") << m.t;
    }
  }

  // Nothing answers the web metric: an error before the run, naming the ways to answer it.
  const auto& rollout = *ws.rollout("");
  auto rec = rp::Recording::open(spec("", ""), rp::targetOf(rollout));
  try {
    rp::ArgoReplayPlan plan(rollout, ws.argoTemplates, rec);
    ADD_FAILURE() << "an unanswered web metric was accepted";
  } catch (const core::InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("metric smoke: uses the web provider, which a replay cannot query"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("--query-range smoke=FILE"), std::string::npos) << msg;
    EXPECT_NE(msg.find("spec.metrics.models.smoke"), std::string::npos) << msg;
  }
  // A model computed from synthesized traffic cannot answer in a replay.
  auto rec2 = rp::Recording::open(
      spec("      smoke: {kind: errorRatePercent}\n      e2e: {kind: job}\n", ""),
      rp::targetOf(rollout));
  try {
    rp::ArgoReplayPlan plan(rollout, ws.argoTemplates, rec2);
    ADD_FAILURE() << "an errorRatePercent model was accepted";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "spec.metrics.models.smoke.kind = errorRatePercent: is computed from "
                  "synthesized traffic"),
              std::string::npos)
        << e.what();
  }
}

// Request logs of stable traffic only, re-routed under the Rollout's weights (a counterfactual
// replay): the canary's requests follow Argo's canaryWeight step by step, an A/A release is
// promoted, and +20 points of errors abort it.
TEST(ArgoReplayLogs, CounterfactualTrafficFollowsTheRolloutWeights) {
  TempDir dir;
  rp::SyntheticLogOptions o;
  o.duration = 1800;
  o.rps = 40;
  o.primaryErrorRate = 0.002;
  o.seed = 23;
  const std::string log = dir.file("stable.log");
  rp::writeSyntheticEnvoyLog(log, o);
  // The synthetic Istio series label a Rollout's canary with its canary service.
  const std::string yaml =
      "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\n"
      "metadata: {name: sr, namespace: test}\n"
      "spec:\n  args: [{name: service}]\n  metrics:\n"
      "    - name: success-rate\n      interval: 1m\n      failureLimit: 1\n"
      "      successCondition: len(result) == 0 || isNaN(result[0]) || result[0] >= 0.95\n"
      "      provider:\n        prometheus:\n          address: http://p:9090\n"
      "          query: 'sum(rate(istio_requests_total{reporter=\"destination\","
      "destination_service_name=\"{{args.service}}\",response_code!~\"5.*\"}[1m])) / "
      "sum(rate(istio_requests_total{reporter=\"destination\","
      "destination_service_name=\"{{args.service}}\"}[1m]))'\n"
      "---\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\n"
      "metadata: {name: podinfo, namespace: test}\n"
      "spec:\n  replicas: 1\n  selector: {matchLabels: {app: podinfo}}\n"
      "  template: {metadata: {labels: {app: podinfo}}, spec: {containers: [{name: podinfo, "
      "image: \"podinfo:6.1\"}]}}\n"
      "  strategy:\n    canary:\n      canaryService: podinfo-canary\n"
      "      stableService: podinfo\n"
      "      trafficRouting: {istio: {virtualService: {name: podinfo}}}\n"
      "      analysis:\n        templates: [{templateName: sr}]\n"
      "        args: [{name: service, value: podinfo-canary}]\n"
      "      steps:\n        - setWeight: 20\n        - pause: {duration: 5m}\n"
      "        - setWeight: 50\n        - pause: {duration: 5m}\n";
  const auto ws = workspaceFrom(dir, "rollout.yaml", yaml);
  auto spec = [&](const std::string& effects) {
    rp::ReplaySpec s;
    s.from = kT0 + 300;
    s.to = kT0 + 1700;
    s.accessLogs = {log};
    s.counterfactual = rp::Counterfactual::kModel;
    const auto sw = app::loadWorkspace(
        {dir.write("release.yaml",
                   "apiVersion: rolloutlab.io/v1alpha1\nkind: Scenario\nmetadata:\n  name: r\n"
                   "spec:\n  release: bad\n  traffic: {rps: 40}\n" +
                       (effects.empty() ? std::string() : "  effects:\n" + effects))});
    EXPECT_EQ(sw.diagnostics.errors(), 0);
    if (!sw.scenarios.empty()) s.scenario = sw.scenarios.front();
    return s;
  };
  const auto aa = replayRollout(ws, spec(""), "", 3);
  EXPECT_EQ(aa.sim.summary.outcome.result, "promoted");
  // The canary's pod is ready 30 s after its scale-up (the Scenario's default
  // cluster.canaryStartup): weight 20 from 30 s, 50 from 330 s, promoted at 630 s.
  EXPECT_EQ(aa.sim.summary.timeToPromotion, 630);
  // Each stable request goes to the canary with the canary's weight: 20 % over [30, 330), 50 %
  // over [330, 630), at 40 rps.
  const double expected = 40 * (0.2 * 300 + 0.5 * 300);
  const double n = aa.sim.summary.totals.canaryRequests;
  EXPECT_NEAR(n, expected, 6 * std::sqrt(expected) + 0.02 * expected);
  EXPECT_NEAR(aa.sim.summary.totals.excessErrors, 0, 1e-9);
  for (const auto& m : aa.measurements) {
    if (m.t >= 60) {
      EXPECT_EQ(m.phase, ar::Phase::kSuccessful) << m.t;
    }
  }

  const auto bad = replayRollout(ws, spec("    - {kind: step, at: 0, errorRateAdd: 0.2}\n"), "", 3);
  EXPECT_EQ(bad.sim.summary.outcome.result, "aborted");
  // The background run measures from 0 s: no canary traffic yet (an empty vector, Successful);
  // at 60 and 120 s the canary answers ~80 %: the second failure aborts.
  EXPECT_EQ(bad.sim.summary.timeToDecision, 120);
  EXPECT_GT(bad.sim.summary.totals.excessErrors, 0);
  // Same recording and seed, same run.
  const auto again =
      replayRollout(ws, spec("    - {kind: step, at: 0, errorRateAdd: 0.2}\n"), "", 3);
  EXPECT_EQ(again.sim.summary.totals.canaryRequests, bad.sim.summary.totals.canaryRequests);

  // A shadow sequential judge reads the re-routed requests every minute, as on synthetic
  // Rollout runs (scenarios/src/argo_world.cpp), and never changes the run.
  const auto judges =
      workspaceFrom(dir, "judge.yaml",
                    "apiVersion: rolloutlab.io/v1alpha1\nkind: Judge\nmetadata:\n  name: seq\n"
                    "spec:\n  sequential:\n    alpha: 0.05\n    metrics:\n"
                    "      - {name: errors, source: errorRate, allowedChange: 0.0, "
                    "meaningfulChange: 1.0}\n")
          .judges;
  const auto judgedBad =
      replayRollout(ws, spec("    - {kind: step, at: 0, errorRateAdd: 0.2}\n"), "", 3, &judges);
  EXPECT_EQ(judgedBad.sim.summary.outcome.result, "aborted");
  EXPECT_EQ(judgedBad.sim.summary.totals.canaryRequests, bad.sim.summary.totals.canaryRequests);
  ASSERT_EQ(judgedBad.sim.summary.judges.size(), 1u);
  EXPECT_EQ(judgedBad.sim.summary.judges[0].kind, sim::ShadowVerdict::Kind::kFail);
  // Looks at 60 and 120 s: +20 points of errors on ~240 canary requests a minute fail at once.
  EXPECT_EQ(judgedBad.sim.summary.judges[0].t, 60);
  const auto judgedAa = replayRollout(ws, spec(""), "", 3, &judges);
  EXPECT_EQ(judgedAa.sim.summary.timeToPromotion, aa.sim.summary.timeToPromotion);
  EXPECT_EQ(judgedAa.sim.summary.totals.canaryRequests, aa.sim.summary.totals.canaryRequests);
  ASSERT_EQ(judgedAa.sim.summary.judges.size(), 1u);
  EXPECT_NE(judgedAa.sim.summary.judges[0].kind, sim::ShadowVerdict::Kind::kFail)
      << judgedAa.sim.summary.judges[0].reason;
}

}  // namespace

// A header route at weight 0 re-routes recorded stable requests too: the Replay's Scenario says
// what share matches it (traffic.routeMatch), and that share of the requests goes to the canary
// while the route is in place (rollout/trafficrouting.go, istio.go createHeaderRoute).
TEST(ArgoReplayLogs, HeaderRouteSendsTheMatchingShareOfRecordedRequests) {
  TempDir dir;
  rp::SyntheticLogOptions o;
  o.duration = 1800;
  o.rps = 40;
  o.primaryErrorRate = 0.002;
  o.seed = 29;
  const std::string log = dir.file("stable.log");
  rp::writeSyntheticEnvoyLog(log, o);
  const std::string yaml =
      "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\n"
      "metadata: {name: podinfo, namespace: test}\n"
      "spec:\n  replicas: 1\n  selector: {matchLabels: {app: podinfo}}\n"
      "  template: {metadata: {labels: {app: podinfo}}, spec: {containers: [{name: podinfo, "
      "image: \"podinfo:6.1\"}]}}\n"
      "  strategy:\n    canary:\n      canaryService: podinfo-canary\n"
      "      stableService: podinfo\n"
      "      trafficRouting:\n        managedRoutes: [{name: beta}]\n"
      "        istio: {virtualService: {name: podinfo}}\n"
      "      steps:\n        - setCanaryScale: {replicas: 1}\n"
      "        - setHeaderRoute: {name: beta, match: [{headerName: x-beta, headerValue: {exact: "
      "'1'}}]}\n"
      "        - pause: {duration: 5m}\n";
  const auto ws = workspaceFrom(dir, "rollout.yaml", yaml);
  auto spec = [&](const std::string& traffic) {
    rp::ReplaySpec s;
    s.from = kT0 + 300;
    s.to = kT0 + 1700;
    s.accessLogs = {log};
    s.counterfactual = rp::Counterfactual::kModel;
    const auto sw = app::loadWorkspace(
        {dir.write("release.yaml",
                   "apiVersion: rolloutlab.io/v1alpha1\nkind: Scenario\nmetadata:\n  name: r\n"
                   "spec:\n  release: good\n  traffic: {rps: 40" +
                       traffic + "}\n")});
    EXPECT_EQ(sw.diagnostics.errors(), 0);
    if (!sw.scenarios.empty()) s.scenario = sw.scenarios.front();
    return s;
  };
  // The canary pod is ready at 30 s (cluster.canaryStartup): the route from 30 s to the end of
  // the pause at 330 s, at weight 0; then weight 100 and promotion (one replica, already up).
  // 40 rps x 0.25 x 300 s = 3,000 canary requests (Poisson sd 55; 6 sd + 2 %).
  const auto quarter = replayRollout(ws, spec(", routeMatch: {beta: 0.25}"), "", 3);
  EXPECT_EQ(quarter.sim.summary.outcome.result, "promoted");
  EXPECT_EQ(quarter.sim.summary.timeToPromotion, 330);
  EXPECT_EQ(quarter.sim.summary.peakCanaryWeight, 100);
  const double expected = 40 * 0.25 * 300;
  EXPECT_NEAR(quarter.sim.summary.totals.canaryRequests, expected,
              6 * std::sqrt(expected) + 0.02 * expected);
  // The default header match fraction (0.1): 1,200.
  const auto tenth = replayRollout(ws, spec(""), "", 3);
  EXPECT_NEAR(tenth.sim.summary.totals.canaryRequests, 1200, 6 * std::sqrt(1200.0) + 24);
}
