// `replay` (and `simulate` with a Replay document) for an Argo Rollout: the events the
// controller would have produced over the recorded window, with every measurement it took.

#include <cstdio>
#include <iomanip>
#include <iostream>

#include "replay_run.h"
#include "rolloutlab/app/batch.h"
#include "rolloutlab/app/output.h"
#include "rolloutlab/io/argo_report.h"
#include "rolloutlab/replay/time.h"
#include "trace_format.h"

namespace rolloutlab::app {

namespace ar = core::argo;
namespace rp = replay;

namespace {

// The run as event lines name it: step<index>, bg, pre, post.
std::string runLabel(const rp::ArgoMeasurement& m) {
  if (m.run.empty()) return "";
  switch (m.runKind) {
    case ar::RunKind::kStep:
      return "step" + std::to_string(m.stepIndex) + " ";
    case ar::RunKind::kBackground:
      return "bg ";
    case ar::RunKind::kPrePromotion:
      return "pre ";
    case ar::RunKind::kPostPromotion:
      return "post ";
  }
  return "";
}

std::string measurementText(const rp::ArgoMeasurement& m) {
  std::string s = runLabel(m) + m.metric + " = " + (m.value.empty() ? std::string("-") : m.value) +
                  " " + ar::toString(m.phase);
  if (!m.message.empty()) s += ": " + m.message;
  return s;
}

}  // namespace

io::Json argoReplayRunJson(const sim::ArgoSimulation& sim,
                           const std::vector<rp::ArgoMeasurement>& measurements,
                           const rp::ArgoReplayPlan& plan, std::uint64_t seed,
                           std::optional<std::uint64_t> replicate) {
  const rp::ReplaySpec& spec = plan.recording().spec();
  io::Json out;
  out["engine"] = "argo";
  out["target"] = plan.rollout().name;
  out["replay"] = replayBlockJson(plan.recording(), std::nullopt);
  out["seed"] = seed;
  out["replicate"] = replicate ? io::Json(*replicate) : io::Json(nullptr);
  io::Json events = io::Json::array();
  for (const auto& e : sim.run.events) {
    io::Json j = io::argoEventJson(e);
    j["time"] = rp::formatTime(spec.from + e.t);
    events.push_back(std::move(j));
  }
  out["events"] = std::move(events);
  io::Json ms = io::Json::array();
  for (const auto& m : measurements) {
    io::Json j;
    j["t"] = io::jnum(m.t);
    j["time"] = rp::formatTime(spec.from + m.t);
    j["run"] = m.run.empty() ? io::Json(nullptr) : io::Json(m.run);
    if (!m.run.empty()) {
      j["runKind"] = ar::toString(m.runKind);
      if (m.runKind == ar::RunKind::kStep) j["stepIndex"] = m.stepIndex;
    }
    j["metric"] = m.metric;
    j["provider"] = ar::toString(m.provider);
    j["source"] = rp::toString(m.source);
    if (!m.query.empty()) j["query"] = m.query;
    j["value"] = m.value.empty() ? io::Json(nullptr) : io::Json(m.value);
    j["phase"] = ar::toString(m.phase);
    if (!m.message.empty()) j["message"] = m.message;
    ms.push_back(std::move(j));
  }
  out["measurements"] = std::move(ms);
  io::Json o = io::argoOutcomeJson(sim.run.outcome);
  o["time"] = rp::formatTime(spec.from + sim.run.outcome.t);
  out["outcome"] = std::move(o);
  out["summary"] = runSummaryJson(sim.summary, plan.recording().traffic() != nullptr);
  return out;
}

int runArgoReplayTrace(const Workspace& specs, const rp::ReplaySpec& spec,
                       const std::string& target, const std::string& format, std::uint64_t seed,
                       std::optional<std::uint64_t> replicate, Streams& io,
                       const std::vector<sim::JudgeSpec>& judges) {
  if (!judges.empty()) spec.requireJudgeInput();
  const ar::RolloutSpec* rollout = specs.rollout(target);
  if (rollout == nullptr) {
    throw core::InputError({core::Severity::kError, "", 0, 0, "--target", core::quoted(target),
                            "no Rollout of that name is loaded"});
  }
  auto recording = rp::Recording::open(spec, rp::targetOf(*rollout));
  const rp::ArgoReplayPlan plan(*rollout, specs.argoTemplates, recording);
  auto source = recording->makeSource();
  rp::ReplayRunOptions opt;
  // Replicate r of seed s is run r of a batch pair whose seed is s (as for Canaries).
  opt.seed = replicate ? replicateSeed(seed, *replicate) : seed;
  if (replicate) opt.replicate = 0;
  opt.judges = &judges;
  std::vector<rp::ArgoMeasurement> measurements;
  const sim::ArgoSimulation sim = rp::replayArgo(plan, *source, opt, &measurements);
  warnUnreadLogLines(*recording, io);
  if (format != "table") {
    io::Json j = argoReplayRunJson(sim, measurements, plan, seed, replicate);
    // As `simulate` on a Scenario (app/src/argo_simulate.cpp).
    if (!judges.empty()) j["judges"] = shadowJudgesJson(judges, sim.summary, false);
    io.out << render(document("ReplayTrace", j), format);
    return 0;
  }
  const std::string qualified =
      (rollout->namespace_.empty() ? "" : rollout->namespace_ + "/") + rollout->name;
  std::ostream& out = io.out;
  out << "Rollout " << qualified << " replayed over " << rp::formatTime(spec.from) << " .. "
      << rp::formatTime(spec.to) << " from " << recording->describe() << " (new revision at t=0";
  if (replicate) out << ", bootstrap replicate " << *replicate << " of seed " << seed;
  out << ")\n";
  out << "time                  t step weight phase [pauses] rs stable new | runs (metric=phase "
         "count/successful/failed/inconclusive/error/consecutiveError)\n";
  // Measurements first at each instant: they are what that instant's reconciles read.
  std::size_t mi = 0;
  auto printMeasurementsUpTo = [&](double t) {
    for (; mi < measurements.size() && measurements[mi].t <= t; ++mi) {
      const auto& m = measurements[mi];
      out << std::left << std::setw(22) << rp::formatTime(spec.from + m.t) << fmtT(m.t)
          << "   measured " << measurementText(m) << "\n";
    }
  };
  for (const auto& e : sim.run.events) {
    printMeasurementsUpTo(e.t);
    out << std::left << std::setw(22) << rp::formatTime(spec.from + e.t) << io::argoEventLine(e);
    if (!e.action.empty()) out << "   <- " << e.action;
    if (!e.reason.empty()) out << "   # " << e.reason;
    out << "\n";
  }
  printMeasurementsUpTo(sim.run.end);
  const auto& o = sim.run.outcome;
  out << "outcome: " << ar::toString(o.result) << " (" << ar::toString(o.phase)
      << ") at t=" << fmtT(o.t) << "s (" << rp::formatTime(spec.from + o.t) << ")\n";
  const auto& s = sim.summary;
  printRunSummary(out, s, recording->traffic() != nullptr);
  printShadowJudges(out, judges, s, false);
  return 0;
}

}  // namespace rolloutlab::app
