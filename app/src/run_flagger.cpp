// A Flagger Canary's runs as a RunView: driven by a Script, a Scenario (closed loop) or a
// recording (the ticks the controller would have run over the recorded window).

#include <cmath>
#include <sstream>

#include "rolloutlab/app/batch.h"
#include "rolloutlab/core/flagger/run.h"
#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/io/flagger_report.h"
#include "rolloutlab/io/script_decode.h"
#include "rolloutlab/replay/time.h"
#include "rolloutlab/scenarios/flagger_world.h"
#include "run_kinds.h"
#include "trace_format.h"

namespace rolloutlab::app {

namespace fl = core::flagger;
namespace rp = replay;

namespace {

RunView baseView(const fl::CanarySpec& canary, std::uint64_t seed) {
  RunView v;
  v.engine = "flagger";
  v.targetKind = "Canary";
  v.target = canary.name;
  v.qualified = (canary.namespace_.empty() ? "" : canary.namespace_ + "/") + canary.name;
  v.seed = seed;
  v.threshold = canary.analysisThreshold();
  return v;
}

RunEvent tickEvent(const fl::TickRecord& t, std::optional<double> from) {
  RunEvent e;
  e.t = t.t;
  e.tick = t.tick;
  e.kind = fl::toString(t.status.phase);
  e.message = t.reason;
  e.canaryWeight = t.routes.canaryWeight;
  e.stableWeight = t.routes.primaryWeight;
  e.mirrored = t.routes.mirrored;
  e.setWeight = t.status.canaryWeight;
  e.failedChecks = t.status.failedChecks;
  e.iterations = t.status.iterations;
  e.record = io::tickJson(t);
  if (from) e.record["time"] = rp::formatTime(*from + t.t);
  e.failedCheck = t.failedCheck;
  switch (t.final) {
    case fl::TickRecord::Final::kNone:
      break;
    case fl::TickRecord::Final::kPromoted:
      e.final = fl::toString(fl::Outcome::Result::kPromoted);
      break;
    case fl::TickRecord::Final::kRolledBack:
      e.final = fl::toString(fl::Outcome::Result::kRolledBack);
      break;
    case fl::TickRecord::Final::kPromotionFailed:
      e.final = fl::toString(fl::Outcome::Result::kPromotionFailed);
      break;
    case fl::TickRecord::Final::kSkippedAnalysis:
      e.final = fl::toString(fl::Outcome::Result::kSkippedAnalysis);
      break;
  }
  e.notes = t.events;
  for (const auto& h : t.webhooks) e.gates.push_back({h.name, fl::toString(h.type), h.ok});
  return e;
}

// What the engine said of a check it ran.
void setEngineCheck(RunCheck& c, const fl::MetricCheck& m) {
  c.comparedValue = m.value;
  c.heldMin = m.min;
  c.heldMax = m.max;
  c.checkMessage = m.message;
}

RunCheck::Answer answerOf(const fl::MetricAnswer& a) {
  switch (a.kind) {
    case fl::MetricAnswer::Kind::kValue:
      return RunCheck::Answer::kValue;
    case fl::MetricAnswer::Kind::kNoData:
      return RunCheck::Answer::kNoData;
    case fl::MetricAnswer::Kind::kError:
      return RunCheck::Answer::kError;
  }
  return RunCheck::Answer::kError;
}

// A check as the engine recorded it (a Script's run: no separate measurement).
RunCheck engineCheck(const fl::TickRecord& t, const fl::MetricCheck& m) {
  RunCheck c;
  c.t = t.t;
  c.tick = t.tick;
  c.name = m.name;
  std::ostringstream v;
  if (m.result == fl::MetricCheck::Result::kNoData) {
    c.answer = RunCheck::Answer::kNoData;
    v << "no data";
  } else if (m.result == fl::MetricCheck::Result::kError && std::isnan(m.value)) {
    c.answer = RunCheck::Answer::kError;
    c.message = m.message;
    v << "error" << (m.message.empty() ? "" : ": " + m.message);
  } else {
    c.value = m.value;
    v << m.value;
  }
  c.valueText = v.str();
  c.min = m.min;
  c.max = m.max;
  c.verdict = fl::toString(m.result);
  c.kind = fl::toString(m.kind);
  setEngineCheck(c, m);
  return c;
}

// A measured value of a tick, with the engine's verdict when it checked it.
RunCheck measuredCheck(const fl::TickRecord& t, const sim::MeasuredValue& mv) {
  RunCheck c;
  c.t = t.t;
  c.tick = t.tick;
  c.name = mv.name;
  switch (mv.answer.kind) {
    case fl::MetricAnswer::Kind::kValue:
      c.value = mv.answer.value;
      break;
    case fl::MetricAnswer::Kind::kNoData:
      c.answer = RunCheck::Answer::kNoData;
      break;
    case fl::MetricAnswer::Kind::kError:
      c.answer = RunCheck::Answer::kError;
      c.message = mv.answer.message;
      break;
  }
  c.valueText = answerText(mv.answer);
  c.min = mv.min;
  c.max = mv.max;
  c.checked = mv.checkedByEngine;
  c.kind = fl::toString(mv.kind);
  if (mv.checkedByEngine) {
    for (const auto& m : t.metrics) {
      if (m.name != mv.name || m.kind != mv.kind) continue;
      c.verdict = fl::toString(m.result);
      if (m.result == fl::MetricCheck::Result::kError) c.verdictMessage = m.message;
      setEngineCheck(c, m);
      break;
    }
  }
  if (mv.primary) {
    c.primary = answerOf(*mv.primary);
    if (mv.primary->kind == fl::MetricAnswer::Kind::kValue) c.primaryValue = mv.primary->value;
  }
  c.record = measuredJson(mv);
  return c;
}

// The ticks, checks and outcome of a simulation; `from` set: a replay's wall-clock times.
void addSimulation(RunView& v, const sim::SimulationResult& res, std::optional<double> from) {
  for (std::size_t i = 0; i < res.run.ticks.size(); ++i) {
    const auto& t = res.run.ticks[i];
    v.events.push_back(tickEvent(t, from));
    if (i < res.measured.size()) {
      for (const auto& mv : res.measured[i]) v.checks.push_back(measuredCheck(t, mv));
    } else {
      for (const auto& m : t.metrics) v.checks.push_back(engineCheck(t, m));
    }
  }
  v.summary = res.summary;
  v.judgeTicks = res.judgeTicks;
}

// The primary's values of a replay's checks where the recording holds them under the metric's
// name (`@primary` files, CSV rows of the primary), read from the same (resampled) source after
// the run (the run is not changed).
void addRecordedPrimary(sim::SimulationResult& res, const fl::CanarySpec& canary,
                        const rp::FlaggerReplayPlan& plan, rp::ReplaySource& source, double from) {
  const auto& metrics = canary.analysis.metrics;
  for (std::size_t i = 0; i < res.measured.size() && i < res.run.ticks.size(); ++i) {
    const double at = from + res.run.ticks[i].t;
    for (auto& mv : res.measured[i]) {
      for (std::size_t m = 0; m < metrics.size(); ++m) {
        if (metrics[m].name != mv.name) continue;
        const rp::ReplayCheck& check = plan.check(static_cast<int>(m), mv.kind);
        if (check.source == rp::ReplayCheck::Source::kNamed) {
          const rp::NamedAnswer a = source.named(mv.name, sim::Variant::kPrimary, at);
          if (a.kind == rp::NamedAnswer::Kind::kValue && std::isfinite(a.value))
            mv.primary = fl::MetricAnswer::of(a.value * check.scale);
        }
        break;
      }
    }
  }
}

void setEnd(RunView& v, const fl::FlaggerRun& run) {
  const auto& o = run.outcome;
  v.end.result = fl::toString(o.result);
  v.end.phase = fl::toString(o.phase);
  v.end.tick = o.tick;
  v.end.t = o.t;
  v.endRecord = io::outcomeJson(o);
  v.lastInstant = run.ticks.empty() ? 0 : run.ticks.back().t;
}

}  // namespace

RunView simulateFlaggerView(const Workspace& specs, const Workspace& input,
                            const RunOptions& options) {
  const fl::CanarySpec& canary = specs.canary(options.target);
  RunView v = baseView(canary, options.seed);
  v.tickInterval = canary.analysisIntervalSeconds();
  if (!input.scripts.empty()) {
    const core::Script& script = input.scripts.front();
    io::scriptMismatches(script, canary).throwIfErrors();
    fl::FlaggerEngineOptions engineOptions;
    engineOptions.meshProvider = options.meshProvider;
    fl::FlaggerEngine engine(canary, io::resolveTemplates(canary, specs.metricTemplates),
                             engineOptions);
    const fl::FlaggerRun run = fl::runScript(engine, script);
    v.driver = RunDriver::kScript;
    v.driverName = script.name;
    for (const auto& t : run.ticks) {
      v.events.push_back(tickEvent(t, std::nullopt));
      for (const auto& m : t.metrics) v.checks.push_back(engineCheck(t, m));
    }
    setEnd(v, run);
    return v;
  }
  const sim::Scenario& scen = input.scenarios.front();
  const sim::CompiledScenario compiled(scen);
  const scenarios::FlaggerPlan plan(canary, io::resolveTemplates(canary, specs.metricTemplates),
                                    compiled, options.meshProvider);
  const auto res = scenarios::simulateFlagger(plan, compiled, options.seed, true,
                                              options.measurePrimary, options.judges);
  v.driver = RunDriver::kScenario;
  v.driverName = scen.name;
  v.release = scen.release;
  addSimulation(v, res, std::nullopt);
  setEnd(v, res.run);
  v.judges = options.judges;
  return v;
}

RunView replayFlaggerView(const Workspace& specs, const rp::ReplaySpec& spec,
                          const RunOptions& options, std::ostream& warnings) {
  const fl::CanarySpec& canary = specs.canary(options.target);
  const rp::ReplayTarget target = rp::targetOf(canary, options.meshProvider);
  const auto recording = options.openRecording ? options.openRecording(spec, target)
                                               : rp::Recording::open(spec, target);
  const rp::FlaggerReplayPlan plan(canary, io::resolveTemplates(canary, specs.metricTemplates),
                                   options.meshProvider, recording);
  auto source = recording->makeSource();
  rp::ReplayRunOptions opt;
  // Replicate r of seed s is run r of a batch pair whose seed is s (`batch`, `simulate
  // --replicate`).
  opt.seed = options.replicate ? replicateSeed(options.seed, *options.replicate) : options.seed;
  if (options.replicate) opt.replicate = 0;
  opt.judges = &options.judges;
  auto res = rp::replayFlagger(plan, *source, opt);
  if (options.measurePrimary) addRecordedPrimary(res, canary, plan, *source, spec.from);
  warnUnreadLogLines(*recording, warnings);
  RunView v = baseView(canary, options.seed);
  v.tickInterval = plan.stepSeconds();
  v.driver = RunDriver::kReplay;
  setReplayFields(v, *recording, plan.stepSeconds(), options);
  addSimulation(v, res, spec.from);
  setEnd(v, res.run);
  v.judges = options.judges;
  return v;
}

}  // namespace rolloutlab::app
