#pragma once
// Builders for Argo engine tests: specs from YAML text, a programmable world, a driver.

#include <functional>
#include <string>
#include <vector>

#include "rolloutlab/core/argo/run.h"
#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::test {

struct ArgoFixture {
  std::vector<core::argo::RolloutSpec> rollouts;
  core::argo::TemplateCatalog catalog;
  core::Diagnostics diagnostics;
};

/// Decodes and validates every Rollout/AnalysisTemplate/ClusterAnalysisTemplate in `yaml`.
ArgoFixture loadArgo(const std::string& yaml);

/// A traffic-routed (Istio) canary Rollout `demo` with these steps (YAML list items, indented
/// by 8 spaces) and extra canary fields (indented by 6).
std::string canaryRollout(const std::string& steps, const std::string& canaryExtra = "",
                          int replicas = 1, const std::string& specExtra = "");
/// An AnalysisTemplate `name` with one prometheus metric `metric` and these metric fields
/// (indented by 6 spaces).
std::string promTemplate(const std::string& name, const std::string& metric,
                         const std::string& fields);

/// A world whose answers come from functions (defaults: pods ready at once, every measurement
/// [1.0], Jobs succeed at once, Kayenta score 100).
class FakeArgoWorld final : public core::argo::ArgoWorld {
 public:
  double startup = 0;
  std::function<core::argo::ProviderAnswer(const core::argo::MeasureRequest&)> onMeasure;
  std::function<core::argo::JobAnswer(const core::argo::MeasureRequest&)> onJob;
  std::function<core::argo::KayentaAnswer(const core::argo::KayentaRequest&)> onKayenta;
  std::vector<std::pair<double, std::string>> measured;  ///< (t, metric) of every measurement

  double podStartup(double, bool) override { return startup; }
  core::argo::ProviderAnswer measure(const core::argo::MeasureRequest& r) override;
  core::argo::JobAnswer job(const core::argo::MeasureRequest& r) override;
  core::argo::KayentaAnswer kayenta(const core::argo::KayentaRequest& r) override;
};

/// A vector result [v].
core::argo::ProviderAnswer vec(double v);

/// Drives an engine: the new revision at 0, then every due instant and these actions until
/// `until`; returns the events.
struct ArgoDrive {
  std::vector<core::argo::ArgoEvent> events;
  core::argo::ArgoState state;
  core::argo::ArgoOutcome outcome;
};
ArgoDrive drive(const core::argo::ArgoEngine& engine, core::argo::ArgoWorld& world, double until,
                const std::vector<std::pair<double, core::argo::UserAction>>& actions = {});

/// The last event at or before t.
const core::argo::ArgoEvent* stateAt(const std::vector<core::argo::ArgoEvent>& events, double t);

}  // namespace rolloutlab::test
