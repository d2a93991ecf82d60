#pragma once
// Small helpers shared by the judge sources: shortest round-trip formatting for messages and
// validation that writes `field = value: rule`.

#include <charconv>
#include <cmath>
#include <string>

namespace rolloutlab::core::judge::detail {

/// Shortest round-trip decimal form of x (`nan`, `inf`, `-inf` for the special values).
inline std::string formatDouble(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, res.ptr);
}

/// Writes `field = value: rule` to *error (when error is not null) and returns false.
inline bool fail(std::string* error, const std::string& field, const std::string& value,
                 const std::string& rule) {
  if (error) *error = field + " = " + value + ": " + rule;
  return false;
}

inline bool failDouble(std::string* error, const std::string& field, double value,
                       const std::string& rule) {
  return fail(error, field, formatDouble(value), rule);
}

}  // namespace rolloutlab::core::judge::detail
