#pragma once
/// Batch pairs on recordings: a Canary or a Rollout against a Replay, as the batch engine
/// (sim/batch.h) runs them. Replicate r runs on a moving-block bootstrap resample of the
/// recording drawn from its replicate seed; shadow judges read the replicate's request counts.

#include <memory>
#include <string>
#include <vector>

#include "rolloutlab/core/argo/run.h"
#include "rolloutlab/core/flagger/spec.h"
#include "rolloutlab/replay/replay.h"
#include "rolloutlab/sim/batch.h"

namespace rolloutlab::replay {

/// A Canary against a recording that can be resampled (query_range files, CSV or request logs;
/// not a live Prometheus or raw series: InputError).
std::unique_ptr<sim::PairPlan> flaggerReplayPairPlan(
    const core::flagger::CanarySpec& canary,
    std::vector<const core::flagger::MetricTemplateSpec*> templates, const ReplaySpec& replay,
    const std::string& meshProvider);

/// A Rollout against a recording that can be resampled.
std::unique_ptr<sim::PairPlan> argoReplayPairPlan(const core::argo::RolloutSpec& rollout,
                                                  const core::argo::TemplateCatalog& catalog,
                                                  const ReplaySpec& replay);

}  // namespace rolloutlab::replay
