#pragma once
/// The series a mesh exports for a canary and its primary, synthesized lazily from a
/// scenario and driven by the routes an engine programs (the closed loop). Engine-neutral:
/// the Flagger and Argo worlds both answer their queries from it.
///
/// Counters are drawn lazily and exactly in distribution: the increase of every category
/// (2xx, 5xx, each latency bucket) between two scrapes is a Poisson (or negative binomial)
/// draw split by binomials; only the scrapes a query reads are realised, and a scrape between
/// two realised ones is drawn conditionally (a binomial bridge per category). A series exists
/// from its first request, as Istio/Envoy create them; the primary's series exist from two
/// hours before t = 0. Latency sums (`_sum`) use a normal approximation of the sum.

#include <cstdint>
#include <memory>
#include <vector>

#include "rolloutlab/core/promql/series_source.h"
#include "rolloutlab/core/rng.h"
#include "rolloutlab/sim/compiled_scenario.h"
#include "rolloutlab/sim/mesh.h"
#include "rolloutlab/sim/model.h"
#include "rolloutlab/sim/run.h"
#include "rolloutlab/sim/scenario.h"

namespace rolloutlab::scenarios {

// The synthetic worlds speak the run layer's vocabulary (Scenario, Variant, RunTotals, ...).
using namespace rolloutlab::sim;

class MeshSeries final : public core::promql::SeriesSource {
 public:
  MeshSeries(MeshLayout layout, Workload workload, const CompiledScenario& scenario);
  ~MeshSeries() override;
  MeshSeries(const MeshSeries&) = delete;
  MeshSeries& operator=(const MeshSeries&) = delete;

  /// Starts a run: seeds, the scrape phase (uniform over one scrape interval), empty state.
  void reset(std::uint64_t seed);
  /// From t on, these shares of the live user traffic go to the canary and the primary, and
  /// this share is copied (mirrored) to the canary.
  void setShares(double t, double canaryLive, double primaryLive, double mirror);
  /// The canary's pods start at t (its series may appear; the load tester starts).
  void scaleUp(double t);
  /// The canary is scaled to zero at t (the load tester stops).
  void scaleDown(double t);
  /// When the canary was last scaled up (infinity if never).
  double canaryUpSince() const;

  /// Requests, 5xx and per-bucket requests of a variant between the scrapes at or before
  /// `from` and `to`.
  using WindowCounts = sim::WindowCounts;
  WindowCounts window(Variant v, double from, double to);
  /// Draws the variant's counts at the last scrape at or before t (if not drawn yet). The
  /// closed loop does it for the canary after every tick, so that whatever reads the series
  /// at tick times (a shadow judge) sees the draws the run makes anyway.
  void touch(Variant v, double t);
  /// The canary's totals up to t (exact: the last stretch after the last scrape is drawn too).
  RunTotals totals(double t);

  /// Independent random streams for the layers above (gates, injected query errors, models).
  enum class Stream { kGates, kErrors, kModels };
  core::Rng& rng(Stream s);

  /// An opaque copy of the run's state, to evaluate something without disturbing the run.
  std::shared_ptr<void> save() const;
  void restore(const std::shared_ptr<void>& saved);

  /// The series of the other variant with the same name and labels apart from the variant's
  /// own (same status code, same `le`): a canary series' primary twin and back.
  core::promql::SeriesRef counterpart(core::promql::SeriesRef s) const;

  const MeshLayout& layout() const { return layout_; }
  const Workload& workload() const { return workload_; }
  const CompiledScenario& scenario() const { return scenario_; }

  // SeriesSource
  void select(const std::vector<core::promql::Matcher>& matchers,
              std::vector<core::promql::SeriesRef>& out) override;
  const core::promql::Labels& labels(core::promql::SeriesRef s) const override;
  void samples(core::promql::SeriesRef s, core::promql::TimestampMs from,
               core::promql::TimestampMs to, std::vector<core::promql::Sample>& out) override;
  core::promql::RangeSummary rangeSummary(core::promql::SeriesRef s, core::promql::TimestampMs from,
                                          core::promql::TimestampMs to) override;
  void rangeSummaries(const std::vector<core::promql::SeriesRef>& refs,
                      core::promql::TimestampMs from, core::promql::TimestampMs to,
                      std::vector<core::promql::RangeSummary>& out) override;
  std::optional<core::promql::Sample> latest(core::promql::SeriesRef s, core::promql::TimestampMs t,
                                             core::promql::TimestampMs lookback) override;
  std::uint64_t generation() const override { return 1; }

  /// Epoch (ms) of t = 0: 2024-01-01T00:00:00Z.
  static constexpr core::promql::TimestampMs kEpochMs = 1704067200000LL;
  /// t (seconds from the detection tick) as seconds since the epoch, for PromQL evaluation.
  static double epochSeconds(double t) { return static_cast<double>(kEpochMs) / 1000.0 + t; }

  struct State;

 private:
  MeshLayout layout_;
  Workload workload_;
  const CompiledScenario& scenario_;
  std::unique_ptr<State> st_;
  std::vector<struct SeriesInfo> series_;
  std::vector<core::promql::Labels> labels_;
};

}  // namespace rolloutlab::scenarios
