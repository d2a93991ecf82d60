#include "rolloutlab/core/judge/count_test.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "judge_util.h"
#include "rolloutlab/core/judge/special_functions.h"

namespace rolloutlab::core::judge {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// log(1 + e^x) without overflow.
double softplus(double x) {
  return x > 0.0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

double logistic(double x) {
  if (x >= 0.0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

}  // namespace

double betaBinomialLogBayesFactor(std::int64_t nBaseline, std::int64_t nCanary, double rho,
                                  double a, double b) {
  const double nA = static_cast<double>(nBaseline);
  const double nB = static_cast<double>(nCanary);
  return logBeta(a + nB, b + nA) - logBeta(a, b) - nB * std::log(rho) - nA * std::log(1.0 - rho);
}

double dirichletMultinomialLogBayesFactor(std::span<const std::int64_t> counts,
                                          std::span<const double> allocation,
                                          std::span<const double> concentration) {
  const std::size_t k = counts.size();
  if (allocation.size() != k || concentration.size() != k)
    throw std::invalid_argument("counts, allocation and concentration must have the same size");
  std::vector<double> post(k);
  long double logNull = 0.0L;
  for (std::size_t i = 0; i < k; ++i) {
    post[i] = concentration[i] + static_cast<double>(counts[i]);
    if (counts[i] > 0) logNull += static_cast<double>(counts[i]) * std::log(allocation[i]);
  }
  return logMultivariateBeta(post) - logMultivariateBeta(concentration) -
         static_cast<double>(logNull);
}

void remapConcentration(std::span<const double> from, std::span<const double> to,
                        std::span<double> concentration) {
  // Sums in extended precision (as R's sum() does), so the reference recursion agrees.
  const std::size_t k = concentration.size();
  long double mSum = 0.0L;
  for (double a : concentration) mSum += a;
  const double m = static_cast<double>(mSum);
  // Information sum_i alpha_i (1 - theta_i) = m sum_i theta_i (1 - theta_i) before the move.
  long double info = 0.0L;
  for (std::size_t i = 0; i < k; ++i) {
    const double th = concentration[i] / m;
    info += concentration[i] * (1.0 - th);
  }
  // New centre: theta'_i proportional to to_i * (alpha_i / from_i), computed in place.
  long double norm = 0.0L;
  for (std::size_t i = 0; i < k; ++i) {
    concentration[i] = to[i] * concentration[i] / from[i];
    norm += concentration[i];
  }
  long double spread = 0.0L;
  for (std::size_t i = 0; i < k; ++i) {
    concentration[i] /= static_cast<double>(norm);
    spread += concentration[i] * (1.0 - concentration[i]);
  }
  const double mNew = static_cast<double>(info) / static_cast<double>(spread);
  for (std::size_t i = 0; i < k; ++i) concentration[i] = mNew * concentration[i];
}

bool CountTestOptions::isValid(std::string* error) const {
  if (!(alpha > 0.0 && alpha < 1.0))
    return detail::failDouble(error, "alpha", alpha, "must be in (0, 1)");
  if (!(concentration > 0.0) || !std::isfinite(concentration))
    return detail::failDouble(error, "concentration", concentration, "must be positive and finite");
  return true;
}

DirichletMultinomialTest::DirichletMultinomialTest(int arms, const CountTestOptions& options)
    : arms_(arms), options_(options) {
  std::string err;
  if (!options.isValid(&err)) throw std::invalid_argument("count test options: " + err);
  if (arms < 2) throw std::invalid_argument("a count test needs at least two arms");
  totals_.assign(static_cast<std::size_t>(arms), 0);
}

void DirichletMultinomialTest::update(std::span<const std::int64_t> counts,
                                      std::span<const double> allocation) {
  const auto k = static_cast<std::size_t>(arms_);
  if (counts.size() != k || allocation.size() != k)
    throw std::invalid_argument("count test update: expected one count and one allocation per arm");
  double sum = 0.0;
  std::int64_t events = 0;
  for (std::size_t i = 0; i < k; ++i) {
    if (counts[i] < 0) throw std::invalid_argument("count test update: negative count");
    if (!(allocation[i] > 0.0 && allocation[i] < 1.0))
      throw std::invalid_argument("count test update: allocation " +
                                  detail::formatDouble(allocation[i]) + " outside (0, 1)");
    sum += allocation[i];
    events += counts[i];
  }
  if (std::abs(sum - 1.0) > 1e-9)
    throw std::invalid_argument("count test update: allocations sum to " +
                                detail::formatDouble(sum) + ", not 1");
  ++looks_;
  if (events == 0) return;  // nothing observed: the martingale does not move

  // No allocation on the hot path: the scratch buffer holds posterior pseudo-counts.
  const auto& alloc = allocation;
  scratch_.resize(k);
  if (!started_) {
    started_ = true;
    segAllocation_.assign(alloc.begin(), alloc.end());
    segPrior_.resize(k);
    for (std::size_t i = 0; i < k; ++i) segPrior_[i] = options_.concentration * alloc[i];
    segCounts_.assign(k, 0);
  } else if (!std::equal(alloc.begin(), alloc.end(), segAllocation_.begin())) {
    // Close the segment and carry its posterior over to the new allocation.
    logPredictiveBefore_ = logPredictive_;
    logNullBefore_ = logNull_;
    for (std::size_t i = 0; i < k; ++i) segPrior_[i] += static_cast<double>(segCounts_[i]);
    remapConcentration(segAllocation_, alloc, segPrior_);
    std::copy(alloc.begin(), alloc.end(), segAllocation_.begin());
    std::fill(segCounts_.begin(), segCounts_.end(), 0);
  }
  long double segNull = 0.0L;
  for (std::size_t i = 0; i < k; ++i) {
    segCounts_[i] += counts[i];
    totals_[i] += counts[i];
    scratch_[i] = segPrior_[i] + static_cast<double>(segCounts_[i]);
    if (segCounts_[i] > 0) segNull += static_cast<double>(segCounts_[i]) * std::log(alloc[i]);
  }
  logPredictive_ =
      logPredictiveBefore_ + (logMultivariateBeta(scratch_) - logMultivariateBeta(segPrior_));
  logNull_ = logNullBefore_ + static_cast<double>(segNull);
  pValue_ = std::min(pValue_, std::exp(-(logPredictive_ - logNull_)));
}

RateRatioTest::RateRatioTest(const CountTestOptions& options)
    : test_(2, options), estimate_(std::numeric_limits<double>::quiet_NaN()) {
  current_ = {0.0, kInf};
  running_ = {0.0, kInf};
}

void RateRatioTest::update(std::int64_t nBaseline, std::int64_t nCanary, double rho) {
  if (!(rho > 0.0 && rho < 1.0))
    throw std::invalid_argument("rate ratio update: rho = " + detail::formatDouble(rho) +
                                " outside (0, 1)");
  const std::int64_t counts[2] = {nCanary, nBaseline};
  const double alloc[2] = {rho, 1.0 - rho};
  test_.update(counts, alloc);
  if (nBaseline + nCanary == 0) return;
  const double lr = std::log(rho) - std::log1p(-rho);
  auto it = std::find_if(groups_.begin(), groups_.end(),
                         [&](const Group& g) { return g.logitRho == lr; });
  if (it == groups_.end()) {
    groups_.push_back({lr, nBaseline, nCanary});
  } else {
    it->nA += nBaseline;
    it->nB += nCanary;
  }
  solveInterval();
}

double RateRatioTest::logLikelihood(double delta) const {
  // sum_g nB log theta_g + nA log(1 - theta_g), theta_g = logistic(delta + logit rho_g).
  double l = 0.0;
  for (const auto& g : groups_) {
    const double x = delta + g.logitRho;
    const double nA = static_cast<double>(g.nA);
    const double nB = static_cast<double>(g.nB);
    l += nB * x - (nA + nB) * softplus(x);
  }
  return l;
}

double RateRatioTest::logEvidenceAgainst(double r0) const {
  if (test_.totals()[0] + test_.totals()[1] == 0) return 0.0;
  if (r0 == 1.0) return test_.logBayesFactor();
  // The null likelihood at r0 replaces the one at r = 1; the binomial coefficients cancel.
  return test_.logPredictive() - logLikelihood(std::log(r0));
}

void RateRatioTest::solveInterval() {
  const std::int64_t nB = test_.totals()[0];
  const std::int64_t nA = test_.totals()[1];
  const double c = test_.logPredictive() - std::log(1.0 / test_.alpha());
  // l(d) = sum_g nB_g (d + lr_g) - n_g softplus(d + lr_g) is concave in d = log r, with
  // l'(d) = nB - sum_g n_g theta_g(d) and l''(d) = -sum_g n_g theta_g (1 - theta_g).
  auto eval = [&](double d, double* slope, double* curvature) {
    double l = 0.0, s = static_cast<double>(nB), h = 0.0;
    for (const auto& g : groups_) {
      const double x = d + g.logitRho;
      const double n = static_cast<double>(g.nA + g.nB);
      const double th = logistic(x);
      l += static_cast<double>(g.nB) * x - n * softplus(x);
      s -= n * th;
      h -= n * th * (1.0 - th);
    }
    if (slope) *slope = s;
    if (curvature) *curvature = h;
    return l;
  };
  double minLr = groups_.front().logitRho, maxLr = minLr;
  for (const auto& g : groups_) {
    minLr = std::min(minLr, g.logitRho);
    maxLr = std::max(maxLr, g.logitRho);
  }
  double peak;
  if (nB == 0) {
    peak = -maxLr - 40.0;  // l -> 0 from below as d -> -inf
    estimate_ = 0.0;
  } else if (nA == 0) {
    peak = -minLr + 40.0;
    estimate_ = kInf;
  } else {
    // Safeguarded Newton on the decreasing score, inside a bracket [lo, hi] with
    // score(lo) > 0 > score(hi).
    double lo = -maxLr + std::log(static_cast<double>(nB) / static_cast<double>(nA + nB)) - 1.0;
    double hi = -minLr - std::log(static_cast<double>(nA) / static_cast<double>(nA + nB)) + 1.0;
    double d = 0.5 * (lo + hi);
    for (int it = 0; it < 100; ++it) {
      double s, h;
      eval(d, &s, &h);
      (s > 0.0 ? lo : hi) = d;
      double next = h < 0.0 ? d - s / h : 0.5 * (lo + hi);
      if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
      const bool done = std::abs(next - d) <= 1e-13 * std::max(1.0, std::abs(d));
      d = next;
      if (done || hi - lo <= 1e-13 * std::max(1.0, std::abs(d))) break;
    }
    peak = d;
    estimate_ = std::exp(peak);
  }
  const double top = eval(peak, nullptr, nullptr);
  if (!(top > c)) {
    // No rate ratio is compatible at this level: the constant-ratio model is rejected.
    current_ = {estimate_, estimate_};
  } else {
    // Root of l(d) = c on one side of the peak: step out until l <= c, then Newton from the
    // outer side (the tangent of a concave function never crosses the root), bisection as a
    // safeguard.
    auto root = [&](double step) {
      double inside = peak, out = peak + step;
      for (int guard = 0; eval(out, nullptr, nullptr) > c && guard < 200; ++guard) {
        inside = out;
        step *= 2.0;
        out = inside + step;
      }
      double x = out;
      for (int it = 0; it < 100; ++it) {
        double s;
        const double l = eval(x, &s, nullptr);
        if (l > c) {
          inside = x;
        } else {
          out = x;
        }
        double next = s != 0.0 ? x + (c - l) / s : 0.5 * (inside + out);
        const double lo = std::min(inside, out), hi = std::max(inside, out);
        if (!(next >= lo && next <= hi)) next = 0.5 * (inside + out);
        const bool done = std::abs(next - x) <= 1e-12 * std::max(1.0, std::abs(x)) ||
                          std::abs(out - inside) <= 1e-12 * std::max(1.0, std::abs(x));
        x = next;
        if (done) break;
      }
      return x;
    };
    current_.lower = nB == 0 ? 0.0 : std::exp(root(-1.0));
    current_.upper = nA == 0 ? kInf : std::exp(root(1.0));
  }
  Interval next{std::max(running_.lower, current_.lower), std::min(running_.upper, current_.upper)};
  running_ = next.empty() ? Interval{estimate_, estimate_} : next;
}

}  // namespace rolloutlab::core::judge
