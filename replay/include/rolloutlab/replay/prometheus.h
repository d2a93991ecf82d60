#pragma once
/// A live Prometheus as a replay source: the spec's own queries sent to `/api/v1/query` with
/// `time=` set to each tick's time, as Flagger's Prometheus provider sends them
/// (`pkg/metrics/providers/prometheus.go` `RunQuery`) but pinned to the past.
///
/// Only the URL the user names is ever contacted (never a `metricsServer` or a MetricTemplate
/// address of a spec); redirects are not followed. Secrets come from a file or an environment
/// variable and never appear in messages, traces or reports; nor do the values of extra headers.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/replay/source.h"

namespace rolloutlab::replay {

/// Where the credentials come from.
enum class AuthKind {
  kNone,
  kBearerTokenFile,  ///< `Authorization: Bearer <token>`, token read from a file (trailing newline
                     ///< dropped)
  kBearerTokenEnv,   ///< the same, token from an environment variable
  kBasicAuthEnv,     ///< HTTP basic auth, `user:password` from an environment variable
};

/// How server failures a controller would not have seen are handled.
enum class ServerErrors {
  kAbort,  ///< the replay stops with an environment error (exit 3): the recording is incomplete
  kTrace,  ///< the check fails with a query error in the trace, as Flagger records a failed query
};

/// An extra HTTP header sent with every request to the server, e.g. `X-Scope-OrgID` (the tenant
/// of Mimir, Cortex and Thanos). Its value is never shown in messages, traces or reports.
struct HttpHeader {
  std::string name;   ///< a token (RFC 9110 §5.1), e.g. X-Scope-OrgID
  std::string value;  ///< visible ASCII, spaces and tabs; no line breaks

  /// Parses `NAME=VALUE` (the `--header` flag, as `promtool query --header` takes it).
  /// Whitespace around the name and the value is dropped. nullopt with `error` set (naming at
  /// most the header's name, never its value) when it is malformed.
  static std::optional<HttpHeader> parse(std::string_view arg, std::string* error);
  /// Checks the name (a token, not one the client sets itself nor Authorization: credentials
  /// have their own options) and the value (not empty, no control characters); false with
  /// `error` set, naming at most the header's name.
  bool isValid(std::string* error) const;
};

struct PrometheusOptions {
  std::string url;              ///< http:// or https:// base URL; a path prefix is kept
  double timeoutSeconds = 10;   ///< per attempt: connecting and the whole answer
  int retries = 2;              ///< further attempts after a transient failure
  double backoffSeconds = 0.5;  ///< wait before the first retry; doubles each time, at most 8 s
  AuthKind auth = AuthKind::kNone;
  std::string authSource;  ///< the file or the environment variable's name (not the secret)
  ServerErrors serverErrors = ServerErrors::kAbort;
  std::string caFile;               ///< an extra CA bundle; empty: the system store
  std::vector<HttpHeader> headers;  ///< sent with every request, in this order
  /// The whole replay's wall-time limit (`--deadline`): no attempt outlives it, none starts
  /// after it, and passing it throws DeadlineExceeded even with ServerErrors::kTrace. Unset:
  /// no limit beyond the per-attempt timeout and the retries.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  double deadlineSeconds = 0;  ///< the limit as given, for the message

  /// Checks the URL, the auth settings and the headers; false with `error` set (no secret and no
  /// header value in it).
  bool isValid(std::string* error) const;
};

/// The replay's deadline passed while waiting on the server. An EnvironmentError (exit 3), never
/// recorded as a failed check.
class DeadlineExceeded : public core::EnvironmentError {
 public:
  using core::EnvironmentError::EnvironmentError;
};

/// One connection to a Prometheus HTTP API (keep-alive, one request at a time).
class PrometheusClient {
 public:
  /// Reads the credentials now. Throws InputError for a bad URL or unreadable credentials
  /// (naming the file or variable, never the secret).
  explicit PrometheusClient(PrometheusOptions options);
  ~PrometheusClient();
  PrometheusClient(const PrometheusClient&) = delete;
  PrometheusClient& operator=(const PrometheusClient&) = delete;

  /// `GET /api/v1/query?query=...&time=...` (POST for long queries). An answer the API gives
  /// for the query (success, or `bad_data`/`execution` errors) is returned; transient failures
  /// (connection refused or reset, timeouts, HTTP 429 and 5xx) are retried with backoff; what
  /// remains (and answers that are not the Prometheus API's: HTML, garbage, 404, auth refusals)
  /// throws EnvironmentError naming the URL and the cause.
  InstantAnswer instantQuery(const std::string& query, double epochSeconds);

  /// Flagger's `IsOnline` check (`vector(1)` must answer 1), at `epochSeconds`. Throws
  /// EnvironmentError when the server cannot be used.
  void checkOnline(double epochSeconds);

  /// The base URL as given (it never holds credentials: those are refused in the URL).
  const std::string& url() const { return options_.url; }
  const PrometheusOptions& options() const { return options_; }
  /// HTTP requests sent so far (retries included).
  std::uint64_t requests() const { return requests_; }

 private:
  struct Impl;
  PrometheusOptions options_;
  std::unique_ptr<Impl> impl_;
  std::uint64_t requests_ = 0;
};

/// A live Prometheus as a ReplaySource: answers queries, holds no named recordings, cannot be
/// resampled.
class PrometheusSource final : public ReplaySource {
 public:
  explicit PrometheusSource(PrometheusOptions options);
  void reset(std::uint64_t seed, std::optional<std::uint64_t> replicate) override;
  bool answersQueries() const override { return true; }
  InstantAnswer query(const std::string& promql, double epochSeconds) override;
  bool hasNamed(std::string_view, Variant) const override { return false; }
  NamedAnswer named(std::string_view, Variant, double) override { return {}; }
  void checkOnline(double epochSeconds) override { client_.checkOnline(epochSeconds); }
  std::string describe() const override;
  PrometheusClient& client() { return client_; }

 private:
  PrometheusClient client_;
};

}  // namespace rolloutlab::replay
