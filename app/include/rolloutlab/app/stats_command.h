#pragma once
/// `rolloutlab stats`: the classical and group-sequential tests of rolloutlab::core::stats on
/// the command line. See docs/statistics.md.
///
///   rolloutlab stats ranksum  --x FILE --y FILE [--alternative A] [--mu M] [--exact
///   auto|true|false]
///                             [--correct true|false] [--conf-level C] [--conf-int true|false]
///   rolloutlab stats welch    --x FILE --y FILE [--alternative A] [--mu M] [--conf-level C]
///   rolloutlab stats fisher   --table a,b,c,d [--alternative A] [--or R] [--conf-level C]
///   rolloutlab stats binom    --x K --n N [--p P] [--alternative A] [--conf-level C]
///   rolloutlab stats prop     --x X1[,X2..] --n N1[,N2..] [--p P1[,P2..]] [--alternative A]
///                             [--correct true|false] [--conf-level C]
///   rolloutlab stats quantile --x FILE [--probs P1,P2,..]
///   rolloutlab stats gsd      --looks K [--alpha A] [--type OF|P|asOF|asP] [--sided 1|2]
///                             [--info-rates F1,..]
///   every command: [-o json|yaml|table] [--help]
///
/// A sample FILE holds numbers one per line (blank lines and `#` comments skipped) or a JSON
/// array; `-` reads the input stream. Options mean what R's options of the same name mean, with
/// R's defaults (rpact's for gsd). The JSON/YAML output is a StatsResult document
/// (docs/output-formats.md): stable key order, shortest round-trip numbers, and null for an
/// unbounded interval end or boundary (JSON has no infinity).
///
/// Exit codes: 0 success; 1 bad input (one line on err naming file:line or the option, the
/// value and the rule); 2 a wrong command line (unknown command or flag, a missing or
/// malformed option value: one line naming it). Errors print as every command prints them
/// (`error: ...`, or `rolloutlab stats TEST: ... (rolloutlab stats TEST --help)`).

#include <iosfwd>
#include <string>
#include <vector>

namespace rolloutlab::app {

/// Runs `rolloutlab stats <args...>`; args exclude "rolloutlab stats". Reads samples named `-`
/// from `in`, writes the result to `out` and diagnostics to `err`. Returns the exit code.
int runStatsCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                    std::ostream& err);

}  // namespace rolloutlab::app
