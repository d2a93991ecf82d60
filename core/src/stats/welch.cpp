#include "rolloutlab/core/stats/welch.h"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>

#include "r_arith.h"
#include "support.h"

namespace rolloutlab::core::stats {

TestResult welchTest(std::span<const double> x, std::span<const double> y,
                     const WelchOptions& options) {
  detail::requireSize(x, 2, "x");
  detail::requireSize(y, 2, "y");
  detail::requireFinite(x, "x");
  detail::requireFinite(y, "y");
  if (!std::isfinite(options.mu)) {
    detail::fail("mu", detail::formatNumber(options.mu), "must be a finite number");
  }
  detail::requireConfLevel(options.confLevel);

  const auto nx = static_cast<double>(x.size());
  const auto ny = static_cast<double>(y.size());
  const double mx = detail::rMean(x);
  const double my = detail::rMean(y);
  const double vx = detail::rVar(x);
  const double vy = detail::rVar(y);
  const double stderrX = std::sqrt(vx / nx);
  const double stderrY = std::sqrt(vy / ny);
  const double stderr = std::sqrt(stderrX * stderrX + stderrY * stderrY);
  const double df =
      std::pow(stderr, 4) / (std::pow(stderrX, 4) / (nx - 1) + std::pow(stderrY, 4) / (ny - 1));
  // R's rule; a zero standard error with zero means (where R returns NaN) is refused too.
  if (!(stderr > 0) ||
      stderr < 10 * std::numeric_limits<double>::epsilon() * std::max(std::abs(mx), std::abs(my))) {
    detail::fail("x, y", "", "data are essentially constant (the standard error is zero)");
  }
  const double t = (mx - my - options.mu) / stderr;

  const boost::math::students_t_distribution<double, detail::Policy> dist(df);
  TestResult r;
  r.method = "Welch Two Sample t-test";
  r.alternative = options.alternative;
  r.statistic = t;
  r.statisticName = "t";
  r.parameter = df;
  r.parameterName = "df";
  r.estimate = {mx, my};
  r.estimateNames = {"mean of x", "mean of y"};
  r.nullValue = options.mu;
  r.nullValueName = "difference in means";
  r.confLevel = options.confLevel;
  Interval ci{-INFINITY, INFINITY};
  switch (options.alternative) {
    case Alternative::kLess:
      r.pValue = boost::math::cdf(dist, t);
      ci.hi = t + boost::math::quantile(dist, options.confLevel);
      break;
    case Alternative::kGreater:
      r.pValue = boost::math::cdf(boost::math::complement(dist, t));
      ci.lo = t - boost::math::quantile(dist, options.confLevel);
      break;
    case Alternative::kTwoSided: {
      r.pValue = 2 * boost::math::cdf(dist, -std::abs(t));
      const double alpha = 1 - options.confLevel;
      const double q = boost::math::quantile(dist, 1 - alpha / 2);
      ci = {t - q, t + q};
      break;
    }
  }
  r.confInt = Interval{options.mu + ci.lo * stderr, options.mu + ci.hi * stderr};
  return r;
}

}  // namespace rolloutlab::core::stats
