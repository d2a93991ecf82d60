#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "argo_simulate.h"
#include "cli.h"
#include "judge_files.h"
#include "replay_run.h"
#include "rolloutlab/app/batch.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/app/output.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/core/flagger/run.h"
#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/io/flagger_report.h"
#include "rolloutlab/io/script_decode.h"
#include "rolloutlab/scenarios/flagger_world.h"
#include "rolloutlab/sim/run.h"
#include "trace_format.h"

namespace rolloutlab::app {

namespace fl = core::flagger;

namespace {

void printTable(std::ostream& out, const fl::FlaggerRun& run, const std::string& header,
                const std::vector<std::vector<sim::MeasuredValue>>* measured = nullptr) {
  out << header << "\n";
  out << std::left << std::setw(5) << "tick" << std::right << std::setw(7) << "t" << std::setw(8)
      << "primary" << std::setw(7) << "canary" << std::setw(7) << "mirror"
      << "  " << std::left << std::setw(17) << "phase" << std::right << std::setw(4) << "cw"
      << std::setw(7) << "failed" << std::setw(5) << "iter"
      << "  reason\n";
  for (const auto& t : run.ticks) {
    out << std::left << std::setw(5) << t.tick << std::right << std::setw(7) << fmtT(t.t)
        << std::setw(8) << t.routes.primaryWeight << std::setw(7) << t.routes.canaryWeight
        << std::setw(7) << (t.routes.mirrored ? "yes" : "no") << "  " << std::left << std::setw(17)
        << fl::toString(t.status.phase) << std::right << std::setw(4) << t.status.canaryWeight
        << std::setw(7) << t.status.failedChecks << std::setw(5) << t.status.iterations << "  "
        << t.reason << "\n";
    if (measured != nullptr && static_cast<std::size_t>(t.tick - 1) < measured->size()) {
      for (const auto& mv : (*measured)[static_cast<std::size_t>(t.tick - 1)]) {
        out << std::string(62, ' ') << "  " << (mv.checkedByEngine ? "- " : "  ") << mv.name
            << " = " << answerText(mv.answer) << " [" << (mv.min ? fmtT(*mv.min) : "-") << ", "
            << (mv.max ? fmtT(*mv.max) : "-") << "]";
        if (mv.checkedByEngine) {
          for (const auto& m : t.metrics) {
            if (m.name == mv.name && m.kind == mv.kind) out << " " << fl::toString(m.result);
          }
        } else {
          out << " (not checked)";
        }
        out << "\n";
      }
      continue;
    }
    for (const auto& m : t.metrics) {
      std::ostringstream v;
      if (m.result == fl::MetricCheck::Result::kNoData) {
        v << "no data";
      } else if (m.result == fl::MetricCheck::Result::kError && std::isnan(m.value)) {
        v << "error" << (m.message.empty() ? "" : ": " + m.message);
      } else {
        v << m.value;
      }
      out << std::string(62, ' ') << "  - " << m.name << " = " << v.str() << " ["
          << (m.min ? fmtT(*m.min) : "-") << ", " << (m.max ? fmtT(*m.max) : "-") << "] "
          << fl::toString(m.result) << "\n";
    }
  }
  const auto& o = run.outcome;
  out << "outcome: " << fl::toString(o.result) << " (" << fl::toString(o.phase) << ") at tick "
      << o.tick << ", t=" << fmtT(o.t) << "s\n";
}

io::Json scenarioRunJson(const sim::SimulationResult& res, const std::string& target,
                         const sim::Scenario& scen, std::uint64_t seed) {
  io::Json j = io::flaggerRunJson(res.run, target, seed);
  io::Json out;
  out["engine"] = j["engine"];
  out["target"] = j["target"];
  out["scenario"] = scen.name;
  out["release"] = sim::toString(scen.release);
  out["seed"] = seed;
  io::Json ticks = io::Json::array();
  for (std::size_t i = 0; i < res.run.ticks.size(); ++i) {
    io::Json t = io::tickJson(res.run.ticks[i]);
    io::Json ms = io::Json::array();
    if (i < res.measured.size()) {
      for (const auto& mv : res.measured[i]) ms.push_back(measuredJson(mv));
    }
    t["measured"] = std::move(ms);
    ticks.push_back(std::move(t));
  }
  out["ticks"] = std::move(ticks);
  out["outcome"] = io::outcomeJson(res.run.outcome);
  out["summary"] = runSummaryJson(res.summary);
  return out;
}

}  // namespace

int runSimulate(const std::vector<std::string>& argv, Streams& io) {
  std::vector<std::string> specs, judges;
  std::optional<std::string> scenario, seedFlag, replicateFlag, targetFlag, output, meshFlag;
  cli::Parser p(
      "simulate",
      "Runs one rollout of the target Canary (or Argo Rollout) driven by a Script, a Scenario or a "
      "Replay (recorded data) and prints its trace. Same inputs and seed give the same output, "
      "byte "
      "for byte.",
      "--seed S --replicate R replays run R of a batch pair whose seed is S (on a Replay: "
      "bootstrap "
      "replicate R of the recording). --judge attaches Judge documents as shadow analyses (not to "
      "a "
      "Script): when and how each would decide; on a Replay they read the recording's request "
      "counts "
      "(request logs, raw series or a live Prometheus; a recording of metric values only, CSV or "
      "query_range answers, is an error). When several Canaries and Rollouts are loaded, --target "
      "(or "
      "the Script's spec.target) names the one to run. A file argument - reads standard input "
      "(once).\n"
      "Exit codes: 0 done, 1 bad input, 2 a wrong command line, 3 an environment failure or an "
      "internal error.");
  p.list("--spec", &specs, "PATH",
         "spec files or folders (Canary, MetricTemplate, Rollout, AnalysisTemplate)");
  p.value("--scenario", &scenario, "FILE",
          "the Script, Scenario or Replay document that drives the run");
  p.value("--seed", &seedFlag, "N", "the seed (default 0)");
  p.value("--replicate", &replicateFlag, "R", "run R of a batch pair whose seed is --seed");
  p.value("--target", &targetFlag, "NAME", "the Canary or Rollout to run (name or namespace/name)");
  p.list("--judge", &judges, "FILE", "Judge documents attached as shadow analyses");
  p.value("--mesh-provider", &meshFlag, "P",
          "the mesh whose series a Scenario synthesizes (default istio)");
  p.output(&output, {"json", "yaml", "table"});
  if (!p.parse(argv, io)) return 0;
  if (specs.empty()) throw UsageError("--spec is required");
  if (!scenario) throw UsageError("--scenario is required");
  cli::checkStdinOnce({{"--spec", specs}, {"--scenario", {*scenario}}, {"--judge", judges}});
  const std::string format =
      cli::format(output, {"json", "yaml", "table"}, "table", io.outIsTerminal);
  std::uint64_t seed = cli::unsignedInt(seedFlag, "--seed", 0);
  const auto rep = cli::unsignedInt(replicateFlag, "--replicate");
  // Run r of a batch pair: `--seed <the pair's seed> --replicate r`.
  if (rep) seed = replicateSeed(seed, *rep);
  fl::FlaggerEngineOptions options;
  options.meshProvider = meshFlag.value_or("istio");
  const std::string targetName = targetFlag.value_or("");

  Workspace ws = cli::load(specs, io);
  Workspace sc = cli::load({*scenario}, io);
  for (const auto* w : {&ws, &sc}) {
    if (w->diagnostics.errors() > 0) {
      for (const auto& d : w->diagnostics.items) {
        if (d.severity == core::Severity::kError) io.err << "error: " << d.toString() << "\n";
      }
      return 1;
    }
  }
  if (sc.scripts.empty() && sc.scenarios.empty() && !sc.replays.empty()) {
    // A Replay document: the recording stands where a scenario would.
    cli::requireTarget(ws, targetName, sc.replays.front().file);
    const auto jw = loadJudgeFiles(judges, io);
    if (!jw) return 1;
    return runReplayTrace(ws, sc.replays.front(), targetName, options.meshProvider, format,
                          cli::unsignedInt(seedFlag, "--seed", 0), rep, io, jw->judges);
  }
  if (sc.scripts.empty() && sc.scenarios.empty()) {
    throw core::InputError({core::Severity::kError, *scenario == "-" ? cli::kStdinName : *scenario,
                            0, 0, "kind", "", "holds no Script, Scenario or Replay document"});
  }
  // The target: --target, else the Script's spec.target, else the only spec loaded.
  const std::string target =
      targetFlag.value_or(sc.scripts.empty() ? std::string() : sc.scripts.front().target);
  cli::requireTarget(ws, target,
                     sc.scripts.empty() ? (*scenario == "-" ? cli::kStdinName : *scenario)
                                        : sc.scripts.front().file);
  if (!targetFlag && !sc.scripts.empty() && !target.empty() && !ws.targetsRollout(target)) {
    // The name came from the Script, not from a flag: the error points at its spec.target.
    try {
      (void)ws.canary(target);
    } catch (const core::InputError& e) {
      core::Diagnostic d = e.diagnostic();
      d.file = sc.scripts.front().file;
      d.line = sc.scripts.front().line;
      d.field = "spec.target";
      throw core::InputError(d);
    }
  }
  if (ws.targetsRollout(target)) {
    const auto jw = loadJudgeFiles(judges, io);
    if (!jw) return 1;
    return simulateArgo(ws, sc, target, format, seed, io, jw->judges);
  }
  if (sc.scripts.empty()) {
    const sim::Scenario& scen = sc.scenarios.front();
    const fl::CanarySpec& canary = ws.canary(target);
    const sim::CompiledScenario compiled(scen);
    const scenarios::FlaggerPlan plan(canary, io::resolveTemplates(canary, ws.metricTemplates),
                                      compiled, options.meshProvider);
    const auto jw = loadJudgeFiles(judges, io);
    if (!jw) return 1;
    const std::vector<sim::JudgeSpec>& judgeSpecs = jw->judges;
    const auto res = scenarios::simulateFlagger(plan, compiled, seed, true, false, judgeSpecs);
    if (format != "table") {
      io::Json j = scenarioRunJson(res, canary.name, scen, seed);
      if (!judgeSpecs.empty()) {
        j["judges"] = shadowJudgesJson(judgeSpecs, res.summary, true);
        addJudgeTicks(j["ticks"], judgeSpecs, res.judgeTicks);
      }
      io.out << render(document("SimulationTrace", j), format);
    } else {
      printTable(io.out, res.run,
                 "Canary " + (canary.namespace_.empty() ? "" : canary.namespace_ + "/") +
                     canary.name + " in Scenario " + scen.name + " (" +
                     sim::toString(scen.release) + " release, seed " + std::to_string(seed) + ")",
                 &res.measured);
      printRunSummary(io.out, res.summary, true);
      printShadowJudges(io.out, judgeSpecs, res.summary, true);
    }
    return 0;
  }
  const core::Script& script = sc.scripts.front();
  const fl::CanarySpec& canary = ws.canary(target);
  io::scriptMismatches(script, canary).throwIfErrors();
  fl::FlaggerEngine engine(canary, io::resolveTemplates(canary, ws.metricTemplates), options);
  const fl::FlaggerRun run = fl::runScript(engine, script);
  if (format != "table") {
    io.out << render(document("SimulationTrace", io::flaggerRunJson(run, canary.name, seed)),
                     format);
  } else {
    printTable(io.out, run,
               "Canary " + (canary.namespace_.empty() ? "" : canary.namespace_ + "/") +
                   canary.name + " driven by Script " + script.name + " (seed " +
                   std::to_string(seed) + ")");
  }
  return 0;
}

}  // namespace rolloutlab::app
