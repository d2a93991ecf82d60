#include "rolloutlab/replay/access_log.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <sys/stat.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

#include "rolloutlab/core/bounded_input.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/replay/time.h"

namespace rolloutlab::replay {

const char* toString(LogFormat f) {
  switch (f) {
    case LogFormat::kAuto:
      return "auto";
    case LogFormat::kEnvoyJson:
      return "envoy-json";
    case LogFormat::kNginx:
      return "nginx";
  }
  return "?";
}

std::optional<LogFormat> logFormatFromString(std::string_view s) {
  if (s == "auto") return LogFormat::kAuto;
  if (s == "envoy-json" || s == "envoy" || s == "istio" || s == "json")
    return LogFormat::kEnvoyJson;
  if (s == "nginx" || s == "combined" || s == "nginx-combined") return LogFormat::kNginx;
  return std::nullopt;
}

namespace {

constexpr std::size_t kMaxWarnings = 10;
constexpr std::size_t kBufferSize = 4u << 20;

inline bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// RFC 3339 with a one-entry cache of the date and time to the second: consecutive log lines
// share it, so most lines only parse their fraction.
struct TimeCache {
  char key[19] = {};
  bool valid = false;
  double base = 0;

  bool parse(std::string_view s, double& out) {
    if (s.size() >= 20 && s[4] == '-' && (s[10] == 'T' || s[10] == 't' || s[10] == ' ')) {
      const std::string_view rest = s.substr(19);
      // Fast path: "...:SS.fffZ" or "...:SSZ" with the same first 19 characters as before.
      if (valid && std::memcmp(key, s.data(), 19) == 0 &&
          (rest.back() == 'Z' || rest.back() == 'z')) {
        double frac = 0;
        if (rest.size() == 1) {
          out = base;
          return true;
        }
        if (rest[0] == '.') {
          double scale = 0.1;
          std::size_t i = 1;
          for (; i + 1 < rest.size(); ++i) {
            const char c = rest[i];
            if (c < '0' || c > '9') break;
            frac += (c - '0') * scale;
            scale *= 0.1;
          }
          if (i + 1 == rest.size() && i > 1) {
            out = base + frac;
            return true;
          }
        }
      }
      const auto t = parseTime(s);
      if (!t) return false;
      // Cache the whole-second part when the line is in UTC.
      if (rest.back() == 'Z' || rest.back() == 'z') {
        std::memcpy(key, s.data(), 19);
        const auto whole = parseTime(std::string(s.substr(0, 19)) + "Z");
        valid = whole.has_value();
        if (whole) base = *whole;
      }
      out = *t;
      return true;
    }
    const auto t = parseTime(s);
    if (!t) return false;
    out = *t;
    return true;
  }
};

thread_local TimeCache tTimeCache;

// Finds the closing quote of a JSON string whose content starts at `i`. Returns the index of
// the closing quote or npos. Scans sixteen bytes at a time (SSE2) or eight (the classic "has a
// zero byte" trick on x ^ pattern, whose lowest flagged byte is always exact) for a quote or a
// backslash.
std::size_t stringEnd(std::string_view s, std::size_t i) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  constexpr std::uint64_t kQuote = kOnes * static_cast<unsigned char>('"');
  constexpr std::uint64_t kSlash = kOnes * static_cast<unsigned char>('\\');
  const char* p = s.data();
  const std::size_t n = s.size();
  for (;;) {
#if defined(__SSE2__)
    // Sixteen bytes at a time where the line has them.
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i slash = _mm_set1_epi8('\\');
    while (i + 16 <= n) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      const int m =
          _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, slash)));
      if (m != 0) {
        i += static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(m)));
        break;
      }
      i += 16;
    }
#endif
    if constexpr (std::endian::native == std::endian::little) {
      while (i + 8 <= n && p[i] != '"' && p[i] != '\\') {
        std::uint64_t w = 0;
        std::memcpy(&w, p + i, 8);
        const std::uint64_t q = w ^ kQuote, b = w ^ kSlash;
        const std::uint64_t m = ((q - kOnes) & ~q & kHigh) | ((b - kOnes) & ~b & kHigh);
        if (m != 0) {
          i += static_cast<std::size_t>(__builtin_ctzll(m)) / 8;
          break;
        }
        i += 8;
      }
    }
    while (i < n && p[i] != '"' && p[i] != '\\') ++i;
    if (i >= n) return std::string_view::npos;
    if (p[i] == '"') return i;
    i += 2;  // an escape: skip the escaped character
  }
}

// Skips a JSON value starting at i; returns the index after it or npos.
std::size_t skipValue(std::string_view s, std::size_t i) {
  if (i >= s.size()) return std::string_view::npos;
  const char c = s[i];
  if (c == '"') {
    const std::size_t e = stringEnd(s, i + 1);
    return e == std::string_view::npos ? e : e + 1;
  }
  if (c == '{' || c == '[') {
    int depth = 0;
    for (std::size_t k = i; k < s.size(); ++k) {
      const char d = s[k];
      if (d == '"') {
        const std::size_t e = stringEnd(s, k + 1);
        if (e == std::string_view::npos) return e;
        k = e;
      } else if (d == '{' || d == '[') {
        ++depth;
      } else if (d == '}' || d == ']') {
        if (--depth == 0) return k + 1;
      }
    }
    return std::string_view::npos;
  }
  std::size_t k = i;
  while (k < s.size() && s[k] != ',' && s[k] != '}' && s[k] != ']' && !isSpace(s[k])) ++k;
  return k == i ? std::string_view::npos : k;
}

bool parseInt(std::string_view v, int& out) {
  if (!v.empty() && v.front() == '"' && v.size() >= 2) v = v.substr(1, v.size() - 2);
  const auto r = std::from_chars(v.data(), v.data() + v.size(), out);
  return r.ec == std::errc() && r.ptr == v.data() + v.size();
}

bool parseDouble(std::string_view v, double& out) {
  if (!v.empty() && v.front() == '"' && v.size() >= 2) v = v.substr(1, v.size() - 2);
  const auto r = std::from_chars(v.data(), v.data() + v.size(), out);
  return r.ec == std::errc() && r.ptr == v.data() + v.size();
}

int monthIndex(std::string_view m) {
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i) {
    if (m == kMonths[i]) return i + 1;
  }
  return 0;
}

// `10/Oct/2000:13:55:36 -0700`
bool parseNginxTime(std::string_view s, double& out) {
  if (s.size() != 26 || s[2] != '/' || s[6] != '/' || s[11] != ':' || s[14] != ':' ||
      s[17] != ':' || s[20] != ' ') {
    return false;
  }
  auto num = [&](std::size_t pos, std::size_t n, int& v) {
    v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    return true;
  };
  int d = 0, y = 0, h = 0, mi = 0, se = 0, oh = 0, om = 0;
  const int mo = monthIndex(s.substr(3, 3));
  if (mo == 0 || !num(0, 2, d) || !num(7, 4, y) || !num(12, 2, h) || !num(15, 2, mi) ||
      !num(18, 2, se) || (s[21] != '+' && s[21] != '-') || !num(22, 2, oh) || !num(24, 2, om)) {
    return false;
  }
  if (d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return false;
  const long long days = daysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const long long off = (s[21] == '+' ? 1 : -1) * (oh * 3600LL + om * 60LL);
  out = static_cast<double>(days * 86400 + h * 3600LL + mi * 60LL + se - off);
  return true;
}

}  // namespace

bool parseEnvoyJsonLine(std::string_view line, const AccessLogOptions& o, LogRequest& out,
                        int& column, std::string& error) {
  out.impossible = false;
  std::size_t i = 0;
  auto fail = [&](std::size_t at, const char* what) {
    column = static_cast<int>(at) + 1;
    error = what;
    return false;
  };
  while (i < line.size() && isSpace(line[i])) ++i;
  if (i >= line.size() || line[i] != '{') return fail(i, "expected a JSON object");
  ++i;
  std::string_view start, code, duration;
  std::size_t startAt = 0, codeAt = 0, durationAt = 0;
  bool haveVariant = false;
  int found = 0;  // of the four fields read
  out.variantText = {};
  for (;;) {
    while (i < line.size() && isSpace(line[i])) ++i;
    if (i < line.size() && line[i] == '}') {
      ++i;
      break;
    }
    if (i >= line.size() || line[i] != '"') return fail(i, "expected a string key");
    const std::size_t ke = stringEnd(line, i + 1);
    if (ke == std::string_view::npos) return fail(i, "unterminated key");
    const std::string_view key = line.substr(i + 1, ke - i - 1);
    i = ke + 1;
    while (i < line.size() && isSpace(line[i])) ++i;
    if (i >= line.size() || line[i] != ':') return fail(i, "expected ':' after a key");
    ++i;
    while (i < line.size() && isSpace(line[i])) ++i;
    const std::size_t vs = i;
    const std::size_t ve = skipValue(line, i);
    if (ve == std::string_view::npos) return fail(vs, "malformed value");
    const std::string_view value = line.substr(vs, ve - vs);
    if (key == o.timeField) {
      found += start.empty();
      start = value;
      startAt = vs;
    } else if (key == o.codeField) {
      found += code.empty();
      code = value;
      codeAt = vs;
    } else if (key == o.durationField) {
      found += duration.empty();
      duration = value;
      durationAt = vs;
    } else if (key == o.variantField) {
      found += !haveVariant;
      haveVariant = true;
      out.variantText = value;
    }
    i = ve;
    if (found == 4) {
      // Every field this reader needs is in: the rest of a machine-written line is not read,
      // but a line cut short (no closing brace) is still refused.
      std::size_t e = line.size();
      while (e > i && isSpace(line[e - 1])) --e;
      if (e <= i || line[e - 1] != '}')
        return fail(line.size(), "the line ends before its closing '}'");
      i = line.size();
      break;
    }
    while (i < line.size() && isSpace(line[i])) ++i;
    if (i < line.size() && line[i] == ',') {
      ++i;
      continue;
    }
    if (i < line.size() && line[i] == '}') {
      ++i;
      break;
    }
    return fail(i, "expected ',' or '}'");
  }
  while (i < line.size() && isSpace(line[i])) ++i;
  if (i != line.size()) return fail(i, "text after the JSON object");
  (void)haveVariant;
  if (start.empty()) return fail(0, "no start time field");
  if (start.size() < 2 || start.front() != '"') {
    double t = 0;
    if (!parseDouble(start, t))
      return fail(startAt, "the start time is neither RFC 3339 nor Unix seconds");
    out.endTime = t;
  } else if (!tTimeCache.parse(start.substr(1, start.size() - 2), out.endTime)) {
    return fail(startAt, "the start time is neither RFC 3339 nor Unix seconds");
  }
  if (code.empty()) return fail(0, "no response code field");
  if (code == "null" || code == "\"-\"") {
    out.status = 0;  // no response was sent (Envoy's response_code 0)
  } else if (!parseInt(code, out.status) || out.status < 0 || out.status > 999) {
    return fail(codeAt, "the response code is not an HTTP status");
  }
  out.latencyMs = -1;
  if (!duration.empty() && duration != "null" && duration != "\"-\"") {
    double d = 0;
    if (!parseDouble(duration, d))
      return fail(durationAt, "the duration is not a number of milliseconds");
    if (d < 0 || !std::isfinite(d)) {
      out.impossible = true;
      return fail(durationAt, "the duration must be a finite number of milliseconds >= 0");
    }
    out.latencyMs = d;
    out.endTime += d / 1000.0;
  }
  return true;
}

bool parseNginxLine(std::string_view line, LogRequest& out, int& column, std::string& error) {
  out.impossible = false;
  auto fail = [&](std::size_t at, const char* what) {
    column = static_cast<int>(at) + 1;
    error = what;
    return false;
  };
  const std::size_t lb = line.find('[');
  if (lb == std::string_view::npos) return fail(0, "no [time_local]");
  const std::size_t rb = line.find(']', lb);
  if (rb == std::string_view::npos) return fail(lb, "unterminated [time_local]");
  if (!parseNginxTime(line.substr(lb + 1, rb - lb - 1), out.endTime))
    return fail(lb + 1, "time_local is not dd/Mon/yyyy:hh:mm:ss +zzzz");
  std::size_t i = rb + 1;
  auto quoted = [&](std::size_t& at, std::string_view& v) {
    while (at < line.size() && line[at] == ' ') ++at;
    if (at >= line.size() || line[at] != '"') return false;
    std::size_t k = at + 1;
    for (; k < line.size(); ++k) {
      if (line[k] == '\\') {
        ++k;
      } else if (line[k] == '"') {
        break;
      }
    }
    if (k >= line.size()) return false;
    v = line.substr(at + 1, k - at - 1);
    at = k + 1;
    return true;
  };
  auto token = [&](std::size_t& at, std::string_view& v) {
    while (at < line.size() && line[at] == ' ') ++at;
    const std::size_t s = at;
    while (at < line.size() && line[at] != ' ') ++at;
    v = line.substr(s, at - s);
    return at > s;
  };
  std::string_view request, status, bytes, referer, agent;
  if (!quoted(i, request)) return fail(i, "expected the quoted request");
  const std::size_t statusAt = i + 1;
  if (!token(i, status)) return fail(i, "expected the status");
  if (!parseInt(status, out.status) || out.status < 0 || out.status > 999)
    return fail(statusAt, "the status is not an HTTP status");
  if (!token(i, bytes)) return fail(i, "expected body_bytes_sent");
  if (!quoted(i, referer)) return fail(i, "expected the quoted referer");
  if (!quoted(i, agent)) return fail(i, "expected the quoted user agent");
  out.latencyMs = -1;
  out.variantText = line.substr(std::min(i, line.size()));
  // ingress-nginx: $request_length $request_time [$proxy_upstream_name] ...
  std::size_t k = i;
  std::string_view reqLen, reqTime;
  if (token(k, reqLen) && token(k, reqTime)) {
    int len = 0;
    double t = 0;
    if (parseInt(reqLen, len) && parseDouble(reqTime, t)) {
      // nginx writes $request_time as seconds with millisecond resolution, never NaN, Inf
      // or below 0 (ngx_http_log_module.c, ngx_http_log_request_time).
      if (t < 0 || !std::isfinite(t)) {
        out.impossible = true;
        return fail(static_cast<std::size_t>(reqTime.data() - line.data()),
                    "$request_time must be a finite number of seconds >= 0");
      }
      out.latencyMs = t * 1000.0;
    }
  }
  return true;
}

namespace {

[[noreturn]] void readFailure(const std::string& path, const std::string& why) {
  throw core::InputError({core::Severity::kError, path, 0, 0, "", "", why});
}

// Calls onLine(line, lineNo) for each line of a buffer-fed stream, keeping the partial last
// line between chunks. `fill(buf, n)` returns the bytes read (0 at the end).
[[noreturn]] void tooLong(const std::string& path, std::uint64_t lineNo) {
  throw core::InputError({core::Severity::kError, path,
                          static_cast<int>(std::min<std::uint64_t>(lineNo, 2147483647)), 0, "", "",
                          "a line longer than " + std::to_string(kBufferSize >> 20) +
                              " MiB (the limit for one access-log line)"});
}

template <class Fill, class OnLine>
void bufferedLines(const std::string& path, std::uint64_t& bytes, Fill fill, OnLine onLine) {
  std::unique_ptr<char[]> buf(new char[kBufferSize]);
  std::size_t have = 0;
  std::uint64_t lineNo = 0;
  bool eof = false;
  while (!eof) {
    const std::size_t got = fill(buf.get() + have, kBufferSize - have);
    if (got == 0) eof = true;
    bytes += got;
    have += got;
    std::size_t pos = 0;
    for (;;) {
      const void* nl = std::memchr(buf.get() + pos, '\n', have - pos);
      std::size_t end = 0;
      if (nl != nullptr) {
        end = static_cast<std::size_t>(static_cast<const char*>(nl) - buf.get());
      } else if (eof && pos < have) {
        end = have;  // the last line has no newline
      } else {
        break;
      }
      const std::string_view line(buf.get() + pos, end - pos);
      pos = std::min(end + 1, have);
      ++lineNo;
      onLine(line, lineNo);
    }
    if (pos == 0 && have == kBufferSize) {
      // A line longer than the buffer: refused now, not at the end of input (a pipe or a
      // device that sends an endless line would otherwise be read forever).
      tooLong(path, lineNo + 1);
    }
    if (pos < have) std::memmove(buf.get(), buf.get() + pos, have - pos);
    have -= pos;
  }
}

// Calls onLine for every line of a file: plain files are mapped (no copy; pages already read
// are dropped as the scan moves on, so memory stays flat), gzip files inflated by zlib.
template <class OnLine>
void forEachLine(const std::string& path, std::uint64_t& bytes, OnLine onLine) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) readFailure(path, std::string("cannot read: ") + std::strerror(errno));
  struct FdGuard {
    int fd;
    ~FdGuard() {
      if (fd >= 0) ::close(fd);
    }
  } guard{fd};
  unsigned char magic[2] = {0, 0};
  const bool gzip = ::pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  if (gzip) {
    const int dupFd = ::dup(fd);
    gzFile gz = dupFd >= 0 ? gzdopen(dupFd, "rb") : nullptr;
    if (gz == nullptr) {
      if (dupFd >= 0) ::close(dupFd);
      readFailure(path, "cannot open the gzip stream");
    }
    struct GzGuard {
      gzFile gz;
      ~GzGuard() { gzclose(gz); }
    } gzGuard{gz};
    gzbuffer(gz, 1u << 20);
    auto fill = [&](char* buf, std::size_t n) -> std::size_t {
      const int r = gzread(gz, buf, static_cast<unsigned>(std::min<std::size_t>(n, 1u << 30)));
      int err = Z_OK;
      if (r < 0) {
        const char* msg = gzerror(gz, &err);
        readFailure(path, std::string("corrupt gzip data: ") + (msg ? msg : "unknown error"));
      }
      if (r == 0) {
        // zlib reports a stream cut short only through gzerror (Z_BUF_ERROR) at the end.
        gzerror(gz, &err);
        if (err == Z_BUF_ERROR)
          readFailure(path, "the gzip data ends in the middle of a stream (a truncated file)");
      }
      return static_cast<std::size_t>(r);
    };
    bufferedLines(path, bytes, fill, onLine);
    return;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) readFailure(path, std::string("cannot read: ") + std::strerror(errno));
  void* map =
      S_ISREG(st.st_mode) && st.st_size > 0
          ? ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0)
          : MAP_FAILED;
  if (map == MAP_FAILED) {
    // Not a regular file (a pipe, /dev/stdin) or empty: plain reads.
    auto fill = [&](char* buf, std::size_t n) -> std::size_t {
      for (;;) {
        const ssize_t r = ::read(fd, buf, n);
        if (r >= 0) return static_cast<std::size_t>(r);
        if (errno != EINTR) readFailure(path, std::string("read failed: ") + std::strerror(errno));
      }
    };
    bufferedLines(path, bytes, fill, onLine);
    return;
  }
  const std::size_t size = static_cast<std::size_t>(st.st_size);
  struct MapGuard {
    void* p;
    std::size_t n;
    ~MapGuard() { ::munmap(p, n); }
  } mapGuard{map, size};
  ::madvise(map, size, MADV_SEQUENTIAL);
  const char* base = static_cast<const char*>(map);
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  constexpr std::size_t kDropEvery = 16u << 20;
  std::size_t dropped = 0;
  std::size_t pos = 0;
  std::uint64_t lineNo = 0;
  while (pos < size) {
    const void* nl = std::memchr(base + pos, '\n', size - pos);
    const std::size_t end =
        nl != nullptr ? static_cast<std::size_t>(static_cast<const char*>(nl) - base) : size;
    ++lineNo;
    if (end - pos > kBufferSize) tooLong(path, lineNo);  // as for a stream
    onLine(std::string_view(base + pos, end - pos), lineNo);
    pos = end + 1;
    if (pos - dropped >= kDropEvery) {
      const std::size_t upTo = (std::min(pos, size) / page) * page;
      ::madvise(const_cast<char*>(base) + dropped, upTo - dropped, MADV_DONTNEED);
      dropped = upTo;
    }
  }
  bytes += size;
}

}  // namespace

IngestStats ingestAccessLogs(const std::vector<std::string>& files, const AccessLogOptions& options,
                             TrafficRecording& recording) {
  IngestStats stats;
  stats.firstTime = std::numeric_limits<double>::infinity();
  stats.lastTime = -std::numeric_limits<double>::infinity();
  if (options.canaryMatch.empty()) {
    throw core::InputError({core::Severity::kError, "", 0, 0, "--canary-match", "",
                            "must name the text that marks a canary request"});
  }
  LogFormat format = options.format;
  std::string addError;
  LogRequest req;
  std::string error;
  for (const auto& file : files) {
    const core::ReadingScope scope(file + " (an access log)");
    auto onLine = [&](std::string_view line, std::uint64_t lineNo) {
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) return;
      ++stats.lines;
      if (format == LogFormat::kAuto) {
        const auto p = line.find_first_not_of(" \t");
        format = p != std::string_view::npos && line[p] == '{' ? LogFormat::kEnvoyJson
                                                               : LogFormat::kNginx;
      }
      int column = 0;
      const bool ok = format == LogFormat::kEnvoyJson
                          ? parseEnvoyJsonLine(line, options, req, column, error)
                          : parseNginxLine(line, req, column, error);
      if (!ok && req.impossible) {
        throw core::InputError({core::Severity::kError, file,
                                static_cast<int>(std::min<std::uint64_t>(lineNo, 2147483647)),
                                column, "", "", "column " + std::to_string(column) + ": " + error});
      }
      if (!ok) {
        ++stats.malformed;
        if (stats.warnings.size() < kMaxWarnings)
          stats.warnings.push_back({file, lineNo, column, error});
        return;
      }
      Variant v = Variant::kPrimary;
      if (req.variantText.find(options.canaryMatch) != std::string_view::npos) {
        v = Variant::kCanary;
      } else if (!options.primaryMatch.empty() &&
                 req.variantText.find(options.primaryMatch) == std::string_view::npos) {
        ++stats.unmatched;
        return;
      }
      if (!recording.add(req.endTime, v, req.status, req.latencyMs, &addError)) {
        throw core::InputError({core::Severity::kError, file,
                                static_cast<int>(std::min<std::uint64_t>(lineNo, 2147483647)), 0,
                                "", "", addError});
      }
      ++stats.requests;
      ++(v == Variant::kCanary ? stats.canary : stats.primary);
      stats.firstTime = std::min(stats.firstTime, req.endTime);
      stats.lastTime = std::max(stats.lastTime, req.endTime);
    };
    forEachLine(file, stats.bytes, onLine);
  }
  if (stats.requests == 0) {
    if (!stats.warnings.empty()) {
      const auto& w = stats.warnings.front();
      core::Diagnostic d{core::Severity::kError,
                         w.file,
                         static_cast<int>(w.line),
                         w.column,
                         "",
                         "",
                         "column " + std::to_string(w.column) + ": " + w.detail +
                             " (no line of the " + toString(format) + " log could be read)"};
      throw core::InputError(d);
    }
    throw core::InputError(
        {core::Severity::kError, files.empty() ? "" : files.front(), 0, 0, "", "",
         "holds no request" + std::string(stats.unmatched > 0
                                              ? " matching --canary-match or --primary-match"
                                              : "")});
  }
  return stats;
}

}  // namespace rolloutlab::replay
