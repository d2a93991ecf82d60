#pragma once
/// Per-tick request counts read off a replay's series, for shadow judges.
///
/// A shadow judge reads, per tick and variant, the increase of the mesh's request counter (and of
/// its 5xx share) and of each bucket of its latency histogram over (previous tick, tick]. On a
/// replay those come from the same series the spec's own queries run on: the series aggregated
/// from request logs (re-routed in counterfactual mode, resampled in bootstrap replicates) or
/// recorded raw series. The series of a variant are picked with the labels the builtin queries
/// select it by (`sim::MeshLayout::labels`), summed over every other label (pods, codes).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/core/promql/memory_series_store.h"
#include "rolloutlab/core/promql/series_source.h"
#include "rolloutlab/replay/replay.h"
#include "rolloutlab/sim/shadow_judge.h"

namespace rolloutlab::replay {

/// The increase of one counter series over (from, to] (ms since the epoch), with the counter
/// semantics of Prometheus' `increase()` (`promql/functions.go` `extrapolatedRate`): a decrease
/// is a reset, after which the counter counts from 0. The start value is the latest sample at or
/// before `from` (within Prometheus' 5-minute look-back); a series without one starts from 0
/// (mesh series appear with their first request). Unlike `increase()` nothing is extrapolated
/// to the window's edges: the result is the exact count between the two scrapes.
double counterIncrease(core::promql::SeriesSource& source, core::promql::SeriesRef s,
                       core::promql::TimestampMs from, core::promql::TimestampMs to);

/// A replay's series as a shadow judge's traffic source. Times are seconds from `originEpoch`
/// (the replay's `from`, t = 0 of the trace).
class SeriesIntervalTraffic final : public sim::IntervalTrafficSource {
 public:
  /// `source` must outlive this object; its series set must not change.
  SeriesIntervalTraffic(core::promql::SeriesSource& source, const ReplayTarget& target,
                        double originEpoch);

  sim::WindowCounts window(Variant v, double from, double to) override;
  std::vector<double> boundsMs() override;

 private:
  struct Picked {
    std::vector<core::promql::SeriesRef> requests;  ///< request counters
    std::vector<bool> isError;                      ///< per request counter: a 5xx series
    std::vector<core::promql::SeriesRef> buckets;   ///< `_bucket` series
    std::vector<double> le;                         ///< per bucket series: its bound (ms)
  };
  void pick();

  core::promql::SeriesSource& source_;
  ReplayTarget target_;
  double origin_;
  bool picked_ = false;
  Picked variants_[2];
  std::vector<double> boundsMs_;
};

/// A live Prometheus as a shadow judge's traffic source: for each interval (from, to] it fetches
/// the raw samples of the variants' request counters and latency buckets over [from - 5m, to]
/// (range selectors, `GET /api/v1/query` at `to`) and counts them as `SeriesIntervalTraffic`
/// counts recorded series. Times are seconds from `originEpoch`. A server that cannot answer
/// throws EnvironmentError.
class LiveIntervalTraffic final : public sim::IntervalTrafficSource {
 public:
  /// `server` (a source whose `query` reaches the server) must outlive this object.
  LiveIntervalTraffic(ReplaySource& server, const ReplayTarget& target, double originEpoch);
  ~LiveIntervalTraffic() override;

  sim::WindowCounts window(Variant v, double from, double to) override;
  std::vector<double> boundsMs() override;

 private:
  void fetch(double from, double to);

  ReplaySource& server_;
  ReplayTarget target_;
  double origin_;
  std::optional<std::pair<double, double>> fetched_;
  std::unique_ptr<core::promql::MemorySeriesStore> store_;
  std::unique_ptr<SeriesIntervalTraffic> counts_;
};

/// `name{label="value",...}` selecting a variant's series of `name` as the builtin queries do.
std::string variantSelector(const std::string& name, const ReplayTarget& target, Variant v);

}  // namespace rolloutlab::replay
