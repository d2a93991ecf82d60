#pragma once
// The tests' own Prometheus: history written by tests/support/istio-history.py, backfilled and
// served by tests/support/prom-fixture.sh (Debian's prometheus 2.42 on a free loopback port).
#include <string>

#include "test_support.h"

namespace rolloutlab::test {

/// tests/support in the source tree: the fixture scripts.
std::string supportDir();

/// Writes Istio history to `out` with tests/support/istio-history.py (`args` follow
/// `--start 2024-01-01T00:00:00Z`, e.g. "--duration 1h --seed 7"). Empty on success, else the
/// generator's message.
std::string generateIstioHistory(const std::string& args, const std::string& out);

/// A Prometheus serving one OpenMetrics file, stopped (and its folder removed) by `stop()` or
/// the destructor.
class PrometheusServer {
 public:
  PrometheusServer() = default;
  ~PrometheusServer();
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  /// Backfills `openMetrics` into `workdir` (created; must not exist or be empty) and starts
  /// the server. False with `error()` set when it cannot (the script's messages).
  bool start(const std::string& openMetrics, const std::string& workdir);
  void stop();

  bool running() const { return port_ > 0; }
  int port() const { return port_; }
  /// http://127.0.0.1:PORT
  std::string url() const;
  const std::string& error() const { return error_; }

 private:
  std::string workdir_;
  int port_ = 0;
  std::string error_;
};

}  // namespace rolloutlab::test
