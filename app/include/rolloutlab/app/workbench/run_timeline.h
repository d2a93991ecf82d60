#pragma once
/// The workbench's timeline of a run: drawn from the kind-neutral RunView that `rolloutlab
/// simulate` and `replay` print (app::simulateRun, app::replayRun), so the chart shows exactly
/// the events, checks and outcome the CLI prints for the same spec, driver and seed.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rolloutlab/app/run_view.h"
#include "rolloutlab/app/workbench/spec_document.h"

namespace rolloutlab::app::workbench {

/// The run as the timeline draws it: the canary's weight after each event; a marker per Flagger
/// tick (its status and the rule that decided it), per webhook that held or opened a gate, per
/// Argo instant, completed step, pause, completed AnalysisRun, abort and promotion; a lane per
/// metric with its range (or Argo condition), the canary's (and the primary's) values and a
/// marker per check the engine ran; the outcome and the summary line. The title, the regression
/// spans and the simulate time are left to the caller (they are not the run's).
Timeline timelineOf(const RunView& view);

/// `draw()`'s timeline, or, when it throws, an empty timeline titled `title` that holds the
/// error: a bad input's diagnostic (file:line: field: rule), else the exception's text.
Timeline timelineOrError(const std::string& title, const std::function<Timeline()>& draw);

/// The timeline of a replay of `spec` on `workspace` (seed, replicate and the engine's options in
/// `options`; the recording opened through `cache`), as both spec documents draw it: the run's
/// timeline, the replay's description before its summary and in the title (`title` + " (...)"),
/// and the regression spans `regression` gives for the run (none when it is empty). An error
/// becomes the timeline's error, as `timelineOrError` makes it.
Timeline replayTimeline(
    const Workspace& workspace, const replay::ReplaySpec& spec, RunOptions options,
    RecordingCache& cache, const std::string& title,
    const std::function<std::vector<std::pair<double, double>>(const RunView&, const Timeline&)>&
        regression);

}  // namespace rolloutlab::app::workbench
