#pragma once
/// Recorded metric values: Prometheus `query_range` answers saved by a user and CSV time series,
/// held by metric name, and the moving-block bootstrap that resamples a recording.
///
/// Every reader validates its input and throws `core::InputError` naming the file, line and
/// column of the first problem.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rolloutlab/core/promql/labels.h"
#include "rolloutlab/core/promql/memory_series_store.h"
#include "rolloutlab/replay/source.h"

namespace rolloutlab::replay {

/// One series of a recorded answer.
struct RecordedSeries {
  core::promql::Labels labels;  ///< as the file gave them (`{}` after an aggregation)
  std::vector<double> times;    ///< seconds since the epoch, strictly increasing
  std::vector<double> values;   ///< NaN and +/-Inf allowed
};

/// The answers of one metric's query over time: one series, or several (e.g. one per variant,
/// told apart by a label).
struct MetricRecording {
  std::string metric;              ///< the spec's metric name it answers
  std::optional<Variant> variant;  ///< the variant it was given for (nullopt: not said)
  std::string file;                ///< where it came from, for messages
  std::vector<RecordedSeries> series;
  /// The recording's step: the smallest gap between consecutive samples of a series, seconds;
  /// 0 when no series has two samples.
  double step = 0;
};

/// Which series of a recording answers for a variant.
struct SeriesPick {
  /// Index into `MetricRecording::series`; -1 reads the recording as Flagger reads a query's
  /// answer: at each time, the last series (in file order) that has a sample then.
  int index = -1;
};

/// A moving-block bootstrap of a grid of steps (circular blocks, Politis & Romano 1992): step
/// `j` of a replicate reads step `source(j)` of the recording. Blocks keep the recording's
/// short-range dependence (bursts, diurnal slopes within a block).
class BlockResample {
 public:
  /// The identity (the recording as it is).
  BlockResample() = default;
  /// `steps` steps on the grid `origin + k * stepSeconds`; blocks of `blockSteps` (0: the
  /// cube root of `steps`, rounded up), block starts uniform on the circle, drawn from `seed`.
  BlockResample(double origin, double stepSeconds, std::int64_t steps, std::int64_t blockSteps,
                std::uint64_t seed);

  bool identity() const { return map_.empty(); }
  /// The source step of replicate step `j` (steps outside the grid map to themselves).
  std::int64_t source(std::int64_t j) const;
  /// The source time of replicate time `t` (seconds since the epoch): same offset inside the
  /// step, on the source step.
  double sourceTime(double t) const;
  std::int64_t blockSteps() const { return block_; }

 private:
  double origin_ = 0;
  double step_ = 1;
  std::int64_t block_ = 0;
  std::vector<std::int64_t> map_;
};

/// Named recordings by (metric, variant).
class NamedRecordings {
 public:
  /// Adds a recording. Throws InputError when the same (metric, variant) is given twice.
  void add(MetricRecording r);
  bool empty() const { return recordings_.empty(); }
  const std::vector<MetricRecording>& all() const { return recordings_; }

  /// The recording for (metric, v): one given for that variant, else (for the canary) one given
  /// without a variant. nullptr when none.
  const MetricRecording* find(std::string_view metric, Variant v) const;

  /// The value of `pick` of `r` at `t` (seconds since the epoch): the latest sample at or before
  /// t, and less than one step (or 5 minutes for a single sample) older than t.
  static NamedAnswer valueAt(const MetricRecording& r, const SeriesPick& pick, double t);

  /// The smallest step of all recordings (0 if none has one), and the time range covered.
  double step() const;
  double firstTime() const;
  double lastTime() const;

 private:
  std::vector<MetricRecording> recordings_;
};

/// Reads a saved `GET /api/v1/query_range` answer (`{"status":"success","data":{"resultType":
/// "matrix","result":[{"metric":{...},"values":[[t,"v"],...]},...]}}`) or what
/// `promtool query range -o json` prints (the bare `result` array). Values are strings
/// (`"NaN"`, `"+Inf"` allowed), times numbers of seconds, increasing within a series.
MetricRecording readQueryRangeFile(const std::string& path, const std::string& metric,
                                   std::optional<Variant> variant);
/// The same from text (`file` names it in messages).
MetricRecording parseQueryRange(std::string_view text, const std::string& file,
                                const std::string& metric, std::optional<Variant> variant);

/// Loads the raw series of a saved `query_range` answer (e.g. of `istio_requests_total{...}`;
/// either form readQueryRangeFile reads) into a store, so that the spec's own queries can be
/// evaluated on them. Times become milliseconds as the HTTP API rounds them. Returns the number of
/// samples.
std::size_t loadQueryRangeSeries(const std::string& path, core::promql::MemorySeriesStore& store);

/// Reads a CSV of metric values: a header naming the columns `time`, `variant`, `metric` and
/// `value` (any order, extra columns ignored), then one row per sample. `time` is Unix seconds
/// or RFC 3339; `variant` is canary or primary; `value` a number (NaN, +Inf, -Inf allowed).
/// Rows may come in any order; two rows for the same (metric, variant, time) are an error.
std::vector<MetricRecording> readMetricCsv(const std::string& path);
std::vector<MetricRecording> parseMetricCsv(std::string_view text, const std::string& file);

}  // namespace rolloutlab::replay
