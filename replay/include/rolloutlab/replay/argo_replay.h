#pragma once
/// Replays of Argo Rollouts: a Rollout run against recorded production data exactly as the Argo
/// Rollouts controller would have decided over that window.
///
/// ```
/// auto rec = Recording::open(spec, targetOf(rollout));     // a live Prometheus, files, logs
/// ArgoReplayPlan plan(rollout, catalog, rec);
/// auto source = rec->makeSource();
/// auto sim = replayArgo(plan, *source, options);           // events and summary, as `simulate`
/// ```
///
/// Time: the new revision is applied at `from` (t = 0 of the trace); the engine then runs every
/// instant at which something is due (a measurement, a pause ending, pods becoming available)
/// until the rollout is promoted or aborted, or `to`. There is no fixed tick: each measurement
/// asks the source at exactly its own time, `from + t` (a live Prometheus gets an instant query
/// with `time=from + t`). A replay's `step` does not apply to Rollouts.
///
/// How each metric of the Rollout's analyses is answered, in this order:
///  1. values recorded under the metric's name (query_range files, CSV): for Prometheus metrics
///     every recorded series present at that time, as a vector in recorded order (what the
///     recorded query answered then); for other providers the value (a Kayenta score);
///  2. Prometheus metrics: the query, its `{{args.*}}` substituted as the controller substitutes
///     them, sent to the server or evaluated on recorded series, its answer read as Argo's
///     provider reads it (metricproviders/prometheus/prometheus.go `processResponse`);
///  3. a model of the Replay's Scenario (`spec.metrics.models.<metric>`): `normal` (its bad
///     values while the Scenario's effects act, their times counting from `from`) for any
///     provider, `job` for Job metrics.
/// A metric none of these answers is an InputError before the run.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rolloutlab/core/argo/run.h"
#include "rolloutlab/core/rng.h"
#include "rolloutlab/replay/replay.h"
#include "rolloutlab/sim/argo_loop.h"
#include "rolloutlab/sim/compiled_scenario.h"
#include "rolloutlab/sim/run.h"

namespace rolloutlab::replay {

/// The target of a Rollout: the mesh its router reads, its variants' labels as the synthetic
/// Argo world gives them (sim::argoWorkload) and, for request logs, the canary service's
/// name as what marks a canary request.
ReplayTarget targetOf(const core::argo::RolloutSpec& rollout);

/// How one metric of a Rollout is answered in a replay.
struct ArgoReplayAnswer {
  enum class Source {
    kNamed,  ///< values recorded under the metric's name
    kQuery,  ///< the metric's Prometheus query, sent to the server or evaluated on series
    kModel,  ///< a model of the Replay's Scenario
  };
  Source source = Source::kQuery;
  const sim::MetricModelSpec* model = nullptr;  ///< kModel
};
/// `named`, `query` or `model`.
const char* toString(ArgoReplayAnswer::Source s);

/// A Rollout compiled against a recording: its engine and how each metric is answered. Throws
/// InputError before any run when the rollout cannot be simulated or a metric cannot be
/// answered (naming the metric and the ways to answer it).
class ArgoReplayPlan {
 public:
  ArgoReplayPlan(const core::argo::RolloutSpec& rollout, const core::argo::TemplateCatalog& catalog,
                 std::shared_ptr<const Recording> recording);
  ~ArgoReplayPlan();

  const core::argo::ArgoEngine& engine() const { return *engine_; }
  const core::argo::RolloutSpec& rollout() const { return engine_->rollout(); }
  const Recording& recording() const { return *recording_; }
  /// The Replay's Scenario compiled (models, readiness); nullptr without one.
  const sim::CompiledScenario* scenario() const { return scenario_.get(); }
  /// The answer for a metric of one of the rollout's runs (by name and resolved query).
  const ArgoReplayAnswer& answer(const core::argo::Metric& m) const;

 private:
  std::unique_ptr<core::argo::ArgoEngine> engine_;
  std::shared_ptr<const Recording> recording_;
  std::unique_ptr<sim::CompiledScenario> scenario_;
  std::map<std::string, ArgoReplayAnswer> answers_;  // by name + '\n' + query
};

/// One measurement a replay took, for traces: the run layer's (sim/argo_loop.h), its `source`
/// the answer's (`named`, `query` or `model`).
using ArgoMeasurement = sim::ArgoMeasurement;

/// The Argo face of a replay source. Not thread-safe; one per thread, reusable with `reset`.
class ArgoReplayWorld final : public sim::ArgoRunWorld {
 public:
  ArgoReplayWorld(const ArgoReplayPlan& plan, ReplaySource& source);
  /// Starts a run: model draws from `seed`.
  void reset(std::uint64_t seed);
  /// The controller's decisions at t: routes (the share of production traffic on the new
  /// revision, as `canaryWeight`) and the canary's scale-up / scale-down, passed on to the source.
  void afterInstant(double t, const core::argo::ArgoState& state) override;

  // ArgoWorld
  double podStartup(double t, bool newRevision) override;
  core::argo::ProviderAnswer measure(const core::argo::MeasureRequest& request) override;
  core::argo::JobAnswer job(const core::argo::MeasureRequest& request) override;
  core::argo::KayentaAnswer kayenta(const core::argo::KayentaRequest& request) override;

  // sim::ArgoRunWorld
  std::optional<sim::RunTotals> runTotals(double t) override;
  sim::IntervalTrafficSource* intervalTraffic() override;
  /// How the plan answers the metric: `named`, `query` or `model`.
  std::string answerSource(const core::argo::Metric& metric) const override;

 private:
  double epoch(double t) const { return from_ + t; }
  double modelValue(double t, const sim::MetricModelSpec& model);

  const ArgoReplayPlan& plan_;
  ReplaySource& source_;
  double from_;
  core::Rng models_{0};
  bool canaryUp_ = false;
};

/// Runs the replay: the events and the summary, as the synthetic path gives them
/// (scenarios::simulateArgo). `measurements` (optional) receives every measurement with the
/// value it saw (the reconcile loop's observer, sim::ArgoLoopOptions::measurements). A live server
/// that fails in a way no controller saw throws EnvironmentError naming the time.
/// `options.measureAll` does not apply.
sim::ArgoSimulation replayArgo(const ArgoReplayPlan& plan, ReplaySource& source,
                               const ReplayRunOptions& options,
                               std::vector<ArgoMeasurement>* measurements = nullptr);
/// The same without a trace (the batch path).
sim::RunSummary runReplayArgo(const ArgoReplayPlan& plan, ReplaySource& source,
                              const ReplayRunOptions& options);

}  // namespace rolloutlab::replay
