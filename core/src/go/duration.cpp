// Go's time.ParseDuration (src/time/format.go), in seconds.

#include "rolloutlab/core/go/duration.h"

#include <cctype>
#include <charconv>

namespace rolloutlab::core::go {

std::optional<double> parseDuration(const std::string& s) {
  // time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+ ; "0" alone is allowed.
  if (s.empty()) return std::nullopt;
  std::size_t i = 0;
  double sign = 1.0;
  if (s[0] == '-' || s[0] == '+') {
    sign = s[0] == '-' ? -1.0 : 1.0;
    ++i;
  }
  if (s.substr(i) == "0") return 0.0;
  if (i >= s.size()) return std::nullopt;
  double total = 0.0;
  while (i < s.size()) {
    const std::size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    bool frac = false;
    if (i < s.size() && s[i] == '.') {
      frac = true;
      ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    }
    const std::string num = s.substr(start, i - start);
    if (num.empty() || num == "." || (!frac && num.empty())) return std::nullopt;
    const std::size_t ustart = i;
    while (i < s.size() && !std::isdigit(static_cast<unsigned char>(s[i])) && s[i] != '.') ++i;
    const std::string unit = s.substr(ustart, i - ustart);
    double mult;
    if (unit == "ns") {
      mult = 1e-9;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
      mult = 1e-6;
    } else if (unit == "ms") {
      mult = 1e-3;
    } else if (unit == "s") {
      mult = 1.0;
    } else if (unit == "m") {
      mult = 60.0;
    } else if (unit == "h") {
      mult = 3600.0;
    } else {
      return std::nullopt;  // missing or unknown unit
    }
    double v = 0.0;
    const auto r = std::from_chars(num.data(), num.data() + num.size(), v);
    if (r.ec != std::errc()) return std::nullopt;
    total += v * mult;
    // ParseDuration refuses a term, or a sum, beyond int64 nanoseconds ("time: invalid
    // duration"): without the bound a long one became a huge double that the callers' int64
    // seconds or milliseconds could not hold.
    if (!(total <= kMaxDurationSeconds)) return std::nullopt;
  }
  return sign * total;
}

}  // namespace rolloutlab::core::go
