#include "rolloutlab/replay/time.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "rolloutlab/core/flagger/spec.h"
#include "rolloutlab/core/number_format.h"

namespace rolloutlab::replay {

long long daysFromCivil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int daysIn(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

std::optional<double> parseRfc3339(std::string_view s) {
  int Y = 0, M = 0, D = 0, h = 0, mi = 0, sec = 0;
  if (!digits(s, 0, 4, Y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, M) || s[7] != '-' ||
      !digits(s, 8, 2, D)) {
    return std::nullopt;
  }
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
  if (!digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' ||
      !digits(s, 17, 2, sec)) {
    return std::nullopt;
  }
  if (M < 1 || M > 12 || D < 1 || D > daysIn(Y, M) || h > 23 || mi > 59 || sec > 59)
    return std::nullopt;
  std::size_t p = 19;
  double frac = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    double scale = 0.1;
    const std::size_t start = p;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      frac += (s[p] - '0') * scale;
      scale /= 10;
      ++p;
    }
    if (p == start) return std::nullopt;
  }
  if (p >= s.size()) return std::nullopt;
  long long offset = 0;
  if (s[p] == 'Z' || s[p] == 'z') {
    ++p;
  } else if (s[p] == '+' || s[p] == '-') {
    int oh = 0, om = 0;
    if (!digits(s, p + 1, 2, oh) || p + 3 >= s.size() || s[p + 3] != ':' ||
        !digits(s, p + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = (s[p] == '+' ? 1 : -1) * (oh * 3600LL + om * 60LL);
    p += 6;
  } else {
    return std::nullopt;
  }
  if (p != s.size()) return std::nullopt;
  const long long days = daysFromCivil(Y, static_cast<unsigned>(M), static_cast<unsigned>(D));
  return static_cast<double>(days * 86400 + h * 3600LL + mi * 60LL + sec - offset) + frac;
}

}  // namespace

std::optional<double> parseTime(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.find_first_not_of("0123456789.") == std::string_view::npos) {
    double v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size() || !std::isfinite(v))
      return std::nullopt;
    return v;
  }
  return parseRfc3339(text);
}

std::string formatTime(double epochSeconds) {
  const double whole = std::floor(epochSeconds);
  long long secs = static_cast<long long>(whole);
  long long ms = std::llround((epochSeconds - whole) * 1000.0);
  if (ms == 1000) {
    ++secs;
    ms = 0;
  }
  long long days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  long long rem = secs - days * 86400;
  // civil_from_days (Howard Hinnant).
  const long long z = days + 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long y = static_cast<long long>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld", y, m, d, rem / 3600,
                (rem / 60) % 60, rem % 60);
  std::string out = buf;
  if (ms != 0) {
    std::snprintf(buf, sizeof buf, ".%03lld", ms);
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "Z";
}

std::optional<double> parseInterval(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.find_first_not_of("0123456789.") == std::string_view::npos) {
    double v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size() || !(v > 0) ||
        !std::isfinite(v)) {
      return std::nullopt;
    }
    return v;
  }
  const auto d = core::flagger::parseGoDuration(std::string(text));
  if (!d || !(*d > 0)) return std::nullopt;
  return d;
}

std::string formatNumber(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return core::formatNumber(v);
}

}  // namespace rolloutlab::replay
