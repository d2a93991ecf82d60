#include "rolloutlab/core/judge/msprt.h"

#include <cmath>
#include <stdexcept>

#include "judge_util.h"

namespace rolloutlab::core::judge {

using detail::failDouble;

void Moments::add(double x) {
  ++count;
  const double delta = x - mean;
  mean += delta / static_cast<double>(count);
  m2 += delta * (x - mean);
}

void Moments::merge(const Moments& other) {
  if (other.count == 0) return;
  if (count == 0) {
    *this = other;
    return;
  }
  const double na = static_cast<double>(count);
  const double nb = static_cast<double>(other.count);
  const double n = na + nb;
  const double delta = other.mean - mean;
  mean += delta * nb / n;
  m2 += other.m2 + delta * delta * na * nb / n;
  count += other.count;
}

double Moments::variance() const {
  if (count < 2) return std::numeric_limits<double>::quiet_NaN();
  return m2 / static_cast<double>(count - 1);
}

Moments Moments::fromSamples(std::span<const double> xs) {
  Moments m;
  for (double x : xs) m.add(x);
  return m;
}

Moments Moments::fromSums(std::int64_t count, double sum, double sumSquares) {
  Moments m;
  if (count <= 0) return m;
  m.count = count;
  m.mean = sum / static_cast<double>(count);
  m.m2 = std::max(0.0, sumSquares - sum * m.mean);
  return m;
}

double normalMixtureLogLikelihoodRatio(double estimate, double variance, double theta0,
                                       double tau2) {
  const double d = estimate - theta0;
  return -0.5 * std::log1p(tau2 / variance) + tau2 * d * d / (2.0 * variance * (variance + tau2));
}

Interval normalMixtureConfidenceInterval(double estimate, double variance, double tau2,
                                         double alpha) {
  const double h2 = variance * (variance + tau2) / tau2 *
                    (2.0 * std::log(1.0 / alpha) + std::log1p(tau2 / variance));
  const double h = std::sqrt(h2);
  return {estimate - h, estimate + h};
}

NormalMixtureSequence::NormalMixtureSequence(double theta0, double tau2, double alpha)
    : theta0_(theta0), tau2_(tau2), alpha_(alpha) {}

void NormalMixtureSequence::look(double estimate, double variance) {
  if (!(variance > 0.0) || !std::isfinite(variance) || !std::isfinite(estimate)) return;
  ++looks_;
  estimate_ = estimate;
  variance_ = variance;
  logLambda_ = normalMixtureLogLikelihoodRatio(estimate, variance, theta0_, tau2_);
  pValue_ = std::min(pValue_, std::exp(-logLambda_));
  current_ = normalMixtureConfidenceInterval(estimate, variance, tau2_, alpha_);
  running_.lower = std::max(running_.lower, current_.lower);
  running_.upper = std::min(running_.upper, current_.upper);
}

bool MsprtOptions::knownVariance() const {
  return !std::isnan(sigmaBaseline) && !std::isnan(sigmaCanary);
}

bool MsprtOptions::isValid(std::string* error) const {
  if (!(alpha > 0.0 && alpha < 1.0)) return failDouble(error, "alpha", alpha, "must be in (0, 1)");
  if (!(tau > 0.0) || !std::isfinite(tau))
    return failDouble(error, "tau", tau, "must be positive and finite");
  if (!std::isfinite(theta0)) return failDouble(error, "theta0", theta0, "must be finite");
  if (!(contrast > 0.0) || !std::isfinite(contrast))
    return failDouble(error, "contrast", contrast, "must be positive and finite");
  if (std::isnan(sigmaBaseline) != std::isnan(sigmaCanary))
    return failDouble(error, "sigmaBaseline", sigmaBaseline,
                      "sigmaBaseline and sigmaCanary must be both set or both unset");
  if (knownVariance()) {
    if (!(sigmaBaseline > 0.0) || !std::isfinite(sigmaBaseline))
      return failDouble(error, "sigmaBaseline", sigmaBaseline, "must be positive and finite");
    if (!(sigmaCanary > 0.0) || !std::isfinite(sigmaCanary))
      return failDouble(error, "sigmaCanary", sigmaCanary, "must be positive and finite");
    if (minSamplesPerArm < 1)
      return failDouble(error, "minSamplesPerArm", static_cast<double>(minSamplesPerArm),
                        "must be at least 1");
  } else if (minSamplesPerArm < 2) {
    return failDouble(error, "minSamplesPerArm", static_cast<double>(minSamplesPerArm),
                      "must be at least 2 when the variances are plugged in");
  }
  return true;
}

namespace {
const MsprtOptions& checked(const MsprtOptions& o) {
  std::string err;
  if (!o.isValid(&err)) throw std::invalid_argument("mSPRT options: " + err);
  return o;
}
}  // namespace

MeanContrastMsprt::MeanContrastMsprt(const MsprtOptions& options)
    : options_(checked(options)), seq_(options.theta0, options.tau * options.tau, options.alpha) {}

void MeanContrastMsprt::update(const Moments& baselineBatch, const Moments& canaryBatch) {
  baseline_.merge(baselineBatch);
  canary_.merge(canaryBatch);
  lookNow();
}

void MeanContrastMsprt::addBaseline(double x) {
  baseline_.add(x);
  lookNow();
}

void MeanContrastMsprt::addCanary(double x) {
  canary_.add(x);
  lookNow();
}

void MeanContrastMsprt::lookNow() {
  if (baseline_.count < options_.minSamplesPerArm || canary_.count < options_.minSamplesPerArm)
    return;
  const double c = options_.contrast;
  const double nA = static_cast<double>(baseline_.count);
  const double nB = static_cast<double>(canary_.count);
  double varA, varB;
  if (options_.knownVariance()) {
    varA = options_.sigmaBaseline * options_.sigmaBaseline;
    varB = options_.sigmaCanary * options_.sigmaCanary;
  } else {
    varA = baseline_.variance();
    varB = canary_.variance();
  }
  const double estimate = canary_.mean - c * baseline_.mean;
  const double variance = varB / nB + c * c * varA / nA;
  seq_.look(estimate, variance);
}

ProportionMsprt::ProportionMsprt(double theta0, double tau, double alpha,
                                 std::int64_t minTrialsPerArm)
    : minTrials_(minTrialsPerArm), seq_(theta0, tau * tau, alpha) {
  if (!(alpha > 0.0 && alpha < 1.0)) throw std::invalid_argument("alpha must be in (0, 1)");
  if (!(tau > 0.0) || !std::isfinite(tau)) throw std::invalid_argument("tau must be positive");
  if (minTrialsPerArm < 1) throw std::invalid_argument("minTrialsPerArm must be at least 1");
}

void ProportionMsprt::estimateAndVariance(std::int64_t nA, std::int64_t xA, std::int64_t nB,
                                          std::int64_t xB, double* estimate, double* variance) {
  const double a = static_cast<double>(nA);
  const double b = static_cast<double>(nB);
  const double pA = static_cast<double>(xA) / a;
  const double pB = static_cast<double>(xB) / b;
  const double qA = (static_cast<double>(xA) + 0.5) / (a + 1.0);
  const double qB = (static_cast<double>(xB) + 0.5) / (b + 1.0);
  *estimate = pB - pA;
  *variance = qA * (1.0 - qA) / a + qB * (1.0 - qB) / b;
}

void ProportionMsprt::update(std::int64_t baselineTrials, std::int64_t baselineSuccesses,
                             std::int64_t canaryTrials, std::int64_t canarySuccesses) {
  if (baselineTrials < 0 || canaryTrials < 0 || baselineSuccesses < 0 || canarySuccesses < 0 ||
      baselineSuccesses > baselineTrials || canarySuccesses > canaryTrials)
    throw std::invalid_argument("proportion batch: counts must satisfy 0 <= successes <= trials");
  nA_ += baselineTrials;
  xA_ += baselineSuccesses;
  nB_ += canaryTrials;
  xB_ += canarySuccesses;
  if (nA_ < minTrials_ || nB_ < minTrials_) return;
  double est, var;
  estimateAndVariance(nA_, xA_, nB_, xB_, &est, &var);
  seq_.look(est, var);
}

}  // namespace rolloutlab::core::judge
