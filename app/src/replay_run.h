#pragma once
// Running a Canary against a replay (`rolloutlab replay`, and `simulate` given a Replay
// document), and the trace it prints.

#include <cstdint>
#include <optional>
#include <string>

#include "rolloutlab/app/commands.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/io/json_util.h"
#include "rolloutlab/replay/replay.h"

namespace rolloutlab::app {

/// Runs the Canary `target` (empty: the first) of `specs` against `replay` and prints the trace
/// as `format` (json | table). `replicate` set: a bootstrap replicate of the recording.
int runReplayTrace(const Workspace& specs, const replay::ReplaySpec& replay,
                   const std::string& target, const std::string& meshProvider,
                   const std::string& format, std::uint64_t seed,
                   std::optional<std::uint64_t> replicate, Streams& io);

/// The trace of a replay as JSON: engine, target, replay (name, source, window, step), seed,
/// ticks (with `time` and every check's `measured` value), outcome and summary.
io::Json replayRunJson(const scenarios::SimulationResult& res,
                       const replay::FlaggerReplayPlan& plan, std::uint64_t seed,
                       std::optional<std::uint64_t> replicate);

}  // namespace rolloutlab::app
