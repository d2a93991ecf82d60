// The PromQL subset: parsing and type checking, then evaluation of what parses against a small
// store of Istio-like series (counters, a histogram, a gauge with NaN and Inf samples).
#include <string>

#include "fuzz_support.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/promql/exposition.h"
#include "rolloutlab/core/promql/memory_series_store.h"
#include "rolloutlab/core/promql/query.h"

namespace pq = rolloutlab::core::promql;

namespace {

pq::MemorySeriesStore& store() {
  static pq::MemorySeriesStore* s = [] {
    auto* st = new pq::MemorySeriesStore();
    std::string text;
    for (int i = 0; i <= 20; ++i) {
      const std::string t = " " + std::to_string(1704067200 + 15 * i) + "\n";
      const std::string n = std::to_string(i);
      text += "istio_requests_total{destination_workload=\"podinfo\",response_code=\"200\"} " +
              std::to_string(100 * i) + t;
      text +=
          "istio_requests_total{destination_workload=\"podinfo-primary\",response_code=\"500\"} " +
          n + t;
      int cumulative = 0;
      for (const char* le : {"5", "10", "50", "+Inf"}) {
        cumulative += 2 + i % 3;
        text += std::string(
                    "istio_request_duration_milliseconds_bucket{destination_workload=\"podinfo\","
                    "le=\"") +
                le + "\"} " + std::to_string(i * cumulative) + t;
      }
      text += "g{a=\"x\"} " + std::string(i % 7 == 3 ? "NaN" : i % 7 == 5 ? "+Inf" : n) + t;
    }
    text += "# EOF\n";
    pq::loadExposition(text, *st);
    return st;
  }();
  return *s;
}

}  // namespace

int rolloutlab::fuzz::promql(const std::uint8_t* data, std::size_t size) {
  const auto text = rolloutlab::fuzz::asText(data, size);
  pq::TimestampMs ms = 0;
  std::string error;
  (void)pq::parseDuration(text, ms, &error);
  try {
    pq::PreparedQuery q = pq::parse(text);
    pq::MemorySeriesStore& s = store();
    (void)q.evaluate(s, 1704067200 + 150);
    (void)q.evaluate(s, 1704067200 + 300.5);  // the cached path
    pq::PreparedQuery copy = q;
    (void)copy.evaluate(s, 1704067200 + 1000);
  } catch (const rolloutlab::core::InputError&) {
  }
  return 0;
}
