#pragma once
/// Batch pairs on synthetic worlds: a Canary or a Rollout compiled against a scenario, as the
/// batch engine (sim/batch.h) runs them. Each worker keeps one reusable world.

#include <memory>
#include <string>
#include <vector>

#include "rolloutlab/core/argo/run.h"
#include "rolloutlab/core/flagger/spec.h"
#include "rolloutlab/sim/batch.h"
#include "rolloutlab/sim/compiled_scenario.h"

namespace rolloutlab::scenarios {

/// A Canary against a scenario (throws InputError when a metric is neither evaluable nor
/// modelled). `scenario` must outlive the plan.
std::unique_ptr<sim::PairPlan> flaggerPairPlan(
    const core::flagger::CanarySpec& canary,
    std::vector<const core::flagger::MetricTemplateSpec*> templates,
    const sim::CompiledScenario& scenario, const std::string& meshProvider);

/// A Rollout against a scenario; `judges` answer Kayenta metrics whose canaryConfigName names
/// one. `scenario` must outlive the plan.
std::unique_ptr<sim::PairPlan> argoPairPlan(const core::argo::RolloutSpec& rollout,
                                            const core::argo::TemplateCatalog& catalog,
                                            const sim::CompiledScenario& scenario,
                                            const std::vector<sim::JudgeSpec>& judges);

}  // namespace rolloutlab::scenarios
