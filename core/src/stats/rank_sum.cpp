#include "rolloutlab/core/stats/rank_sum.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <limits>

#include "r_arith.h"
#include "r_zeroin.h"
#include "support.h"

namespace rolloutlab::core::stats {

namespace {

using detail::fail;
using detail::formatNumber;

// ---- exact null distribution ---------------------------------------------------------------

// The number of (m, n) rank configurations with U = u is the coefficient of q^u in the Gaussian
// binomial [m+n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i). Each factor is applied as
// a division by (1 - q^i) (a running sum) followed by a multiplication by (1 - q^(n+i)); after
// factor i the array holds [n+i choose i]_q, whose coefficients are all positive, which keeps
// the cancellation in the subtraction small (against exact integer arithmetic at m = n = 200:
// cumulative probabilities within 5e-14, single probabilities within 3e-12, relative). Each
// step is rescaled by i/(n+i) so that the array holds probabilities and never overflows.
std::vector<double> wilcoxonHalfPmf(std::int64_t m, std::int64_t n) {
  const std::int64_t small = std::min(m, n);
  const std::int64_t large = std::max(m, n);
  const std::int64_t half = (m * n) / 2;
  std::vector<double> c(static_cast<std::size_t>(half) + 1, 0.0);
  c[0] = 1.0;
  for (std::int64_t i = 1; i <= small; ++i) {
    for (std::int64_t k = i; k <= half; ++k) c[k] += c[k - i];
    const std::int64_t a = large + i;
    for (std::int64_t k = half; k >= a; --k) c[k] -= c[k - a];
    const double scale = static_cast<double>(i) / static_cast<double>(large + i);
    for (double& v : c) v *= scale;
  }
  return c;
}

// ---- selection of the k-th pairwise difference -----------------------------------------------

// Calls row(x_i, p_i) for each x_i in ascending order, where the pairs of row i with
// fl(x_i - y_j) <= t are exactly j >= p_i: the difference is non-increasing in j (rounding is
// monotone) and p_i only moves right as x_i grows, so one pass with two pointers suffices.
template <typename Row>
void sweepRows(std::span<const double> x, std::span<const double> y, double t, Row row) {
  const std::size_t m = y.size();
  std::size_t p = 0;
  for (double xi : x) {
    while (p < m && xi - y[p] > t) ++p;
    row(xi, p);
  }
}

// Number of pairs with fl(x_i - y_j) <= t.
std::int64_t countAtMost(std::span<const double> x, std::span<const double> y, double t) {
  std::int64_t count = 0;
  sweepRows(x, y, t,
            [&](double, std::size_t p) { count += static_cast<std::int64_t>(y.size() - p); });
  return count;
}

// The largest difference <= t (-infinity if none).
double largestAtMost(std::span<const double> x, std::span<const double> y, double t) {
  double best = -INFINITY;
  sweepRows(x, y, t, [&](double xi, std::size_t p) {
    if (p < y.size()) best = std::max(best, xi - y[p]);
  });
  return best;
}

// The smallest difference > t (+infinity if none): in each row, the one just before p_i.
double smallestAbove(std::span<const double> x, std::span<const double> y, double t) {
  double best = INFINITY;
  sweepRows(x, y, t, [&](double xi, std::size_t p) {
    if (p > 0) best = std::min(best, xi - y[p - 1]);
  });
  return best;
}

// Midpoint of two doubles in the order of their bit patterns: guarantees progress when the
// value midpoint cannot (adjacent magnitudes, ranges spanning many binades).
std::int64_t orderedKey(double v) {
  const auto u = std::bit_cast<std::uint64_t>(v);
  const auto magnitude = static_cast<std::int64_t>(u & 0x7FFFFFFFFFFFFFFFULL);
  return (u >> 63) != 0 ? -magnitude : magnitude;
}
double fromOrderedKey(std::int64_t k) {
  if (k >= 0) return std::bit_cast<double>(static_cast<std::uint64_t>(k));
  return std::bit_cast<double>(static_cast<std::uint64_t>(-k) | 0x8000000000000000ULL);
}
double keyMidpoint(double lo, double hi) {
  const std::int64_t a = orderedKey(lo);
  const std::int64_t b = orderedKey(hi);
  return fromOrderedKey(a + (b - a) / 2);
}

// The r-th smallest (1-based) difference among those in (lo, hi].
double selectInWindow(std::span<const double> x, std::span<const double> y, double lo, double hi,
                      std::int64_t r) {
  const std::size_t m = y.size();
  std::vector<double> window;
  std::size_t pHi = 0;  // first j with x_i - y_j <= hi
  std::size_t pLo = 0;  // first j with x_i - y_j <= lo
  for (double xi : x) {
    while (pHi < m && xi - y[pHi] > hi) ++pHi;
    while (pLo < m && xi - y[pLo] > lo) ++pLo;
    for (std::size_t j = pHi; j < pLo; ++j) window.push_back(xi - y[j]);
  }
  assert(r >= 1 && r <= static_cast<std::int64_t>(window.size()));
  auto nth = window.begin() + (r - 1);
  std::nth_element(window.begin(), nth, window.end());
  return *nth;
}

}  // namespace

// ---- WilcoxonDistribution -----------------------------------------------------------------------

WilcoxonDistribution::WilcoxonDistribution(int m, int n) : m_(m), n_(n) {
  if (m < 1 || n < 1) {
    fail("n", std::to_string(m) + " and " + std::to_string(n),
         "both sample sizes of the exact Wilcoxon distribution must be at least 1");
  }
  if (m_ * n_ > kMaxPairs) {
    fail("exact", std::to_string(m) + " x " + std::to_string(n) + " pairs",
         "the exact rank-sum distribution is limited to n_x * n_y <= " + std::to_string(kMaxPairs) +
             "; use the normal approximation (exact = false)");
  }
  half_ = wilcoxonHalfPmf(m_, n_);
}

double WilcoxonDistribution::pmf(std::int64_t w) const {
  const std::int64_t mn = m_ * n_;
  if (w < 0 || w > mn) return 0.0;
  if (w >= static_cast<std::int64_t>(half_.size())) w = mn - w;
  return half_[static_cast<std::size_t>(w)];
}

double WilcoxonDistribution::sumPmf(std::int64_t from, std::int64_t to) const {
  double p = 0.0;
  for (std::int64_t i = from; i <= to; ++i) p += pmf(i);
  return p;
}

// R's pwilcox (src/nmath/wilcox.c): sums the shorter tail and complements it as R does.
double WilcoxonDistribution::cdf(double q) const {
  const double mn = static_cast<double>(m_ * n_);
  q = std::floor(q + 1e-7);
  if (q < 0.0) return 0.0;
  if (q >= mn) return 1.0;
  if (q <= mn / 2) return sumPmf(0, static_cast<std::int64_t>(q));
  const double p = sumPmf(0, static_cast<std::int64_t>(mn - q) - 1);
  return 0.5 - p + 0.5;
}

double WilcoxonDistribution::upperTail(double q) const {
  const double mn = static_cast<double>(m_ * n_);
  q = std::floor(q + 1e-7);
  if (q < 0.0) return 1.0;
  if (q >= mn) return 0.0;
  if (q <= mn / 2) return 0.5 - sumPmf(0, static_cast<std::int64_t>(q)) + 0.5;
  return sumPmf(0, static_cast<std::int64_t>(mn - q) - 1);
}

// R's qwilcox (src/nmath/wilcox.c), lower tail, including its 10 * DBL_EPSILON fuzz.
std::int64_t WilcoxonDistribution::quantile(double p) const {
  const std::int64_t mn = m_ * n_;
  if (p <= 0.0) return 0;
  if (p >= 1.0) return mn;
  constexpr double kFuzz = 10 * std::numeric_limits<double>::epsilon();
  double cum = 0.0;
  std::int64_t q = 0;
  if (p <= 0.5) {
    p -= kFuzz;
    for (;; ++q) {
      cum += pmf(q);
      if (cum >= p) return q;
    }
  }
  p = 1.0 - p + kFuzz;
  for (;; ++q) {
    cum += pmf(q);
    if (cum > p) return mn - q;
  }
}

// ---- selection
// -------------------------------------------------------------------------------------

double kthPairwiseDifference(std::span<const double> x, std::span<const double> y, std::int64_t k) {
  const auto n = static_cast<std::int64_t>(x.size());
  const auto m = static_cast<std::int64_t>(y.size());
  if (n == 0 || m == 0 || k < 1 || k > n * m) {
    fail("k", std::to_string(k), "must be between 1 and n_x * n_y = " + std::to_string(n * m));
  }
  assert(std::is_sorted(x.begin(), x.end()) && std::is_sorted(y.begin(), y.end()));
  // Invariant: count(lo) < k <= count(hi); the answer is the smallest double t with
  // count(t) >= k, which is necessarily one of the differences.
  double lo = std::nextafter(x.front() - y.back(), -INFINITY);
  double hi = x.back() - y.front();
  std::int64_t countLo = 0;
  std::int64_t countHi = n * m;
  const std::int64_t windowLimit = 2 * (n + m) + 1024;
  const auto probe = [&](double t) {
    const std::int64_t c = countAtMost(x, y, t);
    if (c >= k) {
      hi = t;
      countHi = c;
    } else {
      lo = t;
      countLo = c;
    }
  };
  const auto inside = [&](double t) { return t > lo && t < hi; };
  if (countHi > windowLimit) {
    // A first bracket from a grid of evenly spaced order statistics of x and y (at most
    // 256 x 256 differences): its quantiles near k/(n m), widened by the grid's resolution
    // and sampling spread, usually hold rank k within a few percent of the pairs.
    const std::size_t a = std::min<std::size_t>(x.size(), 256);
    const std::size_t b = std::min<std::size_t>(y.size(), 256);
    std::vector<double> grid;
    grid.reserve(a * b);
    for (std::size_t i = 0; i < a; ++i) {
      const double xi = x[(i * (x.size() - 1)) / std::max<std::size_t>(a - 1, 1)];
      for (std::size_t j = 0; j < b; ++j) {
        grid.push_back(xi - y[(j * (y.size() - 1)) / std::max<std::size_t>(b - 1, 1)]);
      }
    }
    const auto size = static_cast<double>(grid.size());
    const double q = static_cast<double>(k) / static_cast<double>(countHi);
    const double spread =
        3 * std::sqrt(q * (1 - q) / size) + 2.0 / static_cast<double>(std::min(a, b));
    const auto rankAt = [&](double fraction) {
      const auto r = static_cast<std::ptrdiff_t>(std::clamp(fraction, 0.0, 1.0) * (size - 1));
      std::nth_element(grid.begin(), grid.begin() + r, grid.end());
      return grid[static_cast<std::size_t>(r)];
    };
    const double guessLo = rankAt(q - spread);
    const double guessHi = rankAt(q + spread);
    if (inside(guessLo)) probe(guessLo);
    if (inside(guessHi)) probe(guessHi);
  }
  for (int iteration = 0;; ++iteration) {
    if (countHi - countLo <= windowLimit) return selectInWindow(x, y, lo, hi, k - countLo);
    const std::int64_t before = countHi - countLo;
    if (iteration < 24) {
      // Interpolate the rank in value and probe a little either side of the guess, so that
      // on smooth data the next window already holds k with a few thousand candidates.
      const auto span = static_cast<double>(countHi - countLo);
      const double margin = static_cast<double>(windowLimit) / 4;
      const double target = static_cast<double>(k - countLo);
      const double width = hi - lo;
      const double below = lo + width * std::max(0.0, (target - margin) / span);
      const double above = lo + width * std::min(1.0, (target + margin) / span);
      if (inside(below)) probe(below);
      if (inside(above)) probe(above);
      if (countHi - countLo <= windowLimit || 4 * (countHi - countLo) <= before) continue;
    }
    // Little progress: the window is held by ties (many equal differences) or by a skewed
    // stretch. Move hi down onto the largest difference in the window; if nothing below that
    // value reaches rank k, it is the answer (a tie block), otherwise drop it and halve.
    const double top = largestAtMost(x, y, hi);
    const double belowTop = std::nextafter(top, -INFINITY);
    if (!(belowTop > lo)) return top;  // top is the only value left in the window
    const std::int64_t c = countAtMost(x, y, belowTop);
    if (c < k) return top;
    hi = belowTop;
    countHi = c;
    double mid = iteration < 48 ? lo / 2 + hi / 2 : keyMidpoint(lo, hi);
    if (!inside(mid)) mid = keyMidpoint(lo, hi);
    if (inside(mid)) probe(mid);
  }
}

// ---- root of the standardized statistic in the shift ------------------------------------------

double ShiftRoot::mid() const { return detail::rMean2(lo, hi); }

namespace {

// The (r+1)-th smallest difference given the r-th, `value`: the same value if it is tied
// further, else the next larger difference. Two sweeps instead of a selection.
double nextDifference(std::span<const double> x, std::span<const double> y, double value,
                      std::int64_t r) {
  return countAtMost(x, y, value) > r ? value : smallestAbove(x, y, value);
}

// The k-th and l-th smallest differences, k <= l.
ShiftRoot orderStatistics(std::span<const double> x, std::span<const double> y, std::int64_t k,
                          std::int64_t l) {
  ShiftRoot r;
  r.lo = kthPairwiseDifference(x, y, k);
  r.hi =
      l == k ? r.lo : (l == k + 1 ? nextDifference(x, y, r.lo, k) : kthPairwiseDifference(x, y, l));
  return r;
}

}  // namespace

namespace {

// sum over tie groups of t^3 - t within one sorted sample.
double tieTerm(std::span<const double> sorted) {
  double sum = 0.0;
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t j = i + 1;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    const auto t = static_cast<double>(j - i);
    sum += t * t * t - t;
    i = j;
  }
  return sum;
}

// R's SIGMA: sqrt((nx*ny/12) * ((nx+ny+1) - ties/((nx+ny)*(nx+ny-1)))), same operation order.
double rankSumSigma(double nx, double ny, double ties) {
  return std::sqrt((nx * ny / 12) * ((nx + ny + 1) - ties / ((nx + ny) * (nx + ny - 1))));
}

double continuity(double dz, bool correct, Alternative alternative) {
  if (!correct) return 0.0;
  switch (alternative) {
    case Alternative::kGreater:
      return 0.5;
    case Alternative::kLess:
      return -0.5;
    case Alternative::kTwoSided:
      break;
  }
  return dz > 0 ? 0.5 : (dz < 0 ? -0.5 : 0.0);
}

}  // namespace

namespace {

// R's `wdiff(d, zq)` inside wilcox.test (R 4.2.2, src/library/stats/R/wilcox.test.R, the
// asymptotic two-sample interval), evaluated as R evaluates it: the average ranks of
// c(x - d, y), each x_i - d rounded to double first (so a shifted x ties with a y, or with
// another shifted x, exactly when the doubles are equal), the centred rank sum dz, R's
// continuity correction and the tie-corrected sigma of the shifted sample, minus zq. The rank
// sums are half-integers and the tie counts integers, so dz and the tie term are exact, as in
// R; the rest is the same few double operations in R's order. O(n + m) per call on sorted
// samples (fl(x_i - d) is non-decreasing in x_i).
class ShiftedRankStatistic {
 public:
  ShiftedRankStatistic(std::span<const double> xSorted, std::span<const double> ySorted,
                       Alternative alternative)
      : x_(xSorted), y_(ySorted), alternative_(alternative) {}

  double operator()(double d, double zq, bool correct) const {
    const std::size_t n = x_.size();
    const std::size_t m = y_.size();
    std::size_t i = 0;
    std::size_t j = 0;
    double ranksBefore = 0.0;
    double rankSumX = 0.0;
    double ties = 0.0;
    while (i < n || j < m) {
      double v = 0.0;
      if (i == n) {
        v = y_[j];
      } else if (j == m) {
        v = x_[i] - d;
      } else {
        const double xv = x_[i] - d;
        v = xv <= y_[j] ? xv : y_[j];
      }
      std::size_t cx = 0;
      std::size_t cy = 0;
      while (i < n && x_[i] - d == v) ++i, ++cx;
      while (j < m && y_[j] == v) ++j, ++cy;
      const auto t = static_cast<double>(cx + cy);
      if (cx > 0) rankSumX += static_cast<double>(cx) * (ranksBefore + (t + 1) / 2);
      if (t > 1) ties += t * t * t - t;
      ranksBefore += t;
    }
    const auto nx = static_cast<double>(n);
    const auto ny = static_cast<double>(m);
    const double dz = rankSumX - nx * (nx + 1) / 2 - nx * ny / 2;
    double correction = 0.0;
    if (correct) {
      switch (alternative_) {
        case Alternative::kTwoSided:
          correction = dz > 0 ? 0.5 : (dz < 0 ? -0.5 : 0.0);
          break;
        case Alternative::kGreater:
          correction = 0.5;
          break;
        case Alternative::kLess:
          correction = -0.5;
          break;
      }
    }
    const double sigma =
        std::sqrt((nx * ny / 12) * ((nx + ny + 1) - ties / ((nx + ny) * (nx + ny - 1))));
    if (sigma == 0.0) {
      fail("x, y", "",
           "cannot compute confidence interval when all observations are tied (as R stops)");
    }
    return (dz - correction) / sigma - zq;
  }

 private:
  std::span<const double> x_;
  std::span<const double> y_;
  Alternative alternative_;
};

}  // namespace

ShiftRoot rankSumShiftRoot(std::span<const double> x, std::span<const double> y, double zq,
                           bool correct, Alternative alternative) {
  if (x.empty() || y.empty()) fail("x, y", "", "both samples must be non-empty");
  const auto nx = static_cast<double>(x.size());
  const auto ny = static_cast<double>(y.size());
  const std::int64_t pairs =
      static_cast<std::int64_t>(x.size()) * static_cast<std::int64_t>(y.size());
  // Between two consecutive differences no x_i - d ties with a y_j, so the ties are those
  // within each sample, and with k differences <= d the centred statistic is P/2 - k.
  const double sigma = rankSumSigma(nx, ny, tieTerm(x) + tieTerm(y));
  const auto value = [&](std::int64_t k) {
    const double dz = static_cast<double>(pairs - k) - static_cast<double>(pairs) / 2;
    return (dz - continuity(dz, correct, alternative)) / sigma - zq;
  };
  // value(k) is non-increasing in k. kNonPositive: first k with value <= 0; kNegative: first
  // k with value < 0. The statistic is positive for shifts below the kNonPositive-th
  // difference and negative above the kNegative-th one; between them it is zero.
  const auto firstK = [&](bool strict) {
    std::int64_t lo = 0;
    std::int64_t hi = pairs + 1;  // sentinel: "never"
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      const double v = value(mid);
      if (strict ? v < 0 : v <= 0) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return std::clamp<std::int64_t>(lo, 1, pairs);
  };
  const std::int64_t kLo = firstK(false);
  const std::int64_t kHi = firstK(true);
  return orderStatistics(x, y, kLo, kHi);
}

// ---- the test
// ---------------------------------------------------------------------------------------

TestResult rankSumTest(std::span<const double> x, std::span<const double> y,
                       const RankSumOptions& options) {
  detail::requireSize(x, 1, "x");
  detail::requireSize(y, 1, "y");
  detail::requireFinite(x, "x");
  detail::requireFinite(y, "y");
  if (!std::isfinite(options.mu)) fail("mu", formatNumber(options.mu), "must be a finite number");
  if (options.confInt) detail::requireConfLevel(options.confLevel);
  if (!(options.tolRoot > 0.0)) {
    fail("tol_root", formatNumber(options.tolRoot), "must be a positive number");
  }

  const auto nx = static_cast<double>(x.size());
  const auto ny = static_cast<double>(y.size());
  std::vector<double> xs(x.begin(), x.end());
  std::vector<double> ys(y.begin(), y.end());
  std::sort(ys.begin(), ys.end());
  std::sort(xs.begin(), xs.end());
  // fl(v - mu) is non-decreasing in v, so the shifted sample stays sorted.
  std::vector<double> xShifted(xs.size());
  std::transform(xs.begin(), xs.end(), xShifted.begin(), [&](double v) { return v - options.mu; });

  // Rank sum of x - mu in c(x - mu, y) with average ranks, and the tie term, in one merge.
  double rankSumX = 0.0;
  double ties = 0.0;
  bool anyTie = false;
  {
    std::size_t i = 0;
    std::size_t j = 0;
    double ranksBefore = 0.0;
    while (i < xShifted.size() || j < ys.size()) {
      const double v =
          (j == ys.size() || (i < xShifted.size() && xShifted[i] <= ys[j])) ? xShifted[i] : ys[j];
      std::size_t cx = 0;
      std::size_t cy = 0;
      while (i < xShifted.size() && xShifted[i] == v) ++i, ++cx;
      while (j < ys.size() && ys[j] == v) ++j, ++cy;
      const auto t = static_cast<double>(cx + cy);
      rankSumX += static_cast<double>(cx) * (ranksBefore + (t + 1) / 2);
      ties += t * t * t - t;
      anyTie = anyTie || t > 1;
      ranksBefore += t;
    }
  }
  const double statistic = rankSumX - nx * (nx + 1) / 2;

  TestResult r;
  r.alternative = options.alternative;
  r.statistic = statistic;
  r.statisticName = "W";
  r.computation = options.computation;
  r.nullValue = options.mu;
  r.nullValueName = "location shift";
  r.confLevel = options.confLevel;
  const bool exact =
      options.exact == ExactMode::kYes || (options.exact == ExactMode::kAuto && nx < 50 && ny < 50);
  const std::int64_t pairs =
      static_cast<std::int64_t>(xs.size()) * static_cast<std::int64_t>(ys.size());
  const double alpha = 1 - options.confLevel;

  if (exact && !anyTie) {
    r.method = "Wilcoxon rank sum exact test";
    const WilcoxonDistribution dist(static_cast<int>(xs.size()), static_cast<int>(ys.size()));
    switch (options.alternative) {
      case Alternative::kTwoSided: {
        const double p =
            statistic > nx * ny / 2 ? dist.upperTail(statistic - 1) : dist.cdf(statistic);
        r.pValue = std::min(2 * p, 1.0);
        break;
      }
      case Alternative::kGreater:
        r.pValue = dist.upperTail(statistic - 1);
        break;
      case Alternative::kLess:
        r.pValue = dist.cdf(statistic);
        break;
    }
    if (options.confInt) {
      // Order statistics of the differences picked by qwilcox, as R does.
      const double q = options.alternative == Alternative::kTwoSided ? alpha / 2 : alpha;
      std::int64_t qu = dist.quantile(q);
      if (qu == 0) qu = 1;
      const std::int64_t ql = pairs - qu;
      double achieved = dist.cdf(static_cast<double>(qu - 1));
      Interval ci{-INFINITY, INFINITY};
      switch (options.alternative) {
        case Alternative::kTwoSided:
          achieved *= 2;
          ci = {kthPairwiseDifference(xs, ys, qu), kthPairwiseDifference(xs, ys, ql + 1)};
          break;
        case Alternative::kGreater:
          ci.lo = kthPairwiseDifference(xs, ys, qu);
          break;
        case Alternative::kLess:
          ci.hi = kthPairwiseDifference(xs, ys, ql + 1);
          break;
      }
      if (achieved - alpha > alpha / 2) {
        r.warnings.emplace_back("Requested conf.level not achievable");
        r.confLevel = 1 - achieved;
      }
      r.confInt = ci;
      const ShiftRoot median = orderStatistics(xs, ys, (pairs + 1) / 2, pairs / 2 + 1);
      r.estimate = {pairs % 2 == 1 ? median.lo : median.mid()};
      r.estimateNames = {"difference in location"};
    }
    return r;
  }

  r.method = options.correct ? "Wilcoxon rank sum test with continuity correction"
                             : "Wilcoxon rank sum test";
  const double sigma = rankSumSigma(nx, ny, ties);
  if (!(sigma > 0)) {
    fail("x, y", "", "all observations are tied: the normal approximation has zero variance");
  }
  double z = statistic - nx * ny / 2;
  z = (z - continuity(z, options.correct, options.alternative)) / sigma;
  switch (options.alternative) {
    case Alternative::kLess:
      r.pValue = detail::pnorm(z);
      break;
    case Alternative::kGreater:
      r.pValue = detail::pnormUpper(z);
      break;
    case Alternative::kTwoSided:
      r.pValue = 2 * std::min(detail::pnorm(z), detail::pnormUpper(z));
      break;
  }
  if (options.confInt) {
    if (xs.front() == xs.back() && ys.front() == ys.back()) {
      fail("x, y", "", "each sample holds a single distinct value: the interval is undefined");
    }
    Interval ci{-INFINITY, INFINITY};
    if (options.computation == Computation::kR) {
      // R: root(zq) returns the search range's end where the statistic does not change sign
      // inside it, else uniroot(wdiff, c(mumin, mumax), f.lower, f.upper, tol = tol.root).
      // (uniroot also evaluates f once more at the root for its f.root; the function has no
      // side effects, so that evaluation is skipped.)
      const ShiftedRankStatistic wdiff(xs, ys, options.alternative);
      const double muMin = xs.front() - ys.back();
      const double muMax = xs.back() - ys.front();
      const auto root = [&](double zq) {
        const auto f = [&](double d) { return wdiff(d, zq, options.correct); };
        const double fLower = f(muMin);
        const double fUpper = f(muMax);
        if (fLower <= 0) return muMin;
        if (fUpper >= 0) return muMax;
        return detail::rZeroin2(muMin, muMax, fLower, fUpper, f, options.tolRoot).root;
      };
      switch (options.alternative) {
        case Alternative::kTwoSided:
          ci = {root(detail::qnormUpper(alpha / 2)), root(detail::qnorm(alpha / 2))};
          break;
        case Alternative::kGreater:
          ci.lo = root(detail::qnormUpper(alpha));
          break;
        case Alternative::kLess:
          ci.hi = root(detail::qnorm(alpha));
          break;
      }
      // R then sets correct <- FALSE and calls uniroot(wdiff, c(mumin, mumax), tol = tol.root,
      // zq = 0) without bracket values: uniroot evaluates both ends itself.
      const auto f0 = [&](double d) { return wdiff(d, 0.0, false); };
      r.estimate = {detail::rZeroin2(muMin, muMax, f0(muMin), f0(muMax), f0, options.tolRoot).root};
    } else {
      const auto root = [&](double zq) {
        return rankSumShiftRoot(xs, ys, zq, options.correct, options.alternative).mid();
      };
      switch (options.alternative) {
        case Alternative::kTwoSided:
          ci = {root(detail::qnormUpper(alpha / 2)), root(detail::qnorm(alpha / 2))};
          break;
        case Alternative::kGreater:
          ci.lo = root(detail::qnormUpper(alpha));
          break;
        case Alternative::kLess:
          ci.hi = root(detail::qnorm(alpha));
          break;
      }
      r.estimate = {rankSumShiftRoot(xs, ys, 0.0, false, options.alternative).mid()};
    }
    r.confInt = ci;
    r.estimateNames = {"difference in location"};
  }
  if (exact && anyTie) {
    r.warnings.emplace_back("cannot compute exact p-value with ties");
    if (options.confInt)
      r.warnings.emplace_back("cannot compute exact confidence intervals with ties");
  }
  return r;
}

}  // namespace rolloutlab::core::stats
