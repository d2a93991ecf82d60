#pragma once
/// Synthetic Envoy/Istio JSON access logs with known ground truth, for tests, benchmarks and
/// demos: the same options and seed always give the same bytes.
///
/// Requests arrive as a Poisson process (`rps`); each goes to the canary with probability
/// `canaryShare`; it fails (HTTP 503) with its variant's error rate and takes a log-normal
/// latency with the variant's p50 and p99 (whole milliseconds, as Envoy logs `duration`). From
/// `changeAt` on, the canary switches to its `...After` behaviour. Lines use Istio's JSON access
/// log fields (`meshConfig.accessLogEncoding: JSON`), about 600 bytes each.

#include <cstdint>
#include <string>

namespace rolloutlab::replay {

struct SyntheticLogOptions {
  double start = 1704067200;  ///< epoch seconds of the first request (2024-01-01T00:00:00Z)
  double duration = 3600;     ///< seconds
  double rps = 50;            ///< requests per second, both variants together
  double canaryShare = 0;     ///< probability a request is the canary's
  double primaryErrorRate = 0.001;
  double canaryErrorRate = 0.001;
  double canaryErrorRateAfter = 0.001;
  double primaryP50Ms = 40, primaryP99Ms = 200;
  double canaryP50Ms = 40, canaryP99Ms = 200;
  double canaryP99MsAfter = 200;
  double changeAt = 1e300;  ///< seconds after `start`
  std::string ns = "test";
  std::string service = "podinfo";
  int port = 9898;
  std::uint64_t seed = 1;
  bool gzip = false;  ///< write a gzip file
};

/// Writes the log to `path`; returns the number of lines. Throws EnvironmentError when the file
/// cannot be written.
std::uint64_t writeSyntheticEnvoyLog(const std::string& path, const SyntheticLogOptions& options);

}  // namespace rolloutlab::replay
