// Welch's t-test and type-7 quantiles against R 4.2.2 (tests/data/stats/welch.json,
// quantile.json).
#include <gtest/gtest.h>

#include "reference_cases.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/stats/quantile.h"
#include "rolloutlab/core/stats/welch.h"

namespace rolloutlab::core::stats {
namespace {

using test::stats::interval;
using test::stats::near;
using test::stats::numbers;

TEST(WelchTest, MatchesRTTestOnReferenceVectors) {
  const nlohmann::json cases = test::stats::referenceCases("welch.json");
  ASSERT_GE(cases.size(), 25u);
  for (const auto& c : cases) {
    const std::vector<double> x = numbers(c.at("x"));
    const std::vector<double> y = numbers(c.at("y"));
    WelchOptions o;
    o.alternative = test::stats::alternative(c.at("alternative"));
    o.mu = c.at("mu").get<double>();
    o.confLevel = c.at("conf_level").get<double>();
    SCOPED_TRACE(std::to_string(x.size()) + " vs " + std::to_string(y.size()) + " " +
                 c.at("alternative").get<std::string>());
    const TestResult r = welchTest(x, y, o);
    const auto& ref = c.at("r");
    EXPECT_TRUE(near(*r.statistic, ref.at("statistic").get<double>(), 1e-13));
    EXPECT_TRUE(near(*r.parameter, ref.at("parameter").get<double>(), 1e-13));
    EXPECT_TRUE(near(r.pValue, ref.at("p_value").get<double>(), 1e-11));
    EXPECT_EQ(r.estimate.at(0), ref.at("estimate").at(0).get<double>());
    EXPECT_EQ(r.estimate.at(1), ref.at("estimate").at(1).get<double>());
    const Interval ci = interval(ref.at("conf_int"));
    EXPECT_TRUE(near(r.confInt->lo, ci.lo, 1e-12));
    EXPECT_TRUE(near(r.confInt->hi, ci.hi, 1e-12));
  }
}

TEST(WelchTest, RejectsBadInput) {
  const std::vector<double> one{1};
  const std::vector<double> two{1, 2};
  try {
    welchTest(one, two);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "x = 1 values: needs at least 2 observations");
  }
  const std::vector<double> flat{5, 5, 5};
  EXPECT_THROW(welchTest(flat, flat), InputError);  // R: data are essentially constant
  const std::vector<double> zeros{0, 0};
  EXPECT_THROW(welchTest(zeros, zeros), InputError);
  const std::vector<double> inf{1, INFINITY};
  EXPECT_THROW(welchTest(inf, two), InputError);
}

TEST(Quantile7, MatchesRQuantileOnReferenceVectors) {
  const nlohmann::json cases = test::stats::referenceCases("quantile.json");
  for (const auto& c : cases) {
    const std::vector<double> x = numbers(c.at("x"));
    const std::vector<double> probs = numbers(c.at("probs"));
    const std::vector<double> expected = numbers(c.at("r"));
    const std::vector<double> q = quantile7(x, probs);
    ASSERT_EQ(q.size(), expected.size());
    for (std::size_t i = 0; i < q.size(); ++i) {
      EXPECT_EQ(q[i], expected[i]) << "n=" << x.size() << " p=" << probs[i];
    }
  }
}

TEST(Quantile7, HandWorkedInterpolation) {
  // x = 1..10: h = 9 p; p = 0.25 -> 1 + 2.25 = 3.25; p = 0.9 -> 1 + 8.1 = 9.1.
  const std::vector<double> x{10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
  const std::vector<double> probs{0.25, 0.9};
  const std::vector<double> q = quantile7(x, probs);
  EXPECT_DOUBLE_EQ(q[0], 3.25);
  EXPECT_DOUBLE_EQ(q[1], 9.1);
}

TEST(Quantile7, RejectsBadInput) {
  const std::vector<double> x{1, 2, 3};
  const std::vector<double> bad{0.5, 1.5};
  try {
    quantile7(x, bad);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "probs[1] = 1.5: must be within [0, 1]");
  }
  const std::vector<double> empty;
  const std::vector<double> half{0.5};
  EXPECT_THROW(quantile7(empty, half), InputError);
  const std::vector<double> nan{1, NAN};
  EXPECT_THROW(quantile7(nan, half), InputError);
  // R's fuzz: 1 + 1e-15 is accepted and clamped.
  const std::vector<double> fuzzy{1 + 1e-15};
  EXPECT_EQ(quantile7(x, fuzzy)[0], 3.0);
}

}  // namespace
}  // namespace rolloutlab::core::stats
