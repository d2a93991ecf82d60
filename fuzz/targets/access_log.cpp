// Access logs: every line through the Envoy/Istio JSON and nginx line parsers, then the whole
// input through the file reader (format detection, gzip by magic number, line limits) into a
// traffic recording.
#include "rolloutlab/replay/access_log.h"

#include <string>

#include "fuzz_support.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/replay/traffic.h"
#include "rolloutlab/sim/mesh.h"

namespace rp = rolloutlab::replay;

int rolloutlab::fuzz::accessLog(const std::uint8_t* data, std::size_t size) {
  const auto text = rolloutlab::fuzz::asText(data, size);
  rp::AccessLogOptions options;
  options.canaryMatch = "canary";
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const auto line = text.substr(start, end - start);
    rp::LogRequest r;
    int column = 0;
    std::string error;
    (void)rp::parseEnvoyJsonLine(line, options, r, column, error);
    (void)rp::parseNginxLine(line, r, column, error);
    start = end + 1;
  }
  try {
    rp::TrafficRecording recording(rolloutlab::sim::meshLayout("istio"), 15, true);
    (void)rp::ingestAccessLogs({rolloutlab::fuzz::writeScratch(text, ".log")}, options, recording);
    recording.finish();
  } catch (const rolloutlab::core::InputError&) {
  }
  return 0;
}
