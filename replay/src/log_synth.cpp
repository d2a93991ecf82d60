#include "rolloutlab/replay/log_synth.h"

#include <zlib.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/rng.h"
#include "rolloutlab/replay/time.h"

namespace rolloutlab::replay {

namespace {

constexpr double kZ99 = 2.3263478740408411;  // standard normal 0.99 quantile

class Sink {
 public:
  Sink(const std::string& path, bool gzip) : path_(path) {
    if (gzip) {
      gz_ = gzopen(path.c_str(), "wb6");
      if (gz_ == nullptr) fail();
      gzbuffer(gz_, 1u << 20);
    } else {
      f_ = std::fopen(path.c_str(), "wb");
      if (f_ == nullptr) fail();
      std::setvbuf(f_, nullptr, _IOFBF, 1u << 20);
    }
  }
  ~Sink() { close(); }
  void write(const char* p, std::size_t n) {
    if (gz_ != nullptr) {
      if (gzwrite(gz_, p, static_cast<unsigned>(n)) != static_cast<int>(n)) fail();
    } else if (std::fwrite(p, 1, n, f_) != n) {
      fail();
    }
  }
  void close() {
    if (gz_ != nullptr) {
      const int rc = gzclose(gz_);
      gz_ = nullptr;
      if (rc != Z_OK) fail();
    }
    if (f_ != nullptr) {
      const int rc = std::fclose(f_);
      f_ = nullptr;
      if (rc != 0) fail();
    }
  }

 private:
  [[noreturn]] void fail() {
    throw core::EnvironmentError("cannot write " + path_ + ": " + std::strerror(errno));
  }
  std::string path_;
  FILE* f_ = nullptr;
  gzFile gz_ = nullptr;
};

}  // namespace

std::uint64_t writeSyntheticEnvoyLog(const std::string& path, const SyntheticLogOptions& o) {
  Sink out(path, o.gzip);
  core::Rng rng(o.seed);
  const std::string host = o.service + "." + o.ns + ":" + std::to_string(o.port);
  const std::string primaryCluster = "outbound|" + std::to_string(o.port) + "||" + o.service +
                                     "-primary." + o.ns + ".svc.cluster.local";
  const std::string canaryCluster = "outbound|" + std::to_string(o.port) + "||" + o.service +
                                    "-canary." + o.ns + ".svc.cluster.local";
  static const char* kPaths[] = {"/", "/api/info", "/api/echo", "/healthz", "/token", "/env"};
  static const char* kAgents[] = {
      ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 "
       "Safari/537.36"),
      "curl/7.88.1", "Go-http-client/1.1", "okhttp/4.12.0"};
  std::uint64_t n = 0;
  double t = 0;
  std::string line;
  line.reserve(1024);
  char buf[1024];
  for (;;) {
    t += rng.exponential() / o.rps;
    if (t >= o.duration) break;
    const bool canary = o.canaryShare > 0 && rng.uniform() < o.canaryShare;
    const bool after = t >= o.changeAt;
    const double err =
        canary ? (after ? o.canaryErrorRateAfter : o.canaryErrorRate) : o.primaryErrorRate;
    const double p50 = canary ? o.canaryP50Ms : o.primaryP50Ms;
    const double p99 = canary ? (after ? o.canaryP99MsAfter : o.canaryP99Ms) : o.primaryP99Ms;
    const bool failed = rng.uniform() < err;
    const double sigma = (std::log(p99) - std::log(p50)) / kZ99;
    const double latency = std::exp(std::log(p50) + sigma * rng.normal());
    const long long duration = std::llround(latency);
    const double startAbs = o.start + t;
    const std::uint64_t id = rng.next();
    const int pathIdx = static_cast<int>(rng.next() % 6);
    const int agentIdx = static_cast<int>(rng.next() % 4);
    const unsigned remote = static_cast<unsigned>(rng.next() % 250) + 2;
    // Milliseconds, truncated as Envoy's %START_TIME% prints them.
    const double ms = std::floor(startAbs * 1000.0) / 1000.0;
    std::string ts = formatTime(ms);
    if (ts.find('.') == std::string::npos) ts.insert(ts.size() - 1, ".000");
    while (ts.size() < 24) ts.insert(ts.size() - 1, "0");
    const int len = std::snprintf(
        buf, sizeof buf,
        "{\"authority\":\"%s\",\"bytes_received\":0,\"bytes_sent\":%d,\"connection_termination_"
        "details\":null,"
        "\"downstream_local_address\":\"10.244.1.17:%d\",\"downstream_remote_address\":\"10.244.2.%"
        "u:%u\","
        "\"duration\":%lld,\"method\":\"GET\",\"path\":\"%s\",\"protocol\":\"HTTP/1.1\","
        "\"request_id\":\"%016llx-%04x\",\"requested_server_name\":null,\"response_code\":%d,"
        "\"response_code_details\":\"%s\",\"response_flags\":\"-\",\"route_name\":\"default\","
        "\"start_time\":\"%s\",\"upstream_cluster\":\"%s\",\"upstream_host\":\"10.244.3.%d:%d\","
        "\"upstream_local_address\":\"10.244.1.17:%u\",\"upstream_service_time\":\"%lld\","
        "\"upstream_transport_failure_reason\":null,\"user_agent\":\"%s\",\"x_forwarded_for\":"
        "\"203.0.113.%u\"}\n",
        host.c_str(), failed ? 91 : 512 + static_cast<int>(id % 1024), o.port, remote,
        30000 + (remote * 97) % 30000, duration, kPaths[pathIdx],
        static_cast<unsigned long long>(id), static_cast<unsigned>(id >> 48), failed ? 503 : 200,
        failed ? "upstream_reset_before_response_started{connection_failure}" : "via_upstream",
        ts.c_str(), canary ? canaryCluster.c_str() : primaryCluster.c_str(), canary ? 21 : 11,
        o.port, 40000 + (remote * 131) % 20000, duration > 0 ? duration - 1 : 0, kAgents[agentIdx],
        remote);
    if (len <= 0 || static_cast<std::size_t>(len) >= sizeof buf) {
      throw core::EnvironmentError("synthetic log line too long");
    }
    out.write(buf, static_cast<std::size_t>(len));
    ++n;
  }
  out.close();
  return n;
}

}  // namespace rolloutlab::replay
