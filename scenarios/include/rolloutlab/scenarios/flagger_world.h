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
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/core/flagger/engine.h"
#include "rolloutlab/core/flagger/run.h"
#include "rolloutlab/core/promql/query.h"
#include "rolloutlab/core/promql/series_source.h"
#include "rolloutlab/core/rng.h"
#include "rolloutlab/scenarios/mesh.h"
#include "rolloutlab/scenarios/model.h"
#include "rolloutlab/scenarios/scenario.h"

namespace rolloutlab::scenarios {

/// A scenario ready for simulation: immutable, shared by every run and thread.
class CompiledScenario {
 public:
  explicit CompiledScenario(Scenario s);
  const Scenario& spec() const { return spec_; }
  const TrafficProfile& traffic() const { return traffic_; }
  const BehaviourModel& behaviour(Variant v) const { return v == Variant::kCanary ? canary_ : primary_; }
  /// True when the canary behaves differently from its baseline at t (a regression acts).
  bool regressionActive(double t) const;

 private:
  Scenario spec_;
  TrafficProfile traffic_;
  BehaviourModel primary_;
  BehaviourModel canary_;
};

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
  const MeshLayout& layout() const { return layout_; }
  const Workload& workload() const { return workload_; }
  const PreparedCheck& check(int metricIndex, core::flagger::CheckKind kind) const;
  const std::vector<PreparedCheck>& checks() const { return checks_; }

 private:
  core::flagger::FlaggerEngine engine_;
  MeshLayout layout_;
  Workload workload_;
  std::vector<PreparedCheck> checks_;  // metricIndex * 4 + kind
};

/// What a run cost the users, measured on the world's own draws.
struct RunTotals {
  double canaryRequests = 0;  ///< user requests the canary answered (mirrored and load-test excluded)
  double canaryErrors = 0;    ///< of which 5xx
  double excessErrors = 0;    ///< expected 5xx the release caused: sum of lambda_user * (p_canary - p_primary)
};

/// The synthetic world of one run. Reusable: `reset(seed)` starts a new run on the same
/// series (so query caches survive across runs). Not thread-safe; one per thread.
class FlaggerSyntheticWorld final : public core::flagger::FlaggerWorld, public core::promql::SeriesSource {
 public:
  FlaggerSyntheticWorld(const FlaggerPlan& plan, const CompiledScenario& scenario);
  ~FlaggerSyntheticWorld() override;

  /// Starts a run: seed, scrape phase, empty state.
  void reset(std::uint64_t seed);
  /// The engine's decision at t: new routes and phase changes (scale-up, Promote, scale-down).
  void afterTick(double t, const core::flagger::TickRecord& rec);
  /// Totals up to t.
  RunTotals totals(double t);
  /// Value of the spec's check at t without disturbing the run (for traces): evaluated on a
  /// copy of the world's state.
  core::flagger::MetricAnswer peek(double t, int metricIndex, core::flagger::CheckKind kind);

  // FlaggerWorld
  core::flagger::Readiness primaryReady(double t, core::flagger::Phase phase) override;
  core::flagger::Readiness canaryReady(double t, core::flagger::Phase phase) override;
  bool webhook(double t, const core::flagger::WebhookSpec& hook, int index,
               core::flagger::Phase payloadPhase) override;
  core::flagger::MetricAnswer metric(double t, const core::flagger::MetricSpec& m, int index,
                                     core::flagger::CheckKind kind) override;

  // SeriesSource
  void select(const std::vector<core::promql::Matcher>& matchers,
              std::vector<core::promql::SeriesRef>& out) override;
  const core::promql::Labels& labels(core::promql::SeriesRef s) const override;
  void samples(core::promql::SeriesRef s, core::promql::TimestampMs from, core::promql::TimestampMs to,
               std::vector<core::promql::Sample>& out) override;
  core::promql::RangeSummary rangeSummary(core::promql::SeriesRef s, core::promql::TimestampMs from,
                                          core::promql::TimestampMs to) override;
  std::optional<core::promql::Sample> latest(core::promql::SeriesRef s, core::promql::TimestampMs t,
                                             core::promql::TimestampMs lookback) override;
  std::uint64_t generation() const override { return 1; }

  /// Epoch (ms) of t = 0: 2024-01-01T00:00:00Z.
  static constexpr core::promql::TimestampMs kEpochMs = 1704067200000LL;

  struct State;  // the per-run state (public for the implementation's helpers)

 private:
  const FlaggerPlan& plan_;
  const CompiledScenario& scenario_;
  std::unique_ptr<State> st_;
  std::vector<struct SeriesInfo> series_;
  std::vector<core::promql::Labels> labels_;
  std::vector<std::shared_ptr<core::promql::PreparedQuery>> queries_;  // per check, this thread's copy
};

/// One closed-loop run's result.
struct RunSummary {
  core::flagger::Outcome outcome;
  double timeToDecision = -1;   ///< seconds from detection to the final phase; -1 if none
  double timeToPromotion = -1;  ///< seconds to Succeeded after an analysis; -1 otherwise
  RunTotals totals;
  int peakCanaryWeight = 0;  ///< highest share of live traffic on the canary, percent
  int ticks = 0;
};

/// Per tick, the value of every metric check the spec has, and the range it is held against.
struct MeasuredValue {
  std::string name;
  core::flagger::CheckKind kind = core::flagger::CheckKind::kInlineQuery;
  core::flagger::MetricAnswer answer;
  bool checkedByEngine = false;  ///< the engine ran this check on this tick
  std::optional<double> min, max;
};

struct SimulationResult {
  core::flagger::FlaggerRun run;
  std::vector<std::vector<MeasuredValue>> measured;  ///< per tick
  RunSummary summary;
};

/// Runs one rollout in the world: a new revision at t = 0, a tick every analysis interval,
/// until a final phase or the scenario's duration.
SimulationResult simulateFlagger(const FlaggerPlan& plan, const CompiledScenario& scenario,
                                 std::uint64_t seed, bool measureAll = true);

/// The same run without a trace (the batch path); `world` is reused across runs.
RunSummary runFlagger(const FlaggerPlan& plan, const CompiledScenario& scenario,
                      FlaggerSyntheticWorld& world, std::uint64_t seed);

}  // namespace rolloutlab::scenarios
