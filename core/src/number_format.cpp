#include "rolloutlab/core/number_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace rolloutlab::core {

namespace {

// The longest fixed text: 309 integer digits of DBL_MAX, a sign, a point and 100 decimals.
constexpr std::size_t kBuffer = 420;
constexpr int kMaxPrecision = 100;

}  // namespace

std::string formatNumber(double v) {
  if (std::isnan(v)) return "nan";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// The C++ standard specifies to_chars with a format and a precision "as if by printf in the C
// locale" ([charconv.to.chars]), so these are printf's texts without its locale.
std::string formatFixed(double v, int precision) {
  char buf[kBuffer];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed,
                               std::clamp(precision, 0, kMaxPrecision));
  return std::string(buf, r.ptr);
}

std::string formatGeneral(double v, int significantDigits) {
  char buf[kBuffer];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general,
                               std::clamp(significantDigits, 0, kMaxPrecision));
  return std::string(buf, r.ptr);
}

}  // namespace rolloutlab::core
