#include "rolloutlab/replay/prometheus.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <mutex>
#include <sstream>
#include <thread>

// nlohmann/json trips -Wnull-dereference once inlined (a false positive in its header).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <nlohmann/json.hpp>
#pragma GCC diagnostic pop

#include "rolloutlab/core/bounded_input.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/promql/exposition.h"
#include "rolloutlab/replay/time.h"

#ifndef ROLLOUTLAB_VERSION
#define ROLLOUTLAB_VERSION "0"
#endif

namespace rolloutlab::replay {

namespace {

// A string member of an API answer, or `otherwise` when it is absent or not a string (a server
// that answers `"resultType": 5` gets the malformed-answer error, not a JSON type exception).
std::string textField(const nlohmann::json& j, const char* key, const char* otherwise) {
  if (!j.is_object()) return otherwise;
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string(otherwise);
}

constexpr std::size_t kMaxBody = 64u << 20;  // an instant query's answer is never this large
constexpr std::size_t kPostAbove = 4000;     // longer queries go in a form body

std::once_flag gCurlInit;

void initCurl() {
  std::call_once(gCurlInit, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Printable excerpt of a body for messages (never more than a line).
std::string excerpt(const std::string& body) {
  std::string out;
  for (char c : body) {
    if (out.size() >= 60) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : (c == '\n' || c == '\r' || c == '\t') ? ' ' : '?';
  }
  return "\"" + out + "\"";
}

std::string trimRight(std::string s) {
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.pop_back();
  return s;
}

std::string seconds(double s) { return formatNumber(s) + " s"; }

std::size_t onData(char* data, std::size_t size, std::size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  const std::size_t bytes = size * n;
  if (body->size() + bytes > kMaxBody) return 0;  // aborts the transfer
  body->append(data, bytes);
  return bytes;
}

// RFC 9110 §5.6.2: token characters.
bool isTokenChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

std::string lowercase(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

// Messages name a header by its name only: the value may be a tenant or a key.
bool HttpHeader::isValid(std::string* error) const {
  const HttpHeader& h = *this;
  auto bad = [&](const std::string& why) {
    if (error) *error = why;
    return false;
  };
  if (h.name.empty()) return bad("--header needs a name before '=' (NAME=VALUE)");
  for (unsigned char c : h.name) {
    if (!isTokenChar(c)) {
      // The text may hold the value (NAME: VALUE): not shown.
      return bad(
          "--header: the name must be letters, digits and !#$%&'*+-.^_`|~ only (NAME=VALUE, "
          "e.g. X-Scope-OrgID=tenant-1)");
    }
  }
  const std::string lower = lowercase(h.name);
  if (lower == "authorization" || lower == "proxy-authorization") {
    return bad("--header " + h.name +
               ": give credentials with --bearer-token-file, --bearer-token-env or "
               "--basic-auth-env (they keep the secret off the command line)");
  }
  for (const char* own : {"host", "content-length", "content-type", "transfer-encoding",
                          "connection", "upgrade", "expect", "te"}) {
    if (lower == own) {
      return bad("--header " + h.name +
                 ": set by the HTTP client itself; only extra headers can be added");
    }
  }
  if (h.value.empty()) return bad("--header " + h.name + ": the value is empty");
  for (unsigned char c : h.value) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      return bad("--header " + h.name + ": the value holds a control character or a line break");
    }
  }
  return true;
}

std::optional<HttpHeader> HttpHeader::parse(std::string_view arg, std::string* error) {
  const auto eq = arg.find('=');
  if (eq == std::string_view::npos) {
    if (error) *error = "--header must be NAME=VALUE (e.g. X-Scope-OrgID=tenant-1)";
    return std::nullopt;
  }
  HttpHeader h{std::string(trimmed(arg.substr(0, eq))), std::string(trimmed(arg.substr(eq + 1)))};
  if (!h.isValid(error)) return std::nullopt;
  return h;
}

bool PrometheusOptions::isValid(std::string* error) const {
  auto bad = [&](const std::string& why) {
    if (error) *error = why;
    return false;
  };
  const bool http = url.rfind("http://", 0) == 0;
  const bool https = url.rfind("https://", 0) == 0;
  if (!http && !https) return bad("--prometheus must be an http:// or https:// URL");
  const std::size_t hostStart = http ? 7 : 8;
  const std::size_t hostEnd = url.find('/', hostStart);
  const std::string authority =
      url.substr(hostStart, hostEnd == std::string::npos ? std::string::npos : hostEnd - hostStart);
  if (authority.empty()) return bad("--prometheus has no host");
  if (authority.find('@') != std::string::npos) {
    return bad(
        "--prometheus must not carry credentials: give them with --basic-auth-env or "
        "--bearer-token-file");
  }
  if (url.find_first_of("?# \t\r\n") != std::string::npos) {
    return bad("--prometheus must be a base URL without a query, fragment or spaces");
  }
  if (!(timeoutSeconds > 0) || !std::isfinite(timeoutSeconds)) return bad("--timeout must be > 0");
  if (retries < 0 || retries > 20) return bad("--retries must be between 0 and 20");
  if (!(backoffSeconds >= 0) || !std::isfinite(backoffSeconds))
    return bad("the backoff must be >= 0");
  if (auth != AuthKind::kNone && authSource.empty())
    return bad("the credentials' file or variable name is empty");
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (!headers[i].isValid(error)) return false;
    for (std::size_t k = 0; k < i; ++k) {
      if (lowercase(headers[k].name) == lowercase(headers[i].name))
        return bad("--header " + headers[i].name + " is given twice");
    }
  }
  return true;
}

struct PrometheusClient::Impl {
  CURL* curl = nullptr;
  std::string token;
  std::string user;
  std::string password;
  curl_slist* headers = nullptr;    // "Name: value" lines of the extra headers
  std::vector<std::string> hidden;  // texts a server may echo that messages must not show
  char errbuf[CURL_ERROR_SIZE] = {};
  ~Impl() {
    if (curl != nullptr) curl_easy_cleanup(curl);
    // Scrub the secrets from memory before it is freed.
    std::fill(token.begin(), token.end(), '\0');
    std::fill(password.begin(), password.end(), '\0');
    for (curl_slist* h = headers; h != nullptr; h = h->next) {
      std::fill(h->data, h->data + std::strlen(h->data), '\0');
    }
    curl_slist_free_all(headers);
    for (auto& t : hidden) std::fill(t.begin(), t.end(), '\0');
  }

  // Text the server sent (a body excerpt, an API error), with every secret and header value in
  // it replaced: servers echo tenants and keys in their errors. Values shorter than 4
  // characters are left (they would garble ordinary text and reveal little).
  std::string redact(std::string text) const {
    for (const auto& t : hidden) {
      if (t.size() < 4) continue;
      for (auto at = text.find(t); at != std::string::npos; at = text.find(t, at + 8))
        text.replace(at, t.size(), "<hidden>");
    }
    return text;
  }
};

PrometheusClient::PrometheusClient(PrometheusOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  std::string why;
  if (!options_.isValid(&why)) {
    throw core::InputError({core::Severity::kError, "", 0, 0, "--prometheus", "", why});
  }
  while (!options_.url.empty() && options_.url.back() == '/') options_.url.pop_back();
  // Credentials: read once, never echoed.
  switch (options_.auth) {
    case AuthKind::kNone:
      break;
    case AuthKind::kBearerTokenFile: {
      std::ifstream in(options_.authSource, std::ios::binary);
      if (!in) {
        throw core::InputError({core::Severity::kError, options_.authSource, 0, 0,
                                "--bearer-token-file", "", "cannot read the token file"});
      }
      // A token is a line; a device or a huge file is refused at 64 KiB.
      impl_->token =
          trimRight(core::readAllBounded(in, options_.authSource, 64u << 10, "a token file"));
      if (impl_->token.empty()) {
        throw core::InputError({core::Severity::kError, options_.authSource, 0, 0,
                                "--bearer-token-file", "", "the token file is empty"});
      }
      if (impl_->token.find_first_of("\r\n") != std::string::npos) {
        throw core::InputError({core::Severity::kError, options_.authSource, 0, 0,
                                "--bearer-token-file", "",
                                "the token file holds more than one line"});
      }
      break;
    }
    case AuthKind::kBearerTokenEnv:
    case AuthKind::kBasicAuthEnv: {
      const char* flag =
          options_.auth == AuthKind::kBearerTokenEnv ? "--bearer-token-env" : "--basic-auth-env";
      const char* v = std::getenv(options_.authSource.c_str());
      if (v == nullptr || *v == '\0') {
        throw core::InputError({core::Severity::kError, "", 0, 0, flag,
                                core::quoted(options_.authSource),
                                "the environment variable is not set or empty"});
      }
      if (options_.auth == AuthKind::kBearerTokenEnv) {
        impl_->token = trimRight(v);
      } else {
        const std::string both = v;
        const auto colon = both.find(':');
        if (colon == std::string::npos || colon == 0) {
          throw core::InputError({core::Severity::kError, "", 0, 0, flag,
                                  core::quoted(options_.authSource), "must hold user:password"});
        }
        impl_->user = both.substr(0, colon);
        impl_->password = both.substr(colon + 1);
      }
      break;
    }
  }
  initCurl();
  impl_->curl = curl_easy_init();
  if (impl_->curl == nullptr) throw core::EnvironmentError("cannot initialise libcurl");
  for (const auto& h : options_.headers) {
    curl_slist* more = curl_slist_append(impl_->headers, (h.name + ": " + h.value).c_str());
    if (more == nullptr) throw core::EnvironmentError("cannot set the headers (out of memory)");
    impl_->headers = more;
    impl_->hidden.push_back(h.value);
  }
  if (!impl_->token.empty()) impl_->hidden.push_back(impl_->token);
  if (!impl_->password.empty()) impl_->hidden.push_back(impl_->password);
}

PrometheusClient::~PrometheusClient() = default;

InstantAnswer PrometheusClient::instantQuery(const std::string& query, double epochSeconds) {
  CURL* c = impl_->curl;
  const std::string endpoint = options_.url + "/api/v1/query";
  char* esc = curl_easy_escape(c, query.c_str(), static_cast<int>(query.size()));
  if (esc == nullptr) throw core::EnvironmentError("cannot encode a query (out of memory)");
  const std::string params = std::string("query=") + esc + "&time=" + formatNumber(epochSeconds);
  curl_free(esc);
  const bool post = params.size() > kPostAbove;
  const std::string target = post ? endpoint : endpoint + "?" + params;
  const std::string where = "Prometheus at " + options_.url;
  const std::string when = " (query at " + formatTime(epochSeconds) + ")";

  // Seconds left before the replay's deadline (infinite without one); throws once it passed.
  const auto remaining = [&]() {
    if (!options_.deadline) return std::numeric_limits<double>::infinity();
    const double left =
        std::chrono::duration<double>(*options_.deadline - std::chrono::steady_clock::now())
            .count();
    if (left <= 0) {
      throw DeadlineExceeded(where + ": the replay's deadline of " +
                             seconds(options_.deadlineSeconds) + " passed" + when);
    }
    return left;
  };
  std::string lastFailure;
  const int attempts = options_.retries + 1;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) {
      const double wait = std::min(8.0, options_.backoffSeconds * std::pow(2.0, attempt - 1));
      std::this_thread::sleep_for(std::chrono::duration<double>(std::min(wait, remaining())));
    }
    const double attemptSeconds = std::min(options_.timeoutSeconds, remaining());
    std::string body;
    curl_easy_reset(c);
    impl_->errbuf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, impl_->errbuf);
    curl_easy_setopt(c, CURLOPT_URL, target.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    const long timeoutMs = std::max(1L, static_cast<long>(std::llround(attemptSeconds * 1000.0)));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeoutMs);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeoutMs);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "rolloutlab/" ROLLOUTLAB_VERSION);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onData);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    if (!options_.caFile.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.caFile.c_str());
    if (impl_->headers != nullptr) curl_easy_setopt(c, CURLOPT_HTTPHEADER, impl_->headers);
    if (!impl_->token.empty()) {
      curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
      curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, impl_->token.c_str());
    } else if (!impl_->user.empty()) {
      curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      curl_easy_setopt(c, CURLOPT_USERNAME, impl_->user.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, impl_->password.c_str());
    }
    if (post) {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, params.c_str());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(params.size()));
    }
    ++requests_;
    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
      const std::string detail =
          impl_->errbuf[0] != '\0' ? std::string(impl_->errbuf) : curl_easy_strerror(rc);
      switch (rc) {
        case CURLE_OPERATION_TIMEDOUT:
          remaining();  // throws when the attempt was cut short by the deadline
          lastFailure =
              "did not answer within " + seconds(options_.timeoutSeconds) + " (" + detail + ")";
          continue;
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
          lastFailure = "cannot be reached: " + detail;
          continue;
        case CURLE_WRITE_ERROR:
          throw core::EnvironmentError(where + ": the answer is larger than " +
                                       std::to_string(kMaxBody >> 20) + " MiB" + when);
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CACERT_BADFILE:
          throw core::EnvironmentError(where + ": TLS failed: " + detail);
        default:
          lastFailure = "failed: " + detail;
          continue;
      }
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    const bool api =
        !j.is_discarded() && j.is_object() && j.contains("status") && j["status"].is_string();
    std::string apiError;
    if (api && j["status"] == "error") {
      apiError =
          impl_->redact(textField(j, "errorType", "error") + ": " + textField(j, "error", ""));
    }
    if (status >= 300 && status < 400) {
      throw core::EnvironmentError(
          where + " answered HTTP " + std::to_string(status) +
          " (a redirect; not followed: only the --prometheus address is contacted)");
    }
    if (status == 401 || status == 403 || status == 407) {
      throw core::EnvironmentError(
          where + " refused the request (HTTP " + std::to_string(status) + "): " +
          (options_.auth == AuthKind::kNone
               ? "it wants credentials (--bearer-token-file, --bearer-token-env, "
                 "--basic-auth-env)"
               : "check the credentials"));
    }
    if (status == 429 || status >= 500) {
      lastFailure = "answered HTTP " + std::to_string(status) +
                    (api ? " (" + apiError + ")" : " " + excerpt(impl_->redact(body)));
      continue;
    }
    if (!api) {
      throw core::EnvironmentError(where + " did not answer like the Prometheus HTTP API (HTTP " +
                                   std::to_string(status) + ", body " +
                                   excerpt(impl_->redact(body)) + ")" + when);
    }
    if (status >= 400 || j["status"] == "error") {
      // The API rejected the query (bad_data, execution): the controller would see the same.
      return InstantAnswer::failure(apiError);
    }
    if (j["status"] != "success" || !j.contains("data") || !j["data"].is_object()) {
      throw core::EnvironmentError(where + " answered status " +
                                   excerpt(impl_->redact(j["status"].dump())) + " without data" +
                                   when);
    }
    const auto& data = j["data"];
    const std::string rt = textField(data, "resultType", "");
    const auto& result = data.contains("result") ? data["result"] : nlohmann::json();
    auto malformed = [&](const std::string& what) -> core::EnvironmentError {
      return core::EnvironmentError(where + " answered a malformed result (" + what + ")" + when);
    };
    auto number = [&](const nlohmann::json& pair) {
      if (!pair.is_array() || pair.size() != 2 || !pair[1].is_string())
        throw malformed("a value is not [time, \"v\"]");
      double v = 0;
      if (!core::promql::parseGoFloat(pair[1].get<std::string>(), v))
        throw malformed("a value is not a number");
      return v;
    };
    InstantAnswer a;
    if (rt == "vector") {
      if (!result.is_array()) throw malformed("result is not a list");
      for (const auto& e : result) {
        if (!e.is_object() || !e.contains("value"))
          throw malformed("a vector element has no value");
        std::vector<core::promql::Label> labels;
        if (e.contains("metric") && e["metric"].is_object()) {
          for (const auto& [k, v] : e["metric"].items()) {
            if (v.is_string()) labels.push_back({k, v.get<std::string>()});
          }
        }
        a.values.push_back(number(e["value"]));
        a.labels.emplace_back(std::move(labels));
      }
      return a;
    }
    if (rt == "scalar") {
      a.kind = InstantAnswer::Kind::kScalar;
      a.scalar = number(result);
      return a;
    }
    if (rt == "matrix") {
      // Flagger cannot read it (InstantAnswer::asQueryResult); Argo flattens it.
      if (!result.is_array()) throw malformed("result is not a list");
      a.kind = InstantAnswer::Kind::kMatrix;
      for (const auto& e : result) {
        if (!e.is_object() || !e.contains("values") || !e["values"].is_array())
          throw malformed("a matrix element has no values");
        std::vector<core::promql::Label> labels;
        if (e.contains("metric") && e["metric"].is_object()) {
          for (const auto& [k, v] : e["metric"].items()) {
            if (v.is_string()) labels.push_back({k, v.get<std::string>()});
          }
        }
        const core::promql::Labels ls(std::move(labels));
        for (const auto& p : e["values"]) {
          a.values.push_back(number(p));
          if (!p[0].is_number()) throw malformed("a sample time is not a number");
          if (!(std::fabs(p[0].get<double>()) <= core::promql::kMaxApiTimeSeconds))
            throw malformed("a sample time is outside what Prometheus can store");
          a.times.push_back(p[0].get<double>());
          a.labels.push_back(ls);
        }
      }
      return a;
    }
    if (rt == "string") {
      a.kind = InstantAnswer::Kind::kString;
      return a;
    }
    throw malformed("resultType " + excerpt(impl_->redact(rt)));
  }
  throw core::EnvironmentError(where + " " + lastFailure + when + "; gave up after " +
                               std::to_string(attempts) +
                               (attempts == 1 ? " attempt" : " attempts"));
}

void PrometheusClient::checkOnline(double epochSeconds) {
  const InstantAnswer a = instantQuery("vector(1)", epochSeconds);
  if (a.kind != InstantAnswer::Kind::kVector || a.values.size() != 1 || a.values[0] != 1.0) {
    throw core::EnvironmentError(
        "Prometheus at " + options_.url + " is not usable: the query vector(1) did not answer 1" +
        (a.kind == InstantAnswer::Kind::kError ? " (" + a.error + ")" : std::string()));
  }
}

// ---- source -------------------------------------------------------------------------------------

PrometheusSource::PrometheusSource(PrometheusOptions options) : client_(std::move(options)) {}

void PrometheusSource::reset(std::uint64_t, std::optional<std::uint64_t> replicate) {
  if (replicate) {
    throw core::InputError(
        {core::Severity::kError, "", 0, 0, "--prometheus", "",
         "a live Prometheus cannot be resampled; a batch over bootstrap replicates needs a "
         "recording (query_range files, CSV or access logs)"});
  }
}

InstantAnswer PrometheusSource::query(const std::string& promql, double epochSeconds) {
  try {
    return client_.instantQuery(promql, epochSeconds);
  } catch (const DeadlineExceeded&) {
    throw;  // the replay's own limit, not a server failure a controller would have traced
  } catch (const core::EnvironmentError& e) {
    if (client_.options().serverErrors == ServerErrors::kTrace) {
      // Flagger's RunQuery wraps a transport failure as "request failed: ...": a failed check.
      return InstantAnswer::failure(std::string("request failed: ") + e.what());
    }
    throw;
  }
}

std::string PrometheusSource::describe() const { return "prometheus " + client_.url(); }

}  // namespace rolloutlab::replay
