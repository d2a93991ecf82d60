// Every YAML/JSON kind rolloutlab reads, through the loader the commands use: documents
// (multi-document streams, alias limits), then the decoders of Canary, MetricTemplate, Rollout,
// (Cluster)AnalysisTemplate, Script, Scenario, Judge and Replay with their cross-checks
// (template references, query rendering and parsing, summaries).
#include <string>

#include "fuzz_support.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/core/diagnostics.h"

int rolloutlab::fuzz::yamlWorkspace(const std::uint8_t* data, std::size_t size) {
  const std::string text(rolloutlab::fuzz::asText(data, size));
  try {
    const rolloutlab::app::Workspace ws = rolloutlab::app::loadWorkspace({"-"}, &text);
    (void)ws;
  } catch (const rolloutlab::core::InputError&) {
  }
  return 0;
}
