#pragma once
/// Decoding of the `Judge` kind (rolloutlab.io/v1alpha1): a shadow judge for simulations,
/// Kayenta-compatible or sequential, decoded strictly.

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/scenarios/shadow_judge.h"

namespace rolloutlab::scenarios {

bool decodeJudge(const io::Document& doc, core::Diagnostics& diags, JudgeSpec& out);

}  // namespace rolloutlab::scenarios
