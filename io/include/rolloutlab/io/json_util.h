#pragma once
/// JSON helpers for byte-stable reports: ordered keys, integral numbers printed as integers,
/// shortest round-trip doubles, NaN/Inf as null.

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace rolloutlab::io {

using Json = nlohmann::ordered_json;

/// A number as JSON: an integer when it is one (|v| < 2^53), else a double; NaN/Inf -> null.
inline Json jnum(double v) {
  if (!std::isfinite(v)) return Json(nullptr);
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) {
    return Json(static_cast<long long>(v));
  }
  return Json(v);
}
inline Json jopt(const std::optional<double>& v) { return v ? jnum(*v) : Json(nullptr); }

/// Serializes with 2-space indentation (or compact when indent < 0) and a final newline.
inline std::string dumpJson(const Json& j, int indent = 2) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace rolloutlab::io
