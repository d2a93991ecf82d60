#pragma once
// `simulate` for an Argo Rollout: a Script (events trace) or a Scenario (closed loop).

#include <cstdint>
#include <string>

#include "rolloutlab/app/commands.h"
#include "rolloutlab/app/workspace.h"

namespace rolloutlab::app {

/// Runs the Rollout `target` (empty: the first one) of `specs` driven by the first Script or
/// Scenario of `input`, and prints the trace as `format` (json | yaml | table). Returns the exit
/// code. `shadows`: Judge documents attached as shadow analyses. Kayenta metrics are answered by
/// the Kayenta-compatible Judge named like their canaryConfigName (from the specs or the shadows).
int simulateArgo(const Workspace& specs, const Workspace& input, const std::string& target,
                 const std::string& format, std::uint64_t seed, Streams& io,
                 const std::vector<sim::JudgeSpec>& shadows = {});

}  // namespace rolloutlab::app
