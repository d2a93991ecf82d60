#pragma once
/// JSON of Argo Rollouts runs (`simulate -o json`): an `events` list and the `outcome`.

#include <cstdint>
#include <string>

#include "rolloutlab/core/argo/run.h"
#include "rolloutlab/io/json_util.h"

namespace rolloutlab::io {

Json argoEventJson(const core::argo::ArgoEvent& e);
Json argoOutcomeJson(const core::argo::ArgoOutcome& o);
/// {"engine": "argo", "target", "seed", "events": [...], "outcome": {...}}
Json argoRunJson(const core::argo::ArgoRun& run, const std::string& target, std::uint64_t seed);
/// A one-line rendering of an event's listed fields (tables and golden traces):
/// `t=30 step=1 weight=20 Paused abort=false pause=[CanaryPauseStep] | run kind phase m=phase
/// c/s/f/i/e/ce`, with `routes header:<name> mirror:<name>:<percentage>%` (precedence order)
/// at the end while the router holds managed routes.
std::string argoEventLine(const core::argo::ArgoEvent& e);

}  // namespace rolloutlab::io
