// Wilcoxon rank-sum test, exact distribution, pairwise-difference selection and the shift root,
// against R 4.2.2's wilcox.test / pwilcox / qwilcox (tests/data/stats/ranksum.json) and
// against brute force.
#include "rolloutlab/core/stats/rank_sum.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "reference_cases.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/rng.h"

namespace rolloutlab::core::stats {
namespace {

using test::stats::interval;
using test::stats::near;
using test::stats::number;
using test::stats::numbers;

RankSumOptions optionsOf(const nlohmann::json& c) {
  RankSumOptions o;
  o.alternative = test::stats::alternative(c.at("alternative"));
  o.mu = c.at("mu").get<double>();
  const std::string exact = c.at("exact").get<std::string>();
  o.exact =
      exact == "auto" ? ExactMode::kAuto : (exact == "true" ? ExactMode::kYes : ExactMode::kNo);
  o.correct = c.at("correct").get<bool>();
  o.confLevel = c.at("conf_level").get<double>();
  return o;
}

// R's tightened uniroot (tol.root = 1e-13) stops within 1e-13 + 4 ulp of the jump, and R
// compares fl(x_i - d) with y_j, which places the jump within an ulp of the data's magnitude
// of the difference x_i - y_j. Differences are spaced far more widely than this in every
// reference case, so a root within it is the same data difference.
double tightTolerance(double v, double scale) {
  return 2e-13 + 1e-14 * std::abs(v) + 4 * 0x1p-52 * scale;
}
double magnitude(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0;
  for (double v : a) m = std::max(m, std::abs(v));
  for (double v : b) m = std::max(m, std::abs(v));
  return m;
}
// R's default: uniroot with tol.root = 1e-4 (absolute, data units).
double defaultTolerance(double v) { return 1e-4 + 1e-15 * std::abs(v); }

TEST(RankSumTest, MatchesRWilcoxTestOnReferenceVectors) {
  const nlohmann::json cases = test::stats::referenceCases("ranksum.json");
  ASSERT_GE(cases.size(), 60u);
  int exactCases = 0;
  int normalCases = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at("label").get<std::string>());
    const std::vector<double> x = numbers(c.at("x"));
    const std::vector<double> y = numbers(c.at("y"));
    const TestResult r = rankSumTest(x, y, optionsOf(c));
    const auto& ref = c.at("r");
    EXPECT_EQ(r.method, ref.at("method").get<std::string>());
    EXPECT_EQ(*r.statistic, ref.at("statistic").get<double>());
    EXPECT_EQ(r.confLevel, ref.at("conf_level").get<double>());
    std::vector<std::string> warnings;
    for (const auto& w : ref.at("warnings")) warnings.push_back(w.get<std::string>());
    EXPECT_EQ(r.warnings, warnings);
    ASSERT_TRUE(r.confInt.has_value());
    ASSERT_EQ(r.estimate.size(), 1u);
    const Interval rci = interval(ref.at("conf_int"));
    if (r.method.find("exact") != std::string::npos) {
      ++exactCases;
      // Exact distribution sums: a few ulp.
      EXPECT_TRUE(near(r.pValue, ref.at("p_value").get<double>(), 1e-13));
      // Order statistics of the differences and their median: bit for bit.
      EXPECT_EQ(r.confInt->lo, rci.lo);
      EXPECT_EQ(r.confInt->hi, rci.hi);
      EXPECT_EQ(r.estimate[0], ref.at("estimate").get<double>());
    } else {
      ++normalCases;
      // Default computation: R's algorithm, so R's numbers bit for bit (R's pnorm; uniroot's
      // roots at tol.root = 1e-4, and at the tightened 1e-13 too).
      EXPECT_EQ(r.computation, Computation::kR);
      EXPECT_EQ(r.pValue, ref.at("p_value").get<double>());
      EXPECT_EQ(r.confInt->lo, rci.lo);
      EXPECT_EQ(r.confInt->hi, rci.hi);
      EXPECT_EQ(r.estimate[0], ref.at("estimate").get<double>());
      RankSumOptions tightOptions = optionsOf(c);
      tightOptions.tolRoot = 1e-13;
      const TestResult rt = rankSumTest(x, y, tightOptions);
      const Interval tight = interval(c.at("tight").at("conf_int"));
      EXPECT_EQ(rt.confInt->lo, tight.lo);
      EXPECT_EQ(rt.confInt->hi, tight.hi);
      EXPECT_EQ(rt.estimate[0], c.at("tight").at("estimate").get<double>());

      // Exact computation: the exact roots.
      RankSumOptions exactOptions = optionsOf(c);
      exactOptions.computation = Computation::kExact;
      const TestResult e = rankSumTest(x, y, exactOptions);
      EXPECT_EQ(e.pValue, r.pValue);
      const double scale = magnitude(x, y);
      EXPECT_TRUE(near(e.confInt->lo, tight.lo, 0, tightTolerance(tight.lo, scale)));
      EXPECT_TRUE(near(e.confInt->hi, tight.hi, 0, tightTolerance(tight.hi, scale)));
      EXPECT_TRUE(near(e.confInt->lo, rci.lo, 0, defaultTolerance(rci.lo)));
      EXPECT_TRUE(near(e.confInt->hi, rci.hi, 0, defaultTolerance(rci.hi)));
      // The estimate is the median of the differences (R's median(outer(x, y, "-")));
      // R's uniroot estimate is some point of the zero stretch of the uncorrected statistic.
      const auto& diffs = c.at("diffs");
      EXPECT_EQ(e.estimate[0], diffs.at("median").get<double>());
      const double lo = diffs.at("lower_middle").get<double>();
      const double hi = diffs.at("upper_middle").get<double>();
      for (double rEstimate :
           {ref.at("estimate").get<double>(), c.at("tight").at("estimate").get<double>()}) {
        EXPECT_GE(rEstimate, lo - defaultTolerance(lo));
        EXPECT_LE(rEstimate, hi + defaultTolerance(hi));
      }
    }
  }
  EXPECT_GE(exactCases, 15);
  EXPECT_GE(normalCases, 40);
}

TEST(WilcoxonDistribution, SmallCaseByHand) {
  // m = n = 3: the 20 rank configurations give U = 0..9 with counts 1,1,2,3,3,3,3,2,1,1.
  const WilcoxonDistribution d(3, 3);
  const double counts[] = {1, 1, 2, 3, 3, 3, 3, 2, 1, 1};
  double cumulative = 0;
  for (int u = 0; u <= 9; ++u) {
    EXPECT_TRUE(near(d.pmf(u), counts[u] / 20, 1e-15)) << u;
    cumulative += counts[u];
    EXPECT_TRUE(near(d.cdf(u), cumulative / 20, 1e-15)) << u;
    EXPECT_TRUE(near(d.upperTail(u), 1 - cumulative / 20, 1e-15, 1e-16)) << u;
  }
  // R 4.2.2: qwilcox(c(0.05, 0.06, 0.5, 0.975), 3, 3) = 0 1 4 9 (0.05 = P(U = 0) exactly).
  EXPECT_EQ(d.quantile(0.05), 0);
  EXPECT_EQ(d.quantile(0.06), 1);
  EXPECT_EQ(d.quantile(0.5), 4);
  EXPECT_EQ(d.quantile(0.975), 9);
}

TEST(WilcoxonDistribution, SymmetricAndNormalised) {
  for (auto [m, n] : {std::pair{1, 1}, {2, 7}, {13, 5}, {40, 40}, {120, 90}}) {
    const WilcoxonDistribution d(m, n);
    double total = 0;
    for (int u = 0; u <= m * n; ++u) {
      total += d.pmf(u);
      EXPECT_EQ(d.pmf(u), d.pmf(m * n - u));
    }
    EXPECT_TRUE(near(total, 1.0, 1e-13)) << m << "x" << n;
  }
}

TEST(WilcoxonDistribution, RefusesSizesBeyondItsLimit) {
  EXPECT_THROW(WilcoxonDistribution(600, 600), InputError);
  EXPECT_THROW(WilcoxonDistribution(0, 5), InputError);
}

std::vector<double> sortedSample(Rng& rng, std::size_t n, bool ties) {
  std::vector<double> v(n);
  for (double& e : v) e = ties ? std::round(rng.normal() * 3) : rng.normal() * 2 + 0.3;
  std::sort(v.begin(), v.end());
  return v;
}

// All n*m differences, sorted: the brute-force answer.
std::vector<double> sortedDifferences(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> all;
  for (double a : x) {
    for (double b : y) all.push_back(a - b);
  }
  std::sort(all.begin(), all.end());
  return all;
}

TEST(KthPairwiseDifference, EqualsBruteForceOrderStatistics) {
  Rng rng(7);
  for (auto [n, m, ties] : {std::tuple{1, 1, false},
                            {3, 5, false},
                            {40, 31, false},
                            {37, 50, true},
                            {200, 3, true},
                            {2, 300, false}}) {
    const auto x = sortedSample(rng, n, ties);
    const auto y = sortedSample(rng, m, ties);
    const std::vector<double> all = sortedDifferences(x, y);
    for (std::size_t k = 1; k <= all.size(); ++k) {
      ASSERT_EQ(kthPairwiseDifference(x, y, static_cast<std::int64_t>(k)), all[k - 1])
          << n << "x" << m << " k=" << k;
    }
  }
}

TEST(KthPairwiseDifference, EqualsBruteForceBeyondTheEnumerationWindow) {
  // Enough pairs for the grid bracket, the interpolation and the tie handling to run.
  Rng rng(19);
  for (auto [n, m, ties] : {std::tuple{600, 500, false}, {800, 700, true}, {1000, 40, false}}) {
    const auto x = sortedSample(rng, n, ties);
    const auto y = sortedSample(rng, m, ties);
    const std::vector<double> all = sortedDifferences(x, y);
    const auto pairs = static_cast<std::int64_t>(all.size());
    std::vector<std::int64_t> ks{1, 2, pairs / 2, pairs / 2 + 1, pairs - 1, pairs};
    for (int i = 0; i < 300; ++i) {
      ks.push_back(1 + static_cast<std::int64_t>(rng.uniform() * static_cast<double>(pairs)));
    }
    for (std::int64_t k : ks) {
      ASSERT_EQ(kthPairwiseDifference(x, y, k), all[static_cast<std::size_t>(k - 1)])
          << n << "x" << m << " k=" << k;
    }
  }
}

TEST(KthPairwiseDifference, LargeSamplesRankExactly) {
  // n = m = 20000 (4e8 differences): check the defining property with an independent count
  // (a binary search per row).
  Rng rng(11);
  const auto x = sortedSample(rng, 20000, false);
  const auto y = sortedSample(rng, 20000, false);
  const auto countBelow = [&](double t, bool inclusive) {
    std::int64_t c = 0;
    for (double a : x) {
      // pairs with a - b < t (or <= t): b > a - t in exact terms; use the computed difference.
      const auto it = std::partition_point(
          y.begin(), y.end(), [&](double b) { return inclusive ? !(a - b <= t) : !(a - b < t); });
      c += y.end() - it;
    }
    return c;
  };
  for (std::int64_t k : {std::int64_t{1}, std::int64_t{12345}, std::int64_t{200000000},
                         std::int64_t{399999999}, std::int64_t{400000000}}) {
    const double v = kthPairwiseDifference(x, y, k);
    EXPECT_LT(countBelow(v, false), k) << k;
    EXPECT_GE(countBelow(v, true), k) << k;
  }
}

TEST(KthPairwiseDifference, HeavyTiesEndOnTheTiedValue) {
  std::vector<double> x(5000, 1.0);
  std::vector<double> y(4000, 1.0);
  x.push_back(2.0);
  y.insert(y.begin(), 0.5);
  EXPECT_EQ(kthPairwiseDifference(x, y, 1), -0.0);
  EXPECT_EQ(kthPairwiseDifference(x, y, 10'000'000), 0.0);
  EXPECT_EQ(kthPairwiseDifference(x, y, 5001LL * 4001), 1.5);
}

TEST(RankSumShiftRoot, ZeroStretchOfTheEstimateAndKayentaCorrection) {
  // x = {1, 3}, y = {1, 2}: differences -1, 0, 1, 2 (P = 4). The centred statistic between
  // the k-th and (k+1)-th difference is P/2 - k, zero for k = 2: the stretch [0, 1].
  const std::vector<double> x{1, 3};
  const std::vector<double> y{1, 2};
  const ShiftRoot plain = rankSumShiftRoot(x, y, 0.0, false, Alternative::kTwoSided);
  EXPECT_EQ(plain.lo, 0.0);
  EXPECT_EQ(plain.hi, 1.0);
  EXPECT_EQ(plain.mid(), 0.5);
  // x = {1, 3, 6}, y = {1}: differences 0, 2, 5 (P = 3). Uncorrected, P/2 - k changes sign at
  // k = 2 (a single point, 2). With the continuity correction (Kayenta's estimate) the
  // statistic is zero for |P/2 - k| = 1/2, i.e. k = 1 and k = 2: the stretch [0, 5].
  const std::vector<double> x3{1, 3, 6};
  const std::vector<double> y1{1};
  const ShiftRoot point = rankSumShiftRoot(x3, y1, 0.0, false, Alternative::kTwoSided);
  EXPECT_EQ(point.lo, 2.0);
  EXPECT_EQ(point.hi, 2.0);
  const ShiftRoot corrected = rankSumShiftRoot(x3, y1, 0.0, true, Alternative::kTwoSided);
  EXPECT_EQ(corrected.lo, 0.0);
  EXPECT_EQ(corrected.hi, 5.0);
}

TEST(RankSumTest, ExactComputationIsTheMedianAndOrderStatisticsOfTheDifferences) {
  // Normal path, computation exact: the estimate is the median of all n*m differences (brute
  // force), and each interval end is a difference at which the standardized statistic, computed
  // here from the brute-force counts, crosses the normal quantile.
  Rng rng(23);
  for (auto [n, m, ties] :
       {std::tuple{7, 9, false}, {12, 12, true}, {30, 17, false}, {25, 40, true}, {60, 3, false}}) {
    SCOPED_TRACE(std::to_string(n) + "x" + std::to_string(m) + (ties ? " ties" : ""));
    const auto x = sortedSample(rng, n, ties);
    const auto y = sortedSample(rng, m, ties);
    RankSumOptions o;
    o.exact = ExactMode::kNo;
    o.computation = Computation::kExact;
    const TestResult r = rankSumTest(x, y, o);
    const std::vector<double> all = sortedDifferences(x, y);
    const std::size_t p = all.size();
    const double median = p % 2 == 1 ? all[p / 2] : (all[p / 2 - 1] + all[p / 2]) / 2;
    EXPECT_EQ(r.estimate[0], median);
    for (double end : {r.confInt->lo, r.confInt->hi}) {
      EXPECT_TRUE(std::binary_search(all.begin(), all.end(), end)) << end;
    }
    EXPECT_LE(r.confInt->lo, median);
    EXPECT_GE(r.confInt->hi, median);
    // R's default computation lands within tol.root of the same ends.
    o.computation = Computation::kR;
    const TestResult rr = rankSumTest(x, y, o);
    EXPECT_NEAR(rr.confInt->lo, r.confInt->lo, 1e-4 + 1e-12);
    EXPECT_NEAR(rr.confInt->hi, r.confInt->hi, 1e-4 + 1e-12);
  }
}

TEST(RankSumTest, RejectsBadInput) {
  const std::vector<double> x{1, 2, 3};
  const std::vector<double> empty;
  EXPECT_THROW(rankSumTest(empty, x), InputError);
  EXPECT_THROW(rankSumTest(x, empty), InputError);
  const std::vector<double> withNan{1, NAN, 3};
  try {
    rankSumTest(withNan, x);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "x[1] = nan: must be a finite number");
  }
  RankSumOptions o;
  o.confLevel = 1.0;
  try {
    rankSumTest(x, x, o);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "conf_level = 1: must be a number strictly between 0 and 1");
  }
  o = {};
  o.mu = INFINITY;
  EXPECT_THROW(rankSumTest(x, x, o), InputError);
  // All observations tied: no variance for the normal approximation.
  const std::vector<double> same{2, 2, 2};
  EXPECT_THROW(rankSumTest(same, same), InputError);
  // Each sample a single value: R stops when it looks for the interval.
  const std::vector<double> other{3, 3, 3};
  try {
    rankSumTest(same, other);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("single distinct value"), std::string::npos);
  }
  o = {};
  o.confInt = false;
  EXPECT_NO_THROW(rankSumTest(same, other, o));
  // Exact distribution beyond the supported size.
  std::vector<double> big(600);
  std::iota(big.begin(), big.end(), 0.5);
  std::vector<double> big2(600);
  std::iota(big2.begin(), big2.end(), 0.25);
  o = {};
  o.exact = ExactMode::kYes;
  EXPECT_THROW(rankSumTest(big, big2, o), InputError);
}

TEST(RankSumTest, LargeSamplesAreFastAndExact) {
  // n = m = 50000 on the normal path: the interval ends must be data differences.
  Rng rng(3);
  std::vector<double> x(50000);
  std::vector<double> y(50000);
  for (double& v : x) v = rng.normal() + 0.01;
  for (double& v : y) v = rng.normal();
  RankSumOptions exactRoots;
  exactRoots.computation = Computation::kExact;
  const TestResult r = rankSumTest(x, y, exactRoots);
  std::vector<double> xs = x;
  std::vector<double> ys = y;
  std::sort(xs.begin(), xs.end());
  std::sort(ys.begin(), ys.end());
  for (double end : {r.confInt->lo, r.confInt->hi}) {
    // Some pair (i, j) has x_i - y_j == end exactly.
    bool found = false;
    for (double a : xs) {
      const double b = a - end;
      const auto it = std::lower_bound(ys.begin(), ys.end(), b);
      for (auto jt = it == ys.begin() ? it : it - 1; jt != ys.end() && jt <= it + 1; ++jt) {
        found = found || a - *jt == end;
      }
      if (found) break;
    }
    EXPECT_TRUE(found) << end;
  }
  EXPECT_LT(r.confInt->lo, r.estimate[0]);
  EXPECT_GT(r.confInt->hi, r.estimate[0]);
}

}  // namespace
}  // namespace rolloutlab::core::stats
