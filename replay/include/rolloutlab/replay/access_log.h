#pragma once
/// Request logs: Envoy/Istio JSON access logs and nginx `combined` logs (with ingress-nginx's
/// extra fields when present), streamed line by line in constant memory; gzip files are
/// inflated on the fly. Each request is classified as canary or primary and added to a
/// `TrafficRecording`.
///
/// Envoy/Istio JSON (one object per line, Istio's `accessLogEncoding: JSON` field names by
/// default): `start_time` (RFC 3339), `response_code` (number or string), `duration` (ms), and
/// the variant field (`upstream_cluster` by default). A request is counted at
/// start_time + duration, when the mesh's counters count it.
///
/// nginx: `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
/// "$http_referer" "$http_user_agent"`, optionally followed by ingress-nginx's
/// `$request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] ...`.
/// `$time_local` is when the request ended; `$request_time` (seconds) gives the latency (plain
/// `combined` has none: such requests are counted but have no latency); the variant is read from
/// the text after the user agent (the upstream names).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rolloutlab/replay/traffic.h"

namespace rolloutlab::replay {

enum class LogFormat {
  kAuto,       ///< decided by the first non-empty line: `{` is JSON, anything else nginx
  kEnvoyJson,  ///< Envoy/Istio JSON access log lines
  kNginx,      ///< nginx combined (+ ingress-nginx fields)
};
const char* toString(LogFormat f);
std::optional<LogFormat> logFormatFromString(std::string_view s);

struct AccessLogOptions {
  LogFormat format = LogFormat::kAuto;
  /// JSON: the key whose value tells the variant apart. nginx ignores it.
  std::string variantField = "upstream_cluster";
  /// A request whose variant text contains this is the canary's (e.g. `podinfo-canary`).
  std::string canaryMatch;
  /// A request whose variant text contains this is the primary's; empty: every request that is
  /// not the canary's. Requests that match neither are counted as unmatched and skipped.
  std::string primaryMatch;
  std::string timeField = "start_time";  ///< JSON: the request's start (RFC 3339 or Unix seconds)
  std::string codeField = "response_code";
  std::string durationField = "duration";  ///< JSON: total duration in milliseconds
};

/// One request as read from a line.
struct LogRequest {
  double endTime = 0;  ///< seconds since the epoch
  int status = 0;
  double latencyMs = -1;         ///< negative: unknown
  std::string_view variantText;  ///< points into the line
  /// Set with a false return when the line has the format but a value no server writes (a
  /// latency of NaN, Inf or below 0): an error for the whole log, not a malformed line to
  /// skip, since counting it as untimed would change the verdict.
  bool impossible = false;
};

/// A line that was read but not counted.
struct LogWarning {
  std::string file;
  std::uint64_t line = 0;
  int column = 0;
  std::string detail;
};

/// What an ingestion read.
struct IngestStats {
  std::uint64_t bytes = 0;     ///< uncompressed bytes read
  std::uint64_t lines = 0;     ///< non-empty lines
  std::uint64_t requests = 0;  ///< requests counted
  std::uint64_t canary = 0;
  std::uint64_t primary = 0;
  std::uint64_t unmatched = 0;         ///< lines whose variant matched neither pattern
  std::uint64_t malformed = 0;         ///< lines that could not be read
  std::vector<LogWarning> warnings;    ///< the first few malformed lines
  double firstTime = 0, lastTime = 0;  ///< request end times seen (epoch seconds)
};

/// Parses one Envoy/Istio JSON line. False with `column` (1-based) and `error` set when it
/// cannot be read.
bool parseEnvoyJsonLine(std::string_view line, const AccessLogOptions& options, LogRequest& out,
                        int& column, std::string& error);
/// Parses one nginx combined line.
bool parseNginxLine(std::string_view line, LogRequest& out, int& column, std::string& error);

/// Reads the files in order (gzip by magic number, else plain), adding every request to
/// `recording` (not finished: call `recording.finish()` after the last file). Malformed lines
/// are counted and the first few kept as warnings; throws InputError when a file cannot be read,
/// is corrupt, has a line longer than 4 MiB (as soon as it passes the limit, so an endless
/// line from a pipe or device stops), has a line with an impossible value
/// (LogRequest::impossible), or holds no readable request at all.
IngestStats ingestAccessLogs(const std::vector<std::string>& files, const AccessLogOptions& options,
                             TrafficRecording& recording);

}  // namespace rolloutlab::replay
