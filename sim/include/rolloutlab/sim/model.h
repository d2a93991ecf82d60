#pragma once
/// The scenario's generative model: traffic rate over time and the request mix (error rate,
/// latency distribution) of each variant over time, with closed-form or midpoint integrals.

#include <array>
#include <cstdint>
#include <vector>

#include "rolloutlab/sim/scenario.h"

namespace rolloutlab::sim {

/// Requests per second over time: base shape x bursts.
class TrafficProfile {
 public:
  explicit TrafficProfile(const TrafficSpec& spec);
  /// rps at time t (seconds from the detection tick).
  double rate(double t) const;
  /// Expected requests in (a, b] (exact for every shape: closed-form integrals).
  double integral(double a, double b) const;

 private:
  double baseRate(double t) const;
  double baseIntegral(double a, double b) const;
  TrafficSpec spec_;
};

/// One component of a latency/error mixture: requests of this component fail with
/// probability `errorRate`; their latency is T(X), X from the base distribution and
/// T(x) = factor * m * (x / m)^kappa, m the base median.
struct MixtureComponent {
  double weight = 1.0;
  double errorRate = 0.0;
  double factor = 1.0;
  double kappa = 1.0;
};

/// A variant's request mix at one time.
struct Mix {
  std::vector<MixtureComponent> components;
  double errorRate() const;
};

/// A latency distribution in milliseconds: lognormal by p50/p99, or an empirical CDF.
class LatencyModel {
 public:
  explicit LatencyModel(const LatencySpec& spec);
  /// P(T(X) <= x) for a component's transform.
  double cdf(double x, double factor, double kappa) const;
  /// E[T(X)] and Var[T(X)].
  double mean(double factor, double kappa) const;
  double variance(double factor, double kappa) const;
  /// The q-quantile of T(X).
  double quantile(double q, double factor, double kappa) const;
  double median() const { return median_; }

 private:
  double baseCdf(double x) const;
  double baseQuantile(double q) const;
  double baseMoment(double factor, double kappa, int power) const;
  bool lognormal_ = true;
  double mu_ = 0, sigma_ = 1, median_ = 1;
  std::vector<std::pair<double, double>> cdf_;  // (x, F) with (0, 0) prepended
};

/// The behaviour of one variant over time: its baseline plus the scenario's effects (only the
/// canary has effects).
class BehaviourModel {
 public:
  BehaviourModel(const BehaviourSpec& base, const std::vector<EffectSpec>& effects);
  /// The mix at time t.
  Mix at(double t) const;
  /// The same into `out`, reusing its storage (no allocation once warm); `scratch` is reused
  /// storage for endpoint effects.
  void at(double t, Mix& out, std::vector<MixtureComponent>& scratch) const;
  /// Times at which the mix may change discontinuously, and whether a drift is ramping
  /// over (a, b) (then the mix must be sampled finely).
  void breakpoints(double a, double b, std::vector<double>& out) const;
  bool rampingIn(double a, double b) const;
  /// True when no effect acts at any time (the mix is constant).
  bool constant() const { return effects_.empty(); }
  /// When every effect acts at full intensity from its start on (steps and endpoints), the mix
  /// at t is a function of which effects have started: their set as bits (bit i: effect i),
  /// so equal keys give the same mix, computed the same way. -1 for the other models (a drift
  /// or bursts vary between their starts) and for more than 62 effects.
  std::int64_t pieceKey(double t) const {
    if (!stepwise_) return -1;
    std::int64_t key = 0;
    for (std::size_t i = 0; i < effects_.size(); ++i) {
      if (!(t < effects_[i].at)) key |= std::int64_t{1} << i;
    }
    return key;
  }
  const LatencyModel& latency() const { return latency_; }
  double baseErrorRate() const { return base_.errorRate; }

 private:
  BehaviourSpec base_;
  std::vector<EffectSpec> effects_;
  LatencyModel latency_;
  double p99_ = 0;         // latency_.quantile(0.99, 1, 1), computed once
  bool stepwise_ = false;  // see pieceKey
  double kappaFor(double p99Factor) const;
};

/// Bucket probabilities of a mix for upper bounds `bounds` (the last bucket, +Inf, holds the
/// rest): out[i] = P(b_{i-1} < X <= b_i), `unitScale` converts ms to the bounds' unit.
void bucketProbabilities(const Mix& mix, const LatencyModel& lat, const std::vector<double>& bounds,
                         double unitScale, std::vector<double>& out);
/// Mean and variance of a mix's latency (ms).
void mixMoments(const Mix& mix, const LatencyModel& lat, double& mean, double& variance);

}  // namespace rolloutlab::sim
