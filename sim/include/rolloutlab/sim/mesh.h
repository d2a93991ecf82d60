#pragma once
/// The series a mesh or ingress exports for a canary and its primary, as Flagger's builtin
/// queries (pkg/metrics/observers/*.go) select them: metric names, the labels that tell the
/// two variants apart, the status-code label and the latency histogram with its buckets.

#include <string>
#include <vector>

namespace rolloutlab::sim {

enum class Variant { kCanary = 0, kPrimary = 1 };

/// Names that label a variant's series.
struct Workload {
  std::string ns;       ///< the Canary's namespace
  std::string target;   ///< targetRef.name
  std::string service;  ///< service name (else target)
  std::string ingress;  ///< ingressRef name (else target)
  std::string route;    ///< routeRef name (else target)
  int port = 80;
  /// Workload names of the variants where a mesh labels series by workload (istio, linkerd,
  /// osm); empty: Flagger's `target` and `target-primary`. For knative, the revision names
  /// (empty: `target-00002` for the canary, `target-00001` for the primary).
  std::string canaryName;
  std::string primaryName;
  /// Labels added to every series of a variant (e.g. an Argo Rollout's service names).
  std::vector<std::pair<std::string, std::string>> canaryExtra;
  std::vector<std::pair<std::string, std::string>> primaryExtra;
};

struct MeshLayout {
  std::string provider;  ///< one of `synthesizedProviders()`
  /// Request counter by status (empty: the mesh counts requests only in its histogram).
  std::string counter;
  std::string codeLabel;
  std::string successCode;  ///< label value of a successful request
  std::string errorCode;    ///< label value of a 5xx
  /// Latency histogram base name (`<name>_bucket`, `_count`, `_sum`); `bucketsExported` false
  /// for meshes whose queries only read `_sum`/`_count` (nginx).
  std::string histogram;
  bool bucketsExported = true;
  bool histogramByCode = false;  ///< the histogram carries the status-code label too
  double unitPerMs = 1.0;        ///< 1 for milliseconds, 0.001 for seconds
  std::vector<double> buckets;   ///< finite upper bounds in the histogram's unit (+Inf implied)
  /// Further histograms that observe every request as `histogram` does, with the same labels
  /// and buckets (Skipper times each request in its response and its serve-route histograms).
  std::vector<std::string> histogramTwins;
  /// Labels of a variant's series (without the code and le labels).
  std::vector<std::pair<std::string, std::string>> labels(Variant v, const Workload& w) const;
};

/// The layout of a provider (Flagger's provider names; "gatewayapi:v1" etc. by prefix).
/// Throws InputError for a provider rolloutlab cannot synthesize, naming the supported ones.
MeshLayout meshLayout(const std::string& provider);

/// A Knative service's revision serving a variant: `canaryName` / `primaryName` of the
/// workload, else `<target>-00002` (the latest revision, the canary) and `<target>-00001`.
std::string knativeRevision(Variant v, const Workload& w);

/// Providers whose series rolloutlab synthesizes.
const std::vector<std::string>& synthesizedProviders();

}  // namespace rolloutlab::sim
