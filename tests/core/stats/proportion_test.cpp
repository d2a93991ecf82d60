// Exact binomial test and prop.test against R 4.2.2 (tests/data/stats/binom.json,
// prop.json).
#include "rolloutlab/core/stats/proportion.h"

#include <gtest/gtest.h>

#include "reference_cases.h"
#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::core::stats {
namespace {

using test::stats::interval;
using test::stats::near;
using test::stats::number;

TEST(BinomTest, MatchesRBinomTestOnReferenceVectors) {
  const nlohmann::json cases = test::stats::referenceCases("binom.json");
  ASSERT_GE(cases.size(), 50u);
  for (const auto& c : cases) {
    const auto x = c.at("x").get<std::int64_t>();
    const auto n = c.at("n").get<std::int64_t>();
    BinomOptions o;
    o.p = c.at("p").get<double>();
    o.alternative = test::stats::alternative(c.at("alternative"));
    o.confLevel = c.at("conf_level").get<double>();
    SCOPED_TRACE(std::to_string(x) + "/" + std::to_string(n) + " p=" + c.at("p").dump() + " " +
                 c.at("alternative").get<std::string>());
    const TestResult r = binomTest(x, n, o);
    const auto& ref = c.at("r");
    EXPECT_EQ(*r.statistic, ref.at("statistic").get<double>());
    EXPECT_EQ(r.estimate.at(0), ref.at("estimate").get<double>());
    EXPECT_TRUE(near(r.pValue, ref.at("p_value").get<double>(), 1e-12, 1e-300));
    const Interval ci = interval(ref.at("conf_int"));
    EXPECT_TRUE(near(r.confInt->lo, ci.lo, 1e-12));
    EXPECT_TRUE(near(r.confInt->hi, ci.hi, 1e-12));
  }
}

TEST(PropTest, MatchesRPropTestOnReferenceVectors) {
  const nlohmann::json cases = test::stats::referenceCases("prop.json");
  ASSERT_GE(cases.size(), 90u);
  for (const auto& c : cases) {
    std::vector<std::int64_t> x;
    std::vector<std::int64_t> n;
    for (const auto& v : c.at("x")) x.push_back(v.get<std::int64_t>());
    for (const auto& v : c.at("n")) n.push_back(v.get<std::int64_t>());
    std::vector<double> p;
    if (!c.at("p").is_null()) p.push_back(c.at("p").get<double>());
    PropOptions o;
    o.p = p;
    o.alternative = test::stats::alternative(c.at("alternative"));
    o.confLevel = c.at("conf_level").get<double>();
    o.correct = c.at("correct").get<bool>();
    SCOPED_TRACE(c.at("x").dump() + "/" + c.at("n").dump() + " " +
                 c.at("alternative").get<std::string>() +
                 (o.correct ? " correct" : " uncorrected"));
    const auto& ref = c.at("r");
    if (ref.at("statistic").is_null()) {
      // An expected count of zero: R returns NaN, the library refuses.
      EXPECT_THROW(propTest(x, n, o), InputError);
      continue;
    }
    const TestResult r = propTest(x, n, o);
    EXPECT_EQ(r.method, ref.at("method").get<std::string>());
    EXPECT_TRUE(near(*r.statistic, ref.at("statistic").get<double>(), 1e-13, 1e-300));
    EXPECT_EQ(*r.parameter, ref.at("parameter").get<double>());
    EXPECT_TRUE(near(r.pValue, ref.at("p_value").get<double>(), 1e-12, 1e-300));
    ASSERT_EQ(r.estimate.size(), ref.at("estimate").size());
    for (std::size_t i = 0; i < r.estimate.size(); ++i) {
      EXPECT_EQ(r.estimate[i], ref.at("estimate").at(i).get<double>());
    }
    const Interval ci = interval(ref.at("conf_int"));
    EXPECT_TRUE(near(r.confInt->lo, ci.lo, 1e-13, 1e-16));
    EXPECT_TRUE(near(r.confInt->hi, ci.hi, 1e-13, 1e-16));
  }
}

TEST(WilsonInterval, IsPropTestsOneSampleInterval) {
  // Closed form by hand: (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n); R 4.2.2
  // prints prop.test(15, 40, correct = FALSE)$conf.int as 0.2422297917 0.5296756086.
  const double z = 1.959963984540054;
  const double p = 15.0 / 40;
  const double n = 40;
  const double centre = p + z * z / (2 * n);
  const double half = z * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n));
  const Interval w = wilsonInterval(15, 40);
  EXPECT_TRUE(near(w.lo, (centre - half) / (1 + z * z / n), 1e-14));
  EXPECT_TRUE(near(w.hi, (centre + half) / (1 + z * z / n), 1e-14));
  EXPECT_TRUE(near(w.lo, 0.2422297917, 0, 5e-11));
  EXPECT_TRUE(near(w.hi, 0.5296756086, 0, 5e-11));
}

TEST(ClopperPearsonInterval, EdgesAreZeroAndOne) {
  // x = 0: [0, 1 - (alpha/2)^(1/n)]; x = n: [(alpha/2)^(1/n), 1].
  const Interval none = clopperPearsonInterval(0, 10);
  EXPECT_EQ(none.lo, 0.0);
  EXPECT_TRUE(near(none.hi, 1 - std::pow(0.025, 0.1), 1e-14));
  const Interval all = clopperPearsonInterval(10, 10);
  EXPECT_TRUE(near(all.lo, std::pow(0.025, 0.1), 1e-14));
  EXPECT_EQ(all.hi, 1.0);
}

TEST(Proportions, RejectBadInput) {
  try {
    binomTest(11, 10);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "x = 11: the number of successes must not exceed the number of trials (10)");
  }
  EXPECT_THROW(binomTest(0, 0), InputError);
  EXPECT_THROW(binomTest(-1, 5), InputError);
  BinomOptions b;
  b.p = 1.5;
  EXPECT_THROW(binomTest(1, 5, b), InputError);
  b.p = NAN;
  EXPECT_THROW(binomTest(1, 5, b), InputError);
  const std::int64_t x[2] = {0, 0};
  const std::int64_t n[2] = {10, 12};
  EXPECT_THROW(propTest(x, n), InputError);  // pooled p = 0: R returns NaN
  const std::int64_t n1[1] = {10};
  EXPECT_THROW(propTest(x, n1), InputError);
  const double p0[1] = {1.0};
  PropOptions o;
  o.p = p0;
  const std::int64_t x1[1] = {3};
  EXPECT_THROW(propTest(x1, n1, o), InputError);
}

}  // namespace
}  // namespace rolloutlab::core::stats
