#include "argo_simulate.h"

#include <cstdio>
#include <iomanip>
#include <iostream>

#include "rolloutlab/app/output.h"
#include "rolloutlab/core/argo/run.h"
#include "rolloutlab/io/argo_report.h"
#include "rolloutlab/io/script_decode.h"
#include "rolloutlab/scenarios/argo_world.h"
#include "trace_format.h"

namespace rolloutlab::app {

namespace ar = core::argo;

namespace {

void printEvents(std::ostream& out, const std::vector<ar::ArgoEvent>& events,
                 const ar::ArgoOutcome& o, const std::string& header) {
  out << header << "\n";
  out << "t step weight phase [pauses] rs stable new | runs (metric=phase "
         "count/successful/failed/inconclusive/"
         "error/consecutiveError)\n";
  for (const auto& e : events) {
    out << io::argoEventLine(e);
    if (!e.action.empty()) out << "   <- " << e.action;
    if (!e.reason.empty()) out << "   # " << e.reason;
    out << "\n";
  }
  out << "outcome: " << ar::toString(o.result) << " (" << ar::toString(o.phase)
      << ") at t=" << fmtT(o.t) << "s\n";
}

}  // namespace

int simulateArgo(const Workspace& specs, const Workspace& input, const std::string& target,
                 const std::string& format, std::uint64_t seed, Streams& io,
                 const std::vector<sim::JudgeSpec>& shadows) {
  const ar::RolloutSpec* rollout = specs.rollout(target);
  if (rollout == nullptr) {
    std::string known;
    for (const auto& r : specs.rollouts) known += (known.empty() ? "" : ", ") + r.name;
    throw core::InputError({core::Severity::kError, "", 0, 0, "--target", core::quoted(target),
                            known.empty()
                                ? "no valid Argo Rollout was found in the --spec paths"
                                : "no Rollout of that name is loaded (loaded: " + known + ")"});
  }
  const ar::ArgoEngine engine(*rollout, specs.argoTemplates);
  const std::string qualified =
      (rollout->namespace_.empty() ? "" : rollout->namespace_ + "/") + rollout->name;
  if (!input.scripts.empty()) {
    const core::Script& script = input.scripts.front();
    io::scriptMismatches(script, engine).throwIfErrors();
    const ar::ArgoRun run = ar::runArgoScript(engine, script);
    if (format != "table") {
      io.out << render(document("SimulationTrace", io::argoRunJson(run, rollout->name, seed)),
                       format);
    } else {
      printEvents(io.out, run.events, run.outcome,
                  "Rollout " + qualified + " driven by Script " + script.name + " (seed " +
                      std::to_string(seed) + ")");
    }
    return 0;
  }
  const sim::Scenario& scen = input.scenarios.front();
  const sim::CompiledScenario compiled(scen);
  std::vector<sim::JudgeSpec> kayentaJudges = specs.judges;
  kayentaJudges.insert(kayentaJudges.end(), shadows.begin(), shadows.end());
  const scenarios::ArgoPlan plan(*rollout, specs.argoTemplates, compiled, kayentaJudges);
  const sim::ArgoSimulation sim = scenarios::simulateArgo(plan, compiled, seed, shadows);
  const auto& s = sim.summary;
  if (format != "table") {
    io::Json j = io::argoRunJson(sim.run, rollout->name, seed);
    io::Json out;
    out["engine"] = "argo";
    out["target"] = rollout->name;
    out["scenario"] = scen.name;
    out["release"] = sim::toString(scen.release);
    out["seed"] = seed;
    out["events"] = std::move(j["events"]);
    out["outcome"] = std::move(j["outcome"]);
    out["summary"] = runSummaryJson(s);
    if (!shadows.empty()) out["judges"] = shadowJudgesJson(shadows, s, false);
    io.out << render(document("SimulationTrace", out), format);
    return 0;
  }
  printEvents(io.out, sim.run.events, sim.run.outcome,
              "Rollout " + qualified + " in Scenario " + scen.name + " (" +
                  sim::toString(scen.release) + " release, seed " + std::to_string(seed) + ")");
  printRunSummary(io.out, s, true);
  printShadowJudges(io.out, shadows, s, false);
  return 0;
}

}  // namespace rolloutlab::app
