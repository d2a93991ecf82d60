// The kind-neutral run view: what simulateRun and replayRun build for each engine and driver,
// and what the table and the trace render from it. Expectations come from the example Script
// and recording (their comments say what happens) and from the upstream rules they exercise.
#include "rolloutlab/app/run_view.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "rolloutlab/app/workspace.h"
#include "test_support.h"

using namespace rolloutlab;

namespace {

app::Workspace load(const std::string& rel) {
  return app::loadWorkspace({test::sourceDir() + "/" + rel});
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

/// A measurement as the events' analysis records show it: the counters of an AnalysisRun's
/// metric moved on an event (count + error up by one), the phase the counter that moved, the
/// value the metric's last one.
struct Recorded {
  double t = 0;
  std::string run, metric, phase, value;
};

std::vector<Recorded> recordedMeasurements(const app::RunView& v) {
  std::vector<Recorded> out;
  std::map<std::pair<std::string, std::string>, app::RunAnalysisMetric> prev;
  for (const auto& e : v.events) {
    for (const auto& r : e.analyses) {
      for (const auto& m : r.metrics) {
        app::RunAnalysisMetric& p = prev[{r.name, m.name}];
        const int moved = (m.count + m.error) - (p.count + p.error);
        EXPECT_LE(moved, 1) << r.name << " " << m.name << " at " << e.t;  // one per event
        if (moved > 0) {
          const std::string phase = m.error > p.error                 ? "Error"
                                    : m.failed > p.failed             ? "Failed"
                                    : m.inconclusive > p.inconclusive ? "Inconclusive"
                                                                      : "Successful";
          out.push_back({e.t, r.name, m.name, phase, m.lastValue});
        }
        p = m;
      }
    }
  }
  return out;
}

}  // namespace

TEST(RunView, RolloutScenarioChecksAreTheMeasurementsOfItsEvents) {
  // The storefront Rollout in three library scenarios (a good release, an error regression,
  // a metrics outage whose measurements are Errors) and two seeds: the run view's checks are
  // every measurement its analyses took, in time order, the same ones its events' analysis
  // records count, with the same values and phases.
  const app::Workspace specs = load("examples/apps/storefront");
  std::map<std::string, int> phases;
  for (const char* file :
       {"good-high-traffic.yaml", "error-regression-2pt.yaml", "metrics-outage.yaml"}) {
    const app::Workspace input = load(std::string("scenarios/library/") + file);
    for (std::uint64_t seed : {1u, 7u}) {
      const std::string where = std::string(file) + " seed " + std::to_string(seed);
      app::RunOptions o;
      o.seed = seed;
      const app::RunView v = app::simulateRun(specs, input, o);
      ASSERT_EQ(v.driver, app::RunDriver::kScenario) << where;
      const auto recorded = recordedMeasurements(v);
      ASSERT_FALSE(recorded.empty()) << where;
      ASSERT_EQ(v.checks.size(), recorded.size()) << where;
      // The summary counts the same measurements (argoRunSummary: count + error of every metric).
      ASSERT_TRUE(v.summary) << where;
      EXPECT_EQ(v.summary->metricChecks, static_cast<long long>(v.checks.size())) << where;
      for (std::size_t i = 1; i < v.checks.size(); ++i)
        EXPECT_LE(v.checks[i - 1].t, v.checks[i].t) << where << " #" << i;
      // Per AnalysisRun and metric, in order: time, value and phase as the records hold them.
      std::map<std::pair<std::string, std::string>, std::vector<const app::RunCheck*>> mine;
      std::map<std::pair<std::string, std::string>, std::vector<const Recorded*>> theirs;
      std::map<std::string, int> perMetric, perMetricRecorded;
      for (const auto& c : v.checks) {
        mine[{c.analysisRun, c.name}].push_back(&c);
        ++perMetric[c.name];
      }
      for (const auto& r : recorded) {
        theirs[{r.run, r.metric}].push_back(&r);
        ++perMetricRecorded[r.metric];
      }
      EXPECT_EQ(perMetric, perMetricRecorded) << where;
      ASSERT_EQ(mine.size(), theirs.size()) << where;
      for (const auto& [key, list] : theirs) {
        const auto& cs = mine[key];
        ASSERT_EQ(cs.size(), list.size()) << where << ": " << key.first << " " << key.second;
        for (std::size_t k = 0; k < list.size(); ++k) {
          const app::RunCheck& c = *cs[k];
          const std::string at = where + ": " + key.second + " #" + std::to_string(k);
          EXPECT_EQ(c.t, list[k]->t) << at;
          EXPECT_EQ(c.verdict, list[k]->phase) << at;
          EXPECT_EQ(
              c.record["value"].is_null() ? std::string() : c.record["value"].get<std::string>(),
              list[k]->value)
              << at;
          EXPECT_EQ(c.answer == app::RunCheck::Answer::kError, list[k]->phase == "Error") << at;
          EXPECT_EQ(c.record["phase"], list[k]->phase) << at;
          EXPECT_EQ(c.record["metric"], key.second) << at;
          EXPECT_EQ(c.record["provider"], "prometheus") << at;
          EXPECT_EQ(c.record["source"], "query") << at;
          EXPECT_FALSE(c.record.contains("time")) << at;  // a synthetic run has no wall clock
          ++phases[c.verdict];
        }
      }
      // The table prints no measurement rows for a Scenario (its measurements show in the event
      // counters); the trace lists every one.
      EXPECT_EQ(app::renderRun(v, "table").find("   measured "), std::string::npos) << where;
      const io::Json j = app::runTraceJson(v);
      ASSERT_EQ(j["measurements"].size(), v.checks.size()) << where;
      for (std::size_t i = 0; i < v.checks.size(); ++i)
        EXPECT_EQ(j["measurements"][i], v.checks[i].record) << where;
    }
  }
  // Measurements passed, failed and in error were compared.
  for (const char* p : {"Successful", "Failed", "Error"}) EXPECT_GT(phases[p], 0) << p;
}

TEST(RunView, CanaryScriptTicksChecksAndOutcome) {
  // examples/scripts/two-failures-then-recover.yaml: the success rate is 97.5 (< min 99) on
  // tick 4 and has no data on tick 5; each counts one failed check (Flagger's
  // checkMetricsAndRollback: a failed or empty metric increments failedChecks), 2 of the 5
  // allowed, so the analysis goes on and the canary is promoted.
  const app::Workspace specs = load("examples/apps/podinfo");
  const app::Workspace input = load("examples/scripts/two-failures-then-recover.yaml");
  app::RunOptions o;
  o.target = "podinfo";
  const app::RunView v = app::simulateRun(specs, input, o);
  EXPECT_EQ(v.engine, "flagger");
  EXPECT_EQ(v.targetKind, "Canary");
  EXPECT_EQ(v.driver, app::RunDriver::kScript);
  EXPECT_EQ(v.driverName, "two-failures-then-recover");
  ASSERT_EQ(v.events.size(), 12u);  // one per tick of the Script
  EXPECT_EQ(v.events[3].tick, 4);
  EXPECT_EQ(v.events[3].failedChecks, 1);
  EXPECT_EQ(v.events[4].failedChecks, 2);
  EXPECT_EQ(v.events[2].canaryWeight, 20);  // stepWeight 10: 0 -> 10 -> 20
  EXPECT_EQ(v.events[2].stableWeight, 80);
  const app::RunCheck* t4 = nullptr;
  const app::RunCheck* t5 = nullptr;
  for (const auto& c : v.checks) {
    if (c.name != "request-success-rate") continue;
    if (c.tick == 4) t4 = &c;
    if (c.tick == 5) t5 = &c;
  }
  ASSERT_NE(t4, nullptr);
  ASSERT_NE(t5, nullptr);
  EXPECT_EQ(t4->value, 97.5);
  EXPECT_EQ(t4->min, 99);
  EXPECT_EQ(t4->verdict, "fail");
  EXPECT_EQ(t5->answer, app::RunCheck::Answer::kNoData);
  EXPECT_FALSE(t5->value);
  EXPECT_EQ(t5->verdict, "nodata");
  EXPECT_EQ(v.end.result, "promoted");
  EXPECT_EQ(v.end.phase, "Succeeded");
  EXPECT_FALSE(v.summary);  // a Script's run has no world to count requests in

  // The trace: one tick record per event, no summary, no measured values of its own.
  const io::Json j = app::runTraceJson(v);
  EXPECT_EQ(j["engine"], "flagger");
  ASSERT_EQ(j["ticks"].size(), v.events.size());
  EXPECT_FALSE(j["ticks"][0].contains("measured"));
  EXPECT_FALSE(j.contains("summary"));
  EXPECT_EQ(j["outcome"]["result"], "promoted");
  // The table: the header names the Script, each check sits under its tick, the outcome last.
  const auto t = lines(app::renderRun(v, "table"));
  EXPECT_EQ(t.front(), "Canary test/podinfo driven by Script two-failures-then-recover (seed 0)");
  EXPECT_EQ(t.back(), "outcome: promoted (Succeeded) at tick 11, t=600s");
  std::size_t tick4 = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i].rfind("4 ", 0) == 0) tick4 = i;
  }
  ASSERT_GT(tick4, 0u);
  EXPECT_NE(t[tick4 + 1].find("- request-success-rate = 97.5 [99, -] fail"), std::string::npos);
}

TEST(RunView, TheTargetChoosesTheEngineOnce) {
  // One workspace holding a Canary and a Rollout: the target alone picks the engine.
  const app::Workspace specs = load("examples");
  const app::Workspace scen = load("scenarios/library/good-high-traffic.yaml");
  app::RunOptions o;
  o.seed = 3;
  o.target = "podinfo";
  const app::RunView canary = app::simulateRun(specs, scen, o);
  o.target = "storefront";
  const app::RunView rollout = app::simulateRun(specs, scen, o);
  EXPECT_EQ(canary.engine, "flagger");
  EXPECT_EQ(rollout.engine, "argo");
  EXPECT_EQ(rollout.qualified, "shop/storefront");
  for (const auto* v : {&canary, &rollout}) {
    // A good release at high traffic is promoted by both (docs: scenario library).
    EXPECT_EQ(v->driver, app::RunDriver::kScenario);
    ASSERT_TRUE(v->summary);
    EXPECT_EQ(v->summary->outcome.result, "promoted");
    EXPECT_EQ(v->end.result, "promoted");
    EXPECT_GT(v->summary->totals.canaryRequests, 0);
    // The JSON and the table tell the same outcome.
    const io::Json j = app::runTraceJson(*v);
    EXPECT_EQ(j["outcome"]["result"], "promoted");
    EXPECT_EQ(j["scenario"], "good-high-traffic");
    EXPECT_EQ(j["release"], "good");
    const auto t = lines(app::renderRun(*v, "table"));
    bool outcome = false, summary = false;
    for (const auto& l : t) {
      outcome = outcome || l.rfind("outcome: promoted (", 0) == 0;
      summary = summary || l.rfind("summary: decision ", 0) == 0;
    }
    EXPECT_TRUE(outcome);
    EXPECT_TRUE(summary);
  }
  // Flagger ticks carry what they measured; Argo events do not.
  EXPECT_TRUE(app::runTraceJson(canary)["ticks"][0].contains("measured"));
  EXPECT_FALSE(app::runTraceJson(rollout)["events"][0].contains("measured"));
}

TEST(RunView, RolloutScriptAbortsOnTheBackgroundRun) {
  // examples/scripts/argo-background-failure.yaml: the background metric fails three times
  // with failureLimit 2 (analysis/analysis.go assessMetricStatus: failed > failureLimit), so
  // the Rollout aborts (Degraded) while the step run stays Successful.
  const app::Workspace specs = load("examples");
  const app::Workspace input = load("examples/scripts/argo-background-failure.yaml");
  app::RunOptions o;
  o.target = "storefront";
  const app::RunView v = app::simulateRun(specs, input, o);
  EXPECT_EQ(v.engine, "argo");
  EXPECT_EQ(v.end.result, "aborted");
  EXPECT_EQ(v.end.phase, "Degraded");
  EXPECT_TRUE(v.checks.empty());  // a Script's measurements are its own input
  bool abortEvent = false;
  for (const auto& e : v.events) {
    EXPECT_EQ(e.tick, 0);
    EXPECT_EQ(e.canaryWeight + e.stableWeight, 100);
    abortEvent = abortEvent || e.message.find("failureLimit (2)") != std::string::npos;
  }
  EXPECT_TRUE(abortEvent);
  const io::Json j = app::runTraceJson(v);
  EXPECT_EQ(j["events"].size(), v.events.size());
  EXPECT_EQ(j["outcome"]["result"], "aborted");
}

TEST(RunView, RolloutReplayMeasurementsComeBeforeTheEventsThatReadThem) {
  // The storefront Rollout over the recorded error spike: every measurement its analyses took,
  // at their own times, printed before the reconciles of the same instant.
  const app::Workspace specs = load("examples/apps/storefront");
  const app::Workspace rec = load("examples/replays/podinfo-error-spike.yaml");
  ASSERT_EQ(rec.replays.size(), 1u);
  app::RunOptions o;
  std::ostringstream warnings;
  const app::RunView v = app::replayRun(specs, rec.replays.front(), o, warnings);
  EXPECT_EQ(v.driver, app::RunDriver::kReplay);
  EXPECT_FALSE(v.step);  // Argo measurements run at their own times
  ASSERT_FALSE(v.checks.empty());
  for (std::size_t i = 1; i < v.checks.size(); ++i) EXPECT_LE(v.checks[i - 1].t, v.checks[i].t);
  for (const auto& c : v.checks) {
    EXPECT_TRUE(c.verdict == "Successful" || c.verdict == "Failed" || c.verdict == "Inconclusive" ||
                c.verdict == "Error")
        << c.verdict;
    if (c.answer == app::RunCheck::Answer::kValue) {
      EXPECT_TRUE(c.value) << c.valueText;
    }
  }
  EXPECT_FALSE(v.counts);  // a CSV of metric values counts no requests
  const io::Json j = app::runTraceJson(v);
  EXPECT_EQ(j["measurements"].size(), v.checks.size());
  EXPECT_TRUE(j["summary"]["canaryRequests"].is_null());
  // The outcome is dated on the recording's clock too (from 10:00:00, a 30-minute window).
  EXPECT_EQ(j["outcome"]["time"].get<std::string>().rfind("2024-03-05T10:", 0), 0u);
  const auto t = lines(app::renderRun(v, "table"));
  // Line 3 (after the header and the column names) is the first measurement, at t=0, before
  // the first event.
  ASSERT_GT(t.size(), 3u);
  EXPECT_NE(t[2].find("   measured "), std::string::npos) << t[2];
  EXPECT_EQ(t[2].rfind("2024-03-05T10:00:00Z  0   measured ", 0), 0u) << t[2];
  EXPECT_EQ(t.back().rfind("summary: decision ", 0), 0u);
  EXPECT_EQ(t.back().find("canary requests"), std::string::npos);
}
