// Recorded metric values: saved query_range answers and CSV series (validation with file, line
// and column), how a value is read at a tick's time, named replays worked out by hand, the
// moving-block bootstrap, the Replay document and batches over bootstrap replicates.
#include "rolloutlab/replay/recording.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "replay_workspace.h"
#include "rolloutlab/app/batch.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/replay/replay.h"
#include "rolloutlab/replay/time.h"

namespace {

using namespace rolloutlab;
using namespace rolloutlab::test::replayfx;
namespace fl = core::flagger;
namespace rp = replay;

constexpr double kT0 = 1704067200;  // 2024-01-01T00:00:00Z

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

// ---- times
// ---------------------------------------------------------------------------------------

TEST(ReplayTime, ParsesRfc3339AndUnixSeconds) {
  EXPECT_EQ(rp::parseTime("2024-01-01T00:00:00Z"), kT0);
  EXPECT_EQ(rp::parseTime("1704067200"), kT0);
  EXPECT_EQ(rp::parseTime("1704067200.5"), kT0 + 0.5);
  EXPECT_EQ(rp::parseTime("2024-01-01T01:00:00.250+01:00"), kT0 + 0.25);
  EXPECT_EQ(rp::parseTime("2024-02-29T00:00:00z"), kT0 + 59 * 86400.0);
  EXPECT_FALSE(rp::parseTime("2023-02-29T00:00:00Z"));
  EXPECT_FALSE(rp::parseTime("2024-01-01T00:00:00"));  // no zone
  EXPECT_FALSE(rp::parseTime("yesterday"));
  EXPECT_EQ(rp::formatTime(kT0 + 90.25), "2024-01-01T00:01:30.25Z");
  EXPECT_EQ(rp::formatTime(kT0), "2024-01-01T00:00:00Z");
  EXPECT_EQ(rp::parseInterval("1m30s"), 90.0);
  EXPECT_EQ(rp::parseInterval("15"), 15.0);
  EXPECT_FALSE(rp::parseInterval("0s"));
}

// ---- query_range files
// ---------------------------------------------------------------------------

const char* kRange = R"({"status":"success","data":{"resultType":"matrix","result":[
  {"metric":{"destination_workload":"podinfo-primary"},"values":[[1704067200,"99.9"],[1704067260,"99.8"]]},
  {"metric":{"destination_workload":"podinfo"},"values":[[1704067200,"99.5"],[1704067260,"NaN"],[1704067320,"97"]]}
]}})";

TEST(QueryRangeFile, ReadsSeriesAndStep) {
  const auto r = rp::parseQueryRange(kRange, "sr.json", "request-success-rate", std::nullopt);
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.step, 60.0);
  EXPECT_EQ(r.series[1].labels.get("destination_workload"), "podinfo");
  EXPECT_TRUE(std::isnan(r.series[1].values[1]));
  // Flagger's reading of the answer at each time: the last series present wins.
  const rp::SeriesPick last;
  EXPECT_EQ(rp::NamedRecordings::valueAt(r, last, kT0).value, 99.5);
  EXPECT_EQ(rp::NamedRecordings::valueAt(r, last, kT0 + 30).value, 99.5);  // latest at or before t
  EXPECT_EQ(rp::NamedRecordings::valueAt(r, last, kT0 + 120).value,
            97);  // the primary ended at +60
  EXPECT_EQ(rp::NamedRecordings::valueAt(r, last, kT0 + 180).kind,
            rp::NamedAnswer::Kind::kNoData);  // a step old
  EXPECT_EQ(rp::NamedRecordings::valueAt(r, last, kT0 - 1).kind, rp::NamedAnswer::Kind::kNoData);
  EXPECT_EQ(rp::NamedRecordings::valueAt(r, rp::SeriesPick{0}, kT0 + 60).value, 99.8);
}

TEST(QueryRangeFile, ErrorsNameFileLineAndColumn) {
  EXPECT_EQ(errorOf([] {
              rp::parseQueryRange("{\"status\":\n  \"success\",", "a.json", "m", std::nullopt);
            }),
            "a.json:2: column 13: not JSON: expected a string key");
  EXPECT_EQ(
      errorOf([] {
        rp::parseQueryRange(R"({"status":"success","data":{"resultType":"vector","result":[]}})",
                            "b.json", "m", std::nullopt);
      }),
      "b.json:1: data.resultType = \"vector\": column 42: must be \"matrix\" (save the answer of "
      "/api/v1/query_range, not of /api/v1/query)");
  EXPECT_EQ(errorOf([] {
              rp::parseQueryRange(
                  "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[\n"
                  "{\"metric\":{},\"values\":[[1,\"2\"],\n[2, 3]]}]}}",
                  "c.json", "m", std::nullopt);
            }),
            "c.json:3: data.result[0].values[1][1] = 3: column 5: the value must be a string "
            "(\"1.5\", \"NaN\", "
            "\"+Inf\")");
  EXPECT_EQ(
      errorOf([] {
        rp::parseQueryRange(R"({"status":"success","data":{"resultType":"matrix","result":[
{"metric":{},"values":[[2,"1"],[1,"1"]]}]}})",
                            "d.json", "m", std::nullopt);
      }),
      "d.json:2: data.result[0].values[1][0] = 1: column 33: times must increase within a series");
  EXPECT_EQ(errorOf([] {
              rp::parseQueryRange(
                  R"({"status":"error","errorType":"bad_data","error":"parse error"})", "e.json",
                  "m", std::nullopt);
            }),
            "e.json:1: status = \"error\": column 11: the saved answer is an error: parse error");
  EXPECT_EQ(errorOf([] {
              rp::parseQueryRange(R"({"status":"success","data":{"resultType":"matrix","result":[
{"metric":{"a":"1"},"values":[[1,"1"]]},{"metric":{"a":"1"},"values":[[1,"1"]]}]}})",
                                  "f.json", "m", std::nullopt);
            }),
            "f.json:2: data.result[1].metric: column 51: the same label set as data.result[0]");
  EXPECT_EQ(errorOf([] { rp::readQueryRangeFile("/nonexistent/x.json", "m", std::nullopt); }),
            "/nonexistent/x.json: cannot read the file: No such file or directory");
}

// What `promtool query range -o json` prints: the bare result array (the form promtool 2.42
// printed against the tests' Prometheus, empty answers as `[]`). The same series as the API
// answer above, and errors that point into the array.
TEST(QueryRangeFile, ReadsPromtoolOutput) {
  const char* promtool =
      R"([{"metric":{"destination_workload":"podinfo-primary"},"values":[[1704067200,"99.9"],)"
      R"([1704067260,"99.8"]]},{"metric":{"destination_workload":"podinfo"},"values":[[1704067200,)"
      R"("99.5"],[1704067260,"NaN"],[1704067320,"97"]]}])"
      "\n";
  const auto a = rp::parseQueryRange(kRange, "api.json", "m", std::nullopt);
  const auto b = rp::parseQueryRange(promtool, "promtool.json", "m", std::nullopt);
  ASSERT_EQ(b.series.size(), a.series.size());
  EXPECT_EQ(b.step, a.step);
  for (std::size_t i = 0; i < a.series.size(); ++i) {
    EXPECT_EQ(b.series[i].labels.key(), a.series[i].labels.key());
    EXPECT_EQ(b.series[i].times, a.series[i].times);
    ASSERT_EQ(b.series[i].values.size(), a.series[i].values.size());
    for (std::size_t k = 0; k < a.series[i].values.size(); ++k) {
      EXPECT_TRUE(b.series[i].values[k] == a.series[i].values[k] ||
                  (std::isnan(b.series[i].values[k]) && std::isnan(a.series[i].values[k])));
    }
  }
  // An answer that matched nothing is refused, as an empty CSV is: replaying it would see no
  // data at all.
  EXPECT_EQ(errorOf([] { rp::parseQueryRange("[]\n", "empty.json", "m", std::nullopt); }),
            "empty.json:1: column 1: holds no series: the query matched nothing in the saved range "
            "(an empty recording replays as no data at all)");
  EXPECT_EQ(errorOf([] {
              rp::parseQueryRange(
                  R"({"status":"success","data":{"resultType":"matrix","result":[]}})", "e2.json",
                  "m", std::nullopt);
            }),
            "e2.json:1: data.result: column 60: holds no series: the query matched nothing in the "
            "saved range (an empty recording replays as no data at all)");
  EXPECT_EQ(errorOf([] {
              rp::parseQueryRange(R"([{"metric":{"a":"1"},"values":[]}])", "e3.json", "m",
                                  std::nullopt);
            }),
            "e3.json:1: [0].values: column 31: holds no sample (Prometheus never answers so)");

  EXPECT_EQ(errorOf([] {
              rp::parseQueryRange("[{\"metric\":{},\"values\":[[1,\"2\"],\n[2, 3]]}]", "g.json",
                                  "m", std::nullopt);
            }),
            "g.json:2: [0].values[1][1] = 3: column 5: the value must be a string (\"1.5\", "
            "\"NaN\", \"+Inf\")");
  // `promtool query instant -o json` prints a vector: not a range.
  EXPECT_EQ(errorOf([] {
              rp::parseQueryRange(R"([{"metric":{},"value":[1704067200,"1"]}])", "h.json", "m",
                                  std::nullopt);
            }),
            "h.json:1: [0].values: column 2: missing: this is an instant query's answer; save "
            "/api/v1/query_range (or `promtool query range -o json`)");
  EXPECT_EQ(errorOf([] {
              rp::parseQueryRange(R"([{"metric":{"a":"1"},"values":[[1,"1"]]},
{"metric":{"a":"1"},"values":[[1,"1"]]}])",
                                  "i.json", "m", std::nullopt);
            }),
            "i.json:2: [1].metric: column 11: the same label set as [0]");
  EXPECT_EQ(errorOf([] { rp::parseQueryRange("42", "j.json", "m", std::nullopt); }),
            "j.json:1: 42: column 1: must be a query_range answer: the HTTP API's JSON object "
            "or the array `promtool query range -o json` prints");
}

// ---- CSV
// -----------------------------------------------------------------------------------------

TEST(MetricCsv, ReadsRowsInAnyOrder) {
  const auto rs = rp::parseMetricCsv(
      "metric,time,variant,value,note\n"
      "request-success-rate,2024-01-01T00:01:00Z,canary,99.1,x\n"
      "request-success-rate,1704067200,canary,99.9,\n"
      "request-duration,1704067200,canary,\"120\",\n"
      "request-success-rate,1704067200,primary,NaN,\n",
      "v.csv");
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].metric, "request-success-rate");
  EXPECT_EQ(rs[0].variant, rp::Variant::kCanary);
  EXPECT_EQ(rs[0].series[0].times, (std::vector<double>{kT0, kT0 + 60}));
  EXPECT_EQ(rs[0].series[0].values, (std::vector<double>{99.9, 99.1}));
  EXPECT_EQ(rs[0].step, 60);
  EXPECT_EQ(rs[1].series[0].values[0], 120);
  EXPECT_EQ(rs[2].variant, rp::Variant::kPrimary);
}

TEST(MetricCsv, ErrorsNameFileLineAndColumn) {
  EXPECT_EQ(errorOf([] { rp::parseMetricCsv("time,variant,metric,value\n# none\n", "e.csv"); }),
            "e.csv:1: holds a header but no rows (an empty recording replays as no data at all)");
  EXPECT_EQ(errorOf([] { rp::parseMetricCsv("t,variant,metric,value\n", "h.csv"); }),
            "h.csv:1: \"t,variant,metric,value\": column 1: the first line must be a header naming "
            "the columns time, "
            "variant, metric and value");
  EXPECT_EQ(errorOf([] {
              rp::parseMetricCsv(
                  "time,variant,metric,value\n\n1704067200,canary,m,1\nsoon,canary,m,2\n", "t.csv");
            }),
            "t.csv:4: time = \"soon\": column 1: must be Unix seconds or an RFC 3339 time");
  EXPECT_EQ(errorOf([] {
              rp::parseMetricCsv("time,variant,metric,value\n1704067200,baseline,m,1\n", "v.csv");
            }),
            "v.csv:2: variant = \"baseline\": column 12: must be canary or primary");
  EXPECT_EQ(errorOf([] {
              rp::parseMetricCsv("time,variant,metric,value\n1704067200,canary,m,1.2.3\n", "x.csv");
            }),
            "x.csv:2: value = \"1.2.3\": column 21: must be a number (NaN, +Inf allowed)");
  EXPECT_EQ(errorOf([] {
              rp::parseMetricCsv("time,variant,metric,value\n1704067200,canary,m\n", "c.csv");
            }),
            "c.csv:2: column 19: expected 4 columns as in the header, found 3");
  EXPECT_EQ(errorOf([] {
              rp::parseMetricCsv(
                  "time,variant,metric,value\n1704067200,canary,m,1\n1704067260,canary,m,1\n"
                  "2024-01-01T00:00:00Z,canary,m,2\n",
                  "d.csv");
            }),
            "d.csv:4: time = 2024-01-01T00:00:00Z: column 1: a second value for metric \"m\" "
            "(canary) at this time "
            "(also on line 2)");
  EXPECT_EQ(errorOf([] {
              rp::parseMetricCsv("time,variant,metric,value\n1704067200,\"canary,m,1\n", "q.csv");
            }),
            "q.csv:2: column 12: unterminated or misplaced quote");
}

// ---- named replays
// -------------------------------------------------------------------------------

// A CSV of per-minute values: the success rate is 99.5 until 10 minutes in, then 95. By the
// Flagger rules (scheduler.go): ticks 1 and 2 check nothing, each passing tick from 3 on adds
// 5 to the weight (45 at tick 10, below maxWeight 50), ticks 11 and 12 fail, and tick 13 starts
// at failedChecks 2 = threshold: rollback at tick 13, t = 720 s.
std::string perMinuteCsv(double from, int minutes, int dropAt, int nanAt = -1) {
  std::string csv = "time,variant,metric,value\n";
  for (int m = 0; m <= minutes; ++m) {
    const std::string t = rp::formatNumber(from + m * 60);
    csv += t + ",canary,request-success-rate," +
           (m == nanAt    ? "NaN"
            : m >= dropAt ? "95"
                          : "99.5") +
           "\n";
    csv += t + ",canary,request-duration,120\n";
  }
  return csv;
}

TEST(NamedReplay, CsvValuesDriveTheEngineAsWorkedOutByHand) {
  TempDir dir;
  const auto ws = workspaceFrom(dir, "canary.yaml", canaryYaml(2));
  rp::ReplaySpec spec;
  spec.from = kT0;
  spec.to = kT0 + 30 * 60;
  spec.csv = {dir.write("values.csv", perMinuteCsv(kT0, 30, 10))};
  const auto& canary = ws.canary("");
  auto rec = rp::Recording::open(spec, rp::targetOf(canary, "istio"));
  const rp::FlaggerReplayPlan plan(canary, {}, "istio", rec);
  EXPECT_EQ(plan.check(0, fl::CheckKind::kRequestSuccessRate).source,
            rp::ReplayCheck::Source::kNamed);
  auto src = rec->makeSource();
  const auto res = rp::replayFlagger(plan, *src, {});
  EXPECT_EQ(res.run.outcome.result, fl::Outcome::Result::kRolledBack);
  EXPECT_EQ(res.run.outcome.tick, 13);
  EXPECT_EQ(res.run.outcome.t, 720);
  EXPECT_EQ(res.run.ticks[9].routes.canaryWeight, 45);
  EXPECT_EQ(res.run.ticks[10].status.failedChecks, 1);
  EXPECT_EQ(res.run.ticks[10].metrics[0].value, 95);
  // A NaN is "no values" (prometheus.go RunQuery), a failed check too.
  const std::string csv = perMinuteCsv(kT0, 30, 99, 3);
  rp::ReplaySpec spec2 = spec;
  spec2.csv = {dir.write("nan.csv", csv)};
  auto rec2 = rp::Recording::open(spec2, rp::targetOf(canary, "istio"));
  const rp::FlaggerReplayPlan plan2(canary, {}, "istio", rec2);
  auto src2 = rec2->makeSource();
  const auto res2 = rp::replayFlagger(plan2, *src2, {});
  ASSERT_GE(res2.run.ticks.size(), 4u);
  EXPECT_EQ(res2.run.ticks[3].metrics[0].result,
            fl::MetricCheck::Result::kNoData);  // tick 4, t = 180
  EXPECT_EQ(res2.run.ticks[2].metrics[0].result, fl::MetricCheck::Result::kPass);
}

// Replays run the same tick loop as synthetic worlds (sim/flagger_loop.h): the summary counts
// the checks the engine ran, with and without a trace, and names the engine's outcome.
TEST(NamedReplay, TheSummaryCountsTheChecksTheTraceShows) {
  TempDir dir;
  const auto ws = workspaceFrom(dir, "canary.yaml", canaryYaml(2));
  rp::ReplaySpec spec;
  spec.from = kT0;
  spec.to = kT0 + 30 * 60;
  spec.csv = {dir.write("values.csv", perMinuteCsv(kT0, 30, 10))};
  const auto& canary = ws.canary("");
  auto rec = rp::Recording::open(spec, rp::targetOf(canary, "istio"));
  const rp::FlaggerReplayPlan plan(canary, {}, "istio", rec);
  auto src = rec->makeSource();
  const auto res = rp::replayFlagger(plan, *src, {});
  int checks = 0, failed = 0;
  for (const auto& t : res.run.ticks) {
    for (const auto& m : t.metrics) {
      ++checks;
      if (m.result != fl::MetricCheck::Result::kPass) ++failed;
    }
  }
  EXPECT_GT(checks, 10);
  EXPECT_EQ(failed, 2);  // ticks 11 and 12 fail (threshold 2: rolled back at tick 13)
  EXPECT_EQ(res.summary.metricChecks, checks);
  EXPECT_EQ(res.summary.failedMetricChecks, failed);
  EXPECT_EQ(res.summary.outcome.result, "rolled_back");
  EXPECT_EQ(res.summary.outcome.decision, rolloutlab::sim::RunOutcome::Decision::kRolledBack);
  EXPECT_EQ(res.summary.outcome.tick, 13);
  EXPECT_EQ(res.summary.timeToDecision, 720);
  const auto batch = rp::runReplayFlagger(plan, *src, {});
  EXPECT_EQ(batch.metricChecks, checks);
  EXPECT_EQ(batch.failedMetricChecks, failed);
  EXPECT_EQ(batch.outcome.t, 720);
}

TEST(NamedReplay, AFileWithOneSeriesPerVariantAnswersForTheCanary) {
  TempDir dir;
  const auto ws = workspaceFrom(dir, "canary.yaml", canaryYaml(1));
  // The primary's series comes last: Flagger's own reading would take it; the canary's labels
  // pick the canary's series.
  std::string body = R"({"status":"success","data":{"resultType":"matrix","result":[)";
  for (const char* w : {"podinfo", "podinfo-primary"}) {
    body += std::string(w == std::string("podinfo") ? "" : ",") +
            R"({"metric":{"destination_workload":")" + w + R"("},"values":[)";
    for (int m = 0; m <= 10; ++m) {
      body += (m ? "," : "") + std::string("[") + rp::formatNumber(kT0 + m * 60) + ",\"" +
              (w == std::string("podinfo") && m >= 4 ? "90" : "99.9") + "\"]";
    }
    body += "]}";
  }
  body += "]}}";
  rp::ReplaySpec spec;
  spec.from = kT0;
  spec.to = kT0 + 600;
  spec.queryRange = {
      {"request-success-rate", std::nullopt, dir.write("sr.json", body)},
      {"request-duration", rp::Variant::kCanary,
       dir.write(
           "d.json",
           R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1704067200,"50"],[1704067800,"50"]]}]}})")}};
  const auto& canary = ws.canary("");
  auto rec = rp::Recording::open(spec, rp::targetOf(canary, "istio"));
  const rp::FlaggerReplayPlan plan(canary, {}, "istio", rec);
  auto src = rec->makeSource();
  const auto res = rp::replayFlagger(plan, *src, {});
  ASSERT_GE(res.run.ticks.size(), 5u);
  EXPECT_EQ(res.run.ticks[2].metrics[0].value, 99.9);
  EXPECT_EQ(res.run.ticks[4].metrics[0].value, 90);  // tick 5, t = 240
  EXPECT_EQ(res.run.outcome.result, fl::Outcome::Result::kRolledBack);
  EXPECT_EQ(res.run.outcome.tick, 6);
}

TEST(NamedReplay, AMetricWithoutRecordingOrQueryIsAnErrorBeforeAnyRun) {
  TempDir dir;
  const auto ws = workspaceFrom(dir, "canary.yaml", canaryYaml(1));
  rp::ReplaySpec spec;
  spec.from = kT0;
  spec.to = kT0 + 600;
  spec.csv = {
      dir.write("v.csv", "time,variant,metric,value\n1704067200,canary,request-success-rate,99\n")};
  const auto& canary = ws.canary("");
  auto rec = rp::Recording::open(spec, rp::targetOf(canary, "istio"));
  const std::string e = errorOf([&] { rp::FlaggerReplayPlan(canary, {}, "istio", rec); });
  EXPECT_NE(
      e.find(
          "spec.analysis.metrics[1] = \"request-duration\": has no recorded values under its name"),
      std::string::npos)
      << e;
  // Outside the recorded window.
  spec.from = kT0 + 86400;
  spec.to = kT0 + 90000;
  EXPECT_NE(errorOf([&] {
              rp::Recording::open(spec, rp::targetOf(canary, "istio"));
            }).find("outside the replay window"),
            std::string::npos);
}

// ---- bootstrap
// -----------------------------------------------------------------------------------

TEST(BlockResample, CircularBlocksFromTheSeed) {
  const rp::BlockResample a(100, 15, 64, 0, 7);
  EXPECT_EQ(a.blockSteps(), 4);  // ceil(cbrt(64))
  const rp::BlockResample b(100, 15, 64, 0, 7);
  const rp::BlockResample c(100, 15, 64, 0, 8);
  bool differs = false;
  for (std::int64_t j = 0; j < 64; ++j) {
    EXPECT_EQ(a.source(j), b.source(j));
    differs |= a.source(j) != c.source(j);
    EXPECT_GE(a.source(j), 0);
    EXPECT_LT(a.source(j), 64);
    if (j % 4 != 0) {
      EXPECT_EQ(a.source(j), (a.source(j - 1) + 1) % 64) << "step " << j;
    }
  }
  EXPECT_TRUE(differs);
  EXPECT_EQ(a.source(-1), -1);
  EXPECT_EQ(a.source(64), 64);
  // Times keep their offset inside the step.
  EXPECT_EQ(a.sourceTime(100 + 2 * 15 + 3), 100 + a.source(2) * 15 + 3);
  EXPECT_TRUE(rp::BlockResample().identity());
}

// ---- the Replay document and batches
// ---------------------------------------------------------------

TEST(ReplayDocument, DecodesStrictlyWithPathsRelativeToTheFile) {
  TempDir dir;
  dir.write("values.csv", perMinuteCsv(kT0, 30, 10));
  const auto ws =
      app::loadWorkspace({dir.write("replay.yaml",
                                    "apiVersion: rolloutlab.io/v1alpha1\nkind: Replay\n"
                                    "metadata:\n  name: minute-values\n"
                                    "spec:\n  release: bad\n  from: 2024-01-01T00:00:00Z\n"
                                    "  to: 1704069000\n  step: 1m\n  csv: [values.csv]\n"
                                    "  bootstrap: {blockSteps: 5}\n")});
  ASSERT_EQ(ws.diagnostics.errors(), 0) << ws.diagnostics.items[0].toString();
  ASSERT_EQ(ws.replays.size(), 1u);
  const auto& r = ws.replays[0];
  EXPECT_EQ(r.name, "minute-values");
  EXPECT_EQ(r.release, sim::Release::kBad);
  EXPECT_EQ(r.from, kT0);
  EXPECT_EQ(r.to, kT0 + 1800);
  EXPECT_EQ(r.step, 60.0);
  EXPECT_EQ(r.csv, std::vector<std::string>{dir.file("values.csv")});
  EXPECT_EQ(r.blockSteps, 5);
  const auto bad = app::loadWorkspace(
      {dir.write("bad.yaml",
                 "apiVersion: rolloutlab.io/v1alpha1\nkind: Replay\n"
                 "metadata:\n  name: x\nspec:\n  from: 1704067200\n  to: 1704067100\n"
                 "  csvs: [values.csv]\n")});
  ASSERT_GE(bad.diagnostics.items.size(), 1u);
  EXPECT_EQ(bad.diagnostics.items[0].toString(),
            dir.file("bad.yaml") + ":8: spec.csvs: unknown field (did you mean \"csv\"?)");
  const auto late = app::loadWorkspace(
      {dir.write("late.yaml",
                 "apiVersion: rolloutlab.io/v1alpha1\nkind: Replay\n"
                 "metadata:\n  name: x\nspec:\n  from: 1704067200\n  to: 1704067100\n"
                 "  csv: [values.csv]\n")});
  ASSERT_EQ(late.diagnostics.errors(), 1);
  EXPECT_EQ(late.diagnostics.items[0].toString(),
            dir.file("late.yaml") +
                ":7: spec.to = 2023-12-31T23:58:20Z: must be after from (2024-01-01T00:00:00Z)");
}

TEST(ReplayBatch, BootstrapReplicatesAreDeterministicWhateverTheThreads) {
  TempDir dir;
  // Minute values with noise around the threshold: replicates differ.
  std::string csv = "time,variant,metric,value\n";
  core::Rng rng(3);
  for (int m = 0; m <= 120; ++m) {
    const std::string t = rp::formatNumber(kT0 + m * 60);
    csv += t + ",canary,request-success-rate," +
           rp::formatNumber(std::round((99.2 + 0.5 * rng.normal()) * 100) / 100) + "\n";
    csv += t + ",canary,request-duration,100\n";
  }
  dir.write("values.csv", csv);
  dir.write("canary.yaml", canaryYaml(2));
  dir.write("replay.yaml",
            "apiVersion: rolloutlab.io/v1alpha1\nkind: Replay\nmetadata:\n  name: noisy\n"
            "spec:\n  release: good\n  from: 1704067200\n  to: 1704074400\n  csv: [values.csv]\n");
  const auto specs = app::loadWorkspace({dir.file("canary.yaml")});
  const auto scen = app::loadWorkspace({dir.file("replay.yaml")});
  ASSERT_EQ(scen.replays.size(), 1u);
  auto run = [&](int threads, int shard, int shards) {
    app::BatchOptions o;
    o.runs = 200;
    o.seed = 11;
    o.threads = threads;
    o.shardIndex = shard;
    o.shardCount = shards;
    return app::runBatch(app::batchSpecs(specs, "istio"), {}, scen.replays, {}, o);
  };
  const auto one = run(1, 0, 1);
  const auto four = run(4, 0, 1);
  auto strip = [](io::Json j) {
    j.erase("elapsedSeconds");
    return j.dump();
  };
  EXPECT_EQ(strip(app::batchJson(one)), strip(app::batchJson(four)));
  const auto merged = app::mergeBatches({run(2, 0, 2), run(2, 1, 2)}, {"a", "b"});
  EXPECT_EQ(strip(app::batchJson(one)), strip(app::batchJson(merged)));
  ASSERT_EQ(one.pairs.size(), 1u);
  const auto& agg = one.pairs[0].agg;
  EXPECT_EQ(agg.runs, 200);
  // Resampled minutes: some replicates roll back, some promote.
  EXPECT_GT(agg.rolledBack, 0);
  EXPECT_GT(agg.promoted, 0);
  // Replicate r of the batch is `simulate --seed <pair seed> --replicate r` on the same Replay.
  std::istringstream in;
  std::ostringstream out, err;
  app::Streams io{in, out, err};
  ASSERT_EQ(app::runMain({"simulate", "--spec", dir.file("canary.yaml"), "--scenario",
                          dir.file("replay.yaml"), "--seed", std::to_string(one.pairs[0].seed),
                          "--replicate", "0", "-o", "json"},
                         io),
            0)
      << err.str();
  EXPECT_NE(out.str().find("\"replicate\": 0"), std::string::npos);
  // A live Prometheus cannot be resampled: an error before any run.
  rp::ReplaySpec live;
  live.name = "live";
  live.from = kT0;
  live.to = kT0 + 600;
  live.prometheus = rp::PrometheusOptions{};
  live.prometheus->url = "http://127.0.0.1:1";
  app::BatchOptions o;
  o.runs = 2;
  const std::string e =
      errorOf([&] { app::runBatch(app::batchSpecs(specs, "istio"), {}, {live}, {}, o); });
  EXPECT_NE(e.find("a batch resamples the recording"), std::string::npos) << e;
}

}  // namespace
