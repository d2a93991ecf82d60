#include "support.h"

#include <array>
#include <charconv>
#include <cmath>

#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::core::stats::detail {

void fail(const std::string& field, const std::string& value, const std::string& rule) {
  Diagnostic d;
  d.field = field;
  d.value = value;
  d.rule = rule;
  throw InputError(std::move(d));
}

std::string formatNumber(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::array<char, 32> buf{};
  auto res = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return std::string(buf.data(), res.ptr);
}

void requireFinite(std::span<const double> values, const char* name) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      fail(std::string(name) + "[" + std::to_string(i) + "]", formatNumber(values[i]),
           "must be a finite number");
    }
  }
}

void requireSize(std::span<const double> values, std::size_t minimum, const char* name) {
  if (values.size() < minimum) {
    fail(name, std::to_string(values.size()) + " values",
         "needs at least " + std::to_string(minimum) + " observation" + (minimum == 1 ? "" : "s"));
  }
}

void requireConfLevel(double level, const char* name) {
  if (!(level > 0.0 && level < 1.0)) {
    fail(name, formatNumber(level), "must be a number strictly between 0 and 1");
  }
}

namespace {
const boost::math::normal_distribution<double, Policy> kStdNormal(0.0, 1.0);
}

double pnorm(double z) {
  if (std::isinf(z)) return z > 0 ? 1.0 : 0.0;
  return boost::math::cdf(kStdNormal, z);
}
double pnormUpper(double z) {
  if (std::isinf(z)) return z > 0 ? 0.0 : 1.0;
  return boost::math::cdf(boost::math::complement(kStdNormal, z));
}
double qnorm(double p) {
  if (p <= 0.0) return -INFINITY;
  if (p >= 1.0) return INFINITY;
  return boost::math::quantile(kStdNormal, p);
}
double qnormUpper(double p) {
  if (p <= 0.0) return INFINITY;
  if (p >= 1.0) return -INFINITY;
  return boost::math::quantile(boost::math::complement(kStdNormal, p));
}

}  // namespace rolloutlab::core::stats::detail
