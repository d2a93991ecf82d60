// Prometheus JSON: the position-keeping JSON reader, then saved `query_range` answers (the
// API envelope and promtool's bare result array) read as one metric and as raw series.
#include <optional>
#include <string>

#include "fuzz_support.h"
#include "json_dom.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/promql/memory_series_store.h"
#include "rolloutlab/replay/recording.h"

namespace rp = rolloutlab::replay;

int rolloutlab::fuzz::prometheusJson(const std::uint8_t* data, std::size_t size) {
  const auto text = rolloutlab::fuzz::asText(data, size);
  try {
    (void)rp::detail::parseJson(text);
  } catch (const rp::detail::JsonSyntaxError&) {
  }
  for (const auto variant : {std::optional<rp::Variant>(), std::optional(rp::Variant::kCanary)}) {
    try {
      (void)rp::parseQueryRange(text, "fuzz.json", "request-success-rate", variant);
    } catch (const rolloutlab::core::InputError&) {
    }
  }
  try {
    rolloutlab::core::promql::MemorySeriesStore store;
    (void)rp::loadQueryRangeSeries(rolloutlab::fuzz::writeScratch(text, ".json"), store);
  } catch (const rolloutlab::core::InputError&) {
  }
  return 0;
}
