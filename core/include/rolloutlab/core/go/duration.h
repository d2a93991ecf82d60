#pragma once
/// Go's durations, as Flagger and Argo Rollouts read the ones their specs hold.

#include <optional>
#include <string>

namespace rolloutlab::core::go {

/// `time.ParseDuration` in seconds: a sign, then decimal numbers each with a unit (ns, us, µs,
/// ms, s, m, h): "90s", "1m30s", "1.5h", "300ms"; "0" alone is allowed. nullopt when it does
/// not parse.
std::optional<double> parseDuration(const std::string& s);

}  // namespace rolloutlab::core::go
