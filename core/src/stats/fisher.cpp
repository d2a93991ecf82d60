#include "rolloutlab/core/stats/fisher.h"

#include <algorithm>
#include <boost/math/tools/roots.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "r_hyper.h"
#include "r_zeroin.h"
#include "support.h"

namespace rolloutlab::core::stats {

namespace {

using detail::fail;
using detail::formatNumber;

// A's law given the margins: Fisher's noncentral hypergeometric distribution. Weights are kept
// as logs of the central (psi = 1) probabilities up to a constant; log psi tilts them.
class ConditionalLaw {
 public:
  ConditionalLaw(std::int64_t m, std::int64_t n, std::int64_t k)
      : lo_(std::max<std::int64_t>(0, k - n)), hi_(std::min(k, m)) {
    const std::int64_t size = hi_ - lo_ + 1;
    if (size > kFisherMaxSupport) {
      fail("table", std::to_string(size) + " support values",
           "the conditional distribution is limited to " + std::to_string(kFisherMaxSupport) +
               " support values");
    }
    logWeight_.assign(static_cast<std::size_t>(size), 0.0);
    // Start at the mode and walk outwards with the ratio of consecutive probabilities,
    // P(s+1)/P(s) = (m - s)(k - s) / ((s + 1)(n - k + s + 1)), so that every weight carries
    // an error proportional to its distance from the mode only.
    const auto dm = static_cast<double>(m);
    const auto dn = static_cast<double>(n);
    const auto dk = static_cast<double>(k);
    std::int64_t mode = static_cast<std::int64_t>(std::floor((dk + 1) * (dm + 1) / (dm + dn + 2)));
    mode = std::clamp(mode, lo_, hi_);
    const auto logRatio = [&](std::int64_t s) {  // log P(s+1)/P(s)
      const auto ds = static_cast<double>(s);
      return std::log(((dm - ds) / (ds + 1)) * ((dk - ds) / (dn - dk + ds + 1)));
    };
    for (std::int64_t s = mode; s < hi_; ++s) at(s + 1) = at(s) + logRatio(s);
    for (std::int64_t s = mode; s > lo_; --s) at(s - 1) = at(s) - logRatio(s - 1);
  }

  std::int64_t lo() const { return lo_; }
  std::int64_t hi() const { return hi_; }

  // R's dnhyper(ncp) for ncp = exp(logPsi): normalised probabilities over lo..hi.
  std::vector<double> probabilities(double logPsi) const {
    std::vector<double> d(logWeight_.size());
    double top = -INFINITY;
    for (std::size_t i = 0; i < d.size(); ++i) {
      d[i] = logWeight_[i] + logPsi * static_cast<double>(lo_ + static_cast<std::int64_t>(i));
      top = std::max(top, d[i]);
    }
    long double sum = 0.0L;
    for (double& v : d) {
      v = std::exp(v - top);
      sum += v;
    }
    const auto total = static_cast<double>(sum);
    for (double& v : d) v /= total;
    return d;
  }

  // R's mnhyper: E[A] under psi.
  double mean(double logPsi) const {
    const std::vector<double> d = probabilities(logPsi);
    long double sum = 0.0L;
    for (std::size_t i = 0; i < d.size(); ++i) {
      sum += static_cast<double>(lo_ + static_cast<std::int64_t>(i)) * d[i];
    }
    return static_cast<double>(sum);
  }

  // R's pnhyper: P(A <= q) or, with upper, P(A >= q).
  double tail(std::int64_t q, double logPsi, bool upper) const {
    const std::vector<double> d = probabilities(logPsi);
    long double sum = 0.0L;
    for (std::size_t i = 0; i < d.size(); ++i) {
      const std::int64_t s = lo_ + static_cast<std::int64_t>(i);
      if (upper ? s >= q : s <= q) sum += d[i];
    }
    return static_cast<double>(sum);
  }

 private:
  double& at(std::int64_t s) { return logWeight_[static_cast<std::size_t>(s - lo_)]; }
  std::int64_t lo_;
  std::int64_t hi_;
  std::vector<double> logWeight_;
};

// Root in log psi of a function decreasing (sign = -1) or increasing (+1) in log psi, starting
// from the side of 0 that `positiveSide` names, to full double precision.
template <typename F>
double solveLogPsi(F f, bool positiveSide) {
  double a = 0.0;
  double b = positiveSide ? 1.0 : -1.0;
  double fa = f(a);
  double fb = f(b);
  int expansions = 0;
  while (std::signbit(fa) == std::signbit(fb) && fb != 0.0 && expansions < 64) {
    a = b;
    fa = fb;
    b *= 2;
    fb = f(b);
    ++expansions;
  }
  if (fb == 0.0) return b;
  if (std::signbit(fa) == std::signbit(fb)) return b;  // no sign change: the function is flat
  if (a > b) {
    std::swap(a, b);
    std::swap(fa, fb);
  }
  std::uintmax_t iterations = 300;
  const auto bracket = boost::math::tools::toms748_solve(
      f, a, b, fa, fb, boost::math::tools::eps_tolerance<double>(52), iterations, detail::Policy());
  return bracket.first / 2 + bracket.second / 2;
}

// fisher.test's own functions of the 2 x 2 branch (R 4.2.2, src/library/stats/R/fisher.test.R),
// evaluated with R's arithmetic: logdc = dhyper(support, m, n, k, log = TRUE) as R computes it,
// and sums accumulated in long double as R's sum() does, so that uniroot sees the same function
// values as in R.
class RConditionalLaw {
 public:
  RConditionalLaw(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t x)
      : m_(static_cast<double>(m)),
        n_(static_cast<double>(n)),
        k_(static_cast<double>(k)),
        x_(static_cast<double>(x)),
        lo_(static_cast<double>(std::max<std::int64_t>(0, k - n))),
        hi_(static_cast<double>(std::min(k, m))) {
    for (double s = lo_; s <= hi_; ++s) {
      support_.push_back(s);
      logdc_.push_back(detail::rDhyperLog(s, m_, n_, k_));
    }
  }

  double lo() const { return lo_; }
  double hi() const { return hi_; }

  // dnhyper(ncp): d <- logdc + log(ncp) * support; d <- exp(d - max(d)); d / sum(d).
  std::vector<double> dnhyper(double ncp) const {
    const double logNcp = std::log(ncp);
    std::vector<double> d(support_.size());
    double top = -INFINITY;
    for (std::size_t i = 0; i < d.size(); ++i) {
      d[i] = logdc_[i] + logNcp * support_[i];
      top = std::max(top, d[i]);
    }
    long double sum = 0.0L;
    for (double& v : d) {
      v = std::exp(v - top);
      sum += v;
    }
    const auto total = static_cast<double>(sum);
    for (double& v : d) v = v / total;
    return d;
  }

  // mnhyper(ncp): the mean of the law, lo and hi at ncp = 0 and Inf.
  double mnhyper(double ncp) const {
    if (ncp == 0) return lo_;
    if (std::isinf(ncp)) return hi_;
    const std::vector<double> d = dnhyper(ncp);
    long double sum = 0.0L;
    for (std::size_t i = 0; i < d.size(); ++i) sum += support_[i] * d[i];
    return static_cast<double>(sum);
  }

  // pnhyper(q, ncp, upper.tail); at ncp = 1 R calls phyper with the observed x.
  double pnhyper(double q, double ncp, bool upper) const {
    if (ncp == 1) {
      return upper ? detail::rPhyper(x_ - 1, m_, n_, k_, false)
                   : detail::rPhyper(x_, m_, n_, k_, true);
    }
    if (ncp == 0) return upper ? (q <= lo_ ? 1.0 : 0.0) : (q >= lo_ ? 1.0 : 0.0);
    if (std::isinf(ncp)) return upper ? (q <= hi_ ? 1.0 : 0.0) : (q >= hi_ ? 1.0 : 0.0);
    const std::vector<double> d = dnhyper(ncp);
    long double sum = 0.0L;
    for (std::size_t i = 0; i < d.size(); ++i) {
      if (upper ? support_[i] >= q : support_[i] <= q) sum += d[i];
    }
    return static_cast<double>(sum);
  }

  // The two-sided p-value: sum(d[d <= d[x - lo + 1] * relErr]) with d = dnhyper(or).
  double twoSidedP(double orNull) const {
    if (orNull == 0) return x_ == lo_ ? 1.0 : 0.0;
    if (std::isinf(orNull)) return x_ == hi_ ? 1.0 : 0.0;
    constexpr double kRelErr = 1 + 1e-7;
    const std::vector<double> d = dnhyper(orNull);
    const double limit = d[static_cast<std::size_t>(x_ - lo_)] * kRelErr;
    long double sum = 0.0L;
    for (double v : d) {
      if (v <= limit) sum += v;
    }
    return static_cast<double>(sum);
  }

 private:
  double m_, n_, k_, x_, lo_, hi_;
  std::vector<double> support_;
  std::vector<double> logdc_;
};

// uniroot(f, c(lower, upper)) at its default tolerance: uniroot evaluates both ends itself.
template <typename F>
double rUniroot(F f, double lower, double upper) {
  return detail::rZeroin2(lower, upper, f(lower), f(upper), f, detail::kUnirootDefaultTol).root;
}

// The interval for an alternative from its two one-sided ends, each at level alpha (both at
// alpha / 2 for a two-sided interval), as fisher.test builds it.
template <typename Lower, typename Upper>
Interval oddsRatioInterval(Alternative alternative, double alpha, Lower lower, Upper upper) {
  switch (alternative) {
    case Alternative::kLess:
      return Interval{0.0, upper(alpha)};
    case Alternative::kGreater:
      return Interval{lower(alpha), INFINITY};
    case Alternative::kTwoSided:
      break;
  }
  return Interval{lower(alpha / 2), upper(alpha / 2)};
}

}  // namespace

TestResult fisherExactTest(const std::array<std::int64_t, 4>& table, const FisherOptions& options) {
  static constexpr const char* kCell[4] = {"table[a]", "table[b]", "table[c]", "table[d]"};
  for (int i = 0; i < 4; ++i) {
    if (table[i] < 0) fail(kCell[i], std::to_string(table[i]), "counts must be non-negative");
    if (table[i] > std::numeric_limits<std::int32_t>::max()) {
      fail(kCell[i], std::to_string(table[i]), "counts must be at most 2147483647 (as in R)");
    }
  }
  if (!(options.oddsRatio >= 0.0)) {
    fail("or", formatNumber(options.oddsRatio), "the null odds ratio must be >= 0");
  }
  if (options.confInt) detail::requireConfLevel(options.confLevel);

  const std::int64_t m = table[0] + table[2];  // first column
  const std::int64_t n = table[1] + table[3];  // second column
  const std::int64_t k = table[0] + table[1];  // first row
  const std::int64_t x = table[0];
  const ConditionalLaw law(m, n, k);
  const std::int64_t lo = law.lo();
  const std::int64_t hi = law.hi();
  const double orNull = options.oddsRatio;

  // R's pnhyper(q, ncp, upper.tail) with its special cases for ncp = 0 and ncp = Inf.
  const auto pnhyper = [&](std::int64_t q, double ncp, bool upper) -> double {
    if (ncp == 0.0) return upper ? (q <= lo ? 1.0 : 0.0) : (q >= lo ? 1.0 : 0.0);
    if (std::isinf(ncp)) return upper ? (q <= hi ? 1.0 : 0.0) : (q >= hi ? 1.0 : 0.0);
    return law.tail(q, std::log(ncp), upper);
  };

  TestResult r;
  r.method = "Fisher's Exact Test for Count Data";
  r.alternative = options.alternative;
  r.nullValue = orNull;
  r.nullValueName = "odds ratio";
  r.confLevel = options.confLevel;
  const RConditionalLaw rLaw(m, n, k, x);
  const auto dx = static_cast<double>(x);
  switch (options.alternative) {
    case Alternative::kLess:
      r.pValue = rLaw.pnhyper(dx, orNull, false);
      break;
    case Alternative::kGreater:
      r.pValue = rLaw.pnhyper(dx, orNull, true);
      break;
    case Alternative::kTwoSided:
      r.pValue = rLaw.twoSidedP(orNull);
      break;
  }
  r.computation = options.computation;
  if (options.computation == Computation::kR) {
    // R's mle(x), ncp.U(x, alpha) and ncp.L(x, alpha): uniroot on psi in (0, 1), or on 1/psi
    // in (eps, 1) when the root is above 1, at uniroot's default tolerance.
    constexpr double kEps = std::numeric_limits<double>::epsilon();
    double estimate = 1.0;
    if (x == lo) {
      estimate = 0.0;
    } else if (x == hi) {
      estimate = INFINITY;
    } else {
      const double mu = rLaw.mnhyper(1.0);
      if (mu > dx) {
        estimate = rUniroot([&](double t) { return rLaw.mnhyper(t) - dx; }, 0.0, 1.0);
      } else if (mu < dx) {
        estimate = 1 / rUniroot([&](double t) { return rLaw.mnhyper(1 / t) - dx; }, kEps, 1.0);
      }
    }
    r.estimate = {estimate};
    r.estimateNames = {"odds ratio"};
    if (options.confInt) {
      const auto ncpU = [&](double alpha) -> double {
        if (x == hi) return INFINITY;
        const double p = rLaw.pnhyper(dx, 1.0, false);
        if (p < alpha) {
          return rUniroot([&](double t) { return rLaw.pnhyper(dx, t, false) - alpha; }, 0.0, 1.0);
        }
        if (p > alpha) {
          return 1 / rUniroot([&](double t) { return rLaw.pnhyper(dx, 1 / t, false) - alpha; },
                              kEps, 1.0);
        }
        return 1.0;
      };
      const auto ncpL = [&](double alpha) -> double {
        if (x == lo) return 0.0;
        const double p = rLaw.pnhyper(dx, 1.0, true);
        if (p > alpha) {
          return rUniroot([&](double t) { return rLaw.pnhyper(dx, t, true) - alpha; }, 0.0, 1.0);
        }
        if (p < alpha) {
          return 1 / rUniroot([&](double t) { return rLaw.pnhyper(dx, 1 / t, true) - alpha; }, kEps,
                              1.0);
        }
        return 1.0;
      };
      const double alpha = 1 - options.confLevel;
      r.confInt = oddsRatioInterval(options.alternative, alpha, ncpL, ncpU);
    }
    return r;
  }

  // Conditional MLE: E[A | psi] = x, increasing in psi.
  double estimate = 1.0;
  if (x == lo) {
    estimate = 0.0;
  } else if (x == hi) {
    estimate = INFINITY;
  } else {
    const double mu = law.mean(0.0);
    if (mu != static_cast<double>(x)) {
      const auto f = [&](double t) { return law.mean(t) - static_cast<double>(x); };
      estimate = std::exp(solveLogPsi(f, mu < static_cast<double>(x)));
    }
  }
  r.estimate = {estimate};
  r.estimateNames = {"odds ratio"};

  if (options.confInt) {
    // Upper end: P(A <= x | psi) = alpha, decreasing in psi.
    const auto upperEnd = [&](double alpha) -> double {
      if (x == hi) return INFINITY;
      const double p = pnhyper(x, 1.0, false);
      if (p == alpha) return 1.0;
      const auto f = [&](double t) { return law.tail(x, t, false) - alpha; };
      return std::exp(solveLogPsi(f, p > alpha));
    };
    // Lower end: P(A >= x | psi) = alpha, increasing in psi.
    const auto lowerEnd = [&](double alpha) -> double {
      if (x == lo) return 0.0;
      const double p = pnhyper(x, 1.0, true);
      if (p == alpha) return 1.0;
      const auto f = [&](double t) { return law.tail(x, t, true) - alpha; };
      return std::exp(solveLogPsi(f, p < alpha));
    };
    const double alpha = 1 - options.confLevel;
    r.confInt = oddsRatioInterval(options.alternative, alpha, lowerEnd, upperEnd);
  }
  return r;
}

}  // namespace rolloutlab::core::stats
