#pragma once
/// How the commands print a run: times, check answers, the Canary run summary and shadow
/// judges, shared by `simulate` and `replay` (Canaries and Rollouts).

#include <ostream>
#include <string>
#include <vector>

#include "rolloutlab/core/flagger/engine.h"
#include "rolloutlab/io/json_util.h"
#include "rolloutlab/sim/run.h"
#include "rolloutlab/sim/shadow_judge.h"

namespace rolloutlab::app {

/// Seconds as a whole number when they are one, else with three decimals ("60", "0.250").
std::string fmtT(double t);

/// A check's answer for a table: "no data", "error", or the value to 6 significant digits
/// (locale-independent).
std::string answerText(const core::flagger::MetricAnswer& a);

/// The one `summary: decision ...` line of every table (simulate and replay, Canaries and
/// Rollouts); `counts` false leaves out the request counts (a recording that holds none).
void printRunSummary(std::ostream& out, const sim::RunSummary& s, bool counts);
/// One measured check of a trace tick: name, kind, value, answer, min, max, checked, and the
/// error's message when there is one.
io::Json measuredJson(const sim::MeasuredValue& mv);
/// A run's engine-neutral outcome: result and phase in the engine's own names, tick, t.
io::Json runOutcomeJson(const sim::RunOutcome& o);
/// The `summary` block of a run, for both engines: outcome (a Canary's) or result (a Rollout's),
/// timeToDecision, timeToPromotion (null when none), canaryRequests, canaryErrors,
/// excessErrors (null when `counts` is false: a recording that holds no request counts),
/// peakCanaryWeight.
io::Json runSummaryJson(const sim::RunSummary& s, bool counts = true);

/// The `judges` block of a trace: per judge its name, mode, verdict, (Canaries: `tick`,) t and
/// reason.
io::Json shadowJudgesJson(const std::vector<sim::JudgeSpec>& judges, const sim::RunSummary& summary,
                          bool withTick);

/// Adds to each tick of a Canary trace its `judges` object: each judge's verdict so far.
void addJudgeTicks(io::Json& ticks, const std::vector<sim::JudgeSpec>& judges,
                   const std::vector<std::vector<sim::ShadowVerdict::Kind>>& judgeTicks);

/// One `shadow judge NAME: verdict [at [tick N, ]t=...s] (reason)` line per judge.
void printShadowJudges(std::ostream& out, const std::vector<sim::JudgeSpec>& judges,
                       const sim::RunSummary& summary, bool withTick);

}  // namespace rolloutlab::app
