#pragma once
/// Decoding of rolloutlab's `Script` kind (rolloutlab.io/v1alpha1), strictly: an unknown or
/// misspelt field is an error naming it and the nearest known field.

#include "rolloutlab/core/argo/engine.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/flagger/spec.h"
#include "rolloutlab/core/script.h"
#include "rolloutlab/io/documents.h"

namespace rolloutlab::io {

bool isRolloutlabKind(const Document& doc, const char* kind);

/// Decodes a Script; returns false when it has errors (in `diags`).
bool decodeScript(const Document& doc, core::Diagnostics& diags, core::Script& out);

/// What a Script says that the Canary it drives would silently ignore, so that the scripted
/// failure would never happen: a metric the Canary does not have (`spec.ticks[i].metrics.<name>`,
/// `spec.defaults.metrics.<name>`), a webhook key that is neither the name nor the type of one
/// of its webhooks (or names only event webhooks, whose answer changes nothing), and an Argo
/// Rollout's fields (`measurements`, `podStartup`, `actions`, `until`). Each error names the
/// file, line and field path, the Canary's own names and the nearest of them. Errors are in
/// the order they are written; `.throwIfErrors()` raises the first.
core::Diagnostics scriptMismatches(const core::Script& s, const core::flagger::CanarySpec& canary);

/// The same for an Argo Rollout: a metric of `spec.measurements` no analysis of the rollout
/// measures (`engine.allMetrics()`), and a Flagger Canary's fields (`ticks`, `defaults`).
core::Diagnostics scriptMismatches(const core::Script& s, const core::argo::ArgoEngine& rollout);

}  // namespace rolloutlab::io
