#include "rolloutlab/core/stats/group_sequential.h"

#include <algorithm>
#include <boost/math/quadrature/gauss.hpp>
#include <boost/math/tools/roots.hpp>
#include <cmath>
#include <numbers>
#include <string>

#include "support.h"

namespace rolloutlab::core::stats {

const char* toString(BoundaryType t) {
  switch (t) {
    case BoundaryType::kPocock:
      return "P";
    case BoundaryType::kSpendingOBrienFleming:
      return "asOF";
    case BoundaryType::kSpendingPocock:
      return "asP";
    case BoundaryType::kOBrienFleming:
      break;
  }
  return "OF";
}

std::optional<BoundaryType> boundaryTypeFromString(std::string_view s) {
  if (s == "OF") return BoundaryType::kOBrienFleming;
  if (s == "P") return BoundaryType::kPocock;
  if (s == "asOF") return BoundaryType::kSpendingOBrienFleming;
  if (s == "asP") return BoundaryType::kSpendingPocock;
  return std::nullopt;
}

namespace {

using detail::fail;
using detail::formatNumber;

// |z| beyond this carries less than 2e-19 of probability: the integration range.
constexpr double kTail = 9.0;
// Gauss-Legendre panels are this many standard deviations of the narrowest Gaussian kernel they
// meet wide; with 10 nodes per panel the boundaries move by < 1e-13 when it is halved twice.
constexpr double kPanelWidth = 2.0;
using Gauss = boost::math::quadrature::gauss<double, 10>;

// The continuation region of a look, truncated to [-kTail, kTail]; empty when lo >= hi.
struct Region {
  double lo;
  double hi;
};
Region continuation(double c, int sided) {
  const double upper = std::min(c, kTail);
  return sided == 1 ? Region{-kTail, upper} : Region{-upper, upper};
}

// Armitage-McPherson-Rowe recursion on the z scale. After look k it holds quadrature nodes z_j
// over the continuation region of look k and g_j = weight_j * (sub-density of Z_k at z_j on
// the paths that have not crossed yet).
class Recursion {
 public:
  Recursion(std::span<const double> rates, int sided) : rates_(rates), sided_(sided) {}

  // Probability of crossing at look 1 with boundary c.
  double firstCrossing(double c) const {
    return sided_ == 1 ? detail::pnormUpper(c) : 2 * detail::pnormUpper(c);
  }

  // Probability of first crossing at look k (1-based, k >= 2) with boundary c, given the
  // state after look k - 1.
  double crossing(int k, double c) const {
    if (std::isinf(c)) return 0.0;
    const double tk = rates_[k - 1];
    const double tp = rates_[k - 2];
    const double sd = std::sqrt(tk - tp);
    const double a = std::sqrt(tk) / sd;
    const double b = std::sqrt(tp) / sd;
    double sum = 0.0;
    for (std::size_t j = 0; j < z_.size(); ++j) {
      double p = detail::pnormUpper(c * a - z_[j] * b);
      if (sided_ == 2) p += detail::pnorm(-c * a - z_[j] * b);
      sum += g_[j] * p;
    }
    return sum;
  }

  // Moves to look k (1-based) with boundary c: nodes over its continuation region and the
  // sub-density there.
  void advance(int k, double c) {
    const Region region = continuation(c, sided_);
    std::vector<double> z;
    std::vector<double> w;
    nodes(region, panelWidth(k), z, w);
    std::vector<double> g(z.size(), 0.0);
    if (k == 1) {
      for (std::size_t i = 0; i < z.size(); ++i) g[i] = w[i] * density(z[i]);
    } else {
      const double tk = rates_[k - 1];
      const double tp = rates_[k - 2];
      const double sd = std::sqrt(tk - tp);
      const double a = std::sqrt(tk) / sd;
      const double b = std::sqrt(tp) / sd;
      for (std::size_t i = 0; i < z.size(); ++i) {
        double sum = 0.0;
        const double zi = z[i] * a;
        for (std::size_t j = 0; j < z_.size(); ++j) sum += g_[j] * density(zi - z_[j] * b);
        g[i] = w[i] * a * sum;
      }
    }
    z_ = std::move(z);
    g_ = std::move(g);
  }

 private:
  static double density(double x) {
    return std::exp(-0.5 * x * x) * (std::numbers::inv_sqrtpi / std::numbers::sqrt2);
  }

  // The narrowest kernel the nodes of look k meet: the one that produced the density (sd
  // sqrt(dt_k / t_k) in z_k) and the one that carries it to look k + 1 (sd
  // sqrt(dt_{k+1} / t_k)).
  double panelWidth(int k) const {
    const auto kMax = static_cast<int>(rates_.size());
    const double tk = rates_[k - 1];
    double scale = 1.0;
    if (k > 1) scale = std::min(scale, std::sqrt((tk - rates_[k - 2]) / tk));
    if (k < kMax) scale = std::min(scale, std::sqrt((rates_[k] - tk) / tk));
    return kPanelWidth * scale;
  }

  static void nodes(Region region, double width, std::vector<double>& z, std::vector<double>& w) {
    if (!(region.hi > region.lo)) return;
    const auto panels = static_cast<int>(std::ceil((region.hi - region.lo) / width));
    const double h = (region.hi - region.lo) / panels;
    const auto& x = Gauss::abscissa();
    const auto& wt = Gauss::weights();
    z.reserve(static_cast<std::size_t>(panels) * 10);
    w.reserve(z.capacity());
    for (int p = 0; p < panels; ++p) {
      const double centre = region.lo + (p + 0.5) * h;
      for (std::size_t i = 0; i < x.size(); ++i) {
        z.push_back(centre - x[i] * h / 2);
        w.push_back(wt[i] * h / 2);
        z.push_back(centre + x[i] * h / 2);
        w.push_back(wt[i] * h / 2);
      }
    }
  }

  std::span<const double> rates_;
  int sided_;
  std::vector<double> z_;
  std::vector<double> g_;
};

std::vector<double> firstCrossings(std::span<const double> rates, std::span<const double> critical,
                                   int sided) {
  Recursion rec(rates, sided);
  std::vector<double> p(rates.size());
  for (std::size_t k = 1; k <= rates.size(); ++k) {
    const double c = critical[k - 1];
    p[k - 1] = k == 1 ? rec.firstCrossing(c) : rec.crossing(static_cast<int>(k), c);
    if (k < rates.size()) rec.advance(static_cast<int>(k), c);
  }
  return p;
}

std::vector<double> cumulative(const std::vector<double>& p) {
  std::vector<double> out(p.size());
  double sum = 0.0;
  for (std::size_t k = 0; k < p.size(); ++k) out[k] = sum += p[k];
  return out;
}

void checkRates(std::span<const double> rates, std::size_t looks) {
  if (rates.size() != looks) {
    fail("information_rates", std::to_string(rates.size()) + " values",
         "must have one value per look (" + std::to_string(looks) + ")");
  }
  for (std::size_t k = 0; k < rates.size(); ++k) {
    const std::string field = "information_rates[" + std::to_string(k) + "]";
    if (!(rates[k] > 0.0 && rates[k] <= 1.0)) {
      fail(field, formatNumber(rates[k]), "must be in (0, 1]");
    }
    if (k > 0 && !(rates[k] > rates[k - 1])) {
      fail(field, formatNumber(rates[k]),
           "must be strictly increasing (previous " + formatNumber(rates[k - 1]) + ")");
    }
  }
  if (rates.back() != 1.0) {
    fail("information_rates[" + std::to_string(rates.size() - 1) + "]", formatNumber(rates.back()),
         "the last information rate must be 1");
  }
}

// Root of a function decreasing in c on [lo, hi] with f(lo) > 0 > f(hi), to full precision.
template <typename F>
double solveDecreasing(F f, double lo, double hi) {
  const double flo = f(lo);
  const double fhi = f(hi);
  if (flo <= 0) return lo;
  if (fhi >= 0) return hi;
  std::uintmax_t iterations = 200;
  const auto r = boost::math::tools::toms748_solve(f, lo, hi, flo, fhi,
                                                   boost::math::tools::eps_tolerance<double>(52),
                                                   iterations, detail::Policy());
  return r.first / 2 + r.second / 2;
}

double spendingFunction(BoundaryType type, double alpha, int sided, double t) {
  if (type == BoundaryType::kSpendingPocock) {
    return alpha * std::log(1 + (std::numbers::e - 1) * t);
  }
  const double s = sided;
  return 2 * s * detail::pnormUpper(detail::qnormUpper(alpha / (2 * s)) / std::sqrt(t));
}

}  // namespace

std::vector<double> cumulativeCrossingProbability(std::span<const double> informationRates,
                                                  std::span<const double> criticalValues,
                                                  int sided) {
  if (sided != 1 && sided != 2) fail("sided", std::to_string(sided), "must be 1 or 2");
  if (informationRates.empty()) fail("information_rates", "", "needs at least one look");
  checkRates(informationRates, informationRates.size());
  if (criticalValues.size() != informationRates.size()) {
    fail("critical_values", std::to_string(criticalValues.size()) + " values",
         "must have one value per look");
  }
  for (std::size_t k = 0; k < criticalValues.size(); ++k) {
    if (std::isnan(criticalValues[k])) {
      fail("critical_values[" + std::to_string(k) + "]", "nan", "must be a number");
    }
  }
  return cumulative(firstCrossings(informationRates, criticalValues, sided));
}

GroupSequentialDesign groupSequentialDesign(const GroupSequentialOptions& options) {
  if (options.looks < 1 || options.looks > 20) {
    fail("looks", std::to_string(options.looks), "must be between 1 and 20");
  }
  if (!(options.alpha >= 1e-6 && options.alpha < 0.5)) {
    fail("alpha", formatNumber(options.alpha), "must be in [1e-6, 0.5)");
  }
  if (options.sided != 1 && options.sided != 2) {
    fail("sided", std::to_string(options.sided), "must be 1 or 2");
  }
  GroupSequentialDesign d;
  d.options = options;
  const auto kMax = static_cast<std::size_t>(options.looks);
  if (d.options.informationRates.empty()) {
    for (std::size_t k = 1; k <= kMax; ++k) {
      d.options.informationRates.push_back(static_cast<double>(k) / static_cast<double>(kMax));
    }
  }
  const std::vector<double>& rates = d.options.informationRates;
  checkRates(rates, kMax);
  const int sided = options.sided;
  const double alpha = options.alpha;
  std::vector<double> firsts(kMax, 0.0);
  d.criticalValues.assign(kMax, INFINITY);

  switch (options.type) {
    case BoundaryType::kOBrienFleming:
    case BoundaryType::kPocock: {
      const bool of = options.type == BoundaryType::kOBrienFleming;
      const auto boundaries = [&](double scale) {
        std::vector<double> c(kMax);
        for (std::size_t k = 0; k < kMax; ++k) c[k] = of ? scale / std::sqrt(rates[k]) : scale;
        return c;
      };
      const auto excess = [&](double scale) {
        const std::vector<double> p = firstCrossings(rates, boundaries(scale), sided);
        double sum = 0.0;
        for (double v : p) sum += v;
        return sum - alpha;
      };
      d.criticalValues = boundaries(solveDecreasing(excess, 0.0, 40.0));
      firsts = firstCrossings(rates, d.criticalValues, sided);
      break;
    }
    case BoundaryType::kSpendingOBrienFleming:
    case BoundaryType::kSpendingPocock: {
      Recursion rec(rates, sided);
      double spentBefore = 0.0;
      for (std::size_t k = 1; k <= kMax; ++k) {
        const double spent = spendingFunction(options.type, alpha, sided, rates[k - 1]);
        const double increment = spent - spentBefore;
        double c = INFINITY;
        if (k == 1) {
          c = increment > 0 ? detail::qnormUpper(increment / sided) : INFINITY;
          firsts[0] = rec.firstCrossing(c);
        } else if (increment > 0) {
          const int look = static_cast<int>(k);
          const auto excess = [&](double cc) { return rec.crossing(look, cc) - increment; };
          c = solveDecreasing(excess, sided == 1 ? -kTail : 0.0, 40.0);
          firsts[k - 1] = rec.crossing(look, c);
        }
        d.criticalValues[k - 1] = c;
        if (k < kMax) rec.advance(static_cast<int>(k), c);
        spentBefore = spent;
      }
      break;
    }
  }
  d.alphaSpent = cumulative(firsts);
  for (double c : d.criticalValues) d.stageLevels.push_back(detail::pnormUpper(c));
  return d;
}

}  // namespace rolloutlab::core::stats
