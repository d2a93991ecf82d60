#include "rolloutlab/io/samples.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <vector>

#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::io {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

bool isBlank(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && isBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && isBlank(s.back())) s.remove_suffix(1);
  return s;
}

// The words other writers print for values that are not finite numbers: R (NA, NaN, Inf),
// YAML (.nan, .inf), C's printf (nan, inf), Prometheus and Go (NaN, +Inf). std::from_chars
// reads nan, inf and infinity in any case besides.
constexpr std::array<std::string_view, 5> kNaNWords = {"NaN", "nan", ".nan", ".NaN", "NA"};
constexpr std::array<std::string_view, 4> kInfWords = {"inf", "+inf", ".inf", "Inf"};
constexpr std::array<std::string_view, 3> kMinusInfWords = {"-inf", "-.inf", "-Inf"};
// The words as a JSON lexer may stop inside them (the letters-first ones, any case from_chars
// takes as well as the listed spellings).
constexpr std::array<std::string_view, 8> kLetterWords = {"NaN", "nan", "NA",       "NAN",
                                                          "Inf", "inf", "Infinity", "infinity"};

template <std::size_t N>
bool oneOf(std::string_view t, const std::array<std::string_view, N>& words) {
  for (const auto w : words)
    if (t == w) return true;
  return false;
}

// kJsonArray: where the scan stands.
enum JsonState { kFirst = 1, kValue, kAfter, kDone };

// One CSV line: cells split at commas outside double quotes, the quotes dropped, each cell
// trimmed; `column` is where the cell's first non-blank character is.
template <class Cell>
void splitCsv(const std::string& line, std::vector<Cell>& out) {
  out.clear();
  std::string cur;
  bool quoted = false;
  std::size_t start = 0;
  auto push = [&](std::size_t end) {
    std::size_t j = start;
    while (j < end && isBlank(line[j])) ++j;
    out.push_back(Cell{std::string(trim(cur)), static_cast<int>(j) + 1});
    cur.clear();
  };
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      push(i);
      start = i + 1;
    } else {
      cur += c;
    }
  }
  push(line.size());
}

}  // namespace

SampleNumber readSampleNumber(std::string_view token) {
  const std::string_view t = trim(token);
  if (oneOf(t, kNaNWords)) return {NumberClass::kNaN, kNaN};
  if (oneOf(t, kInfWords)) return {NumberClass::kInfinite, kInf};
  if (oneOf(t, kMinusInfWords)) return {NumberClass::kInfinite, -kInf};
  std::string_view s = t;
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s.front() == '-') return {};  // "+-1" is no number
  }
  if (s.empty()) return {NumberClass::kNotANumber, kNaN};
  double v = 0.0;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size())
    return {NumberClass::kNotANumber, kNaN};
  if (std::isnan(v)) return {NumberClass::kNaN, kNaN};
  if (std::isinf(v)) return {NumberClass::kInfinite, v};
  return {NumberClass::kFinite, v};
}

bool beginsNonFiniteWord(std::string_view token) {
  if (!token.empty() && (token.front() == '+' || token.front() == '-')) token.remove_prefix(1);
  if (token.empty()) return false;
  for (const auto w : kLetterWords)
    if (w.substr(0, token.size()) == token) return true;
  return false;
}

SampleReader::SampleReader(core::LineReader& lines, SampleOptions options, const std::string* first)
    : lines_(lines), options_(std::move(options)) {
  if (first != nullptr) {
    line_ = *first;
    lineNumber_ = lines_.lineNumber();
    pending_ = true;
  }
}

void SampleReader::fail(int column, const std::string& field, const std::string& value,
                        const std::string& rule) const {
  core::Diagnostic d;
  d.file = lines_.name();
  d.line = column < 0 ? 0 : lineNumber_;
  d.column = column < 0 ? 0 : column;
  d.field = field;
  d.value = value;
  d.rule = rule;
  throw core::InputError(std::move(d));
}

bool SampleReader::nextLine() {
  if (pending_) {
    pending_ = false;
  } else {
    if (!lines_.next(line_)) return false;
    lineNumber_ = lines_.lineNumber();
  }
  bytes_ += line_.size() + 1;
  if (bytes_ > options_.maxBytes)
    fail(-1, "", "",
         "larger than the " + core::formatBytes(options_.maxBytes) + " limit for a sample file");
  return true;
}

bool SampleReader::next(Sample& out) {
  out.time = kNaN;
  out.metric.clear();
  if (options_.layout == SampleOptions::Layout::kCsv) return fromCsv(out);
  if (form_ == SampleForm::kJsonArray) return fromJson(out);
  while (nextLine()) {
    const std::string_view token = trim(line_);
    if (form_ == SampleForm::kUnknown) {
      if (token.empty()) continue;
      if (token.front() == '[') {
        form_ = SampleForm::kJsonArray;
        jsonState_ = kFirst;
        pos_ = line_.find('[') + 1;
        haveLine_ = true;
        return fromJson(out);
      }
      form_ = SampleForm::kValues;
    }
    if (token.empty() || token.front() == '#') continue;
    const int column = static_cast<int>(token.data() - line_.data()) + 1;
    const SampleNumber n = readSampleNumber(token);
    if (n.kind == NumberClass::kNotANumber)
      fail(column, options_.field, core::quoted(std::string(token)), "not a number");
    if (n.kind != NumberClass::kFinite)
      fail(column, options_.field, core::quoted(std::string(token)), "must be a finite number");
    out.value = n.value;
    out.line = lineNumber_;
    out.column = column;
    return true;
  }
  return false;
}

// The JSON array, token by token: a number (any token up to ',', ']' or a blank, read by the
// number rules), ',' between numbers, ']' at the end, and nothing but blanks after it.
bool SampleReader::fromJson(Sample& out) {
  const std::string& field = options_.field;
  for (;;) {
    if (!haveLine_) {
      if (!nextLine()) break;
      pos_ = 0;
      haveLine_ = true;
    }
    const std::string_view t(line_);
    std::size_t& i = pos_;
    while (i < t.size()) {
      if (isBlank(t[i])) {
        ++i;
        continue;
      }
      const int column = static_cast<int>(i) + 1;
      if (jsonState_ == kDone)
        fail(column, field, core::quoted(std::string(t.substr(i, 1))), "text after the JSON array");
      if (jsonState_ == kAfter) {
        if (t[i] == ',') {
          jsonState_ = kValue;
        } else if (t[i] == ']') {
          jsonState_ = kDone;
        } else {
          fail(column, field, core::quoted(std::string(t.substr(i, 1))),
               "expected ',' or ']' in the JSON array");
        }
        ++i;
        continue;
      }
      if (jsonState_ == kFirst && t[i] == ']') {
        jsonState_ = kDone;
        ++i;
        continue;
      }
      const std::size_t start = i;
      while (i < t.size() && t[i] != ',' && t[i] != ']' && !isBlank(t[i])) ++i;
      const std::string_view token = t.substr(start, i - start);
      if (token.empty())
        fail(column, field, core::quoted(""), "expected a number in the JSON array");
      const SampleNumber n = readSampleNumber(token);
      if (n.kind == NumberClass::kNotANumber)
        fail(column, field, core::quoted(std::string(token)), "not a number");
      if (n.kind != NumberClass::kFinite)
        fail(column, field, core::quoted(std::string(token)), "must be a finite number");
      jsonState_ = kAfter;
      out.value = n.value;
      out.line = lineNumber_;
      out.column = column;
      return true;
    }
    haveLine_ = false;
  }
  if (jsonState_ == kFirst || jsonState_ == kValue)
    fail(0, field, core::quoted(""), "expected a number in the JSON array");
  if (jsonState_ == kAfter)
    fail(0, field, core::quoted(""), "expected ',' or ']' in the JSON array");
  return false;
}

bool SampleReader::fromCsv(Sample& out) {
  auto& cells = cells_;
  while (nextLine()) {
    const std::string_view text = trim(line_);
    if (text.empty() || text.front() == '#') continue;
    splitCsv(line_, cells);
    if (form_ == SampleForm::kUnknown) {
      if (cells.size() == 1) {
        form_ = SampleForm::kColumn;
        if (readSampleNumber(cells[0].text).kind == NumberClass::kNotANumber) {
          columnName_ = cells[0].text;
          named_ = true;
          continue;
        }
      } else if (cells.size() == 2 && cells[0].text == "metric" && cells[1].text == "value") {
        form_ = SampleForm::kMetricValue;
        continue;
      } else if (cells.size() == 3 && cells[0].text == "time" && cells[1].text == "metric" &&
                 cells[2].text == "value") {
        form_ = SampleForm::kTimeMetricValue;
        continue;
      } else {
        fail(1, "header", core::quoted(line_),
             "must be `metric,value`, `time,metric,value` or a single column of numbers");
      }
    }
    const std::size_t columns = form_ == SampleForm::kColumn        ? 1
                                : form_ == SampleForm::kMetricValue ? 2
                                                                    : 3;
    if (cells.size() != columns)
      fail(1, "row", core::quoted(line_),
           "must have " + std::to_string(columns) + " column" + (columns > 1 ? "s" : ""));
    const Cell& value = cells.back();
    const SampleNumber n =
        value.text.empty() ? SampleNumber{NumberClass::kNaN, kNaN} : readSampleNumber(value.text);
    if (n.kind == NumberClass::kNotANumber)
      fail(value.column, "value", core::quoted(value.text), "must be a number (or empty/NaN)");
    out.time = kNaN;
    if (form_ == SampleForm::kTimeMetricValue) {
      const SampleNumber t = readSampleNumber(cells[0].text);
      if (t.kind != NumberClass::kFinite)
        fail(cells[0].column, "time", core::quoted(cells[0].text),
             "must be a finite number (seconds)");
      out.time = t.value;
    }
    if (form_ == SampleForm::kColumn) {
      if (named_ && columnName_.empty())
        fail(cells[0].column, "metric", core::quoted(""), "must not be empty");
      out.metric = columnName_;
    } else {
      const Cell& metric = cells[columns - 2];
      if (metric.text.empty()) fail(metric.column, "metric", core::quoted(""), "must not be empty");
      out.metric = metric.text;
    }
    out.value = n.value;
    out.line = lineNumber_;
    out.column = value.column;
    sawValue_ = true;
    return true;
  }
  if (form_ == SampleForm::kUnknown) fail(-1, "", "", "holds no samples");
  if (!sawValue_) fail(-1, "", "", "holds a header but no samples");
  return false;
}

}  // namespace rolloutlab::io
