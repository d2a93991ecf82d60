#pragma once
// Small helpers shared by the judge sources: shortest round-trip formatting for messages and
// validation that writes `field = value: rule`.

#include <string>

#include "rolloutlab/core/number_format.h"

namespace rolloutlab::core::judge::detail {

/// Shortest round-trip decimal form of x (`nan`, `inf`, `-inf` for the special values).
inline std::string formatDouble(double x) { return core::formatNumber(x); }

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
