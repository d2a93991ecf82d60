#pragma once
/// Decoding of `Scenario` documents, strictly (unknown fields are errors naming the nearest
/// known one), with every value range-checked.

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/sim/scenario.h"

namespace rolloutlab::io {

/// Decodes a Scenario; returns false when it has errors (in `diags`). A traffic CSV named by
/// the scenario is read relative to the scenario's file.
bool decodeScenario(const Document& doc, core::Diagnostics& diags, sim::Scenario& out);

/// Reads a (time, rps) CSV: a header line is optional; times in seconds or Go durations,
/// increasing; rps >= 0. Errors name file, line and column.
std::vector<std::pair<double, double>> readTrafficCsv(const std::string& path,
                                                      core::Diagnostics& diags);

}  // namespace rolloutlab::io
