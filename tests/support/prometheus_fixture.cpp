#include "prometheus_fixture.h"

#include <unistd.h>

#include <sstream>

#include "test_support.h"

namespace rolloutlab::test {

std::string supportDir() { return sourceDir() + "/tests/support"; }

std::string generateIstioHistory(const std::string& args, const std::string& out) {
  const auto g =
      runCommand("python3 " + shellQuote(supportDir() + "/istio-history.py") +
                 " --start 2024-01-01T00:00:00Z " + args + " -o " + shellQuote(out) + " 2>&1");
  if (g.status != 0) return "tests/support/istio-history.py failed: " + g.out;
  return "";
}

PrometheusServer::~PrometheusServer() { stop(); }

bool PrometheusServer::start(const std::string& openMetrics, const std::string& workdir) {
  stop();
  error_.clear();
  workdir_ = workdir;
  // stderr goes to a file: the script's last stdout line is "PORT PID".
  const std::string log = workdir + ".log";
  // The server goes with this process even if it dies without stop() (a test's timeout).
  const auto s =
      runCommand("PROM_FIXTURE_OWNER=" + std::to_string(getpid()) + " " +
                 shellQuote(supportDir() + "/prom-fixture.sh") + " start " +
                 shellQuote(openMetrics) + " " + shellQuote(workdir) + " 2>" + shellQuote(log));
  std::string last;
  std::istringstream lines(s.out);
  for (std::string l; std::getline(lines, l);) {
    if (!l.empty()) last = l;
  }
  std::istringstream fields(last);
  int port = 0;
  long pid = 0;
  if (s.status == 0 && (fields >> port >> pid) && port > 0 && pid > 0) {
    port_ = port;
    std::remove(log.c_str());
    return true;
  }
  error_ = "tests/support/prom-fixture.sh could not start Prometheus: " + readFile(log) + s.out;
  std::remove(log.c_str());
  stop();
  return false;
}

void PrometheusServer::stop() {
  if (workdir_.empty()) return;
  runCommand(shellQuote(supportDir() + "/prom-fixture.sh") + " stop " + shellQuote(workdir_) +
             " 2>&1");
  workdir_.clear();
  port_ = 0;
}

std::string PrometheusServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

}  // namespace rolloutlab::test
