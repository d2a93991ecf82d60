#pragma once
/// Decoding and validation of Flagger objects (flagger.app/v1beta1 Canary, MetricTemplate).
///
/// Errors are what the API server (CRD schema) or Flagger would reject; warnings are what
/// upstream accepts but cannot work as the author meant (each says what Flagger will do).

#include <vector>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/flagger/spec.h"
#include "rolloutlab/io/documents.h"

namespace rolloutlab::io {

/// True for the kinds this decoder handles.
bool isFlaggerCanary(const Document& doc);
bool isFlaggerMetricTemplate(const Document& doc);

/// Decodes a Canary; returns false when it has errors (they are in `diags`).
bool decodeCanary(const Document& doc, core::Diagnostics& diags, core::flagger::CanarySpec& out);
/// Decodes a MetricTemplate; returns false when it has errors.
bool decodeMetricTemplate(const Document& doc, core::Diagnostics& diags,
                          core::flagger::MetricTemplateSpec& out);

/// The MetricTemplate each metric's templateRef resolves to (nullptr: none or missing), in
/// `analysis.metrics` order. A templateRef without namespace looks in the Canary's namespace.
std::vector<const core::flagger::MetricTemplateSpec*> resolveTemplates(
    const core::flagger::CanarySpec& canary,
    const std::vector<core::flagger::MetricTemplateSpec>& templates);

/// Warnings that need more than one object: metrics that are neither builtin nor backed by a
/// loaded MetricTemplate, duplicate objects.
void checkFlaggerReferences(const std::vector<core::flagger::CanarySpec>& canaries,
                            const std::vector<core::flagger::MetricTemplateSpec>& templates,
                            core::Diagnostics& diags);

}  // namespace rolloutlab::io
