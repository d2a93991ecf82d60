#pragma once
/// The workbench's timeline of a run: drawn from the kind-neutral RunView that `rolloutlab
/// simulate` and `replay` print (app::simulateRun, app::replayRun), so the chart shows exactly
/// the events, checks and outcome the CLI prints for the same spec, driver and seed.

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

}  // namespace rolloutlab::app::workbench
