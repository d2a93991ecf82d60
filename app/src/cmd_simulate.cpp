#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "rolloutlab/app/args.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/core/flagger/run.h"
#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/io/flagger_report.h"

namespace rolloutlab::app {

namespace fl = core::flagger;

namespace {

const char* kSimulateUsage =
    "usage: rolloutlab simulate --spec PATH [--spec PATH...] --scenario FILE [--seed N]\n"
    "                           [--target NAME] [--mesh-provider P] [-o json|table]\n"
    "  Runs one rollout of the target Canary (or Rollout) driven by a Script or a Scenario\n"
    "  and prints its trace. Same inputs and seed give the same output, byte for byte.\n";

std::string fmtT(double t) {
  char b[32];
  std::snprintf(b, sizeof b, t == static_cast<long long>(t) ? "%.0f" : "%.3f", t);
  return b;
}

void printTable(std::ostream& out, const fl::FlaggerRun& run, const std::string& header) {
  out << header << "\n";
  out << std::left << std::setw(5) << "tick" << std::right << std::setw(7) << "t" << std::setw(8)
      << "primary" << std::setw(7) << "canary" << std::setw(7) << "mirror" << "  " << std::left
      << std::setw(17) << "phase" << std::right << std::setw(4) << "cw" << std::setw(7) << "failed"
      << std::setw(5) << "iter" << "  reason\n";
  for (const auto& t : run.ticks) {
    out << std::left << std::setw(5) << t.tick << std::right << std::setw(7) << fmtT(t.t)
        << std::setw(8) << t.routes.primaryWeight << std::setw(7) << t.routes.canaryWeight
        << std::setw(7) << (t.routes.mirrored ? "yes" : "no") << "  " << std::left << std::setw(17)
        << fl::toString(t.status.phase) << std::right << std::setw(4) << t.status.canaryWeight
        << std::setw(7) << t.status.failedChecks << std::setw(5) << t.status.iterations << "  "
        << t.reason << "\n";
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

}  // namespace

int runSimulate(const std::vector<std::string>& argv, Streams& io) {
  Args args(argv, {"--spec", "--scenario", "--seed", "--target", "-o", "--output", "--mesh-provider"},
            {"--help", "-h"});
  if (args.has("--help") || args.has("-h")) {
    io.out << kSimulateUsage;
    return 0;
  }
  const auto specs = args.all("--spec");
  if (specs.empty()) throw UsageError("simulate needs --spec PATH");
  const auto scenario = args.get("--scenario");
  if (!scenario) throw UsageError("simulate needs --scenario FILE");
  if (!args.positional().empty()) throw UsageError("unexpected argument " + args.positional()[0]);
  const std::string format = args.has("-o") ? args.choice("-o", {"json", "table"}, "json")
                                            : args.choice("--output", {"json", "table"}, "json");
  const std::uint64_t seed = args.unsignedInt("--seed").value_or(0);
  fl::FlaggerEngineOptions options;
  options.meshProvider = args.getOr("--mesh-provider", "istio");

  Workspace ws = loadWorkspace(specs);
  Workspace sc = loadWorkspace({*scenario});
  for (const auto* w : {&ws, &sc}) {
    if (w->diagnostics.errors() > 0) {
      for (const auto& d : w->diagnostics.items) {
        if (d.severity == core::Severity::kError) io.err << "error: " << d.toString() << "\n";
      }
      return 1;
    }
  }
  if (sc.scripts.empty()) {
    throw core::InputError({core::Severity::kError, *scenario, 0, 0, "kind", "",
                            "holds no Script (or Scenario) document"});
  }
  const core::Script& script = sc.scripts.front();
  std::string target = args.getOr("--target", script.target);
  const fl::CanarySpec& canary = ws.canary(target);
  fl::FlaggerEngine engine(canary, io::resolveTemplates(canary, ws.metricTemplates), options);
  const fl::FlaggerRun run = fl::runScript(engine, script);
  if (format == "json") {
    io.out << io::dumpJson(io::flaggerRunJson(run, canary.name, seed));
  } else {
    printTable(io.out, run,
               "Canary " + (canary.namespace_.empty() ? "" : canary.namespace_ + "/") + canary.name +
                   " driven by Script " + script.name + " (seed " + std::to_string(seed) + ")");
  }
  return 0;
}

}  // namespace rolloutlab::app
