// OpenMetrics / Prometheus text exposition into the series store, then a query over what was
// stored. The first byte picks the options (seconds or milliseconds, `# EOF` required or not).
#include <string>

#include "fuzz_support.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/promql/exposition.h"
#include "rolloutlab/core/promql/memory_series_store.h"
#include "rolloutlab/core/promql/query.h"

namespace pq = rolloutlab::core::promql;

int rolloutlab::fuzz::openmetrics(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  pq::ExpositionOptions options;
  options.fileName = "fuzz.om";
  options.timestampsInSeconds = (data[0] & 1) == 0;
  options.requireEof = (data[0] & 2) == 0;
  const auto text = rolloutlab::fuzz::asText(data + 1, size - 1);
  double x = 0;
  (void)pq::parseGoFloat(text, x);
  try {
    pq::MemorySeriesStore store;
    pq::loadExposition(text, store, options);
    static const pq::PreparedQuery query = pq::parse(
        "sum by (response_code) (rate(istio_requests_total[1m])) / ignoring(response_code) "
        "group_left sum(rate(istio_requests_total[1m]))");
    pq::PreparedQuery q = query;
    (void)q.evaluate(store, 1704067260);
  } catch (const rolloutlab::core::InputError&) {
  }
  return 0;
}
