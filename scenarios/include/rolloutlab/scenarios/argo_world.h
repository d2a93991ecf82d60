#pragma once
/// The closed loop for Argo Rollouts: the ArgoEngine driven against the synthesized mesh series
/// (MeshSeries), whose traffic split follows the weights the controller programs.
///
/// Prometheus metrics are the templates' PromQL (arguments substituted) evaluated on the
/// synthesized series at the measurement's time; their result (scalar, or vector in series
/// order) is what the conditions see. Web, Job, Kayenta and other providers are answered by the
/// scenario's models (`spec.metrics.models`, by metric name); a metric that is neither
/// evaluable nor modelled is an error before any run. Pods become available after the scenario's
/// `cluster.canaryStartup` (never with `canaryNeverReady`).
///
/// Series labels for a Rollout: the canary variant is the new ReplicaSet (`<rollout>-<hash>`),
/// the primary variant the stable one; Istio series also carry `destination_service_name` /
/// `destination_service` of the canary and stable services (`rollouts_pod_template_hash` for
/// every mesh), so templates can select either population.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rolloutlab/core/argo/run.h"
#include "rolloutlab/core/promql/query.h"
#include "rolloutlab/scenarios/mesh_series.h"
#include "rolloutlab/scenarios/mesh_traffic.h"
#include "rolloutlab/sim/argo_loop.h"
#include "rolloutlab/sim/argo_mesh.h"
#include "rolloutlab/sim/run.h"
#include "rolloutlab/sim/shadow_judge.h"

namespace rolloutlab::scenarios {

// How a Rollout meets the mesh (argoWorkload, argoSplit, argoPrometheusAnswer, ...) and the
// summary of an Argo run (argoRunSummary) are the run layer's: sim/argo_mesh.h, sim/argo_loop.h.

/// A Rollout compiled against a scenario: the engine, the mesh layout and how every metric is
/// answered. Throws InputError before any run when a metric can be neither evaluated nor
/// modelled, or when the rollout cannot be simulated (experiment steps, invalid spec).
class ArgoPlan {
 public:
  /// `judges`: Judge documents; a Kayenta metric whose canaryConfigName names a
  /// Kayenta-compatible Judge is answered by that judge on the synthesized series.
  ArgoPlan(const core::argo::RolloutSpec& rollout, const core::argo::TemplateCatalog& catalog,
           const CompiledScenario& scenario, const std::vector<JudgeSpec>& judges = {});

  const core::argo::ArgoEngine& engine() const { return *engine_; }
  const core::argo::RolloutSpec& rollout() const { return engine_->rollout(); }
  const MeshLayout& layout() const { return layout_; }
  const Workload& workload() const { return workload_; }

  /// How one metric (by name and resolved query) is answered.
  struct Answer {
    enum class Source { kQuery, kModel, kError, kJudge };
    Source source = Source::kError;
    const JudgeSpec* judge = nullptr;  ///< kJudge: the Kayenta-compatible Judge
    std::shared_ptr<const core::promql::PreparedQuery> query;
    const MetricModelSpec* model = nullptr;
    std::string error;
    double windowSeconds = 60;  ///< models: the metric's interval (60 s when unset)
  };
  /// The answer for a metric of one of the rollout's runs.
  const Answer& answer(const core::argo::Metric& m) const;
  const std::map<std::string, Answer>& answers() const { return answers_; }

 private:
  std::unique_ptr<core::argo::ArgoEngine> engine_;
  MeshLayout layout_;
  Workload workload_;
  std::map<std::string, Answer> answers_;  // by name + '\n' + query
  std::vector<JudgeSpec> judges_;
};

/// The synthetic world of one run. Reusable: `reset(seed)` starts a new run on the same series.
/// Not thread-safe; one per thread.
class ArgoSyntheticWorld final : public sim::ArgoRunWorld {
 public:
  ArgoSyntheticWorld(const ArgoPlan& plan, const CompiledScenario& scenario);
  ~ArgoSyntheticWorld() override;

  void reset(std::uint64_t seed);
  /// The controller's decisions at t: new traffic split, canary scale-up / scale-down.
  void afterInstant(double t, const core::argo::ArgoState& state) override;
  RunTotals totals(double t);
  MeshSeries& series() { return series_; }
  /// A Kayenta-compatible judge to answer Kayenta metrics (else the scenario's model).
  void setKayentaJudge(core::argo::KayentaJudgeHook* judge) { judge_ = judge; }

  // ArgoWorld
  double podStartup(double t, bool newRevision) override;
  core::argo::ProviderAnswer measure(const core::argo::MeasureRequest& request) override;
  core::argo::JobAnswer job(const core::argo::MeasureRequest& request) override;
  core::argo::KayentaAnswer kayenta(const core::argo::KayentaRequest& request) override;

  // sim::ArgoRunWorld
  std::optional<RunTotals> runTotals(double t) override;
  sim::IntervalTrafficSource* intervalTraffic() override { return &traffic_; }
  /// Draws the canary's scrape at t every minute, judges or not, so that attaching judges
  /// never changes the run's draws.
  void onLook(double t) override;
  /// How the plan answers the metric: `query`, `model` or `judge` (a Kayenta-compatible Judge,
  /// or the hook set by setKayentaJudge); empty for a metric it cannot answer.
  std::string answerSource(const core::argo::Metric& metric) const override;

 private:
  std::optional<double> modelValue(double t, const ArgoPlan::Answer& a, std::string* noData);

  const ArgoPlan& plan_;
  const CompiledScenario& scenario_;
  MeshSeries series_;
  MeshIntervalTraffic traffic_{series_};
  std::map<std::string, std::shared_ptr<core::promql::PreparedQuery>>
      queries_;  // this world's copies
  bool canaryUp_ = false;
  core::argo::KayentaJudgeHook* judge_ = nullptr;
};

/// Runs one update in the world: the new revision at t = 0, then every due instant until the
/// rollout is promoted or aborted (and nothing is left to do) or the scenario's duration.
/// `measurements` (optional) receives every measurement the analyses take, in the order they
/// are taken (the reconcile loop's observer, sim::ArgoLoopOptions::measurements); the run is
/// the same with or without it.
ArgoSimulation simulateArgo(const ArgoPlan& plan, const CompiledScenario& scenario,
                            std::uint64_t seed, const std::vector<JudgeSpec>& judges = {},
                            std::vector<sim::ArgoMeasurement>* measurements = nullptr);

/// The same run without a trace (the batch path); `world` is reused across runs.
/// `judges` are attached as shadow analyses, observing every minute (they do not decide).
RunSummary runArgo(const ArgoPlan& plan, const CompiledScenario& scenario,
                   ArgoSyntheticWorld& world, std::uint64_t seed,
                   const std::vector<JudgeSpec>& judges = {});

}  // namespace rolloutlab::scenarios
