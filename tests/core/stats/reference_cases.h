#pragma once
// Reading the R reference vectors of tests/data/stats (written by tests/stats/make_reference.R).
// JSON has no infinity: an interval end written as null is -infinity (lower) or +infinity
// (upper).

#include <gtest/gtest.h>

#include <cmath>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rolloutlab/core/stats/test_result.h"
#include "test_support.h"

namespace rolloutlab::test::stats {

/// The "cases" array of tests/data/stats/<name>.
inline nlohmann::json referenceCases(const std::string& name) {
  const std::string text = readFile(dataDir() + "/stats/" + name);
  const nlohmann::json doc = nlohmann::json::parse(text);
  return doc.at("cases");
}

inline double number(const nlohmann::json& j, double ifNull = NAN) {
  return j.is_null() ? ifNull : j.get<double>();
}

inline std::vector<double> numbers(const nlohmann::json& j) {
  std::vector<double> out;
  for (const auto& v : j) out.push_back(v.get<double>());
  return out;
}

inline core::stats::Interval interval(const nlohmann::json& j) {
  return {number(j.at(0), -INFINITY), number(j.at(1), INFINITY)};
}

inline core::stats::Alternative alternative(const nlohmann::json& j) {
  return *core::stats::alternativeFromString(j.get<std::string>());
}

/// |actual - expected| <= abs + rel * |expected|; infinities must match exactly.
inline ::testing::AssertionResult near(double actual, double expected, double rel,
                                       double abs = 0.0) {
  if (std::isinf(expected) || std::isinf(actual) || std::isnan(expected) || std::isnan(actual)) {
    if (actual == expected || (std::isnan(actual) && std::isnan(expected))) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << actual << " != " << expected;
  }
  const double err = std::abs(actual - expected);
  if (err <= abs + rel * std::abs(expected)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << std::setprecision(17) << actual << " vs " << expected << " (error " << err
         << ", relative " << err / std::abs(expected) << ")";
}

}  // namespace rolloutlab::test::stats
