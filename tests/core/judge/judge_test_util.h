#pragma once
// Helpers shared by the judge tests: reference files and the Clopper-Pearson bound.

#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_support.h"

namespace rolloutlab::test {

/// tests/data/judge/<name>, parsed.
inline nlohmann::json judgeReference(const std::string& name) {
  return nlohmann::json::parse(readFile(dataDir() + "/judge/" + name));
}

/// A number written by tests/judge/make_reference.R (null = NaN, "inf"/"-inf" strings).
inline double refNumber(const nlohmann::json& j) {
  if (j.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (j.is_string()) {
    return j.get<std::string>() == "inf" ? std::numeric_limits<double>::infinity()
                                         : -std::numeric_limits<double>::infinity();
  }
  return j.get<double>();
}

inline std::vector<double> refVector(const nlohmann::json& j) {
  std::vector<double> v;
  for (const auto& x : j) v.push_back(refNumber(x));
  return v;
}

/// One-sided upper 99% Clopper-Pearson bound of a binomial proportion (x successes of n).
inline double clopperPearsonUpper99(std::int64_t x, std::int64_t n) {
  if (x >= n) return 1.0;
  return boost::math::ibeta_inv(static_cast<double>(x + 1), static_cast<double>(n - x), 0.99);
}

/// |got - want| <= rel * |want| (absolute rel when want is 0).
inline bool closeRelative(double got, double want, double rel) {
  if (std::isinf(want)) return got == want;
  return std::abs(got - want) <= rel * std::max(std::abs(want), want == 0.0 ? 1.0 : 0.0);
}

}  // namespace rolloutlab::test
