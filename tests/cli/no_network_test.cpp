// A simulation never touches the network: every address a spec names (Flagger webhooks and
// MetricTemplate providers, Argo prometheus and web providers) points at a loopback listener
// this test starts on a free port, and each command that only simulates must leave it without a
// single connection. Adding a command is one line in kCommands.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"

namespace fs = std::filesystem;

namespace {

/// A TCP listener on 127.0.0.1 (port chosen by the kernel) that accepts, reads and records
/// whatever connects, until destroyed.
class LoopbackListener {
 public:
  LoopbackListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 64) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackListener() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  bool ok() const { return port_ != 0; }
  int port() const { return port_; }
  int connections() const { return connections_; }
  /// The first bytes each connection sent (e.g. an HTTP request line), for the failure message.
  std::string received() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }
  void reset() {
    std::lock_guard<std::mutex> lock(mutex_);
    connections_ = 0;
    received_.clear();
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      ++connections_;
      char buf[512];
      pollfd q{c, POLLIN, 0};
      ssize_t n = ::poll(&q, 1, 200) > 0 ? ::read(c, buf, sizeof buf) : 0;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        received_ +=
            "[connection] " + std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0) + "\n";
      }
      ::close(c);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::string received_;
  std::thread thread_;
};

/// Connects to 127.0.0.1:port and sends a line (the listener's self-check).
bool knock(int port) {
  const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok =
      ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::write(s, "knock\n", 6) == 6;
  ::close(s);
  return ok;
}

/// Flagger and Argo specs whose every outbound address is the listener: webhooks of every type,
/// MetricTemplate Prometheus providers, an Argo AnalysisTemplate's prometheus and web providers.
std::string specs(int port) {
  const std::string h = "http://127.0.0.1:" + std::to_string(port);
  const std::string l = "http://localhost:" + std::to_string(port);
  std::string y;
  y += R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
  provider: istio
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service: {port: 9898}
  analysis:
    interval: 30s
    threshold: 3
    maxWeight: 50
    stepWeight: 10
    metrics:
      - name: request-success-rate
        thresholdRange: {min: 99}
        interval: 1m
      - name: error-rate
        templateRef: {name: error-rate, namespace: test}
        thresholdRange: {max: 1}
        interval: 1m
      - name: latency
        templateRef: {name: latency, namespace: test}
        thresholdRange: {max: 500}
        interval: 1m
    webhooks:
)";
  for (const char* type : {"confirm-rollout", "pre-rollout", "rollout", "confirm-traffic-increase",
                           "confirm-promotion", "post-rollout", "rollback", "event"}) {
    y += std::string("      - name: hook-") + type + "\n        type: " + type +
         "\n        url: " + h + "/" + type + "\n        timeout: 5s\n";
  }
  y += "      - name: load-test\n        url: " + l + "/\n        metadata: {cmd: \"hey " + h +
       "/\"}\n";
  y += R"(---
apiVersion: flagger.app/v1beta1
kind: MetricTemplate
metadata: {name: error-rate, namespace: test}
spec:
  provider: {type: prometheus, address: )" +
       h + R"(}
  query: |
    100 - sum(rate(istio_requests_total{destination_workload="{{ target }}",response_code!~"5.*"}[{{ interval }}]))
    / sum(rate(istio_requests_total{destination_workload="{{ target }}"}[{{ interval }}])) * 100
---
apiVersion: flagger.app/v1beta1
kind: MetricTemplate
metadata: {name: latency, namespace: test}
spec:
  provider: {type: prometheus, address: )" +
       l + R"(}
  query: |
    histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{destination_workload="{{ target }}"}[{{ interval }}])) by (le))
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: success-rate, namespace: test}
spec:
  args: [{name: service}]
  metrics:
    - name: success-rate
      interval: 1m
      count: 3
      failureLimit: 1
      successCondition: len(result) == 0 || result[0] >= 0.99
      provider:
        prometheus:
          address: )" +
       h + R"(
          query: |
            sum(rate(istio_requests_total{destination_service_name="{{args.service}}",response_code!~"5.*"}[1m]))
            / sum(rate(istio_requests_total{destination_service_name="{{args.service}}"}[1m]))
    - name: gate
      interval: 1m
      count: 2
      successCondition: result >= 90
      failureLimit: 2
      provider:
        web:
          url: )" +
       h + R"(/gate?service={{args.service}}
          timeoutSeconds: 5
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: storefront, namespace: test}
spec:
  replicas: 5
  selector: {matchLabels: {app: storefront}}
  template:
    metadata: {labels: {app: storefront}}
    spec: {containers: [{name: storefront, image: example/storefront:1}]}
  strategy:
    canary:
      canaryService: storefront-canary
      stableService: storefront-stable
      trafficRouting: {istio: {virtualService: {name: storefront, routes: [primary]}}}
      steps:
        - setWeight: 20
        - analysis:
            templates: [{templateName: success-rate}]
            args: [{name: service, value: storefront-canary}]
        - setWeight: 50
        - pause: {duration: 2m}
)";
  return y;
}

/// A good and a bad release (the web metric, which no simulation queries, is modelled).
std::string scenario(const std::string& name, const std::string& release, double errorAdd) {
  return "apiVersion: rolloutlab.io/v1alpha1\nkind: Scenario\nmetadata: {name: " + name +
         "}\nspec:\n  release: " + release +
         "\n  duration: 1h\n  traffic: {rps: 200}\n  primary:\n    errorRate: 0.002\n"
         "    latency: {p50: 45ms, p99: 220ms}\n  effects:\n    - {kind: step, at: 0s, "
         "errorRateAdd: " +
         std::to_string(errorAdd) +
         "}\n  metrics:\n    models:\n      gate: {kind: successRatePercent}\n";
}

struct Command {
  const char* name;
  const char* args;  ///< after `rolloutlab`; {spec}, {scenario}, {scenarios}, {script}, {space},
                     ///< {dir} (the folder of them all) are replaced
  /// Words the output must hold: the checks that would have called out did run.
  std::array<const char*, 3> mustMention;
};

// Every command that simulates (none may connect anywhere).
const Command kCommands[] = {
    {"simulate_flagger",
     "simulate --spec {spec} --target podinfo --scenario {scenario} --seed 3 -o json",
     {"error-rate", "latency", "hook-pre-rollout"}},
    {"simulate_argo",
     "simulate --spec {spec} --target storefront --scenario {scenario} --seed 3 -o json",
     {"success-rate", "gate", ""}},
    {"simulate_script",
     "simulate --spec {spec} --target podinfo --scenario {script} -o json",
     {"error-rate", "", ""}},
    {"batch",
     "batch --spec {spec} --scenarios {scenarios} --runs 3 --seed 5 --threads 2 -o json",
     {"Canary/test/podinfo", "Rollout/test/storefront", ""}},
    {"tune",
     "tune --spec {spec} --space {space} --scenarios {scenarios} --seed 5 --threads 2 -o json",
     {"Canary/test/podinfo", "threshold", ""}},
    {"check",
     "check {dir} --scenarios {scenarios} --runs 3 --max-runs 3 --seed 5 --threads 2 -o json",
     {"podinfo", "storefront", "CheckReport"}},
};

void PrintTo(const Command& c, std::ostream* os) { *os << c.name; }

class NoNetwork : public ::testing::TestWithParam<Command> {};

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

TEST_P(NoNetwork, EveryAddressInTheSpecIsLeftAlone) {
  LoopbackListener listener;
  ASSERT_TRUE(listener.ok()) << "cannot listen on 127.0.0.1";
  // The listener sees a connection when there is one (else this test could not fail).
  ASSERT_TRUE(knock(listener.port()));
  for (int i = 0; i < 100 && listener.connections() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(listener.connections(), 1);
  listener.reset();

  const fs::path dir =
      fs::temp_directory_path() /
      ("rolloutlab-no-network-" + std::to_string(::getpid()) + "-" + GetParam().name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string spec = (dir / "specs.yaml").string();
  std::ofstream(spec) << specs(listener.port());
  const std::string good = (dir / "good.yaml").string();
  const std::string bad = (dir / "bad.yaml").string();
  std::ofstream(good) << scenario("good", "good", 0);
  std::ofstream(bad) << scenario("bad", "bad", 0.05);
  // A small TuningSpace over the Canary (its runs call every webhook and query as batch does).
  const std::string space = (dir / "space.yaml").string();
  std::ofstream(space) << "apiVersion: rolloutlab.io/v1alpha1\nkind: TuningSpace\n"
                          "metadata: {name: no-network}\nspec:\n  target: Canary/test/podinfo\n"
                          "  fields:\n    - field: threshold\n      values: [2, 5]\n"
                          "  constraints: {falseRollbackRate: 0.99}\n"
                          "  search: {initialRuns: 4, maxRuns: 8}\n";
  // A Policy every spec meets, so that `check` runs every spec and passes.
  std::ofstream(dir / "policy.yaml") << "apiVersion: rolloutlab.io/v1alpha1\nkind: Policy\n"
                                        "metadata: {name: no-network}\nspec:\n  rules:\n"
                                        "    - {name: all, constraints: {falseRollbackRate: 1}}\n";
  const std::string src = rolloutlab::test::sourceDir();
  std::string args = replaceAll(GetParam().args, "{spec}", rolloutlab::test::shellQuote(spec));
  args = replaceAll(args, "{scenario}", rolloutlab::test::shellQuote(bad));
  args = replaceAll(args, "{scenarios}",
                    rolloutlab::test::shellQuote(good) + " " + rolloutlab::test::shellQuote(bad));
  args = replaceAll(args, "{space}", rolloutlab::test::shellQuote(space));
  args = replaceAll(args, "{dir}", rolloutlab::test::shellQuote(dir.string()));
  args = replaceAll(
      args, "{script}",
      rolloutlab::test::shellQuote(src + "/examples/scripts/two-failures-then-recover.yaml"));

  const auto r = rolloutlab::test::runCli(args);
  // The command really ran the specs (so it had every chance to call out).
  EXPECT_EQ(r.code, 0) << args << "\n" << r.out.substr(0, 2000);
  for (const char* word : GetParam().mustMention) {
    if (*word) {
      EXPECT_NE(r.out.find(word), std::string::npos) << word << " not in the output of " << args;
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(listener.connections(), 0) << "rolloutlab " << args << " connected to a spec address:\n"
                                       << listener.received();
  if (!HasFailure()) fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Commands, NoNetwork, ::testing::ValuesIn(kCommands),
                         [](const ::testing::TestParamInfo<Command>& i) {
                           return std::string(i.param.name);
                         });

// A Replay of a live Prometheus among tune's scenarios is refused before anything is asked:
// tune reads recordings from files only.
TEST(NoNetworkTune, AReplayOfALivePrometheusIsRefusedWithoutAConnection) {
  LoopbackListener listener;
  ASSERT_TRUE(listener.ok()) << "cannot listen on 127.0.0.1";
  const fs::path dir = fs::temp_directory_path() /
                       ("rolloutlab-no-network-tune-replay-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string spec = (dir / "specs.yaml").string();
  std::ofstream(spec) << specs(listener.port());
  const std::string replay = (dir / "live.yaml").string();
  std::ofstream(replay) << "apiVersion: rolloutlab.io/v1alpha1\nkind: Replay\n"
                           "metadata: {name: live}\nspec:\n  release: bad\n"
                           "  from: 2024-03-05T10:00:00Z\n  to: 2024-03-05T10:30:00Z\n"
                           "  prometheus: {url: http://127.0.0.1:"
                        << listener.port() << "}\n";
  const std::string space = (dir / "space.yaml").string();
  std::ofstream(space) << "apiVersion: rolloutlab.io/v1alpha1\nkind: TuningSpace\n"
                          "metadata: {name: no-network}\nspec:\n  target: Canary/test/podinfo\n"
                          "  fields:\n    - field: threshold\n      values: [2, 5]\n";
  const auto r = rolloutlab::test::runCli("tune --spec " + rolloutlab::test::shellQuote(spec) +
                                          " --space " + rolloutlab::test::shellQuote(space) +
                                          " --scenarios " + rolloutlab::test::shellQuote(replay));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("tune reads recordings from files only"), std::string::npos) << r.out;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(listener.connections(), 0) << listener.received();
  if (!HasFailure()) fs::remove_all(dir);
}

}  // namespace
