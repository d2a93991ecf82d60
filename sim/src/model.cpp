#include "rolloutlab/sim/model.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/erf.hpp>
#include <cmath>

namespace rolloutlab::sim {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kDay = 86400.0;
// Standard normal 0.99 quantile.
constexpr double kZ99 = 2.3263478740408411;

double phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }
}  // namespace

// ---- traffic --------------------------------------------------------------------------------

TrafficProfile::TrafficProfile(const TrafficSpec& spec) : spec_(spec) {}

double TrafficProfile::baseRate(double t) const {
  switch (spec_.shape) {
    case TrafficSpec::Shape::kConstant:
      return spec_.rps;
    case TrafficSpec::Shape::kDiurnal: {
      const double theta = 2 * kPi * (spec_.startHour - spec_.peakHour) / 24.0 + 2 * kPi * t / kDay;
      return spec_.rps * (1.0 + spec_.amplitude * std::cos(theta));
    }
    case TrafficSpec::Shape::kSteps: {
      const auto& p = spec_.points;
      double r = p.front().second;
      for (const auto& [at, rps] : p) {
        if (at <= t) r = rps;
      }
      return r;
    }
    case TrafficSpec::Shape::kCsv: {
      const auto& p = spec_.points;
      if (t <= p.front().first) return p.front().second;
      if (t >= p.back().first) return p.back().second;
      auto it = std::upper_bound(p.begin(), p.end(), t,
                                 [](double x, const auto& q) { return x < q.first; });
      const auto& hi = *it;
      const auto& lo = *(it - 1);
      return lo.second + (hi.second - lo.second) * (t - lo.first) / (hi.first - lo.first);
    }
  }
  return 0.0;
}

double TrafficProfile::baseIntegral(double a, double b) const {
  if (b <= a) return 0.0;
  switch (spec_.shape) {
    case TrafficSpec::Shape::kConstant:
      return spec_.rps * (b - a);
    case TrafficSpec::Shape::kDiurnal: {
      const double w = 2 * kPi / kDay;
      const double th0 = 2 * kPi * (spec_.startHour - spec_.peakHour) / 24.0;
      return spec_.rps *
             ((b - a) + spec_.amplitude * (std::sin(w * b + th0) - std::sin(w * a + th0)) / w);
    }
    case TrafficSpec::Shape::kSteps:
    case TrafficSpec::Shape::kCsv: {
      // Piecewise: split at the points; steps are constant, CSV linear, in each piece.
      const auto& p = spec_.points;
      double total = 0.0;
      double x = a;
      std::size_t i = 0;
      while (i < p.size() && p[i].first <= x) ++i;
      while (x < b) {
        const double next = i < p.size() ? std::min(b, p[i].first) : b;
        if (spec_.shape == TrafficSpec::Shape::kSteps) {
          total += baseRate(x) * (next - x);
        } else {
          total += 0.5 * (baseRate(x) + baseRate(next)) * (next - x);
        }
        x = next;
        ++i;
      }
      return total;
    }
  }
  return 0.0;
}

double TrafficProfile::rate(double t) const {
  double f = 1.0;
  for (const auto& b : spec_.bursts) {
    if (t >= b.at && t < b.at + b.duration) f *= b.factor;
  }
  return baseRate(t) * f;
}

double TrafficProfile::integral(double a, double b) const {
  if (b <= a) return 0.0;
  if (spec_.bursts.empty()) return baseIntegral(a, b);
  std::vector<double> cuts = {a, b};
  for (const auto& u : spec_.bursts) {
    for (double c : {u.at, u.at + u.duration}) {
      if (c > a && c < b) cuts.push_back(c);
    }
  }
  std::sort(cuts.begin(), cuts.end());
  double total = 0.0;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    const double lo = cuts[i], hi = cuts[i + 1];
    if (hi <= lo) continue;
    double f = 1.0;
    const double mid = 0.5 * (lo + hi);
    for (const auto& u : spec_.bursts) {
      if (mid >= u.at && mid < u.at + u.duration) f *= u.factor;
    }
    total += f * baseIntegral(lo, hi);
  }
  return total;
}

// ---- latency ---------------------------------------------------------------------------------

LatencyModel::LatencyModel(const LatencySpec& spec) {
  if (spec.cdf.empty()) {
    lognormal_ = true;
    mu_ = std::log(spec.p50);
    sigma_ = (std::log(spec.p99) - mu_) / kZ99;
    median_ = spec.p50;
  } else {
    lognormal_ = false;
    cdf_.emplace_back(0.0, 0.0);
    for (const auto& pt : spec.cdf) cdf_.push_back(pt);
    median_ = baseQuantile(0.5);
  }
}

double LatencyModel::baseCdf(double x) const {
  if (x <= 0) return 0.0;
  if (lognormal_) return phi((std::log(x) - mu_) / sigma_);
  if (x >= cdf_.back().first) return 1.0;
  auto it = std::upper_bound(cdf_.begin(), cdf_.end(), x,
                             [](double v, const auto& q) { return v < q.first; });
  const auto& hi = *it;
  const auto& lo = *(it - 1);
  return lo.second + (hi.second - lo.second) * (x - lo.first) / (hi.first - lo.first);
}

double LatencyModel::baseQuantile(double q) const {
  if (lognormal_) {
    if (q <= 0) return 0.0;
    if (q >= 1) return std::numeric_limits<double>::infinity();
    return std::exp(mu_ + sigma_ * boost::math::quantile(boost::math::normal(), q));
  }
  for (std::size_t i = 1; i < cdf_.size(); ++i) {
    if (cdf_[i].second >= q) {
      const auto& lo = cdf_[i - 1];
      const auto& hi = cdf_[i];
      if (hi.second == lo.second) return hi.first;
      return lo.first + (hi.first - lo.first) * (q - lo.second) / (hi.second - lo.second);
    }
  }
  return cdf_.back().first;
}

double LatencyModel::cdf(double x, double factor, double kappa) const {
  if (x <= 0) return 0.0;
  // T(x) = factor * m * (x/m)^kappa  =>  T^-1(y) = m * (y / (factor m))^(1/kappa)
  const double m = median_;
  const double inv = m * std::pow(x / (factor * m), 1.0 / kappa);
  return baseCdf(inv);
}

double LatencyModel::quantile(double q, double factor, double kappa) const {
  const double x = baseQuantile(q);
  const double m = median_;
  return factor * m * std::pow(x / m, kappa);
}

double LatencyModel::baseMoment(double factor, double kappa, int power) const {
  // E[T(X)^power]
  const double m = median_;
  if (lognormal_) {
    // ln T = ln f + (1-kappa) mu + kappa ln X ~ N(ln f + mu, (kappa sigma)^2)
    const double mu = std::log(factor) + mu_;
    const double s = kappa * sigma_;
    return std::exp(power * mu + 0.5 * power * power * s * s);
  }
  // Piecewise-uniform density on each CDF segment: integrate T(x)^power analytically.
  double total = 0.0;
  const double c = std::pow(factor * m * std::pow(m, -kappa), power);
  const double e = kappa * power + 1.0;
  for (std::size_t i = 1; i < cdf_.size(); ++i) {
    const double x0 = cdf_[i - 1].first, x1 = cdf_[i].first;
    const double dF = cdf_[i].second - cdf_[i - 1].second;
    if (dF <= 0 || x1 <= x0) continue;
    total += dF / (x1 - x0) * c * (std::pow(x1, e) - std::pow(x0, e)) / e;
  }
  return total;
}

double LatencyModel::mean(double factor, double kappa) const {
  return baseMoment(factor, kappa, 1);
}
double LatencyModel::variance(double factor, double kappa) const {
  const double m1 = baseMoment(factor, kappa, 1);
  return std::max(0.0, baseMoment(factor, kappa, 2) - m1 * m1);
}

// ---- behaviour -------------------------------------------------------------------------------

double Mix::errorRate() const {
  double p = 0;
  for (const auto& c : components) p += c.weight * c.errorRate;
  return p;
}

BehaviourModel::BehaviourModel(const BehaviourSpec& base, const std::vector<EffectSpec>& effects)
    : base_(base),
      effects_(effects),
      latency_(base.latency),
      p99_(latency_.quantile(0.99, 1.0, 1.0)) {
  stepwise_ = effects_.size() <= 62;
  for (const auto& e : effects_) {
    if (e.kind != EffectSpec::Kind::kStep && e.kind != EffectSpec::Kind::kEndpoint)
      stepwise_ = false;
  }
}

double BehaviourModel::kappaFor(double p99Factor) const {
  if (p99Factor == 1.0) return 1.0;
  const double m = latency_.median();
  const double p99 = p99_;
  return std::log(p99Factor * p99 / m) / std::log(p99 / m);
}

Mix BehaviourModel::at(double t) const {
  Mix mix;
  std::vector<MixtureComponent> scratch;
  at(t, mix, scratch);
  return mix;
}

void BehaviourModel::at(double t, Mix& mix, std::vector<MixtureComponent>& next) const {
  mix.components.clear();
  mix.components.push_back({1.0, base_.errorRate, 1.0, 1.0});
  for (const auto& e : effects_) {
    if (t < e.at) continue;
    double intensity = 1.0;
    switch (e.kind) {
      case EffectSpec::Kind::kStep:
      case EffectSpec::Kind::kEndpoint:
        break;
      case EffectSpec::Kind::kDrift:
        intensity = std::min(1.0, (t - e.at) / (e.until - e.at));
        break;
      case EffectSpec::Kind::kBursts: {
        const double phase = std::fmod(t - e.at, e.every);
        intensity = phase < e.duration ? 1.0 : 0.0;
        break;
      }
    }
    if (intensity <= 0) continue;
    const double add = e.errorRateAdd * intensity;
    const double lf = 1.0 + (e.latencyFactor - 1.0) * intensity;
    const double kap = kappaFor(1.0 + (e.p99Factor - 1.0) * intensity);
    auto apply = [&](MixtureComponent c) {
      c.errorRate = std::clamp(c.errorRate + add, 0.0, 1.0);
      c.factor *= lf;
      c.kappa *= kap;
      return c;
    };
    if (e.kind == EffectSpec::Kind::kEndpoint) {
      next.clear();
      for (const auto& c : mix.components) {
        MixtureComponent keep = c;
        keep.weight *= 1.0 - e.fraction;
        MixtureComponent hit = apply(c);
        hit.weight *= e.fraction;
        if (keep.weight > 0) next.push_back(keep);
        next.push_back(hit);
      }
      mix.components.swap(next);
    } else {
      for (auto& c : mix.components) c = apply(c);
    }
  }
}

void BehaviourModel::breakpoints(double a, double b, std::vector<double>& out) const {
  for (const auto& e : effects_) {
    auto add = [&](double x) {
      if (x > a && x < b) out.push_back(x);
    };
    add(e.at);
    if (e.kind == EffectSpec::Kind::kDrift) add(e.until);
    if (e.kind == EffectSpec::Kind::kBursts && e.every > 0) {
      const double first = std::max(0.0, std::floor((a - e.at) / e.every));
      for (double k = first; e.at + k * e.every < b && k < first + 100000; ++k) {
        add(e.at + k * e.every);
        add(e.at + k * e.every + e.duration);
      }
    }
  }
}

bool BehaviourModel::rampingIn(double a, double b) const {
  for (const auto& e : effects_) {
    if (e.kind == EffectSpec::Kind::kDrift && b > e.at && a < e.until) return true;
  }
  return false;
}

void bucketProbabilities(const Mix& mix, const LatencyModel& lat, const std::vector<double>& bounds,
                         double unitScale, std::vector<double>& out) {
  out.assign(bounds.size() + 1, 0.0);
  for (const auto& c : mix.components) {
    double prev = 0.0;
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      const double f = lat.cdf(bounds[i] / unitScale, c.factor, c.kappa);
      out[i] += c.weight * std::max(0.0, f - prev);
      prev = std::max(prev, f);
    }
    out[bounds.size()] += c.weight * std::max(0.0, 1.0 - prev);
  }
}

void mixMoments(const Mix& mix, const LatencyModel& lat, double& mean, double& variance) {
  double m1 = 0, m2 = 0;
  for (const auto& c : mix.components) {
    const double m = lat.mean(c.factor, c.kappa);
    const double v = lat.variance(c.factor, c.kappa);
    m1 += c.weight * m;
    m2 += c.weight * (v + m * m);
  }
  mean = m1;
  variance = std::max(0.0, m2 - m1 * m1);
}

}  // namespace rolloutlab::sim
