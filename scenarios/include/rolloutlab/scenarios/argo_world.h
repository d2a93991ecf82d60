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
#include "rolloutlab/scenarios/flagger_world.h"
#include "rolloutlab/scenarios/mesh.h"
#include "rolloutlab/scenarios/mesh_series.h"
#include "rolloutlab/scenarios/scenario.h"
#include "rolloutlab/scenarios/shadow_judge.h"

namespace rolloutlab::scenarios {

/// The mesh whose series a Rollout's router reads (`istio` without traffic routing).
std::string argoMeshProvider(const core::argo::RolloutSpec& rollout);

/// How the series of a Rollout's variants are labelled under `provider`: the canary variant is
/// the new ReplicaSet (`<rollout>-<hash>`), the primary the stable one; every series carries
/// `rollouts_pod_template_hash`, and Istio series also the canary and stable services'
/// `destination_service_name` / `destination_service`.
Workload argoWorkload(const core::argo::RolloutSpec& rollout, const std::string& provider);

/// The share of the requests reaching a managed route that match it: `traffic.routeMatch` by
/// the route's name, else `matchFraction` for a header route and `mirrorMatchFraction` for a
/// mirror route.
double argoRouteMatch(const TrafficSpec& traffic, const core::argo::ManagedRoute& route);

/// The traffic split the engine's router makes at t (weight and managed routes,
/// `core::argo::argoTrafficSplit`) with the scenario's match fractions.
core::argo::ArgoTrafficSplit argoSplit(const core::argo::ArgoSnapshot& snapshot,
                                       const TrafficSpec& traffic);

/// A Prometheus answer as Argo's provider reads it (metricproviders/prometheus/prometheus.go
/// `processResponse`): a scalar is a float64, a vector a []float64 in series order (empty, not
/// nil, without series), an error a provider error with the server's text.
core::argo::ProviderAnswer argoPrometheusAnswer(const core::promql::QueryResult& result);

/// Checks that a metric model fits its metric (a `job` model answers Job metrics, and only
/// them); throws InputError naming the scenario's field.
void checkArgoModel(const Scenario& scenario, const core::argo::Metric& metric,
                    const MetricModelSpec& model);

/// The summary of a finished Argo run: sets `run.end` (the last instant simulated) and
/// `run.outcome`, and maps the outcome (promoted -> Succeeded, aborted -> Failed, the rest in
/// progress at `end`), counts reconciles and the measurements the analyses took. Totals and
/// judges are the caller's.
RunSummary argoRunSummary(const core::argo::ArgoEngine& engine, const core::argo::ArgoState& state,
                          core::argo::ArgoRun& run, double end, double peakCanaryWeight);

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
class ArgoSyntheticWorld final : public core::argo::ArgoWorld {
 public:
  ArgoSyntheticWorld(const ArgoPlan& plan, const CompiledScenario& scenario);
  ~ArgoSyntheticWorld() override;

  void reset(std::uint64_t seed);
  /// The controller's decisions at t: new traffic split, canary scale-up / scale-down.
  void afterInstant(double t, const core::argo::ArgoState& state);
  RunTotals totals(double t);
  MeshSeries& series() { return series_; }
  /// A Kayenta-compatible judge to answer Kayenta metrics (else the scenario's model).
  void setKayentaJudge(core::argo::KayentaJudgeHook* judge) { judge_ = judge; }

  // ArgoWorld
  double podStartup(double t, bool newRevision) override;
  core::argo::ProviderAnswer measure(const core::argo::MeasureRequest& request) override;
  core::argo::JobAnswer job(const core::argo::MeasureRequest& request) override;
  core::argo::KayentaAnswer kayenta(const core::argo::KayentaRequest& request) override;

 private:
  std::optional<double> modelValue(double t, const ArgoPlan::Answer& a, std::string* noData);

  const ArgoPlan& plan_;
  const CompiledScenario& scenario_;
  MeshSeries series_;
  std::map<std::string, std::shared_ptr<core::promql::PreparedQuery>>
      queries_;  // this world's copies
  bool canaryUp_ = false;
  core::argo::KayentaJudgeHook* judge_ = nullptr;
};

/// One closed-loop run of an Argo Rollout.
struct ArgoSimulation {
  core::argo::ArgoRun run;
  RunSummary summary;
};

/// Runs one update in the world: the new revision at t = 0, then every due instant until the
/// rollout is promoted or aborted (and nothing is left to do) or the scenario's duration.
ArgoSimulation simulateArgo(const ArgoPlan& plan, const CompiledScenario& scenario,
                            std::uint64_t seed, const std::vector<JudgeSpec>& judges = {});

/// The same run without a trace (the batch path); `world` is reused across runs.
/// `judges` are attached as shadow analyses, observing every minute (they do not decide).
RunSummary runArgo(const ArgoPlan& plan, const CompiledScenario& scenario,
                   ArgoSyntheticWorld& world, std::uint64_t seed,
                   const std::vector<JudgeSpec>& judges = {});

}  // namespace rolloutlab::scenarios
