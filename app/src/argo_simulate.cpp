#include "argo_simulate.h"

#include <cstdio>
#include <iomanip>
#include <iostream>

#include "rolloutlab/core/argo/run.h"
#include "rolloutlab/io/argo_report.h"

namespace rolloutlab::app {

namespace ar = core::argo;

namespace {

std::string fmtT(double t) {
  char b[32];
  std::snprintf(b, sizeof b, t == static_cast<long long>(t) ? "%.0f" : "%.3f", t);
  return b;
}

void printEvents(std::ostream& out, const std::vector<ar::ArgoEvent>& events, const ar::ArgoOutcome& o,
                 const std::string& header) {
  out << header << "\n";
  out << "t step weight phase [pauses] rs stable new | runs (metric=phase count/successful/failed/inconclusive/"
         "error/consecutiveError)\n";
  for (const auto& e : events) {
    out << io::argoEventLine(e);
    if (!e.action.empty()) out << "   <- " << e.action;
    if (!e.reason.empty()) out << "   # " << e.reason;
    out << "\n";
  }
  out << "outcome: " << ar::toString(o.result) << " (" << ar::toString(o.phase) << ") at t=" << fmtT(o.t) << "s\n";
}

}  // namespace

int simulateArgo(const Workspace& specs, const Workspace& input, const std::string& target,
                 const std::string& format, std::uint64_t seed, Streams& io) {
  const ar::RolloutSpec* rollout = specs.rollout(target);
  if (rollout == nullptr) {
    std::string known;
    for (const auto& r : specs.rollouts) known += (known.empty() ? "" : ", ") + r.name;
    throw core::InputError({core::Severity::kError, "", 0, 0, "--target", core::quoted(target),
                            known.empty() ? "no valid Argo Rollout was found in the --spec paths"
                                          : "no Rollout of that name is loaded (loaded: " + known + ")"});
  }
  const ar::ArgoEngine engine(*rollout, specs.argoTemplates);
  const std::string qualified = (rollout->namespace_.empty() ? "" : rollout->namespace_ + "/") + rollout->name;
  if (!input.scripts.empty()) {
    const core::Script& script = input.scripts.front();
    const ar::ArgoRun run = ar::runArgoScript(engine, script);
    if (format == "json") {
      io.out << io::dumpJson(io::argoRunJson(run, rollout->name, seed));
    } else {
      printEvents(io.out, run.events, run.outcome,
                  "Rollout " + qualified + " driven by Script " + script.name + " (seed " + std::to_string(seed) + ")");
    }
    return 0;
  }
  throw core::InputError({core::Severity::kError, input.files.empty() ? "" : input.files.front().path, 0, 0, "kind",
                          "", "Scenario runs of Argo Rollouts are not available in this build"});
}

}  // namespace rolloutlab::app
