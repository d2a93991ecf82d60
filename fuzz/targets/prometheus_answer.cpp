// Prometheus HTTP API answers as the replay client reads them: a loopback server in this process
// answers every request with the input (its first byte picks the HTTP status), and the client
// decodes it as an instant-query answer. Only documented refusals may come out: InputError, or
// EnvironmentError (exit 3: the server cannot be used) naming the URL.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <string>
#include <thread>

#include "fuzz_support.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/replay/prometheus.h"

namespace {

std::mutex gMutex;
std::string gResponse;

/// Serves one request per connection with gResponse, until the process ends.
int startServer() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(fd, 16) != 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    __builtin_trap();
  std::thread([fd] {
    for (;;) {
      const int c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::string request;
      char buf[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        pollfd p{c, POLLIN, 0};
        if (::poll(&p, 1, 2000) <= 0) break;
        const ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
      }
      std::string response;
      {
        std::lock_guard<std::mutex> lock(gMutex);
        response = gResponse;
      }
      for (std::size_t off = 0; off < response.size();) {
        const ssize_t n = ::send(c, response.data() + off, response.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += static_cast<std::size_t>(n);
      }
      ::close(c);
    }
  }).detach();
  return ntohs(a.sin_port);
}

}  // namespace

int rolloutlab::fuzz::prometheusAnswer(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const int port = startServer();
  static const int kStatus[] = {200, 200, 200, 200, 400, 422, 503, 404, 301, 401};
  const auto body = rolloutlab::fuzz::asText(data + 1, size - 1);
  {
    std::lock_guard<std::mutex> lock(gMutex);
    gResponse = "HTTP/1.1 " + std::to_string(kStatus[data[0] % 10]) +
                " X\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
  }
  rolloutlab::replay::PrometheusOptions options;
  options.url = "http://127.0.0.1:" + std::to_string(port);
  options.retries = 0;
  options.timeoutSeconds = 5;
  try {
    rolloutlab::replay::PrometheusClient client(options);
    (void)client.instantQuery("sum(rate(istio_requests_total[1m]))", 1704067200);
  } catch (const rolloutlab::core::InputError&) {
  } catch (const rolloutlab::core::EnvironmentError&) {
  }
  return 0;
}
