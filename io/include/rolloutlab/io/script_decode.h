#pragma once
/// Decoding of rolloutlab's `Script` kind (rolloutlab.io/v1alpha1), strictly: an unknown or
/// misspelt field is an error naming it and the nearest known field.

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/script.h"
#include "rolloutlab/io/documents.h"

namespace rolloutlab::io {

bool isRolloutlabKind(const Document& doc, const char* kind);

/// Decodes a Script; returns false when it has errors (in `diags`).
bool decodeScript(const Document& doc, core::Diagnostics& diags, core::Script& out);

}  // namespace rolloutlab::io
