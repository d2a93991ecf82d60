// Fisher's exact test against R 4.2.2's fisher.test (tests/data/stats/fisher.json): R at its
// default uniroot tolerance and R with uniroot tightened to 1e-14.
#include "rolloutlab/core/stats/fisher.h"

#include <gtest/gtest.h>

#include "reference_cases.h"
#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::core::stats {
namespace {

using test::stats::interval;
using test::stats::near;
using test::stats::number;

// R's uniroot default tol is .Machine$double.eps^0.25 (~1.22e-4) on psi in (0, 1), or on
// 1/psi for roots above 1, which is ~1.22e-4 * psi^2 on psi.
double defaultTolerance(double psi) { return 1.3e-4 * std::max(1.0, psi * psi); }

TEST(FisherExactTest, MatchesRFisherTestOnReferenceVectors) {
  const nlohmann::json cases = test::stats::referenceCases("fisher.json");
  ASSERT_GE(cases.size(), 60u);
  for (const auto& c : cases) {
    std::array<std::int64_t, 4> table{};
    for (int i = 0; i < 4; ++i) table[i] = c.at("table").at(i).get<std::int64_t>();
    SCOPED_TRACE(c.at("table").dump() + " " + c.at("alternative").get<std::string>() +
                 " or=" + c.at("or").dump());
    FisherOptions o;
    o.alternative = test::stats::alternative(c.at("alternative"));
    o.confLevel = c.at("conf_level").get<double>();
    o.oddsRatio = c.at("or").get<double>();
    const TestResult r = fisherExactTest(table, o);
    const auto& ref = c.at("r");
    EXPECT_EQ(r.method, ref.at("method").get<std::string>());
    EXPECT_FALSE(r.statistic.has_value());
    EXPECT_TRUE(near(r.pValue, ref.at("p_value").get<double>(), 1e-12, 1e-300));
    const double estimate = number(ref.at("estimate"), INFINITY);
    const double tightEstimate = number(c.at("tight").at("estimate"), INFINITY);
    EXPECT_TRUE(near(r.estimate.at(0), tightEstimate, 1e-9, 1e-12));
    EXPECT_TRUE(near(r.estimate.at(0), estimate, 0, defaultTolerance(estimate)));
    const Interval rci = interval(ref.at("conf_int"));
    const Interval tight = interval(c.at("tight").at("conf_int"));
    ASSERT_TRUE(r.confInt.has_value());
    EXPECT_TRUE(near(r.confInt->lo, tight.lo, 1e-9, 1e-12));
    EXPECT_TRUE(near(r.confInt->hi, tight.hi, 1e-9, 1e-12));
    EXPECT_TRUE(near(r.confInt->lo, rci.lo, 0, defaultTolerance(rci.lo)));
    EXPECT_TRUE(near(r.confInt->hi, rci.hi, 0, defaultTolerance(rci.hi)));
  }
}

TEST(FisherExactTest, TeaTastingByHand) {
  // Fisher's lady tasting tea: 3 of 4 cups right in each row. P(A >= 3) = (16 + 1) / 70.
  FisherOptions o;
  o.alternative = Alternative::kGreater;
  const TestResult r = fisherExactTest({3, 1, 1, 3}, o);
  EXPECT_TRUE(near(r.pValue, 17.0 / 70.0, 1e-15));
  o.alternative = Alternative::kTwoSided;
  // Two-sided: tables no more likely than the observed one (1/70, 16/70, 16/70, 1/70).
  EXPECT_TRUE(near(fisherExactTest({3, 1, 1, 3}, o).pValue, 34.0 / 70.0, 1e-15));
}

TEST(FisherExactTest, SupportEndsGiveZeroAndInfinity) {
  const TestResult atLow = fisherExactTest({0, 5, 5, 0});
  EXPECT_EQ(atLow.estimate[0], 0.0);
  EXPECT_EQ(atLow.confInt->lo, 0.0);
  const TestResult atHigh = fisherExactTest({5, 0, 0, 5});
  EXPECT_TRUE(std::isinf(atHigh.estimate[0]));
  EXPECT_TRUE(std::isinf(atHigh.confInt->hi));
}

TEST(FisherExactTest, RejectsBadInput) {
  try {
    fisherExactTest({1, -2, 3, 4});
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "table[b] = -2: counts must be non-negative");
  }
  FisherOptions o;
  o.oddsRatio = -1;
  EXPECT_THROW(fisherExactTest({1, 2, 3, 4}, o), InputError);
  o = {};
  o.confLevel = 0;
  EXPECT_THROW(fisherExactTest({1, 2, 3, 4}, o), InputError);
  EXPECT_THROW(fisherExactTest({2000000000, 2000000000, 2000000000, 2000000000}), InputError);
}

}  // namespace
}  // namespace rolloutlab::core::stats
