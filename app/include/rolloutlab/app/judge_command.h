#pragma once
/// `rolloutlab judge`: judges a recorded baseline sample against a recorded canary sample
/// offline, like Kayenta's standalone analysis, with Kayenta's NetflixACAJudge rules
/// (--mode kayenta, the default) or rolloutlab's sequential judge (--mode sequential).
///
///   rolloutlab judge --baseline FILE --canary FILE [--config FILE]
///                    [--mode kayenta|sequential] [-o json|yaml|table] [--seed N]
///
/// Sample files: CSV with a header `metric,value` or `time,metric,value`, or a single column
/// of numbers (one metric); or JSON `{"metric": [numbers or null, ...]}`. `-` reads standard
/// input. The config (YAML or JSON) is a Kayenta canary config subset, decoded strictly.
/// docs/statistics-sequential.md describes the formats and the output.

#include <iosfwd>
#include <string>
#include <vector>

namespace rolloutlab::app {

/// Runs the command. `args` are the arguments after `judge` (a leading "judge" is skipped).
/// Writes the report to `out` and one-line errors to `err`. Returns 0 when the canary
/// passes, 1 when it fails (or is marginal) or the input is bad, 2 for a wrong command line.
int runJudgeCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                    std::ostream& err);

}  // namespace rolloutlab::app
