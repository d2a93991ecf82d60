#pragma once
// Running a Canary or an Argo Rollout against a replay (`rolloutlab replay`, and `simulate`
// given a Replay document), and the trace it prints.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "rolloutlab/app/commands.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/io/json_util.h"
#include "rolloutlab/replay/argo_replay.h"
#include "rolloutlab/replay/replay.h"

namespace rolloutlab::app {

/// Runs the Canary or Rollout `target` (empty: the only one loaded; the commands refuse an
/// empty target among several) of `specs` against `replay` and prints the trace as `format`
/// (json | yaml | table). `replicate` set: a bootstrap replicate of the recording.
/// `meshProvider` applies to Canaries only.
/// `judges` are attached as shadow analyses and reported as `simulate` reports them on a
/// Scenario; a recording without request counters is an InputError before the run.
int runReplayTrace(const Workspace& specs, const replay::ReplaySpec& replay,
                   const std::string& target, const std::string& meshProvider,
                   const std::string& format, std::uint64_t seed,
                   std::optional<std::uint64_t> replicate, Streams& io,
                   const std::vector<sim::JudgeSpec>& judges = {});

/// The trace of a replay as JSON: engine, target, replay (name, source, window, step), seed,
/// ticks (with `time` and every check's `measured` value), outcome and summary.
io::Json replayRunJson(const sim::SimulationResult& res, const replay::FlaggerReplayPlan& plan,
                       std::uint64_t seed, std::optional<std::uint64_t> replicate);

/// The same for an Argo Rollout (`runReplayTrace` picks it when `target` names a Rollout).
int runArgoReplayTrace(const Workspace& specs, const replay::ReplaySpec& replay,
                       const std::string& target, const std::string& format, std::uint64_t seed,
                       std::optional<std::uint64_t> replicate, Streams& io,
                       const std::vector<sim::JudgeSpec>& judges = {});

/// The trace of an Argo replay as JSON: engine, target, replay (name, source, window; `step` is
/// null: measurements run at the analyses' own times), seed, replicate, events (each with its
/// `time`), measurements (every measurement with its time, run, metric, query, value and
/// phase), outcome and summary.
io::Json argoReplayRunJson(const sim::ArgoSimulation& sim,
                           const std::vector<replay::ArgoMeasurement>& measurements,
                           const replay::ArgoReplayPlan& plan, std::uint64_t seed,
                           std::optional<std::uint64_t> replicate);

/// The `replay` block of a trace: name, source, from, to, step (null when not given), release,
/// counterfactual, access-log counts.
io::Json replayBlockJson(const replay::Recording& recording, std::optional<double> step);

/// Warns on `io.err` when request logs had lines that could not be read.
void warnUnreadLogLines(const replay::Recording& recording, Streams& io);

}  // namespace rolloutlab::app
