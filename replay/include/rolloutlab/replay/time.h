#pragma once
/// Times as users write them on the command line and in recordings.

#include <optional>
#include <string>
#include <string_view>

namespace rolloutlab::replay {

/// Parses a time: Unix seconds (`1704067200`, `1704067200.5`) or RFC 3339
/// (`2024-01-01T00:00:00Z`, `2024-01-01T01:00:00.250+01:00`; `t`/`z` in either case, a space
/// instead of `T` accepted). Returns seconds since the Unix epoch, or nullopt.
std::optional<double> parseTime(std::string_view text);

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
long long daysFromCivil(long long y, unsigned m, unsigned d);

/// `2024-01-01T00:00:00Z`, with a fraction (`.25`) only when the time has one (millisecond
/// resolution).
std::string formatTime(double epochSeconds);

/// Parses an interval: a Go duration (`30s`, `1m`, `1m30s`, `1.5h`) or plain seconds. Returns
/// seconds (> 0), or nullopt.
std::optional<double> parseInterval(std::string_view text);

/// Shortest round-trip text of a double (`std::to_chars`), locale-independent.
std::string formatNumber(double v);

}  // namespace rolloutlab::replay
