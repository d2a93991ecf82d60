#pragma once
// Fixtures of the replay tests: a real Prometheus on a free loopback port (started by the test
// itself through tests/support/prom-fixture.sh, backfilled with Istio history from
// tests/support/istio-history.py), tiny TCP servers that misbehave on purpose, temporary
// folders and specs.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "prometheus_fixture.h"
#include "test_support.h"

namespace rolloutlab::test::replayfx {

using test::CommandResult;
using test::shellQuote;
inline CommandResult run(const std::string& cmd) { return test::runCommand(cmd); }

inline int freePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    socklen_t len = sizeof addr;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

/// A temporary folder removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/rolloutlab-replay-XXXXXX";
    if (mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    if (!path_.empty()) std::filesystem::remove_all(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string p = file(name);
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  std::string path_;
};

/// A Prometheus 2.42 on loopback holding generated Istio history (tests/support/istio-history.py
/// with the options `genArgs`, after `--start 2024-01-01T00:00:00Z`), served through
/// tests/support/prom-fixture.sh. `start()` returns false with `error()` set when it cannot
/// start: the tests then fail with the reason.
class Prometheus {
 public:
  explicit Prometheus(std::string genArgs) : genArgs_(std::move(genArgs)) {}
  ~Prometheus() { stop(); }
  Prometheus(const Prometheus&) = delete;
  Prometheus& operator=(const Prometheus&) = delete;

  bool start() {
    if (dir_.path().empty()) return fail("mkdtemp failed");
    om_ = dir_.file("istio.om");
    if (auto why = generateIstioHistory(genArgs_, om_); !why.empty()) return fail(why);
    return serve(om_);
  }

  /// Starts on an OpenMetrics file that exists already (no generator).
  bool serve(const std::string& om) {
    if (dir_.path().empty()) return fail("mkdtemp failed");
    om_ = om;
    if (!server_.start(om_, dir_.file("prom"))) return fail(server_.error());
    return true;
  }

  void stop() { server_.stop(); }

  std::string url() const { return server_.url(); }
  const std::string& openMetricsFile() const { return om_; }
  const std::string& error() const { return error_; }
  const TempDir& dir() const { return dir_; }

  /// `GET /api/v1/query_range` through curl (an HTTP path independent of rolloutlab's client).
  std::string queryRange(const std::string& query, double start, double end, double step) const {
    auto r = run("curl -s -G " + shellQuote(url() + "/api/v1/query_range") + " --data-urlencode " +
                 shellQuote("query=" + query) +
                 " --data-urlencode start=" + std::to_string(static_cast<long long>(start)) +
                 " --data-urlencode end=" + std::to_string(static_cast<long long>(end)) +
                 " --data-urlencode step=" + std::to_string(static_cast<long long>(step)));
    return r.out;
  }

  /// What `promtool query range -o json` prints for the same range (a bare result array).
  std::string promtoolQueryRange(const std::string& query, double start, double end,
                                 double step) const {
    auto r = run("promtool query range -o json --start " +
                 std::to_string(static_cast<long long>(start)) + " --end " +
                 std::to_string(static_cast<long long>(end)) + " --step " +
                 std::to_string(static_cast<long long>(step)) + "s " + shellQuote(url()) + " " +
                 shellQuote(query));
    return r.out;
  }

 private:
  bool fail(const std::string& why) {
    error_ = why;
    return false;
  }
  std::string genArgs_;
  TempDir dir_;
  std::string om_;
  PrometheusServer server_;
  std::string error_;
};

/// A loopback TCP server on its own thread: each accepted connection is handed to `handler`
/// (which reads and writes the socket), then closed. Counts connections.
class TcpServer {
 public:
  using Handler = std::function<void(int fd, const std::atomic<bool>& stopping)>;
  explicit TcpServer(Handler handler) : handler_(std::move(handler)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd_, 16) != 0) {
      close(fd_);
      fd_ = -1;
      return;
    }
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~TcpServer() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) close(fd_);
  }
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }

  /// Reads one HTTP request's head (up to the blank line).
  static std::string readRequest(int fd, const std::atomic<bool>& stopping) {
    std::string req;
    char buf[4096];
    while (!stopping && req.find("\r\n\r\n") == std::string::npos) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      req.append(buf, static_cast<std::size_t>(n));
    }
    return req;
  }
  static void send(int fd, const std::string& s) {
    (void)!::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
  }
  static std::string httpResponse(int status, const std::string& reason, const std::string& type,
                                  const std::string& body) {
    return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
           body;
  }

 private:
  void loop() {
    while (!stopping_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      ++connections_;
      handler_(c, stopping_);
      close(c);
    }
  }
  Handler handler_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
};

/// A Canary for the generated history: Istio, namespace test, target podinfo, interval 1m,
/// stepWeight 5 up to 50, the builtin success rate (>= 99) and P99 (<= 500 ms).
inline std::string canaryYaml(int threshold = 2, const std::string& extraSpec = "",
                              const std::string& extraMetrics = "") {
  return "apiVersion: flagger.app/v1beta1\n"
         "kind: Canary\n"
         "metadata:\n  name: podinfo\n  namespace: test\n"
         "spec:\n  provider: istio\n" +
         extraSpec +
         "  targetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: podinfo\n"
         "  service:\n    port: 9898\n"
         "  analysis:\n    interval: 1m\n    threshold: " +
         std::to_string(threshold) +
         "\n    maxWeight: 50\n    stepWeight: 5\n    metrics:\n"
         "      - name: request-success-rate\n        thresholdRange:\n          min: 99\n        "
         "interval: 1m\n"
         "      - name: request-duration\n        thresholdRange:\n          max: 500\n        "
         "interval: 1m\n" +
         extraMetrics;
}

}  // namespace rolloutlab::test::replayfx
