#pragma once
/// Decoding and validation of Argo Rollouts objects (argoproj.io/v1alpha1 Rollout,
/// AnalysisTemplate, ClusterAnalysisTemplate).
///
/// Errors are what the API server (CRD schema) or the controller rejects: the controller's
/// `ValidateRollout` (InvalidSpec), its checks of the referenced templates
/// (`ValidateRolloutReferencedResources`), and metric rules (`ValidateMetric`) that would make
/// every AnalysisRun of a template Error. Warnings are what upstream accepts but cannot work as
/// the author meant.

#include <vector>

#include "rolloutlab/core/argo/analysis.h"
#include "rolloutlab/core/argo/spec.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/io/documents.h"

namespace rolloutlab::io {

bool isArgoRollout(const Document& doc);
bool isArgoAnalysisTemplate(const Document& doc);
bool isArgoClusterAnalysisTemplate(const Document& doc);

/// Decodes a Rollout (schema and field types only); returns false when it has errors.
bool decodeRollout(const Document& doc, core::Diagnostics& diags, core::argo::RolloutSpec& out);
/// Decodes an AnalysisTemplate (`cluster` false) or ClusterAnalysisTemplate; returns false when
/// it has errors. Metric rules and conditions are checked here.
bool decodeAnalysisTemplate(const Document& doc, core::Diagnostics& diags, bool cluster,
                            core::argo::AnalysisTemplateSpec& out);

/// The controller's validation of a Rollout against the templates it references
/// (`ValidateRollout` + `ValidateRolloutReferencedResources`). Returns false on an error.
bool validateRollout(const core::argo::RolloutSpec& rollout,
                     const core::argo::TemplateCatalog& catalog, core::Diagnostics& diags);

/// A one-line summary for `validate`: "canary (istio), 4 steps: setWeight 20, pause, ..." .
std::string rolloutSummary(const core::argo::RolloutSpec& rollout);
std::string templateSummary(const core::argo::AnalysisTemplateSpec& t);

}  // namespace rolloutlab::io
