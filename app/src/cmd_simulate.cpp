// `simulate`: one run of a Canary or a Rollout driven by a Script, a Scenario or a Replay. The
// kind is chosen once, in app::simulateRun / app::replayRun (run_view.cpp); one path renders.

#include "cli.h"
#include "judge_files.h"
#include "rolloutlab/app/batch.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/app/run_view.h"
#include "rolloutlab/app/workspace.h"

namespace rolloutlab::app {

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
  RunOptions options;
  options.meshProvider = meshFlag.value_or("istio");
  if (sc.scripts.empty() && sc.scenarios.empty() && !sc.replays.empty()) {
    // A Replay document: the recording stands where a scenario would.
    cli::requireTarget(ws, targetName, sc.replays.front().file);
    const auto jw = loadJudgeFiles(judges, io);
    if (!jw) return 1;
    options.target = targetName;
    options.seed = cli::unsignedInt(seedFlag, "--seed", 0);
    options.replicate = rep;
    options.judges = jw->judges;
    io.out << renderRun(replayRun(ws, sc.replays.front(), options, io.err), format);
    return 0;
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
  // Shadow judges ride on a Scenario (a Canary's Script run does not read the files).
  if (sc.scripts.empty() || ws.targetsRollout(target)) {
    const auto jw = loadJudgeFiles(judges, io);
    if (!jw) return 1;
    options.judges = jw->judges;
  }
  options.target = target;
  options.seed = seed;
  io.out << renderRun(simulateRun(ws, sc, options), format);
  return 0;
}

}  // namespace rolloutlab::app
