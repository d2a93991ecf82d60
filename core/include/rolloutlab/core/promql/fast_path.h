#pragma once
/// The evaluator's fast path: the shapes of Flagger's builtin queries (a sum of rates, a ratio
/// or difference of such sums scaled by a number, histogram_quantile of a sum by le of rates)
/// answered without the generic vectors and label bookkeeping. The answers are the generic
/// evaluator's to the bit (same source reads in the same order, same arithmetic); only the
/// time differs.

#include <string_view>

namespace rolloutlab::core::promql {

/// On unless the environment sets ROLLOUTLAB_PROMQL_FAST_PATH=0 or setFastPath(false) was
/// called. Process-wide; read at every evaluation.
bool fastPathEnabled();
/// Turns the fast path on or off (a debugging switch; the tests compare both paths).
void setFastPath(bool enabled);
/// True when `query` parses and has a shape the fast path answers. Throws InputError when it
/// does not parse.
bool hasFastShape(std::string_view query);

}  // namespace rolloutlab::core::promql
