#pragma once
/// The `Scenario` kind (rolloutlab.io/v1alpha1): a synthetic world a spec is run against.
///
/// A scenario describes the traffic, how the primary and the canary behave (error rate,
/// latency, regressions of the canary), the cluster (pod start-up, readiness, deadlines), the
/// metrics plumbing (mesh, scrape interval, query errors, outages) and the gates (webhooks,
/// manual approvals). `release` labels it good or bad for operating characteristics.
/// Times are seconds from the detection tick (t = 0); rates are fractions (0.01 = 1 %);
/// latencies are milliseconds.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rolloutlab::sim {

enum class Release { kGood, kBad };
const char* toString(Release r);

/// A piecewise constant or linear traffic profile, in requests per second.
struct TrafficSpec {
  enum class Shape { kConstant, kDiurnal, kSteps, kCsv };
  Shape shape = Shape::kConstant;
  double rps = 100.0;  ///< constant rate; the mean for diurnal
  /// Diurnal: rps(t) = mean * (1 + amplitude * cos(2 pi (clock(t) - peakHour) / 24h)),
  /// clock(0) = startHour.
  double amplitude = 0.5;
  double peakHour = 14.0;
  double startHour = 0.0;
  /// Steps: (time, rps) holding until the next step. CSV: (time, rps) interpolated linearly.
  std::vector<std::pair<double, double>> points;
  std::string csvFile;  ///< for messages
  struct Burst {
    double at = 0;
    double duration = 0;
    double factor = 1;
  };
  std::vector<Burst> bursts;  ///< multiply the rate by `factor` over [at, at + duration)
  /// Over-dispersion of arrivals: 0 = Poisson; k > 0 = negative binomial with shape k per
  /// scrape interval (variance m + m^2/k).
  double dispersion = 0.0;
  /// A/B testing: the share of requests that match the canary route (headers/cookies): Flagger's
  /// A/B `match`, and an Argo `setHeaderRoute` route.
  double matchFraction = 0.1;
  /// The share of requests that match an Argo `setMirrorRoute` route's `match` (method, path,
  /// headers); 1 = every request (e.g. `path: {prefix: /}`).
  double mirrorMatchFraction = 1.0;
  /// Per managed route name (Argo `trafficRouting.managedRoutes`): the share of the requests
  /// reaching that route which match it, instead of matchFraction / mirrorMatchFraction.
  std::map<std::string, double> routeMatch;
  /// Requests per second a load tester sends to the canary service directly while the canary
  /// is scaled up (flagger-loadtester), whatever the routes say.
  double loadTestRps = 0.0;
};

/// Latency: lognormal by p50/p99, or an empirical CDF.
struct LatencySpec {
  double p50 = 50.0;
  double p99 = 250.0;
  /// Empirical: (upper bound ms, cumulative fraction) points, increasing; linear in between,
  /// starting at (0, 0). Empty = lognormal.
  std::vector<std::pair<double, double>> cdf;
};

struct BehaviourSpec {
  double errorRate = 0.001;  ///< fraction of requests answered 5xx
  LatencySpec latency;
};

/// A regression of the canary relative to its own baseline behaviour.
struct EffectSpec {
  enum class Kind {
    kStep,      ///< from `at` on
    kDrift,     ///< ramps linearly from 0 at `at` to full at `until`, then holds
    kBursts,    ///< for `duration` out of every `every`, starting at `at`
    kEndpoint,  ///< on a fraction of requests (one endpoint), from `at` on
  };
  Kind kind = Kind::kStep;
  double at = 0;
  double until = 0;          ///< drift
  double every = 600;        ///< bursts
  double duration = 60;      ///< bursts
  double fraction = 1;       ///< endpoint: share of requests affected
  double errorRateAdd = 0;   ///< added to the error rate (0.01 = +1 point)
  double latencyFactor = 1;  ///< all latency quantiles x factor
  double p99Factor = 1;      ///< p99 x factor with p50 unchanged (a heavier tail)
};

/// Cluster behaviour.
struct ClusterSpec {
  double canaryStartup = 30;           ///< seconds from scale-up to ready
  bool canaryNeverReady = false;       ///< crash loop: never ready (progress deadline -> rollback)
  double primaryRollout = 30;          ///< seconds the primary takes to roll out after Promote
  bool primaryFailsPromotion = false;  ///< the primary misses its deadline while promoting
};

/// A metric the scenario models directly (for providers rolloutlab cannot query).
struct MetricModelSpec {
  enum class Kind {
    kErrorRatePercent,    ///< 100 x canary 5xx fraction over the metric interval
    kSuccessRatePercent,  ///< 100 x canary non-5xx fraction
    kLatencyQuantile,     ///< canary latency quantile (ms) over the interval
    kNormal,              ///< mean/sd before the regression; badMean/badSd while it acts
    kJob,  ///< an Argo Job metric: fails with failProbability (badFailProbability while the
           ///< regression acts)
  };
  Kind kind = Kind::kErrorRatePercent;
  double quantile = 0.99;
  double mean = 0, sd = 0, badMean = 0, badSd = 0;
  double scale = 1;               ///< multiply the value (e.g. 0.001 for seconds)
  double failProbability = 0;     ///< job: probability the Job fails
  double badFailProbability = 0;  ///< job: the same while the regression acts
  double duration = 0;            ///< job: seconds the Job runs
};

/// Query failures.
struct MetricsSpec {
  std::string mesh;             ///< provider whose series are synthesized; empty = the spec's
  double scrapeInterval = 15;   ///< seconds
  std::vector<double> buckets;  ///< histogram upper bounds in the mesh's unit; empty = default
  /// knative: the revisions serving the canary and the primary (empty: `<target>-00002` and
  /// `<target>-00001`); the canary's is what Flagger's knative queries select.
  std::string canaryRevision, primaryRevision;
  double queryErrorRate = 0;  ///< probability a query fails
  struct Outage {
    double from = 0, to = 0;
  };
  std::vector<Outage> outages;                    ///< every query fails in [from, to)
  std::map<std::string, MetricModelSpec> models;  ///< by metric name
};

/// How a webhook (by name or type) answers.
struct GateSpec {
  enum class Kind { kPass, kFail, kPassAfter, kFlaky };
  Kind kind = Kind::kPass;
  double after = 0;            ///< kPassAfter: seconds after the first call
  double failProbability = 0;  ///< kFlaky
};

struct Scenario {
  std::string name;
  std::string file;
  int line = 0;
  std::string description;  ///< metadata.annotations["description"]
  Release release = Release::kGood;
  double duration = 7200;  ///< seconds simulated at most
  TrafficSpec traffic;
  BehaviourSpec primary;
  BehaviourSpec canary;  ///< the canary's baseline (defaults to the primary's)
  std::vector<EffectSpec> effects;
  ClusterSpec cluster;
  MetricsSpec metrics;
  std::map<std::string, GateSpec> webhooks;  ///< by webhook name or type
};

}  // namespace rolloutlab::sim
