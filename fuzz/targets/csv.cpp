// The CSV readers: the first byte picks one. 0: metric values of a Replay (time, variant,
// metric, value); 1: a Scenario's traffic profile (time, rps); 2: `judge` samples (CSV or
// JSON, with a fixed canary sample); 3: `stats` samples (numbers one a line or a JSON array).
#include <sstream>
#include <string>

#include "fuzz_support.h"
#include "rolloutlab/app/judge_command.h"
#include "rolloutlab/app/stats_command.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/io/scenario_decode.h"
#include "rolloutlab/replay/recording.h"

int rolloutlab::fuzz::csv(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto text = rolloutlab::fuzz::asText(data + 1, size - 1);
  std::istringstream in{std::string(text)};
  std::ostringstream out, err;
  try {
    switch (data[0] % 4) {
      case 0:
        (void)rolloutlab::replay::parseMetricCsv(text, "fuzz.csv");
        break;
      case 1: {
        rolloutlab::core::Diagnostics diags;
        (void)rolloutlab::io::readTrafficCsv(rolloutlab::fuzz::writeScratch(text, ".csv"), diags);
        break;
      }
      case 2: {
        static const std::string canary = [] {
          return std::string(rolloutlab::fuzz::writeScratch(
              "metric,value\nlatency,12\nlatency,15\nlatency,11\nerrors,0\nerrors,1\n",
              "-canary.csv"));
        }();
        (void)rolloutlab::app::runJudgeCommand(
            {"--baseline", "-", "--canary", canary, "-o", "json"}, in, out, err);
        break;
      }
      default:
        (void)rolloutlab::app::runStatsCommand({"quantile", "--x", "-", "-o", "json"}, in, out,
                                               err);
        break;
    }
  } catch (const rolloutlab::core::InputError&) {
  }
  return 0;
}
