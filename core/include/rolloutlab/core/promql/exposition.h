#pragma once
/// Loads OpenMetrics / Prometheus text exposition (with timestamps) into a MemorySeriesStore.
///
/// The accepted form is what `promtool tsdb create-blocks-from openmetrics` reads and what
/// tests/support/istio-history.py writes: `# HELP`, `# TYPE`, `# UNIT` lines, samples
/// `name{label="value",...} value timestamp`, an optional exemplar after ` # `, and `# EOF`.
/// Timestamps are seconds (OpenMetrics) and become milliseconds as promtool makes them,
/// `int64(ts * 1000)` (`model/textparse/openmetricsparse.go`); the Prometheus text format's
/// integer milliseconds are accepted with `ExpositionOptions::timestampsInSeconds = false`.
/// Labels with an empty value are dropped, as the TSDB drops them (`tsdb/head_append.go`).
///
/// Malformed input throws `InputError` naming the file, line and column. A sample at or before
/// its series' previous sample is dropped, as promtool drops it, and reported as a warning.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "rolloutlab/core/promql/memory_series_store.h"

namespace rolloutlab::core::promql {

/// Options of the exposition loader.
struct ExpositionOptions {
  std::string fileName = "<input>";  ///< named in diagnostics
  bool timestampsInSeconds = true;   ///< OpenMetrics seconds (true) or text-format ms (false)
  bool requireEof = true;            ///< OpenMetrics requires the final `# EOF`
};

/// A row that was read but not stored.
struct ExpositionWarning {
  int line = 0;
  std::string detail;
};

/// What a load did.
struct ExpositionLoadResult {
  std::size_t samples = 0;  ///< samples stored
  std::size_t lines = 0;    ///< sample lines read
  std::vector<ExpositionWarning> warnings;
};

/// Parses `text` and appends its samples to `store`. Throws `InputError` on malformed input.
ExpositionLoadResult loadExposition(std::string_view text, MemorySeriesStore& store,
                                    const ExpositionOptions& options = {});

/// Reads a file and loads it; throws `InputError` when it cannot be read or is malformed.
ExpositionLoadResult loadExpositionFile(const std::string& path, MemorySeriesStore& store,
                                        ExpositionOptions options = {});

/// Go's `strconv.ParseFloat(s, 64)` as the text parsers use it: decimal and hexadecimal
/// floats, `Inf`/`Infinity`/`NaN` in any case with an optional sign; no surrounding spaces.
/// Returns false when `s` is not a float or is out of range.
bool parseGoFloat(std::string_view s, double& out);

}  // namespace rolloutlab::core::promql
