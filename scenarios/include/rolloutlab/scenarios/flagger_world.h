#pragma once
/// The closed loop for Flagger: a synthetic world driven by the engine's weights. The
/// world synthesizes the series the mesh would export (request counters by status, latency
/// histograms) and answers the spec's own queries with the PromQL evaluator; it also answers
/// readiness, webhooks and modelled metrics from the scenario.
///
/// Counters are drawn lazily and exactly in distribution: the increase of every category
/// (2xx, 5xx, each latency bucket) between two scrapes is a Poisson (or negative binomial)
/// draw split by binomials; only the scrapes a query reads are realised, and a scrape between
/// two realised ones is drawn conditionally (binomial bridge). A series exists from its first
/// request, as Istio/Envoy create them.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/core/flagger/engine.h"
#include "rolloutlab/core/flagger/run.h"
#include "rolloutlab/core/promql/query.h"
#include "rolloutlab/core/promql/series_source.h"
#include "rolloutlab/core/rng.h"
#include "rolloutlab/scenarios/mesh_series.h"
#include "rolloutlab/scenarios/mesh_traffic.h"
#include "rolloutlab/sim/flagger_loop.h"
#include "rolloutlab/sim/run.h"
#include "rolloutlab/sim/shadow_judge.h"

namespace rolloutlab::scenarios {

/// How one metric check of the spec is answered in this world.
struct PreparedCheck {
  enum class Source {
    kNone,   ///< the engine never runs this (metric, kind)
    kQuery,  ///< the spec's PromQL on the synthesized series
    kModel,  ///< the scenario's model of the metric
    kError,  ///< the query cannot be built (e.g. a render error): every check errors
  };
  Source source = Source::kNone;
  std::string query;  ///< the query text as Flagger sends it
  std::shared_ptr<const core::promql::PreparedQuery> prepared;
  const MetricModelSpec* model = nullptr;
  std::string error;
  double scale = 1.0;         ///< request-duration of http.go: seconds -> ms
  double windowSeconds = 60;  ///< the metric's interval (models)
};

/// A Canary compiled against a scenario: the engine and the query of every check. Throws
/// InputError before any run when a metric is neither evaluable nor modelled.
class FlaggerPlan {
 public:
  FlaggerPlan(const core::flagger::CanarySpec& canary,
              std::vector<const core::flagger::MetricTemplateSpec*> templates,
              const CompiledScenario& scenario, const std::string& meshProvider = "istio");
  const core::flagger::FlaggerEngine& engine() const { return engine_; }
  const core::flagger::CanarySpec& canary() const { return engine_.spec(); }
  /// The Canary's analysis interval in seconds (`CanarySpec::analysisIntervalSeconds`, parsed
  /// once per plan rather than once per run).
  double analysisInterval() const { return analysisInterval_; }
  const MeshLayout& layout() const { return layout_; }
  const Workload& workload() const { return workload_; }
  const PreparedCheck& check(int metricIndex, core::flagger::CheckKind kind) const;
  const std::vector<PreparedCheck>& checks() const { return checks_; }

 private:
  core::flagger::FlaggerEngine engine_;
  double analysisInterval_ = 60.0;
  MeshLayout layout_;
  Workload workload_;
  std::vector<PreparedCheck> checks_;  // metricIndex * 4 + kind
};

/// The synthetic world of one run. Reusable: `reset(seed)` starts a new run on the same
/// series (so query caches survive across runs). Not thread-safe; one per thread.
class FlaggerSyntheticWorld final : public sim::FlaggerRunWorld {
 public:
  FlaggerSyntheticWorld(const FlaggerPlan& plan, const CompiledScenario& scenario);
  ~FlaggerSyntheticWorld() override;

  /// Starts a run: seed, scrape phase, empty state.
  void reset(std::uint64_t seed);
  /// The engine's decision at t: new routes and phase changes (scale-up, Promote, scale-down).
  void afterTick(double t, const core::flagger::TickRecord& rec) override;
  /// Totals up to t.
  RunTotals totals(double t);
  /// Value of the spec's check at t without disturbing the run (for traces): evaluated on a
  /// copy of the world's state.
  core::flagger::MetricAnswer peek(double t, int metricIndex, core::flagger::CheckKind kind);
  /// The same check answered for the primary, without disturbing the run: the spec's own query
  /// evaluated on the primary's series presented under the canary's labels (so every mesh and
  /// every template reads its twin series), or the scenario's model of the metric for the
  /// primary. Outages apply; the scenario's random query errors do not (they stand for failed
  /// requests of the checks the engine makes).
  core::flagger::MetricAnswer peekPrimary(double t, int metricIndex, core::flagger::CheckKind kind);
  /// The synthesized series (what the spec's queries read).
  MeshSeries& series() { return series_; }

  // FlaggerWorld
  core::flagger::Readiness primaryReady(double t, core::flagger::Phase phase) override;
  core::flagger::Readiness canaryReady(double t, core::flagger::Phase phase) override;
  bool webhook(double t, const core::flagger::WebhookSpec& hook, int index,
               core::flagger::Phase payloadPhase) override;
  core::flagger::MetricAnswer metric(double t, const core::flagger::MetricSpec& m, int index,
                                     core::flagger::CheckKind kind) override;

  // sim::FlaggerRunWorld
  std::optional<RunTotals> runTotals(double t) override;
  bool answersCheck(int metricIndex, core::flagger::CheckKind kind) const override;
  core::flagger::MetricAnswer peekCheck(double t, int metricIndex,
                                        core::flagger::CheckKind kind) override {
    return peek(t, metricIndex, kind);
  }
  std::optional<core::flagger::MetricAnswer> peekPrimaryCheck(
      double t, int metricIndex, core::flagger::CheckKind kind) override {
    return peekPrimary(t, metricIndex, kind);
  }
  sim::IntervalTrafficSource* intervalTraffic() override { return &traffic_; }

 private:
  const FlaggerPlan& plan_;
  const CompiledScenario& scenario_;
  MeshSeries series_;
  MeshIntervalTraffic traffic_{series_};
  std::vector<std::shared_ptr<core::promql::PreparedQuery>>
      queries_;  // per check, this world's copy
  std::vector<std::shared_ptr<core::promql::PreparedQuery>> primaryQueries_;  // made on first use
  std::unique_ptr<core::promql::SeriesSource> swapped_;  // the series with the variants swapped
  core::flagger::MetricAnswer answer(double t, int index, core::flagger::CheckKind kind, Variant v);
  double tPromote_ = 0;
  core::flagger::Phase lastPhase_ = core::flagger::Phase::kInitialized;
  // Per hook of the Canary (by its index): the scenario's gate (nullptr: none), found once
  // per world instead of by name on every call; the time of the hook's first call this run
  // (NaN: not called yet).
  std::vector<const GateSpec*> gates_;
  std::vector<double> firstCall_;
  std::map<int, double> otherCalls_;  // first calls of an index outside the Canary's hooks
  bool kubernetes_ = false;           // the Canary's provider is "kubernetes" (no traffic shifting)
  const GateSpec* gateOf(const core::flagger::WebhookSpec& hook) const;
};

/// Runs one rollout in the world with the one tick loop (sim/flagger_loop.h): a new revision at
/// t = 0, a tick every analysis interval, until a final phase or the scenario's duration.
/// `measureAll` fills `measured` with every check of the spec on every tick (those the engine did
/// not run are peeked); `measurePrimary` adds the primary's value of each. Neither changes the run:
/// its ticks and summary are the same with or without them. `judges` are attached as shadow
/// analyses (they observe, they do not decide).
SimulationResult simulateFlagger(const FlaggerPlan& plan, const CompiledScenario& scenario,
                                 std::uint64_t seed, bool measureAll = true,
                                 bool measurePrimary = false,
                                 const std::vector<JudgeSpec>& judges = {});

/// The same run without a trace (the batch path); `world` is reused across runs.
RunSummary runFlagger(const FlaggerPlan& plan, const CompiledScenario& scenario,
                      FlaggerSyntheticWorld& world, std::uint64_t seed,
                      const std::vector<JudgeSpec>& judges = {});

}  // namespace rolloutlab::scenarios
