#pragma once
/// What the PromQL evaluator reads: series selected by label matchers and their samples.
///
/// Time is kept as Prometheus keeps it: integer milliseconds since the Unix epoch
/// (`TimestampMs`). Every window the evaluator asks for is closed at both ends, `from <= t <= to`,
/// which is what Prometheus 2.x selects for a range `[r]` at evaluation time `T`
/// (`promql/engine.go` `matrixIterSlice`: `mint = T - r`, samples with `mint <= t <= T`) and for
/// an instant selector's look-back (`vectorSelectorSingle`: the latest sample with
/// `T - 5m <= t <= T`). Prometheus 3.x made both windows left-open; this interface keeps the
/// 2.x rule because that is what the reference server (2.42) answers.
///
/// Implementations: `MemorySeriesStore` (tests, replay, recordings) and lazily synthesized worlds,
/// which override `rangeSummary` and `latest` so that only the samples at the edges of a window
/// are realised.

#include <cstdint>
#include <optional>
#include <vector>

#include "rolloutlab/core/promql/labels.h"
#include "rolloutlab/core/promql/matcher.h"

namespace rolloutlab::core::promql {

/// Opaque handle of a series inside one source; meaningful only to that source.
using SeriesRef = std::uint64_t;
/// Milliseconds since the Unix epoch.
using TimestampMs = std::int64_t;

/// One sample: time (ms since the epoch) and value.
struct Sample {
  TimestampMs t = 0;
  double v = 0;
  bool operator==(const Sample&) const = default;
};

/// Prometheus' staleness marker: a NaN with this exact bit pattern (`model/value/value.go`).
inline constexpr std::uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
/// True when `v` is the staleness marker (not any other NaN).
bool isStaleNaN(double v);
/// The staleness marker value.
double staleNaN();

/// What `rate`, `increase`, `delta`, `irate` and `count_over_time` need from a window, with
/// staleness markers skipped as Prometheus skips them.
struct RangeSummary {
  std::size_t count = 0;  ///< samples in the window
  Sample first;           ///< earliest sample (valid when count >= 1)
  Sample last;            ///< latest sample (valid when count >= 1)
  Sample previous;        ///< the sample before `last` (valid when count >= 2)
  /// Sum, in time order, of the value just before each decrease of the value inside the
  /// window: what `rate`/`increase` add back for counter resets (`functions.go`
  /// `extrapolatedRate`).
  double resetCorrection = 0;
};

/// The data interface of the evaluator.
///
/// Contract:
/// - `labels(s)` stays valid, at the same address, while `generation()` is unchanged.
/// - `generation()` changes whenever the set of series (their refs or labels) changes; the
///   evaluator caches selections per (source instance, generation). Appending samples to
///   existing series does not need a new generation.
/// - Samples are returned in time order and include staleness markers; the evaluator skips them.
/// - A source is used by one evaluation at a time (not thread-safe unless it says so).
class SeriesSource {
 public:
  SeriesSource();
  SeriesSource(const SeriesSource&);
  SeriesSource& operator=(const SeriesSource&);
  virtual ~SeriesSource() = default;

  /// Appends to `out` (after clearing it) the series whose labels match all matchers; a label a
  /// series lacks matches as "". The metric name arrives as a `__name__` matcher. Order is free:
  /// the evaluator orders the selection as Prometheus' TSDB does.
  virtual void select(const std::vector<Matcher>& matchers, std::vector<SeriesRef>& out) = 0;
  /// The labels of a series (including `__name__`).
  virtual const Labels& labels(SeriesRef s) const = 0;
  /// Clears `out`, then appends the samples with `from <= t <= to`, in time order.
  virtual void samples(SeriesRef s, TimestampMs from, TimestampMs to, std::vector<Sample>& out) = 0;
  /// Summary of the samples with `from <= t <= to`. The default realises them with `samples`.
  virtual RangeSummary rangeSummary(SeriesRef s, TimestampMs from, TimestampMs to);
  /// `out[k] = rangeSummary(refs[k], from, to)` for each k in order (out is resized): the same
  /// answers and the same reads, in the same order. A source may override it to answer a
  /// selection in one call.
  virtual void rangeSummaries(const std::vector<SeriesRef>& refs, TimestampMs from, TimestampMs to,
                              std::vector<RangeSummary>& out);
  /// The latest sample with `t - lookback <= time <= t`, or nothing; nothing also when that
  /// latest sample is a staleness marker. The default realises the window with `samples`.
  virtual std::optional<Sample> latest(SeriesRef s, TimestampMs t, TimestampMs lookback);
  /// Identity of the current set of series (see the class contract).
  virtual std::uint64_t generation() const { return 0; }

  /// A process-unique id of this source object (a copy gets a new one), so that caches keyed by
  /// it never confuse two sources that happen to share an address over time.
  std::uint64_t instanceId() const { return instanceId_; }

 private:
  std::uint64_t instanceId_;
  std::vector<Sample> scratch_;
};

/// Summarises a sorted run of samples (staleness markers skipped).
RangeSummary summarize(const Sample* begin, const Sample* end);

}  // namespace rolloutlab::core::promql
