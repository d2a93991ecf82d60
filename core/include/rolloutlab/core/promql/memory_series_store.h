#pragma once
/// An in-memory series store: the `SeriesSource` of tests, replays and recordings.

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "rolloutlab/core/promql/series_source.h"

namespace rolloutlab::core::promql {

/// Series held in memory, samples appended in time order.
///
/// Appending a sample at or before the series' last timestamp is refused (returns false), as
/// Prometheus' TSDB refuses out-of-order and duplicate samples. Adding a series bumps the
/// generation; appending samples does not.
class MemorySeriesStore : public SeriesSource {
 public:
  MemorySeriesStore() = default;

  /// The series with exactly these labels, created when absent.
  SeriesRef addSeries(const Labels& labels);
  /// Appends a sample (time in ms). Returns false, storing nothing, when `t` is not after the
  /// series' last sample.
  bool append(SeriesRef s, TimestampMs t, double v);
  /// Convenience: `addSeries` + `append`.
  bool append(const Labels& labels, TimestampMs t, double v) {
    return append(addSeries(labels), t, v);
  }

  std::size_t seriesCount() const { return series_.size(); }
  std::size_t sampleCount() const { return sampleCount_; }
  /// All samples of a series.
  const std::vector<TimestampMs>& times(SeriesRef s) const { return series_[s].t; }
  const std::vector<double>& values(SeriesRef s) const { return series_[s].v; }

  void select(const std::vector<Matcher>& matchers, std::vector<SeriesRef>& out) override;
  const Labels& labels(SeriesRef s) const override { return series_[s].labels; }
  void samples(SeriesRef s, TimestampMs from, TimestampMs to, std::vector<Sample>& out) override;
  RangeSummary rangeSummary(SeriesRef s, TimestampMs from, TimestampMs to) override;
  std::optional<Sample> latest(SeriesRef s, TimestampMs t, TimestampMs lookback) override;
  std::uint64_t generation() const override { return generation_; }

 private:
  struct Series {
    Labels labels;
    std::vector<TimestampMs> t;
    std::vector<double> v;
  };
  /// Index range [lo, hi) of the samples with from <= t <= to.
  std::pair<std::size_t, std::size_t> window(const Series& s, TimestampMs from,
                                             TimestampMs to) const;

  std::deque<Series> series_;  // deque: labels keep their address when series are added
  std::unordered_map<std::string, SeriesRef> byKey_;
  std::size_t sampleCount_ = 0;
  std::uint64_t generation_ = 0;
};

}  // namespace rolloutlab::core::promql
