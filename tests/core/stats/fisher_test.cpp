// Fisher's exact test against R 4.2.2's fisher.test (tests/data/stats/fisher.json): the
// default computation against R bit for bit, the exact one against R with uniroot tightened to
// 1e-14 and against its own defining equations.
#include "rolloutlab/core/stats/fisher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

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
    EXPECT_EQ(r.computation, Computation::kR);
    // The default computation is R's: p-value, estimate and interval bit for bit.
    EXPECT_EQ(r.pValue, ref.at("p_value").get<double>());
    const double estimate = number(ref.at("estimate"), INFINITY);
    EXPECT_EQ(r.estimate.at(0), estimate);
    const Interval rci = interval(ref.at("conf_int"));
    ASSERT_TRUE(r.confInt.has_value());
    EXPECT_EQ(r.confInt->lo, rci.lo);
    EXPECT_EQ(r.confInt->hi, rci.hi);

    // The exact computation: R with uniroot tightened to 1e-14, and within R's default
    // tolerance of R itself.
    o.computation = Computation::kExact;
    const TestResult x = fisherExactTest(table, o);
    EXPECT_EQ(x.computation, Computation::kExact);
    EXPECT_EQ(x.pValue, r.pValue);
    const double tightEstimate = number(c.at("tight").at("estimate"), INFINITY);
    EXPECT_TRUE(near(x.estimate.at(0), tightEstimate, 1e-9, 1e-12));
    EXPECT_TRUE(near(x.estimate.at(0), estimate, 0, defaultTolerance(estimate)));
    const Interval tight = interval(c.at("tight").at("conf_int"));
    EXPECT_TRUE(near(x.confInt->lo, tight.lo, 1e-9, 1e-12));
    EXPECT_TRUE(near(x.confInt->hi, tight.hi, 1e-9, 1e-12));
    EXPECT_TRUE(near(x.confInt->lo, rci.lo, 0, defaultTolerance(rci.lo)));
    EXPECT_TRUE(near(x.confInt->hi, rci.hi, 0, defaultTolerance(rci.hi)));
  }
}

// Fisher's noncentral hypergeometric law by brute force: weights C(m, s) C(n, k - s) psi^s in
// long double from lgamma, independent of the library's recursions.
struct BruteLaw {
  std::int64_t lo, hi;
  std::vector<long double> logWeight;
  BruteLaw(std::int64_t m, std::int64_t n, std::int64_t k)
      : lo(std::max<std::int64_t>(0, k - n)), hi(std::min(k, m)) {
    const auto lchoose = [](long double a, long double b) {
      return std::lgamma(a + 1) - std::lgamma(b + 1) - std::lgamma(a - b + 1);
    };
    for (std::int64_t s = lo; s <= hi; ++s) {
      logWeight.push_back(lchoose(m, s) + lchoose(n, k - s));
    }
  }
  // P(A <= q) (or P(A >= q)) and E[A] under psi.
  std::pair<long double, long double> tailAndMean(std::int64_t q, double psi, bool upper) const {
    const long double lp = std::log(static_cast<long double>(psi));
    long double top = -INFINITY;
    for (std::size_t i = 0; i < logWeight.size(); ++i) {
      top = std::max(top, logWeight[i] + lp * static_cast<long double>(lo + std::int64_t(i)));
    }
    long double total = 0, tail = 0, mean = 0;
    for (std::size_t i = 0; i < logWeight.size(); ++i) {
      const std::int64_t s = lo + static_cast<std::int64_t>(i);
      const long double w = std::exp(logWeight[i] + lp * static_cast<long double>(s) - top);
      total += w;
      mean += w * static_cast<long double>(s);
      if (upper ? s >= q : s <= q) tail += w;
    }
    return {tail / total, mean / total};
  }
};

TEST(FisherExactTest, ExactComputationSolvesItsDefiningEquations) {
  // The exact interval ends are the psi where the one-sided tails equal alpha / 2, and the
  // estimate the psi where E[A] = a: checked on an independent evaluation of the law.
  FisherOptions o;
  o.computation = Computation::kExact;
  for (const std::array<std::int64_t, 4>& t : {std::array<std::int64_t, 4>{3, 1, 1, 3},
                                               {10, 2, 3, 15},
                                               {2, 7, 8, 2},
                                               {50, 45, 40, 60},
                                               {120, 30, 95, 70},
                                               {1, 10, 10, 1}}) {
    SCOPED_TRACE(std::to_string(t[0]) + "," + std::to_string(t[1]) + "," + std::to_string(t[2]) +
                 "," + std::to_string(t[3]));
    const TestResult r = fisherExactTest(t, o);
    const BruteLaw law(t[0] + t[2], t[1] + t[3], t[0] + t[1]);
    const long double lower = law.tailAndMean(t[0], r.confInt->lo, true).first;
    const long double upper = law.tailAndMean(t[0], r.confInt->hi, false).first;
    const long double mean = law.tailAndMean(t[0], r.estimate[0], false).second;
    EXPECT_TRUE(near(static_cast<double>(lower), 0.025, 1e-12));
    EXPECT_TRUE(near(static_cast<double>(upper), 0.025, 1e-12));
    EXPECT_TRUE(near(static_cast<double>(mean), static_cast<double>(t[0]), 1e-12));
    // R's default computation stops at uniroot's tolerance: its ends are off the equation.
    const TestResult rr = fisherExactTest(t, {});
    EXPECT_TRUE(near(rr.confInt->hi, r.confInt->hi, 0, 1.3e-4 * rr.confInt->hi * rr.confInt->hi));
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
