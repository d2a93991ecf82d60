#pragma once
/// Request logs aggregated per variant and per scrape step into the series a mesh would export,
/// and re-routed under an engine's weights for counterfactual replays.
///
/// `TrafficRecording` holds, for every scrape step (`stepSeconds`, aligned to the epoch) and
/// variant, the requests by status code and by latency bucket of the mesh's histogram (the
/// buckets of `sim::meshLayout`), and the latency sums. Memory grows with the number of
/// steps, never with the number of requests. A request ending at time T is counted by the first
/// scrape after T.
///
/// `TrafficSeries` is a `promql::SeriesSource` over a recording, so the spec's own queries run
/// on it with the PromQL evaluator. In counterfactual mode it is driven by the routes the engine
/// programs, like a synthetic world: every request recorded on the stable version is routed to
/// the canary with the canary's share of traffic at that time (a binomial draw per outcome
/// class), and the canary's outcome comes from a release model (the Scenario `effects`
/// vocabulary) or from the recorded canary requests.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "rolloutlab/core/promql/series_source.h"
#include "rolloutlab/core/rng.h"
#include "rolloutlab/replay/recording.h"
#include "rolloutlab/replay/source.h"
#include "rolloutlab/sim/mesh.h"
#include "rolloutlab/sim/model.h"
#include "rolloutlab/sim/scenario.h"

namespace rolloutlab::replay {

/// Status codes a recording tells apart (0..999); more distinct codes than this are an error.
inline constexpr int kMaxStatusCodes = 64;
/// Latency buckets at most (finite bounds + the +Inf bucket), as the synthetic mesh series.
inline constexpr int kMaxTrafficBuckets = 32;
/// Log-spaced sub-bins per bucket kept for counterfactual latency transforms.
inline constexpr int kSubBins = 16;

/// How a replay of request logs uses the engine's routes.
enum class Counterfactual {
  kNone,            ///< the log is what happened: both variants as recorded, routes ignored
  kModel,           ///< stable requests re-routed; the canary behaves as the release model says
  kRecordedCanary,  ///< stable requests re-routed; the canary behaves as its recorded requests
};
const char* toString(Counterfactual c);
std::optional<Counterfactual> counterfactualFromString(std::string_view s);

class TrafficRecording {
 public:
  /// `keepStableDetail`: also keep the joint (status, latency sub-bin) counts of stable
  /// requests that the model counterfactual needs.
  TrafficRecording(sim::MeshLayout layout, double stepSeconds, bool keepStableDetail);

  /// Adds one request: its end time (seconds since the epoch), variant, HTTP status (0..999) and
  /// latency in milliseconds (NaN when the log does not say). Returns false with `error` set
  /// when the request cannot be stored (too many distinct codes, a time far from the others).
  bool add(double endTime, Variant v, int status, double latencyMs, std::string* error);
  /// Ends ingestion (sorts the detail tables). No `add` afterwards.
  void finish();

  const sim::MeshLayout& layout() const { return layout_; }
  double stepSeconds() const { return stepMs_ / 1000.0; }
  std::int64_t stepMs() const { return stepMs_; }
  /// Absolute index of row 0: row r holds requests ending in [(first+r) * step, (first+r+1) *
  /// step), and the scrape at (first+r+1) * step counts them.
  std::int64_t firstStep() const { return firstStep_; }
  std::int64_t rows() const { return static_cast<std::int64_t>(rowCount_); }
  /// Scrape time (ms since the epoch) of row r.
  std::int64_t scrapeMs(std::int64_t r) const { return (firstStep_ + r + 1) * stepMs_; }
  /// The distinct status codes, in the order of their index.
  const std::vector<int>& codes() const { return codes_; }
  /// The index of a code, adding it when new (-1 when there are too many).
  int codeIndex(int status);
  std::size_t buckets() const { return nb_; }  ///< including +Inf

  /// One row of one variant.
  struct Cell {
    std::array<std::uint32_t, kMaxStatusCodes> byCode{};
    std::array<std::uint32_t, kMaxTrafficBuckets> okBuckets{};   ///< non-5xx requests by bucket
    std::array<std::uint32_t, kMaxTrafficBuckets> errBuckets{};  ///< 5xx requests by bucket
    std::uint32_t okNoLatency = 0, errNoLatency = 0;
    double okSumMs = 0, errSumMs = 0;
    std::uint64_t requests() const;
    std::uint64_t errors() const;  ///< 5xx
  };
  const Cell& cell(std::int64_t row, Variant v) const {
    return cells_[static_cast<std::size_t>(row * 2 + static_cast<int>(v))];
  }

  /// Joint (status, latency sub-bin) counts of the stable requests of a row.
  struct Detail {
    std::uint16_t code = 0;  ///< code index
    std::uint16_t bin = 0;   ///< bucket * kSubBins + sub-bin; kNoLatencyBin when unknown
    std::uint32_t count = 0;
    double sumMs = 0;
  };
  static constexpr std::uint16_t kNoLatencyBin = 0xFFFF;
  const std::vector<Detail>& detail(std::int64_t row) const {
    return detail_[static_cast<std::size_t>(row)];
  }
  bool hasDetail() const { return keepDetail_; }
  /// Latency range (ms) of a sub-bin.
  void binRange(std::uint16_t bin, double& loMs, double& hiMs) const;
  /// The mesh bucket of a latency in ms.
  std::size_t bucketOf(double latencyMs) const;

  /// Quantile (0..1) of the stable requests' latency (ms), log-interpolated within sub-bins
  /// (exact within a bucket bound); NaN without stable latencies.
  double stableLatencyQuantile(double q) const;

  /// Totals over all rows.
  std::uint64_t requests(Variant v) const;

 private:
  Cell& cellAt(std::int64_t row, Variant v) {
    return cells_[static_cast<std::size_t>(row * 2 + static_cast<int>(v))];
  }
  bool ensureRow(std::int64_t step, std::string* error);

  sim::MeshLayout layout_;
  std::int64_t stepMs_ = 15000;
  std::size_t nb_ = 0;
  bool keepDetail_ = false;
  bool finished_ = false;
  std::int64_t firstStep_ = 0;
  std::size_t rowCount_ = 0;
  std::vector<Cell> cells_;
  std::vector<std::vector<Detail>> detail_;
  std::unordered_map<std::uint64_t, Detail> pending_;  // (step, code, bin) while logs stream in
  std::array<std::int16_t, 1000> codeIndex_{};
  std::vector<int> codes_;
  std::vector<double> boundsMs_;  // finite bucket bounds in ms
};

/// A recording as the mesh's series, for one run at a time (`reset` starts the next).
class TrafficSeries final : public core::promql::SeriesSource {
 public:
  /// `workload` names the variants' series. `releaseModel` (kModel) supplies the canary's
  /// `effects`, whose times count from `originEpoch` (the replay's --from).
  TrafficSeries(const TrafficRecording& recording, sim::Workload workload, Counterfactual mode,
                const sim::Scenario* releaseModel, double originEpoch);
  ~TrafficSeries() override;

  /// Starts a run with routing draws from `seed` over the rows `resample` maps.
  void reset(std::uint64_t seed, const BlockResample& resample);
  /// From `epoch` on, these shares of user traffic go to the canary / primary / are mirrored.
  void setShares(double epoch, const RouteShares& shares);
  /// The canary's scale-up / scale-down (counterfactual totals count from the scale-up).
  void setCanaryScaled(double epoch, bool up);
  /// User requests and 5xx the canary served, and the excess 5xx the release caused, up to
  /// `epoch` (whole scrape steps).
  RunTotals totals(double epoch);

  // SeriesSource
  void select(const std::vector<core::promql::Matcher>& matchers,
              std::vector<core::promql::SeriesRef>& out) override;
  const core::promql::Labels& labels(core::promql::SeriesRef s) const override;
  void samples(core::promql::SeriesRef s, core::promql::TimestampMs from,
               core::promql::TimestampMs to, std::vector<core::promql::Sample>& out) override;
  std::uint64_t generation() const override { return 1; }

  struct State;

 private:
  void realize(std::int64_t row);

  const TrafficRecording& rec_;
  sim::Workload workload_;
  Counterfactual mode_;
  double origin_;
  std::unique_ptr<sim::BehaviourModel> model_;
  double medianMs_ = 0;
  struct SeriesInfo {
    Variant v;
    enum class Kind { kCode, kClass, kBucket, kCount, kSum } kind;
    int code;    // code index (kCode), class 0 ok / 1 err (kClass), or -1 / class for histograms
    int bucket;  // kBucket
  };
  std::vector<SeriesInfo> info_;
  std::vector<core::promql::Labels> labels_;
  std::unique_ptr<State> st_;
};

}  // namespace rolloutlab::replay
