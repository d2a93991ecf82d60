// An Argo Rollout's runs as a RunView: driven by a Script (events trace), a Scenario (closed
// loop) or a recording (the events the controller would have produced over the recorded window,
// with every measurement it took).

#include <sstream>

#include "rolloutlab/app/batch.h"
#include "rolloutlab/core/argo/run.h"
#include "rolloutlab/io/argo_report.h"
#include "rolloutlab/io/script_decode.h"
#include "rolloutlab/replay/argo_replay.h"
#include "rolloutlab/replay/time.h"
#include "rolloutlab/scenarios/argo_world.h"
#include "run_kinds.h"

namespace rolloutlab::app {

namespace ar = core::argo;
namespace rp = replay;

namespace {

const ar::RolloutSpec& rolloutOf(const Workspace& specs, const std::string& target) {
  const ar::RolloutSpec* rollout = specs.rollout(target);
  if (rollout == nullptr) {
    std::string known;
    for (const auto& r : specs.rollouts) known += (known.empty() ? "" : ", ") + r.name;
    throw core::InputError({core::Severity::kError, "", 0, 0, "--target", core::quoted(target),
                            known.empty()
                                ? "no valid Argo Rollout was found in the --spec paths"
                                : "no Rollout of that name is loaded (loaded: " + known + ")"});
  }
  return *rollout;
}

// The run's Rollout and the engine's metrics (their arguments substituted): what its events'
// steps and measurements are judged by.
RunView baseView(const ar::RolloutSpec& rollout, const ar::ArgoEngine& engine, std::uint64_t seed) {
  RunView v;
  if (rollout.canary) {
    for (const auto& s : rollout.canary->steps) v.steps.push_back(s.toString());
  }
  for (const ar::Metric* m : engine.allMetrics()) {
    bool seen = false;
    for (const auto& r : v.metricRules) seen = seen || r.name == m->name;
    if (seen) continue;
    v.metricRules.push_back({m->name, m->successCondition, m->failureCondition,
                             m->failureLimitValue(), m->inconclusiveLimitValue(),
                             m->consecutiveErrorLimitValue()});
  }
  v.engine = "argo";
  v.targetKind = "Rollout";
  v.target = rollout.name;
  v.qualified = (rollout.namespace_.empty() ? "" : rollout.namespace_ + "/") + rollout.name;
  v.seed = seed;
  return v;
}

// The events, outcome and last instant of an Argo run; `from` set: a replay's wall-clock times.
void addRun(RunView& v, const ar::ArgoRun& run, std::optional<double> from) {
  for (const auto& e : run.events) {
    RunEvent ev;
    ev.t = e.t;
    ev.kind = ar::toString(e.state.phase);
    ev.message = e.reason;
    ev.action = e.action;
    ev.canaryWeight = e.state.canaryWeight;
    ev.stableWeight = 100 - e.state.canaryWeight;
    ev.state = io::argoEventLine(e);
    ev.record = io::argoEventJson(e);
    const ar::ArgoSnapshot& s = e.state;
    ev.source = e.source;
    ev.step = s.currentStepIndex;
    ev.aborted = s.abort;
    ev.promoted = s.promoted;
    ev.specPaused = s.specPaused;
    ev.pauses = s.pauseConditions;
    ev.statusMessage = s.message;
    ev.stableAvailable = s.stableAvailable;
    ev.stableDesired = s.stableDesired;
    ev.newAvailable = s.newAvailable;
    ev.newDesired = s.newDesired;
    for (const auto& r : s.runs) {
      RunAnalysis a;
      a.name = r.name;
      a.kind = ar::toString(r.kind);
      a.phase = ar::toString(r.phase);
      a.completed = ar::completed(r.phase);
      a.message = r.message;
      for (const auto& m : r.metrics) {
        a.metrics.push_back({m.name, ar::toString(m.phase), m.count, m.successful, m.failed,
                             m.inconclusive, m.error, m.consecutiveError, m.dryRun, m.lastValue,
                             m.lastMessage});
      }
      ev.analyses.push_back(std::move(a));
    }
    if (from) ev.record["time"] = rp::formatTime(*from + e.t);
    v.events.push_back(std::move(ev));
  }
  v.end.result = ar::toString(run.outcome.result);
  v.end.phase = ar::toString(run.outcome.phase);
  v.end.t = run.outcome.t;
  v.endRecord = io::argoOutcomeJson(run.outcome);
  if (from) v.endRecord["time"] = rp::formatTime(*from + run.outcome.t);
  v.lastInstant = run.end;
}

// The run as event lines name it: step<index>, bg, pre, post.
std::string runLabel(const sim::ArgoMeasurement& m) {
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

// A measurement as a check; `from` set: a replay's, its wall-clock time in the record.
RunCheck measurementCheck(const sim::ArgoMeasurement& m, std::optional<double> from) {
  RunCheck c;
  c.t = m.t;
  c.run = runLabel(m);
  c.analysisRun = m.run;
  c.name = m.metric;
  c.answer = m.phase == ar::Phase::kError ? RunCheck::Answer::kError : RunCheck::Answer::kValue;
  if (!m.value.empty()) {
    // Argo records values as text (`[0.99]`, `0.95`); the number when it is one.
    std::istringstream in(m.value.front() == '[' ? m.value.substr(1) : m.value);
    in.imbue(std::locale::classic());
    double x = 0;
    if (in >> x) c.value = x;
  }
  c.valueText = m.value.empty() ? std::string("-") : m.value;
  c.verdict = ar::toString(m.phase);
  c.verdictMessage = m.message;
  c.message = m.message;
  io::Json j;
  j["t"] = io::jnum(m.t);
  if (from) j["time"] = rp::formatTime(*from + m.t);
  j["run"] = m.run.empty() ? io::Json(nullptr) : io::Json(m.run);
  if (!m.run.empty()) {
    j["runKind"] = ar::toString(m.runKind);
    if (m.runKind == ar::RunKind::kStep) j["stepIndex"] = m.stepIndex;
  }
  j["metric"] = m.metric;
  j["provider"] = ar::toString(m.provider);
  if (!m.source.empty()) j["source"] = m.source;
  if (!m.query.empty()) j["query"] = m.query;
  j["value"] = m.value.empty() ? io::Json(nullptr) : io::Json(m.value);
  j["phase"] = ar::toString(m.phase);
  if (!m.message.empty()) j["message"] = m.message;
  c.record = std::move(j);
  return c;
}

}  // namespace

RunView simulateArgoView(const Workspace& specs, const Workspace& input,
                         const RunOptions& options) {
  const ar::RolloutSpec& rollout = rolloutOf(specs, options.target);
  if (!input.scripts.empty()) {
    const ar::ArgoEngine engine(rollout, specs.argoTemplates);
    const core::Script& script = input.scripts.front();
    io::scriptMismatches(script, engine).throwIfErrors();
    RunView v = baseView(rollout, engine, options.seed);
    v.driver = RunDriver::kScript;
    v.driverName = script.name;
    addRun(v, ar::runArgoScript(engine, script), std::nullopt);
    return v;
  }
  const sim::Scenario& scen = input.scenarios.front();
  const sim::CompiledScenario compiled(scen);
  std::vector<sim::JudgeSpec> kayentaJudges = specs.judges;
  kayentaJudges.insert(kayentaJudges.end(), options.judges.begin(), options.judges.end());
  const scenarios::ArgoPlan plan(rollout, specs.argoTemplates, compiled, kayentaJudges);
  std::vector<sim::ArgoMeasurement> measurements;
  const sim::ArgoSimulation sim =
      scenarios::simulateArgo(plan, compiled, options.seed, options.judges, &measurements);
  RunView v = baseView(rollout, plan.engine(), options.seed);
  v.driver = RunDriver::kScenario;
  v.driverName = scen.name;
  v.release = scen.release;
  addRun(v, sim.run, std::nullopt);
  // Every measurement the analyses took, in the order taken (the loop's instants only go
  // forward: time order).
  for (const auto& m : measurements) v.checks.push_back(measurementCheck(m, std::nullopt));
  v.summary = sim.summary;
  v.judges = options.judges;
  return v;
}

RunView replayArgoView(const Workspace& specs, const rp::ReplaySpec& spec,
                       const RunOptions& options, std::ostream& warnings) {
  const ar::RolloutSpec* rollout = specs.rollout(options.target);
  if (rollout == nullptr) {
    throw core::InputError({core::Severity::kError, "", 0, 0, "--target",
                            core::quoted(options.target), "no Rollout of that name is loaded"});
  }
  const rp::ReplayTarget target = rp::targetOf(*rollout);
  const auto recording = options.openRecording ? options.openRecording(spec, target)
                                               : rp::Recording::open(spec, target);
  const rp::ArgoReplayPlan plan(*rollout, specs.argoTemplates, recording);
  auto source = recording->makeSource();
  rp::ReplayRunOptions opt;
  // Replicate r of seed s is run r of a batch pair whose seed is s (as for Canaries).
  opt.seed = options.replicate ? replicateSeed(options.seed, *options.replicate) : options.seed;
  if (options.replicate) opt.replicate = 0;
  opt.judges = &options.judges;
  std::vector<sim::ArgoMeasurement> measurements;
  const sim::ArgoSimulation sim = rp::replayArgo(plan, *source, opt, &measurements);
  warnUnreadLogLines(*recording, warnings);
  RunView v = baseView(*rollout, plan.engine(), options.seed);
  v.driver = RunDriver::kReplay;
  // Measurements run at the analyses' own times: no step.
  setReplayFields(v, *recording, std::nullopt, options);
  addRun(v, sim.run, spec.from);
  for (const auto& m : measurements) v.checks.push_back(measurementCheck(m, spec.from));
  v.summary = sim.summary;
  v.judges = options.judges;
  return v;
}

}  // namespace rolloutlab::app
