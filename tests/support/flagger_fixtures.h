#pragma once
// Builders for Flagger engine tests: a Canary spec in code and a world whose answers each test
// programs, recording every call the engine makes (like Flagger's own
// scheduler_deployment_fixture_test.go drives advanceCanary against fakes).

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "rolloutlab/core/flagger/engine.h"

namespace rolloutlab::test {

/// podinfo in namespace test, istio, interval 1m, threshold 2, stepWeight 10, maxWeight 50,
/// one request-success-rate metric with thresholdRange.min 99.
core::flagger::CanarySpec makeCanarySpec();

core::flagger::MetricSpec makeMetric(const std::string& name, std::optional<double> min,
                                     std::optional<double> max);
core::flagger::WebhookSpec makeHook(const std::string& name, core::flagger::WebhookType type);

/// A programmable world. Unset answers: ready, hooks pass, metrics return `defaultValue`.
class FakeWorld : public core::flagger::FlaggerWorld {
 public:
  core::flagger::Readiness primary = core::flagger::Readiness::kReady;
  core::flagger::Readiness canary = core::flagger::Readiness::kReady;
  std::map<std::string, bool> hooks;                           ///< by hook name; absent = pass
  std::map<std::string, core::flagger::MetricAnswer> metrics;  ///< by metric name
  double defaultValue = 99.5;
  /// Every call, in order: "primary", "canary", "hook:<name>:<payload phase>",
  /// "metric:<name>:<kind>:<interval>".
  std::vector<std::string> calls;

  core::flagger::Readiness primaryReady(double, core::flagger::Phase) override;
  core::flagger::Readiness canaryReady(double, core::flagger::Phase) override;
  bool webhook(double, const core::flagger::WebhookSpec& h, int, core::flagger::Phase p) override;
  core::flagger::MetricAnswer metric(double, const core::flagger::MetricSpec& m, int,
                                     core::flagger::CheckKind kind) override;
  /// Calls whose text starts with prefix.
  std::vector<std::string> callsStartingWith(const std::string& prefix) const;
};

/// Drives an engine tick by tick.
class EngineDriver {
 public:
  explicit EngineDriver(core::flagger::CanarySpec spec,
                        std::vector<const core::flagger::MetricTemplateSpec*> templates = {},
                        core::flagger::FlaggerEngineOptions options = {});
  /// One tick; `newRevision` bumps the target's revision first.
  core::flagger::TickRecord tick(bool newRevision = false);
  /// Ticks until the phase is final or `maxTicks` pass; returns the last record.
  core::flagger::TickRecord runToEnd(int maxTicks = 100);
  core::flagger::FlaggerState state;
  FakeWorld world;
  core::flagger::FlaggerEngine engine;
  int ticks = 0;
};

}  // namespace rolloutlab::test
