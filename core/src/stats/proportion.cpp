#include "rolloutlab/core/stats/proportion.h"

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "support.h"

namespace rolloutlab::core::stats {

namespace {

using detail::fail;
using detail::formatNumber;
using Binomial = boost::math::binomial_distribution<double, detail::Policy>;

// R's pbinom(q, n, p, lower.tail).
double pbinom(double q, double n, double p, bool lower) {
  double cdf = 0.0;
  if (q < 0) {
    cdf = 0.0;
  } else if (q >= n || p == 0.0) {
    cdf = 1.0;
  } else if (p == 1.0) {
    cdf = 0.0;
  } else {
    const Binomial b(n, p);
    return lower ? boost::math::cdf(b, q) : boost::math::cdf(boost::math::complement(b, q));
  }
  return lower ? cdf : 1.0 - cdf;
}

// R's dbinom(i, n, p) for 0 < p < 1.
double dbinom(double i, double n, double p) { return boost::math::pdf(Binomial(n, p), i); }

// First index in [from, to] where pred holds, for a predicate that is false then true on it;
// to + 1 when it never holds.
template <typename Pred>
std::int64_t firstTrue(std::int64_t from, std::int64_t to, Pred pred) {
  std::int64_t lo = from;
  std::int64_t hi = to + 1;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (pred(mid)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

double qbeta(double prob, double a, double b) {
  return boost::math::ibeta_inv(a, b, prob, detail::Policy());
}

void requireCounts(std::int64_t x, std::int64_t n, const std::string& xName,
                   const std::string& nName) {
  if (n < 1) fail(nName, std::to_string(n), "the number of trials must be a positive integer");
  if (x < 0) fail(xName, std::to_string(x), "the number of successes must be non-negative");
  if (x > n) {
    fail(
        xName, std::to_string(x),
        "the number of successes must not exceed the number of trials (" + std::to_string(n) + ")");
  }
}

}  // namespace

TestResult binomTest(std::int64_t xi, std::int64_t ni, const BinomOptions& options) {
  requireCounts(xi, ni, "x", "n");
  if (!(options.p >= 0.0 && options.p <= 1.0)) {
    fail("p", formatNumber(options.p), "must be a probability between 0 and 1");
  }
  detail::requireConfLevel(options.confLevel);
  const auto x = static_cast<double>(xi);
  const auto n = static_cast<double>(ni);
  const double p = options.p;

  TestResult r;
  r.method = "Exact binomial test";
  r.alternative = options.alternative;
  r.statistic = x;
  r.statisticName = "number of successes";
  r.parameter = n;
  r.parameterName = "number of trials";
  r.nullValue = p;
  r.nullValueName = "probability of success";
  r.confLevel = options.confLevel;
  r.estimate = {x / n};
  r.estimateNames = {"probability of success"};

  switch (options.alternative) {
    case Alternative::kLess:
      r.pValue = pbinom(x, n, p, true);
      break;
    case Alternative::kGreater:
      r.pValue = pbinom(x - 1, n, p, false);
      break;
    case Alternative::kTwoSided: {
      if (p == 0.0) {
        r.pValue = xi == 0 ? 1.0 : 0.0;
      } else if (p == 1.0) {
        r.pValue = xi == ni ? 1.0 : 0.0;
      } else {
        // R counts the outcomes on the other side of n*p that are no more likely than x; the
        // probabilities are monotone there, so the count is found by bisection.
        constexpr double kRelErr = 1 + 1e-7;
        const double limit = dbinom(x, n, p) * kRelErr;
        const double mean = n * p;
        if (x == mean) {
          r.pValue = 1.0;
        } else if (x < mean) {
          const auto from = static_cast<std::int64_t>(std::ceil(mean));
          const std::int64_t first = firstTrue(from, ni, [&](std::int64_t i) {
            return dbinom(static_cast<double>(i), n, p) <= limit;
          });
          const auto y = static_cast<double>(ni - first + 1);
          r.pValue = pbinom(x, n, p, true) + pbinom(n - y, n, p, false);
        } else {
          const auto to = static_cast<std::int64_t>(std::floor(mean));
          const std::int64_t first = firstTrue(
              0, to, [&](std::int64_t i) { return dbinom(static_cast<double>(i), n, p) > limit; });
          const auto y = static_cast<double>(first);
          r.pValue = pbinom(y - 1, n, p, true) + pbinom(x - 1, n, p, false);
        }
      }
      break;
    }
  }

  const auto lower = [&](double alpha) { return xi == 0 ? 0.0 : qbeta(alpha, x, n - x + 1); };
  const auto upper = [&](double alpha) { return xi == ni ? 1.0 : qbeta(1 - alpha, x + 1, n - x); };
  const double alpha = 1 - options.confLevel;
  switch (options.alternative) {
    case Alternative::kLess:
      r.confInt = Interval{0.0, upper(alpha)};
      break;
    case Alternative::kGreater:
      r.confInt = Interval{lower(alpha), 1.0};
      break;
    case Alternative::kTwoSided:
      r.confInt = Interval{lower(alpha / 2), upper(alpha / 2)};
      break;
  }
  return r;
}

TestResult propTest(std::span<const std::int64_t> xs, std::span<const std::int64_t> ns,
                    const PropOptions& options) {
  const std::size_t k = xs.size();
  if (k < 1) fail("x", "", "needs at least one group");
  if (ns.size() != k) {
    fail("n", std::to_string(ns.size()) + " values",
         "must have as many values as x (" + std::to_string(k) + ")");
  }
  for (std::size_t i = 0; i < k; ++i) {
    const std::string at = "[" + std::to_string(i) + "]";
    requireCounts(xs[i], ns[i], "x" + at, "n" + at);
  }
  const bool nullGiven = !options.p.empty();
  if (nullGiven && options.p.size() != k) {
    fail("p", std::to_string(options.p.size()) + " values",
         "must have as many values as x (" + std::to_string(k) + ")");
  }
  for (std::size_t i = 0; i < options.p.size(); ++i) {
    if (!(options.p[i] > 0.0 && options.p[i] < 1.0)) {
      fail("p[" + std::to_string(i) + "]", formatNumber(options.p[i]),
           "must be strictly between 0 and 1");
    }
  }
  detail::requireConfLevel(options.confLevel);

  std::vector<double> x(k);
  std::vector<double> n(k);
  std::vector<double> estimate(k);
  for (std::size_t i = 0; i < k; ++i) {
    x[i] = static_cast<double>(xs[i]);
    n[i] = static_cast<double>(ns[i]);
    estimate[i] = x[i] / n[i];
  }
  std::vector<double> p(options.p.begin(), options.p.end());
  if (!nullGiven && k == 1) p = {0.5};

  TestResult r;
  r.alternative = (k > 2 || (k == 2 && nullGiven)) ? Alternative::kTwoSided : options.alternative;
  r.confLevel = options.confLevel;
  r.estimate = estimate;
  if (k == 1) {
    r.estimateNames = {"p"};
    r.nullValue = p[0];
    r.nullValueName = "p";
  } else {
    for (std::size_t i = 0; i < k; ++i) r.estimateNames.push_back("prop " + std::to_string(i + 1));
  }
  const bool twoSided = r.alternative == Alternative::kTwoSided;
  double yates = options.correct && k <= 2 ? 0.5 : 0.0;
  double delta = 0.0;

  if (k == 1) {
    // Wilson score interval, with Yates' correction shrunk to |x - n p| as R does.
    const double z = detail::qnorm(twoSided ? (1 + options.confLevel) / 2 : options.confLevel);
    yates = std::min(yates, std::abs(x[0] - n[0] * p[0]));
    const double z22n = z * z / (2 * n[0]);
    double pc = estimate[0] + yates / n[0];
    const double pu = pc >= 1
                          ? 1.0
                          : (pc + z22n + z * std::sqrt(pc * (1 - pc) / n[0] + z22n / (2 * n[0]))) /
                                (1 + 2 * z22n);
    pc = estimate[0] - yates / n[0];
    const double pl = pc <= 0
                          ? 0.0
                          : (pc + z22n - z * std::sqrt(pc * (1 - pc) / n[0] + z22n / (2 * n[0]))) /
                                (1 + 2 * z22n);
    switch (r.alternative) {
      case Alternative::kTwoSided:
        r.confInt = Interval{std::max(pl, 0.0), std::min(pu, 1.0)};
        break;
      case Alternative::kGreater:
        r.confInt = Interval{std::max(pl, 0.0), 1.0};
        break;
      case Alternative::kLess:
        r.confInt = Interval{0.0, std::min(pu, 1.0)};
        break;
    }
  } else if (k == 2 && !nullGiven) {
    // Wald interval of p1 - p2; the correction is capped at |delta| / (1/n1 + 1/n2).
    delta = estimate[0] - estimate[1];
    const double invN = 1 / n[0] + 1 / n[1];
    yates = std::min(yates, std::abs(delta) / invN);
    const double z =
        twoSided ? detail::qnorm((1 + options.confLevel) / 2) : detail::qnorm(options.confLevel);
    const double width = z * std::sqrt(estimate[0] * (1 - estimate[0]) / n[0] +
                                       estimate[1] * (1 - estimate[1]) / n[1]) +
                         yates * invN;
    switch (r.alternative) {
      case Alternative::kTwoSided:
        r.confInt = Interval{std::max(delta - width, -1.0), std::min(delta + width, 1.0)};
        break;
      case Alternative::kGreater:
        r.confInt = Interval{std::max(delta - width, -1.0), 1.0};
        break;
      case Alternative::kLess:
        r.confInt = Interval{-1.0, std::min(delta + width, 1.0)};
        break;
    }
  }

  r.method = (k == 1 ? std::string("1-sample proportions test")
                     : std::to_string(k) + "-sample test for " +
                           (nullGiven ? "given" : "equality of") + " proportions") +
             (yates != 0.0 ? " with" : " without") + " continuity correction";
  double df = static_cast<double>(k);
  if (!nullGiven && k >= 2) {
    double sx = 0.0;
    double sn = 0.0;
    for (std::size_t i = 0; i < k; ++i) {
      sx += x[i];
      sn += n[i];
    }
    p.assign(k, sx / sn);
    df = static_cast<double>(k - 1);
  }
  // X-squared over the k x 2 table of successes and failures, summed column by column as R's
  // sum() walks the matrix.
  long double statistic = 0.0L;
  bool small = false;
  for (int column = 0; column < 2; ++column) {
    for (std::size_t i = 0; i < k; ++i) {
      const double observed = column == 0 ? x[i] : n[i] - x[i];
      const double expected = column == 0 ? n[i] * p[i] : n[i] * (1 - p[i]);
      if (expected == 0.0) {
        fail(column == 0 ? "x" : "n - x", "",
             "an expected count is zero (all groups are all-success or all-failure): the "
             "chi-squared statistic is undefined (R returns NaN)");
      }
      small = small || expected < 5;
      const double d = std::abs(observed - expected) - yates;
      statistic += d * d / expected;
    }
  }
  if (small) r.warnings.emplace_back("Chi-squared approximation may be incorrect");
  const auto stat = static_cast<double>(statistic);
  r.statistic = stat;
  r.statisticName = "X-squared";
  r.parameter = df;
  r.parameterName = "df";
  if (twoSided) {
    const boost::math::chi_squared_distribution<double, detail::Policy> chi(df);
    r.pValue = boost::math::cdf(boost::math::complement(chi, stat));
  } else {
    const double sign = k == 1 ? (estimate[0] > p[0] ? 1.0 : (estimate[0] < p[0] ? -1.0 : 0.0))
                               : (delta > 0 ? 1.0 : (delta < 0 ? -1.0 : 0.0));
    const double z = sign * std::sqrt(stat);
    r.pValue = r.alternative == Alternative::kLess ? detail::pnorm(z) : detail::pnormUpper(z);
  }
  return r;
}

Interval wilsonInterval(std::int64_t x, std::int64_t n, double confLevel, bool correct) {
  const std::int64_t xs[1] = {x};
  const std::int64_t ns[1] = {n};
  PropOptions options;
  options.confLevel = confLevel;
  options.correct = correct;
  return *propTest(xs, ns, options).confInt;
}

Interval clopperPearsonInterval(std::int64_t x, std::int64_t n, double confLevel) {
  BinomOptions options;
  options.confLevel = confLevel;
  return *binomTest(x, n, options).confInt;
}

}  // namespace rolloutlab::core::stats
