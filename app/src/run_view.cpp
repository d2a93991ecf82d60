// The one seam between the engines and what prints a run: simulateRun and replayRun choose the
// engine once (from the target), and the table, the JSON/YAML trace and the workbench's
// timeline render the RunView they return.

#include "rolloutlab/app/run_view.h"

#include <iomanip>
#include <ostream>
#include <sstream>

#include "rolloutlab/app/output.h"
#include "rolloutlab/replay/time.h"
#include "run_kinds.h"
#include "trace_format.h"

namespace rolloutlab::app {

namespace rp = replay;

io::Json replayBlockJson(const rp::Recording& recording, std::optional<double> step) {
  const rp::ReplaySpec& spec = recording.spec();
  io::Json r;
  r["name"] = spec.name;
  r["source"] = recording.describe();
  r["from"] = rp::formatTime(spec.from);
  r["to"] = rp::formatTime(spec.to);
  r["step"] = step ? io::jnum(*step) : io::Json(nullptr);
  r["release"] = sim::toString(spec.release);
  if (spec.counterfactual != rp::Counterfactual::kNone)
    r["counterfactual"] = rp::toString(spec.counterfactual);
  if (const rp::IngestStats* st = recording.ingest()) {
    io::Json a;
    a["lines"] = st->lines;
    a["requests"] = st->requests;
    a["canary"] = st->canary;
    a["primary"] = st->primary;
    a["unmatched"] = st->unmatched;
    a["malformed"] = st->malformed;
    r["accessLogs"] = std::move(a);
  }
  return r;
}

void warnUnreadLogLines(const rp::Recording& recording, std::ostream& warnings) {
  const rp::IngestStats* st = recording.ingest();
  if (st == nullptr || st->malformed == 0) return;
  warnings << "warning: " << st->malformed << " of " << st->lines << " log lines could not be read";
  if (!st->warnings.empty()) {
    const auto& w = st->warnings.front();
    warnings << " (first: " << w.file << ":" << w.line << ": column " << w.column << ": "
             << w.detail << ")";
  }
  warnings << "\n";
}

void setReplayFields(RunView& view, const rp::Recording& recording, std::optional<double> step,
                     const RunOptions& options) {
  const rp::ReplaySpec& spec = recording.spec();
  view.driverName = spec.name;
  view.from = spec.from;
  view.to = spec.to;
  view.source = recording.describe();
  view.step = step;
  view.replicate = options.replicate;
  view.replayBlock = replayBlockJson(recording, step);
  // Only request logs count requests: other recordings say nothing of them.
  view.counts = recording.traffic() != nullptr;
}

RunView simulateRun(const Workspace& specs, const Workspace& input, const RunOptions& options) {
  if (specs.targetsRollout(options.target)) return simulateArgoView(specs, input, options);
  return simulateFlaggerView(specs, input, options);
}

RunView replayRun(const Workspace& specs, const rp::ReplaySpec& replay, const RunOptions& options,
                  std::ostream& warnings) {
  // Before reading anything: a recording of metric values cannot feed a judge.
  if (!options.judges.empty()) replay.requireJudgeInput();
  if (specs.targetsRollout(options.target)) return replayArgoView(specs, replay, options, warnings);
  return replayFlaggerView(specs, replay, options, warnings);
}

namespace {

std::string header(const RunView& v) {
  std::string h = v.targetKind + " " + v.qualified;
  switch (v.driver) {
    case RunDriver::kScript:
      return h + " driven by Script " + v.driverName + " (seed " + std::to_string(v.seed) + ")";
    case RunDriver::kScenario:
      return h + " in Scenario " + v.driverName + " (" +
             (v.release ? sim::toString(*v.release) : "good") + " release, seed " +
             std::to_string(v.seed) + ")";
    case RunDriver::kReplay:
      break;
  }
  h += " replayed over " + rp::formatTime(v.from) + " .. " + rp::formatTime(v.to) + " from " +
       v.source + " (" + (v.step ? "step " + fmtT(*v.step) + "s" : "new revision at t=0");
  if (v.replicate)
    h += ", bootstrap replicate " + std::to_string(*v.replicate) + " of seed " +
         std::to_string(v.seed);
  return h + ")";
}

// A Flagger tick's row: tick, t, (a replay: the wall-clock time,) weights, phase, status and
// reason.
void printTick(std::ostream& out, const RunView& v, const RunEvent& e) {
  const bool replay = v.driver == RunDriver::kReplay;
  out << std::left << std::setw(5) << e.tick << std::right << std::setw(7) << fmtT(e.t);
  if (replay) out << "  " << std::left << std::setw(21) << rp::formatTime(v.from + e.t);
  out << std::right << std::setw(8) << e.stableWeight << std::setw(7) << e.canaryWeight;
  if (!replay) out << std::setw(7) << (e.mirrored ? "yes" : "no");
  out << "  " << std::left << std::setw(17) << e.kind << std::right;
  if (!replay) out << std::setw(4) << e.setWeight;
  out << std::setw(7) << e.failedChecks << std::setw(5) << e.iterations << "  " << e.message
      << "\n";
}

// A Flagger check under its tick: `- ` when the engine checked it, its value, the range held
// against and the verdict (a replay's table adds an error verdict's message).
void printTickCheck(std::ostream& out, const RunView& v, const RunCheck& c) {
  const bool replay = v.driver == RunDriver::kReplay;
  out << std::string(replay ? 12 : 64, ' ') << (c.checked ? "- " : "  ") << c.name << " = "
      << c.valueText << " [" << (c.min ? fmtT(*c.min) : "-") << ", " << (c.max ? fmtT(*c.max) : "-")
      << "]";
  if (!c.checked) {
    out << " (not checked)";
  } else if (!c.verdict.empty()) {
    out << " " << c.verdict;
    if (replay && !c.verdictMessage.empty()) out << ": " << c.verdictMessage;
  }
  out << "\n";
}

// An Argo event (a replay's wall-clock time first), the action it stands for and its reason.
void printArgoEvent(std::ostream& out, const RunView& v, const RunEvent& e) {
  if (v.driver == RunDriver::kReplay)
    out << std::left << std::setw(22) << rp::formatTime(v.from + e.t);
  out << e.state;
  if (!e.action.empty()) out << "   <- " << e.action;
  if (!e.message.empty()) out << "   # " << e.message;
  out << "\n";
}

void printMeasurement(std::ostream& out, const RunView& v, const RunCheck& c) {
  out << std::left << std::setw(22) << rp::formatTime(v.from + c.t) << fmtT(c.t) << "   measured "
      << c.run << c.name << " = " << c.valueText << " " << c.verdict;
  if (!c.verdictMessage.empty()) out << ": " << c.verdictMessage;
  out << "\n";
}

}  // namespace

void printRunTable(std::ostream& out, const RunView& v) {
  const bool replay = v.driver == RunDriver::kReplay;
  const bool flagger = v.engine == "flagger";
  out << header(v) << "\n";
  if (flagger) {
    out << std::left << std::setw(5) << "tick" << std::right << std::setw(7) << "t";
    if (replay) out << "  " << std::left << std::setw(21) << "time";
    out << std::right << std::setw(8) << "primary" << std::setw(7) << "canary";
    if (!replay) out << std::setw(7) << "mirror";
    out << "  " << std::left << std::setw(17) << "phase" << std::right;
    if (!replay) out << std::setw(4) << "cw";
    out << std::setw(7) << "failed" << std::setw(5) << "iter"
        << "  reason\n";
    std::size_t ci = 0;
    for (const auto& e : v.events) {
      printTick(out, v, e);
      while (ci < v.checks.size() && v.checks[ci].tick < e.tick) ++ci;
      for (; ci < v.checks.size() && v.checks[ci].tick == e.tick; ++ci)
        printTickCheck(out, v, v.checks[ci]);
    }
  } else {
    out << (replay ? "time                  " : "")
        << "t step weight phase [pauses] rs stable new | runs (metric=phase "
           "count/successful/failed/inconclusive/error/consecutiveError)\n";
    // Measurements first at each instant: they are what that instant's reconciles read. A
    // replay's table lists them; a Scenario's shows them in its events' counters only (its
    // trace lists them).
    std::size_t ci = replay ? 0 : v.checks.size();
    for (const auto& e : v.events) {
      for (; ci < v.checks.size() && v.checks[ci].t <= e.t; ++ci)
        printMeasurement(out, v, v.checks[ci]);
      printArgoEvent(out, v, e);
    }
    for (; ci < v.checks.size() && v.checks[ci].t <= v.lastInstant; ++ci)
      printMeasurement(out, v, v.checks[ci]);
  }
  out << "outcome: " << v.end.result << " (" << v.end.phase << ") at ";
  if (flagger) out << "tick " << v.end.tick << ", ";
  out << "t=" << fmtT(v.end.t) << "s";
  if (replay) out << " (" << rp::formatTime(v.from + v.end.t) << ")";
  out << "\n";
  if (v.summary) {
    printRunSummary(out, *v.summary, v.counts);
    printShadowJudges(out, v.judges, *v.summary, flagger);
  }
}

io::Json runTraceJson(const RunView& v) {
  const bool flagger = v.engine == "flagger";
  io::Json out;
  out["engine"] = v.engine;
  out["target"] = v.target;
  if (v.driver == RunDriver::kScenario) {
    out["scenario"] = v.driverName;
    out["release"] = v.release ? sim::toString(*v.release) : "good";
  }
  if (v.driver == RunDriver::kReplay) out["replay"] = v.replayBlock;
  out["seed"] = v.seed;
  if (v.driver == RunDriver::kReplay)
    out["replicate"] = v.replicate ? io::Json(*v.replicate) : io::Json(nullptr);
  io::Json events = io::Json::array();
  std::size_t ci = 0;
  for (const auto& e : v.events) {
    io::Json r = e.record;
    // A Flagger tick carries the values it measured (a Script's run: its checks are the tick's
    // own metrics).
    if (flagger && v.driver != RunDriver::kScript) {
      io::Json ms = io::Json::array();
      while (ci < v.checks.size() && v.checks[ci].tick < e.tick) ++ci;
      for (; ci < v.checks.size() && v.checks[ci].tick == e.tick; ++ci) {
        if (!v.checks[ci].record.is_null()) ms.push_back(v.checks[ci].record);
      }
      r["measured"] = std::move(ms);
    }
    events.push_back(std::move(r));
  }
  if (flagger && !v.judges.empty()) addJudgeTicks(events, v.judges, v.judgeTicks);
  out[flagger ? "ticks" : "events"] = std::move(events);
  if (!flagger && v.driver != RunDriver::kScript) {
    io::Json ms = io::Json::array();
    for (const auto& c : v.checks) ms.push_back(c.record);
    out["measurements"] = std::move(ms);
  }
  out["outcome"] = v.endRecord;
  if (v.summary) {
    out["summary"] = runSummaryJson(*v.summary, v.counts);
    if (!v.judges.empty()) out["judges"] = shadowJudgesJson(v.judges, *v.summary, flagger);
  }
  return out;
}

std::string renderRun(const RunView& view, const std::string& format) {
  if (format == "table") {
    std::ostringstream out;
    printRunTable(out, view);
    return out.str();
  }
  return render(document(view.driver == RunDriver::kReplay ? "ReplayTrace" : "SimulationTrace",
                         runTraceJson(view)),
                format);
}

}  // namespace rolloutlab::app
