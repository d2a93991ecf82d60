#pragma once
/// Go's durations, as Flagger and Argo Rollouts read the ones their specs hold.

#include <optional>
#include <string>

namespace rolloutlab::core::go {

/// The longest Go duration, in seconds: `time.Duration` is an int64 of nanoseconds (2^63 - 1 ns,
/// about 292 years, 2562047h47m16.854775807s).
inline constexpr double kMaxDurationSeconds = 9223372036.854775807;

/// `time.ParseDuration` in seconds: a sign, then decimal numbers each with a unit (ns, us, µs,
/// ms, s, m, h): "90s", "1m30s", "1.5h", "300ms"; "0" alone is allowed. nullopt when it does
/// not parse or, as in Go ("time: invalid duration"), when it is longer than
/// kMaxDurationSeconds either way.
std::optional<double> parseDuration(const std::string& s);

}  // namespace rolloutlab::core::go
