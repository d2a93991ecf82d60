#include "rolloutlab/core/promql/exposition.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "rolloutlab/core/bounded_input.h"
#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::core::promql {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Decimal magnitude of a decimal float text (position of its first significant digit), used to
// tell overflow from underflow when from_chars reports out of range.
long decimalMagnitude(std::string_view s) {
  long exp = 0;
  const auto e = s.find_first_of("eE");
  std::string_view mant = s.substr(0, e);
  if (e != std::string_view::npos) {
    long v = 0;
    bool neg = false;
    std::size_t i = e + 1;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    for (; i < s.size(); ++i) v = std::min<long>(v * 10 + (s[i] - '0'), 1000000);
    exp = neg ? -v : v;
  }
  const auto dot = mant.find('.');
  const std::string_view ip = mant.substr(0, dot);
  std::size_t firstNz = ip.find_first_not_of('0');
  if (firstNz != std::string_view::npos) return static_cast<long>(ip.size() - firstNz) + exp;
  if (dot == std::string_view::npos) return exp;
  const std::string_view fp = mant.substr(dot + 1);
  firstNz = fp.find_first_not_of('0');
  if (firstNz == std::string_view::npos) return exp;
  return -static_cast<long>(firstNz) + exp;
}

}  // namespace

bool parseGoFloat(std::string_view s, double& out) {
  if (s.empty()) return false;
  // strconv.special: an optional sign, then "inf"/"infinity" (any case); "nan" without a sign.
  if (iequals(s, "nan")) {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  bool neg = false;
  std::string_view body = s;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (iequals(body, "inf") || iequals(body, "infinity")) {
    out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (body.empty()) return false;
  auto fmt = std::chars_format::general;
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
    body.remove_prefix(2);
    // Go requires the binary exponent of a hexadecimal float.
    if (body.find_first_of("pP") == std::string_view::npos) return false;
    fmt = std::chars_format::hex;
  } else {
    for (char c : body) {
      if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) {
        return false;
      }
    }
  }
  double v = 0;
  const auto r = std::from_chars(body.data(), body.data() + body.size(), v, fmt);
  if (r.ptr != body.data() + body.size()) return false;
  if (r.ec == std::errc::result_out_of_range) {
    if (fmt == std::chars_format::hex || decimalMagnitude(body) > 0) return false;  // overflow
    v = 0;                                                                          // underflow
  } else if (r.ec != std::errc()) {
    return false;
  }
  out = neg ? -v : v;
  return true;
}

namespace {

class ExpositionParser {
 public:
  ExpositionParser(std::string_view text, MemorySeriesStore& store, const ExpositionOptions& o)
      : text_(text), store_(store), opt_(o) {}

  ExpositionLoadResult run() {
    std::size_t pos = 0;
    bool sawEof = false;
    while (pos < text_.size()) {
      std::size_t nl = text_.find('\n', pos);
      if (nl == std::string_view::npos) nl = text_.size();
      line_ = text_.substr(pos, nl - pos);
      if (!line_.empty() && line_.back() == '\r') line_.remove_suffix(1);
      ++lineNo_;
      pos = nl + 1;
      if (sawEof) {
        if (!line_.empty()) fail(1, "unexpected data after # EOF");
        continue;
      }
      if (line_.empty()) continue;
      if (line_[0] == '#') {
        if (line_ == "# EOF") {
          sawEof = true;
        }
        continue;  // HELP, TYPE, UNIT and comments carry nothing the store needs
      }
      parseSample();
    }
    if (opt_.requireEof && !sawEof) {
      Diagnostic d;
      d.file = opt_.fileName;
      d.line = lineNo_;
      d.rule = "data does not end with # EOF";
      throw InputError(d);
    }
    return result_;
  }

 private:
  [[noreturn]] void fail(std::size_t column, const std::string& what) const {
    Diagnostic d;
    d.file = opt_.fileName;
    d.line = lineNo_;
    d.column = static_cast<int>(column);
    d.rule = "column " + std::to_string(column) + ": " + what;
    throw InputError(d);
  }

  static bool nameStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
  }
  static bool nameChar(char c) { return nameStart(c) || (c >= '0' && c <= '9'); }

  void skipBlanks(std::size_t& i) const {
    while (i < line_.size() && (line_[i] == ' ' || line_[i] == '\t')) ++i;
  }

  void parseSample() {
    std::size_t i = 0;
    if (!nameStart(line_[0])) fail(1, "expected a metric name");
    while (i < line_.size() && nameChar(line_[i])) ++i;
    Labels labels;
    labels.set(kMetricNameLabel, line_.substr(0, i));
    if (i < line_.size() && line_[i] == '{') {
      ++i;
      parseLabels(i, labels);
    }
    if (i >= line_.size() || (line_[i] != ' ' && line_[i] != '\t')) {
      fail(i + 1, "expected a space before the value");
    }
    skipBlanks(i);
    const std::size_t vStart = i;
    while (i < line_.size() && line_[i] != ' ' && line_[i] != '\t') ++i;
    double value = 0;
    if (!parseGoFloat(line_.substr(vStart, i - vStart), value)) {
      fail(vStart + 1, "invalid value " + quoted(std::string(line_.substr(vStart, i - vStart))));
    }
    skipBlanks(i);
    if (i >= line_.size() || line_[i] == '#') fail(i + 1, "expected a timestamp");
    const std::size_t tStart = i;
    while (i < line_.size() && line_[i] != ' ' && line_[i] != '\t') ++i;
    const std::string_view ts = line_.substr(tStart, i - tStart);
    TimestampMs t = 0;
    if (opt_.timestampsInSeconds) {
      double sec = 0;
      if (!parseGoFloat(ts, sec) || !std::isfinite(sec) || std::fabs(sec) > 9.2e15) {
        fail(tStart + 1, "invalid timestamp " + quoted(std::string(ts)));
      }
      t = static_cast<TimestampMs>(sec * 1000);  // promtool: int64(ts * 1000)
    } else {
      const auto r = std::from_chars(ts.data(), ts.data() + ts.size(), t);
      if (r.ec != std::errc() || r.ptr != ts.data() + ts.size()) {
        fail(tStart + 1, "invalid timestamp " + quoted(std::string(ts)));
      }
    }
    skipBlanks(i);
    if (i < line_.size() && line_[i] != '#') fail(i + 1, "unexpected text after the timestamp");
    // Anything after '#' is an exemplar; the store has no use for it.
    ++result_.lines;
    if (store_.append(labels, t, value)) {
      ++result_.samples;
    } else {
      result_.warnings.push_back(
          ExpositionWarning{lineNo_, "sample of " + labels.toString() + " at " + std::to_string(t) +
                                         " ms is not after the previous one; dropped"});
    }
  }

  void parseLabels(std::size_t& i, Labels& labels) {
    std::vector<std::string> seen;
    for (;;) {
      skipBlanks(i);
      if (i >= line_.size()) fail(i + 1, "unterminated label set");
      if (line_[i] == '}') {
        ++i;
        return;
      }
      const std::size_t nStart = i;
      if (!nameStart(line_[i]) || line_[i] == ':') fail(i + 1, "expected a label name");
      while (i < line_.size() && nameChar(line_[i]) && line_[i] != ':') ++i;
      const std::string name(line_.substr(nStart, i - nStart));
      skipBlanks(i);
      if (i >= line_.size() || line_[i] != '=') fail(i + 1, "expected '=' after label name");
      ++i;
      skipBlanks(i);
      if (i >= line_.size() || line_[i] != '"') fail(i + 1, "expected a quoted label value");
      ++i;
      std::string value;
      for (;;) {
        if (i >= line_.size()) fail(i + 1, "unterminated label value");
        const char c = line_[i];
        if (c == '"') {
          ++i;
          break;
        }
        if (c == '\\') {
          if (i + 1 >= line_.size()) fail(i + 1, "unterminated label value");
          const char e = line_[i + 1];
          if (e == '\\') {
            value += '\\';
          } else if (e == '"') {
            value += '"';
          } else if (e == 'n') {
            value += '\n';
          } else {
            fail(i + 1, std::string("invalid escape sequence \\") + e + " in label value");
          }
          i += 2;
          continue;
        }
        value += c;
        ++i;
      }
      for (const auto& s : seen) {
        if (s == name) fail(nStart + 1, "duplicate label name " + quoted(name));
      }
      seen.push_back(name);
      if (name == kMetricNameLabel) fail(nStart + 1, "__name__ may not be set as a label");
      labels.set(name, value);
      skipBlanks(i);
      if (i < line_.size() && line_[i] == ',') {
        ++i;
        continue;
      }
      if (i < line_.size() && line_[i] == '}') {
        ++i;
        return;
      }
      fail(i + 1, "expected ',' or '}' in label set");
    }
  }

  std::string_view text_;
  MemorySeriesStore& store_;
  const ExpositionOptions& opt_;
  std::string_view line_;
  int lineNo_ = 0;
  ExpositionLoadResult result_;
};

}  // namespace

ExpositionLoadResult loadExposition(std::string_view text, MemorySeriesStore& store,
                                    const ExpositionOptions& options) {
  return ExpositionParser(text, store, options).run();
}

ExpositionLoadResult loadExpositionFile(const std::string& path, MemorySeriesStore& store,
                                        ExpositionOptions options) {
  // Read whole (the parser works on the text), capped, and refused at a NUL byte.
  const std::string text = readFileBounded(path, kMaxDataFileBytes, "an OpenMetrics text file");
  if (options.fileName == "<input>") options.fileName = path;
  return loadExposition(text, store, options);
}

}  // namespace rolloutlab::core::promql
