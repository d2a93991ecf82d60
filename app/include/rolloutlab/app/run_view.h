#pragma once
/// The kind-neutral view of one run, a Flagger Canary's or an Argo Rollout's, driven by a
/// Script, a Scenario or a Replay: its events, its checks, how it ended and what it cost. The
/// `simulate` and `replay` tables, their JSON/YAML traces and the workbench's timeline all
/// render from it; `simulateRun` and `replayRun` choose the engine once and build it.

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/app/workspace.h"
#include "rolloutlab/io/json_util.h"
#include "rolloutlab/replay/replay.h"
#include "rolloutlab/sim/run.h"
#include "rolloutlab/sim/scenario.h"
#include "rolloutlab/sim/shadow_judge.h"

namespace rolloutlab::app {

/// What drove the run.
enum class RunDriver { kScript, kScenario, kReplay };

/// A webhook a Flagger tick called.
struct RunGate {
  std::string name;
  std::string type;  ///< as Flagger names it: confirm-rollout, rollback, event, ...
  bool ok = false;   ///< the call succeeded
};

/// An Argo AnalysisRun's metric as an event left it.
struct RunAnalysisMetric {
  std::string name;
  std::string phase;  ///< the metric's phase (Running, Successful, ...)
  int count = 0, successful = 0, failed = 0, inconclusive = 0, error = 0, consecutiveError = 0;
  bool dryRun = false;
  std::string lastValue;    ///< the last measurement's value as Argo records it
  std::string lastMessage;  ///< its message (errors)
};

/// An Argo AnalysisRun as an event left it.
struct RunAnalysis {
  std::string name;        ///< the AnalysisRun's name
  std::string kind;        ///< Step, Background, PrePromotion, PostPromotion
  std::string phase;       ///< the run's phase; "" before it starts
  bool completed = false;  ///< the phase is a final one (Successful, Failed, Error, Inconclusive)
  std::string message;
  std::vector<RunAnalysisMetric> metrics;
};

/// An Argo metric of the run's analyses, with its arguments substituted: how its measurements
/// are judged.
struct RunMetricRule {
  std::string name;
  std::string successCondition, failureCondition;
  int failureLimit = 0, inconclusiveLimit = 0, consecutiveErrorLimit = 0;
};

/// One step of the run: a Flagger tick or an Argo event (a reconcile, an analysis run's change,
/// an action).
struct RunEvent {
  double t = 0;             ///< seconds from the new revision
  int tick = 0;             ///< Flagger: the tick (1-based); Argo: 0
  std::string kind;         ///< the phase after it, in the engine's own names
  std::string message;      ///< the rule that decided it (Flagger's reason, Argo's reason)
  std::string action;       ///< Argo: the action it stands for (promote, abort, ...); else ""
  double canaryWeight = 0;  ///< live traffic on the canary, percent
  double stableWeight = 0;  ///< live traffic on the primary (stable), percent
  bool mirrored = false;    ///< Flagger: traffic mirrored to the canary
  int setWeight = 0;        ///< Flagger: the weight the status records (canaryWeight)
  int failedChecks = 0;     ///< Flagger: the status's failed checks
  int iterations = 0;       ///< Flagger: the status's iterations
  std::string state;        ///< Argo: the controller's state as one line (io::argoEventLine)
  io::Json record;          ///< the engine's own record of it, as the trace writes it

  // Flagger: what else the tick did.
  bool failedCheck = false;        ///< failedChecks was incremented on it
  std::string final;               ///< the end it reached, as RunEnd::result names it; "" none
  std::vector<std::string> notes;  ///< the events it emitted
  std::vector<RunGate> gates;      ///< the webhooks it called

  // Argo: what reconciled and the Rollout's status after it.
  std::string source;               ///< "rollout", "analysisrun <name>", "action", "revision"
  std::optional<int> step;          ///< status.currentStepIndex
  bool aborted = false;             ///< status.abort
  bool promoted = false;            ///< the new revision is the stable one
  bool specPaused = false;          ///< spec.paused
  std::vector<std::string> pauses;  ///< status.pauseConditions
  std::string statusMessage;        ///< status.message
  int stableAvailable = 0, stableDesired = 0, newAvailable = 0, newDesired = 0;  ///< pods
  std::vector<RunAnalysis> analyses;  ///< the AnalysisRuns of the current revision
};

/// One check the run took: a Flagger metric check on a tick, or an Argo measurement.
struct RunCheck {
  enum class Answer { kValue, kNoData, kError };
  double t = 0;
  int tick = 0;             ///< Flagger: the tick; Argo: 0
  std::string run;          ///< Argo: the analysis run as event lines name it ("step2 ", "bg ")
  std::string analysisRun;  ///< Argo: the AnalysisRun's name (empty for a Kayenta score)
  std::string name;         ///< the metric
  Answer answer = Answer::kValue;
  std::optional<double> value;     ///< the number measured, when there is one
  std::string valueText;           ///< the value as the table prints it ("0.25", "no data", "-")
  std::string message;             ///< the answer's error message
  std::optional<double> min, max;  ///< the range it is held against (Flagger)
  bool checked = true;             ///< the engine ran it (Flagger measures unchecked ones too)
  std::string verdict;             ///< the engine's verdict or phase for it; "" when none
  std::string verdictMessage;      ///< what the engine said with an error verdict
  io::Json record;                 ///< its record in the trace (null: the event's record holds it)

  // Flagger.
  std::string kind;  ///< how the check is made (builtin, template, ...): a metric's lane is its
                     ///< name and kind
  /// A check the engine ran: the value it compared (request-duration truncated to whole ms;
  /// NaN without a value), the range it held that against and what it said (any verdict).
  double comparedValue = std::numeric_limits<double>::quiet_NaN();
  std::optional<double> heldMin, heldMax;
  std::string checkMessage;
  /// The primary's answer to the same check at the same time (RunOptions::measurePrimary).
  std::optional<Answer> primary;
  std::optional<double> primaryValue;
};

/// How the run ended, in the engine's own names.
struct RunEnd {
  std::string result;  ///< Flagger: promoted, rolled_back, ...; Argo: promoted, aborted, ...
  std::string phase;   ///< Flagger: the Canary phase; Argo: the Rollout phase
  int tick = 0;        ///< Flagger: the last tick; Argo: 0
  double t = 0;
};

struct RunView {
  std::string engine;      ///< "flagger" or "argo"
  std::string targetKind;  ///< "Canary" or "Rollout"
  std::string target;      ///< the spec's name
  std::string qualified;   ///< namespace/name (name when it has no namespace)
  RunDriver driver = RunDriver::kScript;
  std::string driverName;  ///< the Script's or Scenario's name (Replay: the recording's)
  std::optional<sim::Release> release;  ///< a Scenario's release
  std::uint64_t seed = 0;
  std::optional<std::uint64_t> replicate;  ///< a Replay's bootstrap replicate
  /// A Replay: the window (Unix seconds), where it was read from, the Canary tick interval
  /// (none for a Rollout: its measurements run at their own times) and the trace's block.
  double from = 0, to = 0;
  std::string source;
  std::optional<double> step;
  io::Json replayBlock;
  std::vector<RunEvent> events;
  /// In time order. Argo: every measurement a Scenario's or a Replay's analyses took (a Script's
  /// run has none: its measurements are in its events' analysis records).
  std::vector<RunCheck> checks;
  RunEnd end;
  io::Json endRecord;      ///< the engine's own outcome record
  double lastInstant = 0;  ///< the last instant simulated
  /// What it cost and each shadow judge's verdict (none for a Script); `counts` false: a
  /// recording that holds no request counts.
  std::optional<sim::RunSummary> summary;
  bool counts = true;
  std::vector<sim::JudgeSpec> judges;
  std::vector<std::vector<sim::ShadowVerdict::Kind>> judgeTicks;  ///< Flagger: per tick
  /// Flagger: seconds between ticks (a replay's step) and the failed checks that roll back.
  double tickInterval = 0;
  int threshold = 0;
  /// Argo: the canary steps as written ("setWeight: 20") and the rules of the analyses'
  /// metrics (first of each name).
  std::vector<std::string> steps;
  std::vector<RunMetricRule> metricRules;
};

/// What a run needs besides its specs and its driver.
struct RunOptions {
  std::string target;                  ///< the Canary or Rollout (empty: the only one)
  std::string meshProvider = "istio";  ///< Canaries' builtin queries and synthetic series
  std::uint64_t seed = 0;
  std::optional<std::uint64_t> replicate;  ///< Replay: bootstrap replicate of the recording
  std::vector<sim::JudgeSpec> judges;      ///< shadow analyses (not on a Script)
  /// Also measure the primary's value of each Flagger check (a Scenario's model; a recording's
  /// values of the metric's name): RunCheck::primary. The run does not change.
  bool measurePrimary = false;
  /// Opens a replay's recording (empty: replay::Recording::open), e.g. from a cache that keeps
  /// recordings across runs.
  std::function<std::shared_ptr<const replay::Recording>(const replay::ReplaySpec&,
                                                         const replay::ReplayTarget&)>
      openRecording;
};

/// Runs `options.target` of `specs` driven by the first Script (else Scenario) of `input`. The
/// engine is chosen once, from the target. Throws InputError on a target or Script mismatch.
RunView simulateRun(const Workspace& specs, const Workspace& input, const RunOptions& options);

/// Runs `options.target` of `specs` over the recording `replay`; warnings (unread log lines) go
/// to `warnings`. A recording without request counts is an InputError when judges are given.
RunView replayRun(const Workspace& specs, const replay::ReplaySpec& replay,
                  const RunOptions& options, std::ostream& warnings);

/// The run as the `simulate` and `replay` tables print it: a header naming the target and its
/// driver, one row per event with its checks (an Argo run's measurements: a replay's only), the
/// outcome, the summary line and each shadow judge's verdict.
void printRunTable(std::ostream& out, const RunView& view);

/// The run's trace (the body of a SimulationTrace or ReplayTrace document): engine, target,
/// scenario and release or replay and replicate, seed, ticks (Flagger, each with its measured
/// checks) or events (Argo; and the measurements of a Scenario's or a replay's run), outcome,
/// summary and judges.
io::Json runTraceJson(const RunView& view);

/// The run as `format` (json, yaml or table) prints it: a SimulationTrace (ReplayTrace for a
/// Replay) document, or the table.
std::string renderRun(const RunView& view, const std::string& format);

}  // namespace rolloutlab::app
