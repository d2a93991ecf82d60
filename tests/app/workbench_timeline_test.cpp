// The workbench's timeline shows exactly the run `rolloutlab simulate` prints: for the podinfo
// Canary and the storefront Rollout, over library scenarios and seeds and over the example
// recording (as recorded and a bootstrap replicate), the timeline a spec document draws (and,
// for the example Scripts, the one timelineOf draws of their run view) is compared with the JSON
// trace the `simulate` command itself prints for the same spec, driver and seed (app::runSimulate,
// parsed back): one weight point per tick or event, the tick markers, the webhook gates, a check
// marker per check the engine ran (time, compared value, verdict), the canary's values, the outcome
// and the summary's numbers. The expectations are read off the trace, never off the RunView the
// timeline is drawn from.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <optional>
#include <sstream>

#include "rolloutlab/app/commands.h"
#include "rolloutlab/app/run_view.h"
#include "rolloutlab/app/workbench/recordings.h"
#include "rolloutlab/app/workbench/run_timeline.h"
#include "rolloutlab/app/workbench/spec_document.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/io/json_util.h"
#include "test_support.h"

using namespace rolloutlab;
namespace wb = rolloutlab::app::workbench;
using Json = io::Json;
using Kind = wb::TimelineMarker::Kind;

namespace {

/// What the comparisons covered, so that a run of them cannot pass on nothing.
struct Seen {
  std::size_t checks = 0;
  std::map<std::string, int> results;  ///< outcome result -> runs
  std::map<Kind, int> kinds;           ///< check marker kind -> markers
};
Seen seen;

const char* const kRecording = "/examples/replays/podinfo-error-spike.yaml";

// Scenarios that end every way: promoted, rolled back on errors or latency, on no data, on a
// failed start, held at a gate, and with no decision at the end of the scenario.
const char* const kScenarios[] = {
    "good-high-traffic.yaml",    "error-regression-5pt.yaml", "latency-regression-p99-50pct.yaml",
    "metrics-outage.yaml",       "crash-on-start.yaml",       "good-manual-approval.yaml",
    "intermittent-failure.yaml", "slow-drift.yaml",           "good-primary-misses-deadline.yaml",
};
const std::uint64_t kSeeds[] = {1, 7, 42};

std::string appDir(const std::string& app) { return test::sourceDir() + "/examples/apps/" + app; }

/// `rolloutlab simulate --spec <app> --scenario FILE --seed S [--replicate R] -o json`, run by
/// the command itself, parsed.
Json cliTrace(const std::string& app, const std::string& file, std::uint64_t seed,
              std::optional<std::uint64_t> replicate = std::nullopt) {
  std::vector<std::string> args{"--spec", appDir(app),          "--scenario", file,
                                "--seed", std::to_string(seed), "-o",         "json"};
  if (replicate) {
    args.push_back("--replicate");
    args.push_back(std::to_string(*replicate));
  }
  std::istringstream in;
  std::ostringstream out, err;
  app::Streams io{in, out, err};
  EXPECT_EQ(app::runSimulate(args, io), 0) << err.str();
  return Json::parse(out.str());
}

std::unique_ptr<wb::SpecDocument> document(const std::string& app) {
  auto docs = wb::makeSpecDocuments(app::loadWorkspace({appDir(app)}));
  EXPECT_EQ(docs.size(), 1u) << app;
  return docs.empty() ? nullptr : std::move(docs.front());
}

double num(const Json& j) { return j.is_null() ? NAN : j.get<double>(); }

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

std::vector<const wb::TimelineMarker*> markers(const wb::Timeline& tl, Kind kind) {
  std::vector<const wb::TimelineMarker*> out;
  for (const auto& m : tl.events) {
    if (m.kind == kind) out.push_back(&m);
  }
  return out;
}

Kind verdictMarker(const std::string& result) {
  if (result == "pass") return Kind::kPass;
  if (result == "fail") return Kind::kFail;
  if (result == "nodata") return Kind::kNoData;
  return Kind::kError;
}

// "canary served N requests, E errors; ...; peak canary weight W%" (the numbers rounded as
// the timeline shows them), or the line of a recording that counts no requests.
void expectSummary(const wb::Timeline& tl, const Json& summary, const std::string& where) {
  const std::string peak =
      "peak canary weight " + std::to_string(summary["peakCanaryWeight"].get<int>()) + "%";
  EXPECT_NE(tl.summary.find(peak), std::string::npos) << where << ": " << tl.summary;
  if (summary["canaryRequests"].is_null()) {
    EXPECT_NE(tl.summary.find("the recording counts no requests"), std::string::npos) << where;
    return;
  }
  const std::string served =
      "canary served " + wb::formatNumber(std::round(num(summary["canaryRequests"])), 12) +
      " requests, " + wb::formatNumber(std::round(num(summary["canaryErrors"])), 12) + " errors";
  EXPECT_NE(tl.summary.find(served), std::string::npos) << where << ": " << tl.summary;
}

/// A Canary's timeline against its trace: a tick marker and a weight point per tick, a gate
/// marker per webhook that held or opened (a passing rollout hook is not one), a check marker
/// per check of the tick in the lane of its name and kind, the canary's values of every
/// measured check, one end marker, the outcome.
void expectCanaryTimeline(const wb::Timeline& tl, const Json& trace, const std::string& where) {
  ASSERT_TRUE(tl.error.empty()) << where << ": " << tl.error;
  ASSERT_EQ(trace["engine"], "flagger") << where;
  const Json& ticks = trace["ticks"];
  const auto tickMarkers = markers(tl, Kind::kTick);
  ASSERT_EQ(tickMarkers.size(), ticks.size()) << where;
  ASSERT_EQ(tl.canaryWeight.size(), ticks.size()) << where;
  std::size_t gates = 0;
  std::map<std::pair<std::string, std::string>, std::vector<const Json*>> checks;  // per lane
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<double, double>>> values;
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    const Json& tick = ticks[i];
    const double t = num(tick["t"]);
    EXPECT_EQ(tickMarkers[i]->t, t) << where << " tick " << i;
    EXPECT_EQ(tickMarkers[i]->value, num(tick["canaryWeight"])) << where << " tick " << i;
    EXPECT_EQ(tl.canaryWeight[i], std::make_pair(t, num(tick["canaryWeight"]))) << where;
    EXPECT_NE(tickMarkers[i]->text.find(tick["status"]["phase"].get<std::string>()),
              std::string::npos)
        << where << ": " << tickMarkers[i]->text;
    for (const auto& h : tick.value("webhooks", Json::array())) {
      const bool pass = h["result"] == "pass";
      if (h["type"] == "rollout" && pass) continue;
      const bool open = h["type"] == "rollback" ? !pass : pass;
      const auto all = markers(tl, open ? Kind::kGateOpen : Kind::kGateClosed);
      bool found = false;
      for (const auto* m : all) {
        found = found || (m->t == t && m->text.find("webhook " + h["name"].get<std::string>()) !=
                                           std::string::npos);
      }
      EXPECT_TRUE(found) << where << ": webhook " << h["name"] << " at " << t;
      ++gates;
    }
    for (const auto& m : tick.value("metrics", Json::array()))
      checks[{m["name"], m["kind"]}].push_back(&m);
    if (tick.contains("measured")) {
      for (const auto& m : tick["measured"]) {
        if (m["answer"] == "value" && !m["value"].is_null())
          values[{m["name"], m["kind"]}].emplace_back(t, num(m["value"]));
      }
    } else {
      // A Script's run measures nothing besides the checks: their values.
      for (const auto& m : tick.value("metrics", Json::array())) {
        if (!m["value"].is_null()) values[{m["name"], m["kind"]}].emplace_back(t, num(m["value"]));
      }
    }
  }
  EXPECT_EQ(markers(tl, Kind::kGateOpen).size() + markers(tl, Kind::kGateClosed).size(), gates)
      << where;
  // Every lane is a checked or measured metric; check markers are the engine's checks.
  std::size_t lanes = 0;
  for (const auto& [key, list] : checks) {
    const wb::TimelineMetric* lane = nullptr;
    for (const auto& m : tl.metrics) {
      if (m.name == key.first) lane = &m;
    }
    ASSERT_NE(lane, nullptr) << where << ": no lane for " << key.first;
    ++lanes;
    ASSERT_EQ(lane->checks.size(), list.size()) << where << ": " << key.first;
    std::size_t k = 0;
    for (std::size_t i = 0; i < ticks.size(); ++i) {
      for (const auto& m : ticks[i].value("metrics", Json::array())) {
        if (m["name"] != key.first || m["kind"] != key.second) continue;
        const wb::TimelineMarker& mk = lane->checks[k++];
        ++seen.checks;
        ++seen.kinds[mk.kind];
        EXPECT_EQ(mk.t, num(ticks[i]["t"])) << where << ": " << key.first;
        EXPECT_TRUE(same(mk.value, num(m["value"])))
            << where << ": " << key.first << " " << mk.value << " vs " << m["value"];
        EXPECT_EQ(mk.kind, verdictMarker(m["result"])) << where << ": " << mk.text;
        EXPECT_NE(mk.text.find(": " + m["result"].get<std::string>()), std::string::npos)
            << mk.text;
      }
    }
    EXPECT_EQ(lane->canary, values[key]) << where << ": " << key.first;
  }
  EXPECT_EQ(lanes, checks.size());
  // The end: one marker at the outcome's tick, the outcome's words and flags.
  const Json& o = trace["outcome"];
  const std::string result = o["result"];
  const bool promoted = result == "promoted" || result == "skipped_analysis";
  const bool rolledBack = result == "rolled_back" || result == "promotion_failed";
  EXPECT_EQ(tl.promoted, promoted) << where << ": " << tl.outcome;
  EXPECT_EQ(tl.rolledBack, rolledBack) << where << ": " << tl.outcome;
  const auto ends = markers(tl, promoted ? Kind::kPromotion : Kind::kRollback);
  if (promoted || rolledBack) {
    ASSERT_EQ(ends.size(), 1u) << where;
    EXPECT_EQ(ends[0]->t, num(o["t"])) << where;
    EXPECT_NE(tl.outcome.find(" at " + wb::formatDuration(num(o["t"])) + " (tick " +
                              std::to_string(o["tick"].get<int>()) + ")"),
              std::string::npos)
        << where << ": " << tl.outcome;
  } else {
    EXPECT_TRUE(markers(tl, Kind::kPromotion).empty() && markers(tl, Kind::kRollback).empty());
    EXPECT_EQ(tl.outcome.rfind("no decision after ", 0), 0u) << where << ": " << tl.outcome;
  }
  if (trace.contains("summary")) expectSummary(tl, trace["summary"], where);
}

/// A measurement as the trace's events show it: a metric of an AnalysisRun whose count or
/// error count went up, the phase of the counter that moved, the first number of its value.
struct Measurement {
  double t;
  std::string metric;
  Kind kind;
  double value;
};

std::optional<double> firstNumberOf(const std::string& v) {
  std::string s;
  for (char c : v) {
    if (c == '[' || c == ' ') {
      if (s.empty()) continue;
      break;
    }
    if (c == ',' || c == ']') break;
    s += c;
  }
  if (s.empty() || s == "NaN") return std::nullopt;
  std::istringstream in(s);
  in.imbue(std::locale::classic());
  double x = 0;
  if (!(in >> x) || !in.eof()) return std::nullopt;
  return x;
}

std::vector<Measurement> measurementsOf(const Json& events) {
  std::vector<Measurement> out;
  std::map<std::pair<std::string, std::string>, Json> before;
  for (const auto& e : events) {
    for (const auto& r : e.at("analysisRuns")) {
      for (const auto& m : r["metrics"]) {
        Json& prev = before[{r["name"], m["name"]}];
        auto at = [&prev](const char* k) { return prev.is_null() ? 0 : prev[k].get<int>(); };
        if (m["count"].get<int>() + m["error"].get<int>() > at("count") + at("error")) {
          Kind kind = Kind::kPass;
          if (m["error"].get<int>() > at("error")) {
            kind = Kind::kError;
          } else if (m["failed"].get<int>() > at("failed")) {
            kind = Kind::kFail;
          } else if (m["inconclusive"].get<int>() > at("inconclusive")) {
            kind = Kind::kInconclusive;
          }
          const auto v = kind == Kind::kError ? std::nullopt
                                              : firstNumberOf(m.value("lastValue", std::string()));
          out.push_back({num(e["t"]), m["name"], kind, v ? *v : NAN});
        }
        prev = m;
      }
    }
  }
  return out;
}

/// A Rollout's timeline against its trace: a weight point per event, one instant marker per
/// run of events at the same time, a step marker per step completed, one abort or promotion
/// marker, a check marker per measurement (time, value, phase) in the lane of its metric, the
/// outcome.
void expectRolloutTimeline(const wb::Timeline& tl, const Json& trace, const std::string& where) {
  ASSERT_TRUE(tl.error.empty()) << where << ": " << tl.error;
  ASSERT_EQ(trace["engine"], "argo") << where;
  const Json& events = trace["events"];
  ASSERT_EQ(tl.canaryWeight.size(), events.size()) << where;
  std::vector<double> instants;
  int stepsDone = 0;
  std::optional<int> step;
  bool aborted = false, sawAbort = false;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const double t = num(events[i]["t"]);
    EXPECT_EQ(tl.canaryWeight[i], std::make_pair(t, num(events[i]["canaryWeight"]))) << where;
    if (instants.empty() || instants.back() != t) instants.push_back(t);
    const Json& s = events[i]["currentStepIndex"];
    if (!s.is_null()) {
      if (step && s.get<int>() > *step) stepsDone += s.get<int>() - *step;
      step = s.get<int>();
    }
    if (events[i]["abort"].get<bool>() && !aborted) sawAbort = true;
    aborted = events[i]["abort"].get<bool>();
  }
  const auto ticks = markers(tl, Kind::kTick);
  ASSERT_EQ(ticks.size(), instants.size()) << where;
  for (std::size_t i = 0; i < ticks.size(); ++i) EXPECT_EQ(ticks[i]->t, instants[i]) << where;
  EXPECT_EQ(markers(tl, Kind::kStep).size(), static_cast<std::size_t>(stepsDone)) << where;
  EXPECT_EQ(!markers(tl, Kind::kRollback).empty(), sawAbort) << where;

  std::map<std::string, std::vector<Measurement>> byMetric;
  const auto all = measurementsOf(events);
  for (const auto& m : all) byMetric[m.metric].push_back(m);
  std::size_t total = 0;
  for (const auto& lane : tl.metrics) total += lane.checks.size();
  EXPECT_EQ(total, all.size()) << where;
  for (const auto& [metric, list] : byMetric) {
    const wb::TimelineMetric* lane = nullptr;
    for (const auto& m : tl.metrics) {
      if (m.name == metric) lane = &m;
    }
    ASSERT_NE(lane, nullptr) << where << ": no lane for " << metric;
    ASSERT_EQ(lane->checks.size(), list.size()) << where << ": " << metric;
    std::vector<std::pair<double, double>> values;
    for (const auto& m : list) {
      if (!std::isnan(m.value)) values.emplace_back(m.t, m.value);
    }
    EXPECT_EQ(lane->canary, values) << where << ": " << metric;
    for (std::size_t k = 0; k < list.size(); ++k) {
      EXPECT_EQ(lane->checks[k].t, list[k].t) << where << ": " << metric << " #" << k;
      ++seen.checks;
      ++seen.kinds[lane->checks[k].kind];
      EXPECT_EQ(lane->checks[k].kind, list[k].kind) << where << ": " << lane->checks[k].text;
      EXPECT_TRUE(same(lane->checks[k].value, list[k].value))
          << where << ": " << metric << " " << lane->checks[k].value << " vs " << list[k].value;
    }
  }
  // A replay also lists every measurement the engine took, with its time and phase: the same
  // ones, in the same order per metric.
  if (trace.contains("measurements")) {
    std::map<std::string, std::vector<const Json*>> listed;
    for (const auto& m : trace["measurements"]) listed[m["metric"]].push_back(&m);
    for (const auto& [metric, list] : listed) {
      const auto& mine = byMetric[metric];
      ASSERT_EQ(mine.size(), list.size()) << where << ": " << metric;
      for (std::size_t k = 0; k < list.size(); ++k) {
        EXPECT_EQ(mine[k].t, num((*list[k])["t"])) << where << ": " << metric << " #" << k;
        const std::string phase = (*list[k])["phase"];
        EXPECT_EQ(mine[k].kind, phase == "Successful"     ? Kind::kPass
                                : phase == "Failed"       ? Kind::kFail
                                : phase == "Inconclusive" ? Kind::kInconclusive
                                                          : Kind::kError)
            << where << ": " << metric << " #" << k;
      }
    }
  }

  const Json& o = trace["outcome"];
  const std::string result = o["result"];
  EXPECT_EQ(tl.promoted, result == "promoted") << where << ": " << tl.outcome;
  EXPECT_EQ(tl.rolledBack, result == "aborted") << where << ": " << tl.outcome;
  if (result == "promoted" || result == "aborted" || result == "paused") {
    EXPECT_EQ(tl.outcome.rfind(result + " at " + wb::formatDuration(num(o["t"])) + " (" +
                                   o["phase"].get<std::string>() + ")",
                               0),
              0u)
        << where << ": " << tl.outcome;
  } else {
    EXPECT_EQ(tl.outcome.rfind("no decision after ", 0), 0u) << where << ": " << tl.outcome;
  }
  if (trace.contains("summary")) expectSummary(tl, trace["summary"], where);
}

void expectTimeline(const wb::Timeline& tl, const Json& trace, const std::string& where) {
  ++seen.results[trace["engine"].get<std::string>() + " " +
                 trace["outcome"]["result"].get<std::string>()];
  if (trace["engine"] == "argo") {
    expectRolloutTimeline(tl, trace, where);
  } else {
    expectCanaryTimeline(tl, trace, where);
  }
}

/// Two timelines drawn alike: every weight point, marker (time, kind, value, text) and lane.
void expectSameTimeline(const wb::Timeline& a, const wb::Timeline& b, const std::string& where) {
  EXPECT_EQ(a.canaryWeight, b.canaryWeight) << where;
  auto sameMarkers = [&](const std::vector<wb::TimelineMarker>& x,
                         const std::vector<wb::TimelineMarker>& y, const std::string& what) {
    ASSERT_EQ(x.size(), y.size()) << where << ": " << what;
    for (std::size_t i = 0; i < x.size(); ++i) {
      EXPECT_EQ(x[i].kind, y[i].kind) << where << ": " << what << " #" << i;
      EXPECT_EQ(x[i].t, y[i].t) << where << ": " << what << " #" << i;
      EXPECT_TRUE(same(x[i].value, y[i].value)) << where << ": " << what << " #" << i;
      EXPECT_EQ(x[i].text, y[i].text) << where << ": " << what << " #" << i;
    }
  };
  sameMarkers(a.events, b.events, "events");
  ASSERT_EQ(a.metrics.size(), b.metrics.size()) << where;
  for (std::size_t k = 0; k < a.metrics.size(); ++k) {
    const auto& x = a.metrics[k];
    const auto& y = b.metrics[k];
    EXPECT_EQ(x.name, y.name) << where;
    EXPECT_EQ(x.condition, y.condition) << where;
    EXPECT_EQ(x.min, y.min) << where;
    EXPECT_EQ(x.max, y.max) << where;
    EXPECT_EQ(x.canary, y.canary) << where << ": " << x.name;
    sameMarkers(x.checks, y.checks, x.name);
  }
  EXPECT_EQ(a.outcome, b.outcome) << where;
  EXPECT_EQ(a.summary, b.summary) << where;
  EXPECT_EQ(a.duration, b.duration) << where;
}

/// The first number of a measurement's value as Argo records it ("[0.99]", "0.95"); NaN when it
/// has none ("[]", null).
double firstValue(const Json& value) {
  if (!value.is_string()) return NAN;
  std::string s = value.get<std::string>();
  if (!s.empty() && s.front() == '[') s.erase(0, 1);
  const std::size_t end = s.find_first_of(" ,]");
  s = s.substr(0, end);
  if (s.empty()) return NAN;
  std::size_t used = 0;
  const double x = std::stod(s, &used);
  return used == s.size() ? x : NAN;
}

}  // namespace

TEST(WorkbenchTimeline, ARolloutScenarioTimelineDrawsTheMeasurementsOfItsTrace) {
  // The storefront Rollout in Scenarios that promote, abort on errors and lose their metrics:
  // the timeline's measurement points are the ones `simulate -o json` lists under
  // `measurements` (per metric: time, first number of the value, phase), and the timeline is
  // the one its events alone draw (as a Script's run, which has no checks, is drawn).
  std::map<Kind, int> kinds;
  const app::Workspace specs = app::loadWorkspace({appDir("storefront")});
  for (const char* file :
       {"good-high-traffic.yaml", "error-regression-5pt.yaml", "metrics-outage.yaml"}) {
    const std::string path = test::sourceDir() + "/scenarios/library/" + file;
    const app::Workspace input = app::loadWorkspace({path});
    for (std::uint64_t seed : {1u, 42u}) {
      const std::string where = std::string(file) + " seed " + std::to_string(seed);
      app::RunOptions o;
      o.seed = seed;
      const app::RunView view = app::simulateRun(specs, input, o);
      ASSERT_FALSE(view.checks.empty()) << where;
      const wb::Timeline tl = wb::timelineOf(view);
      app::RunView eventsOnly = view;
      eventsOnly.checks.clear();
      expectSameTimeline(tl, wb::timelineOf(eventsOnly), where);

      const Json trace = cliTrace("storefront", path, seed);
      ASSERT_TRUE(trace.contains("measurements")) << where;
      std::map<std::string, std::vector<const Json*>> listed;
      for (const auto& m : trace["measurements"]) listed[m["metric"]].push_back(&m);
      std::size_t drawn = 0;
      for (const auto& lane : tl.metrics) drawn += lane.checks.size();
      EXPECT_EQ(drawn, trace["measurements"].size()) << where;
      for (const auto& [metric, list] : listed) {
        const wb::TimelineMetric* lane = nullptr;
        for (const auto& m : tl.metrics) {
          if (m.name == metric) lane = &m;
        }
        ASSERT_NE(lane, nullptr) << where << ": " << metric;
        ASSERT_EQ(lane->checks.size(), list.size()) << where << ": " << metric;
        std::vector<std::pair<double, double>> points;
        for (std::size_t k = 0; k < list.size(); ++k) {
          const Json& m = *list[k];
          const std::string phase = m["phase"];
          const double x = phase == "Error" ? NAN : firstValue(m["value"]);
          if (!std::isnan(x)) points.emplace_back(num(m["t"]), x);
          const auto& mk = lane->checks[k];
          EXPECT_EQ(mk.t, num(m["t"])) << where << ": " << metric << " #" << k;
          EXPECT_TRUE(same(mk.value, x)) << where << ": " << metric << " #" << k;
          EXPECT_EQ(mk.kind, phase == "Successful"     ? Kind::kPass
                             : phase == "Failed"       ? Kind::kFail
                             : phase == "Inconclusive" ? Kind::kInconclusive
                                                       : Kind::kError)
              << where << ": " << metric << " #" << k;
          ++kinds[mk.kind];
        }
        EXPECT_EQ(lane->canary, points) << where << ": " << metric;
      }
    }
  }
  for (Kind k : {Kind::kPass, Kind::kFail, Kind::kError})
    EXPECT_GT(kinds[k], 0) << static_cast<int>(k);
}

TEST(WorkbenchTimeline, AReplayedRolloutTimelineIsTheOneItsEventsDraw) {
  // The storefront Rollout over the recorded error spike: drawn from its checks, the timeline
  // is the one its events alone draw.
  const app::Workspace specs = app::loadWorkspace({appDir("storefront")});
  const app::Workspace rec = app::loadWorkspace({test::sourceDir() + kRecording});
  ASSERT_EQ(rec.replays.size(), 1u);
  for (std::uint64_t seed : {1u, 5u}) {
    app::RunOptions o;
    o.seed = seed;
    std::ostringstream warnings;
    const app::RunView view = app::replayRun(specs, rec.replays.front(), o, warnings);
    ASSERT_FALSE(view.checks.empty());
    app::RunView eventsOnly = view;
    eventsOnly.checks.clear();
    expectSameTimeline(wb::timelineOf(view), wb::timelineOf(eventsOnly),
                       "replay seed " + std::to_string(seed));
    // The points are the checks' own: a first measurement that had read 0.125 is drawn so.
    app::RunView altered = view;
    app::RunCheck& first = altered.checks.front();
    ASSERT_NE(first.verdict, "Error");
    first.record["value"] = "[0.125]";
    first.message = "as altered";
    const wb::Timeline tl = wb::timelineOf(altered);
    const wb::TimelineMetric* lane = nullptr;
    for (const auto& m : tl.metrics) {
      if (m.name == first.name) lane = &m;
    }
    ASSERT_NE(lane, nullptr);
    ASSERT_FALSE(lane->checks.empty());
    EXPECT_EQ(lane->checks.front().value, 0.125);
    EXPECT_NE(lane->checks.front().text.find("[0.125] -> "), std::string::npos)
        << lane->checks.front().text;
    EXPECT_NE(lane->checks.front().text.find("\nas altered"), std::string::npos);
    ASSERT_FALSE(lane->canary.empty());
    EXPECT_EQ(lane->canary.front(), std::make_pair(first.t, 0.125));
  }
}

TEST(WorkbenchTimeline, AScenarioRunIsWhatSimulatePrints) {
  seen = {};
  for (const std::string app : {"podinfo", "storefront"}) {
    const auto doc = document(app);
    ASSERT_NE(doc, nullptr);
    for (const char* file : kScenarios) {
      const std::string path = test::sourceDir() + "/scenarios/library/" + file;
      const app::Workspace ws = app::loadWorkspace({path});
      ASSERT_EQ(ws.scenarios.size(), 1u) << file;
      for (std::uint64_t seed : kSeeds) {
        const std::string where = app + " x " + file + " seed " + std::to_string(seed);
        expectTimeline(doc->simulate(ws.scenarios[0], seed, "istio"), cliTrace(app, path, seed),
                       where);
      }
    }
  }
  // Both kinds promoted and rolled back; checks passed, failed and in error were compared.
  for (const char* r : {"flagger promoted", "flagger rolled_back", "argo promoted", "argo aborted"})
    EXPECT_GT(seen.results[r], 0) << r;
  for (Kind k : {Kind::kPass, Kind::kFail, Kind::kError})
    EXPECT_GT(seen.kinds[k], 0) << static_cast<int>(k);
  EXPECT_GT(seen.checks, 400u);
}

TEST(WorkbenchTimeline, AReplayIsWhatSimulatePrints) {
  seen = {};
  const std::string path = test::sourceDir() + kRecording;
  const app::Workspace rec = app::loadWorkspace({path});
  ASSERT_EQ(rec.replays.size(), 1u);
  for (const std::string app : {"podinfo", "storefront"}) {
    const auto doc = document(app);
    ASSERT_NE(doc, nullptr);
    wb::RecordingCache cache;
    for (std::uint64_t seed : {1, 5}) {
      for (const std::optional<std::uint64_t> replicate :
           {std::optional<std::uint64_t>(), std::optional<std::uint64_t>(2)}) {
        const std::string where =
            app + " x recording, seed " + std::to_string(seed) + (replicate ? ", replicate 2" : "");
        expectTimeline(doc->replay(rec.replays[0], seed, replicate, "istio", cache),
                       cliTrace(app, path, seed, replicate), where);
      }
    }
    EXPECT_EQ(cache.opened(), 1) << app;  // one recording, one target
  }
  // The recording is a bad release: both kinds stop it, on failed checks.
  EXPECT_GT(seen.results["flagger rolled_back"], 0);
  EXPECT_GT(seen.results["argo aborted"], 0);
  EXPECT_GT(seen.kinds[Kind::kFail], 0);
}

TEST(WorkbenchTimeline, AScriptRunIsWhatSimulatePrints) {
  // The workbench runs Scenarios and recordings; a Script's run view draws the same way.
  seen = {};
  const std::pair<const char*, const char*> runs[] = {
      {"podinfo", "two-failures-then-recover.yaml"},
      {"storefront", "argo-background-failure.yaml"},
  };
  for (const auto& [app, script] : runs) {
    const std::string path = test::sourceDir() + "/examples/scripts/" + script;
    app::RunOptions o;
    o.seed = 3;
    const app::RunView view =
        app::simulateRun(app::loadWorkspace({appDir(app)}), app::loadWorkspace({path}), o);
    ASSERT_EQ(view.driver, app::RunDriver::kScript);
    expectTimeline(wb::timelineOf(view), cliTrace(app, path, 3), std::string(app) + " x " + script);
  }
  // two-failures-then-recover: promoted after a failed and an empty check;
  // argo-background-failure: aborted on the background analysis' failures.
  EXPECT_EQ(seen.results["flagger promoted"], 1);
  EXPECT_EQ(seen.results["argo aborted"], 1);
  EXPECT_GT(seen.kinds[Kind::kFail], 0);
  EXPECT_GT(seen.kinds[Kind::kNoData], 0);
}
