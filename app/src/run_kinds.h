#pragma once
// The two engines behind app::simulateRun and app::replayRun: each builds its world, runs it and
// returns the kind-neutral RunView (run_flagger.cpp, run_argo.cpp).

#include <optional>
#include <ostream>

#include "rolloutlab/app/run_view.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/io/json_util.h"
#include "rolloutlab/replay/replay.h"

namespace rolloutlab::app {

/// A Canary driven by the first Script (else Scenario) of `input`.
RunView simulateFlaggerView(const Workspace& specs, const Workspace& input,
                            const RunOptions& options);
/// A Rollout driven by the first Script (else Scenario) of `input`. Kayenta metrics are
/// answered by the Kayenta-compatible Judge named like their canaryConfigName (from the specs
/// or the options' judges).
RunView simulateArgoView(const Workspace& specs, const Workspace& input, const RunOptions& options);
/// A Canary over a recording.
RunView replayFlaggerView(const Workspace& specs, const replay::ReplaySpec& replay,
                          const RunOptions& options, std::ostream& warnings);
/// A Rollout over a recording: its events and every measurement it took.
RunView replayArgoView(const Workspace& specs, const replay::ReplaySpec& replay,
                       const RunOptions& options, std::ostream& warnings);

/// The `replay` block of a trace: name, source, from, to, step (null when not given), release,
/// counterfactual, access-log counts.
io::Json replayBlockJson(const replay::Recording& recording, std::optional<double> step);

/// Warns on `warnings` when request logs had lines that could not be read.
void warnUnreadLogLines(const replay::Recording& recording, std::ostream& warnings);

/// A replay's common fields of the view: window, source, replicate, block, counts.
void setReplayFields(RunView& view, const replay::Recording& recording, std::optional<double> step,
                     const RunOptions& options);

}  // namespace rolloutlab::app
