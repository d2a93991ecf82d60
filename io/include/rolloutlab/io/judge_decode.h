#pragma once
/// Decoding of the `Judge` kind (rolloutlab.io/v1alpha1): a shadow judge for simulations,
/// Kayenta-compatible or sequential, decoded strictly.

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/sim/shadow_judge.h"

namespace rolloutlab::io {

bool decodeJudge(const Document& doc, core::Diagnostics& diags, sim::JudgeSpec& out);

}  // namespace rolloutlab::io
