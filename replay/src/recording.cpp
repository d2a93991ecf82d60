#include "rolloutlab/replay/recording.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <tuple>

#include "json_dom.h"
#include "rolloutlab/core/bounded_input.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/promql/exposition.h"
#include "rolloutlab/core/promql/query.h"
#include "rolloutlab/core/rng.h"
#include "rolloutlab/replay/time.h"
#include "rolloutlab/sim/seeds.h"

namespace rolloutlab::replay {

namespace pq = core::promql;
using detail::JsonValue;

const char* toString(Variant v) { return v == Variant::kCanary ? "canary" : "primary"; }

std::optional<Variant> variantFromString(std::string_view s) {
  if (s == "canary") return Variant::kCanary;
  if (s == "primary" || s == "stable") return Variant::kPrimary;
  return std::nullopt;
}

pq::QueryResult InstantAnswer::asQueryResult() const {
  pq::QueryResult r;
  switch (kind) {
    case Kind::kVector:
      r.kind = pq::ResultKind::kVector;
      for (std::size_t i = 0; i < values.size(); ++i) r.vector.push_back({&labels[i], values[i]});
      break;
    case Kind::kScalar:
      r.kind = pq::ResultKind::kScalar;
      r.scalar = scalar;
      break;
    case Kind::kError:
      r.kind = pq::ResultKind::kError;
      r.error = error;
      break;
    case Kind::kMatrix:
      r.kind = pq::ResultKind::kError;
      r.error = "multiple values returned (a range vector)";
      break;
    case Kind::kString:
      r.kind = pq::ResultKind::kError;
      r.error = "error unmarshaling result: a string result";
      break;
  }
  return r;
}

namespace {

[[noreturn]] void fail(const std::string& file, int line, int column, const std::string& field,
                       const std::string& value, const std::string& what) {
  core::Diagnostic d{core::Severity::kError, file, line, column, field, value, ""};
  d.rule = column > 0 ? "column " + std::to_string(column) + ": " + what : what;
  throw core::InputError(d);
}

[[noreturn]] void failAt(const std::string& file, const JsonValue& v, const std::string& field,
                         const std::string& what) {
  std::string shown;
  if (v.type == JsonValue::Type::kString) {
    shown = core::quoted(v.text);
  } else if (v.type == JsonValue::Type::kNumber) {
    shown = v.text;
  }
  fail(file, v.pos.line, v.pos.column, field, shown, what);
}

std::string readJsonFile(const std::string& path) {
  return core::readFileBounded(path, core::kMaxDataFileBytes, "a query_range JSON file");
}

double computeStep(const std::vector<RecordedSeries>& series) {
  double step = 0;
  for (const auto& s : series) {
    for (std::size_t i = 1; i < s.times.size(); ++i) {
      const double g = s.times[i] - s.times[i - 1];
      if (g > 0 && (step == 0 || g < step)) step = g;
    }
  }
  return step;
}

// The matrix of a query_range answer, validated: the HTTP API's answer
// (`{"status":"success","data":{"resultType":"matrix","result":[...]}}`) or what
// `promtool query range -o json` prints, the bare `result` array (Prometheus 2.42
// cmd/promtool/main.go, jsonPrinter.printValue: it encodes the model.Matrix alone).
struct Matrix {
  std::vector<RecordedSeries> series;
};

Matrix readMatrix(std::string_view text, const std::string& file) {
  JsonValue root;
  // The [time, "value"] pairs go straight into compact columns as they are parsed (16 bytes a
  // sample, not a tree of JSON values): a saved answer costs about its own size in memory.
  struct Points {
    std::vector<double> times, values;
  };
  std::vector<Points> points;
  detail::JsonArraySink sink;
  sink.key = "values";
  sink.take = [&](std::size_t id, const detail::JsonPath& at, std::size_t j, JsonValue&& p) {
    if (points.size() <= id) points.resize(id + 1);
    Points& dst = points[id];
    const auto pp = [&] { return detail::formatJsonPath(at) + "[" + std::to_string(j) + "]"; };
    if (p.type != JsonValue::Type::kArray || p.items.size() != 2) {
      failAt(file, p, pp(), "must be [time, \"value\"]");
    }
    const JsonValue& t = p.items[0];
    const JsonValue& v = p.items[1];
    if (t.type != JsonValue::Type::kNumber || !std::isfinite(t.number)) {
      failAt(file, t, pp() + "[0]", "the time must be a number of seconds");
    }
    if (std::fabs(t.number) > pq::kMaxApiTimeSeconds) {
      failAt(file, t, pp() + "[0]",
             "the time is outside what Prometheus can store (int64 milliseconds since 1970)");
    }
    if (v.type != JsonValue::Type::kString) {
      failAt(file, v, pp() + "[1]", "the value must be a string (\"1.5\", \"NaN\", \"+Inf\")");
    }
    double x = 0;
    if (!pq::parseGoFloat(v.text, x)) failAt(file, v, pp() + "[1]", "not a number");
    if (!dst.times.empty() && t.number <= dst.times.back()) {
      failAt(file, t, pp() + "[0]", "times must increase within a series");
    }
    dst.times.push_back(t.number);
    dst.values.push_back(x);
  };
  try {
    root = detail::parseJson(text, &sink);
  } catch (const detail::JsonSyntaxError& e) {
    fail(file, e.pos.line, e.pos.column, "", "", std::string("not JSON: ") + e.what());
  }
  const JsonValue* result = &root;
  std::string base;  // where `result` sits, for messages: "" in promtool's array
  if (root.type != JsonValue::Type::kArray) {
    if (root.type != JsonValue::Type::kObject) {
      failAt(file, root, "",
             "must be a query_range answer: the HTTP API's JSON object or the array "
             "`promtool query range -o json` prints");
    }
    const JsonValue* status = root.find("status");
    if (status == nullptr)
      failAt(file, root, "status", "missing: expected a Prometheus API answer");
    if (status->type != JsonValue::Type::kString)
      failAt(file, *status, "status", "must be a string");
    if (status->text == "error") {
      const JsonValue* err = root.find("error");
      failAt(file, *status, "status",
             "the saved answer is an error" +
                 (err && err->type == JsonValue::Type::kString ? ": " + err->text : std::string()));
    }
    if (status->text != "success") failAt(file, *status, "status", "must be \"success\"");
    const JsonValue* data = root.find("data");
    if (data == nullptr || data->type != JsonValue::Type::kObject)
      failAt(file, data ? *data : root, "data", "must be an object");
    const JsonValue* rt = data->find("resultType");
    if (rt == nullptr || rt->type != JsonValue::Type::kString)
      failAt(file, rt ? *rt : *data, "data.resultType", "must be a string");
    if (rt->text != "matrix") {
      failAt(file, *rt, "data.resultType",
             "must be \"matrix\" (save the answer of /api/v1/query_range, not of /api/v1/query)");
    }
    result = data->find("result");
    base = "data.result";
    if (result == nullptr || result->type != JsonValue::Type::kArray) {
      failAt(file, result ? *result : *data, "data.result", "must be an array");
    }
  }
  Matrix m;
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < result->items.size(); ++i) {
    const JsonValue& s = result->items[i];
    const std::string path = base + "[" + std::to_string(i) + "]";
    if (s.type != JsonValue::Type::kObject) failAt(file, s, path, "must be an object");
    const JsonValue* metric = s.find("metric");
    if (metric == nullptr || metric->type != JsonValue::Type::kObject) {
      failAt(file, metric ? *metric : s, path + ".metric",
             "must be an object of label names to values");
    }
    RecordedSeries rs;
    std::vector<pq::Label> labels;
    for (const auto& [k, v] : metric->members) {
      if (v.type != JsonValue::Type::kString)
        failAt(file, v, path + ".metric." + k, "a label value must be a string");
      labels.push_back({k, v.text});
    }
    rs.labels = pq::Labels(std::move(labels));
    const std::string key = rs.labels.key();
    if (auto [it, fresh] = seen.emplace(key, i); !fresh) {
      failAt(file, *metric, path + ".metric",
             "the same label set as " + base + "[" + std::to_string(it->second) + "]");
    }
    const JsonValue* values = s.find("values");
    if (values == nullptr) {
      failAt(file, s, path + ".values",
             s.find("value") ? "missing: this is an instant query's answer; save "
                               "/api/v1/query_range (or `promtool query range -o json`)"
                             : "missing");
    }
    if (values->type != JsonValue::Type::kArray)
      failAt(file, *values, path + ".values", "must be an array");
    // Prometheus leaves a series with no sample in the range out of the answer.
    if (values->sunk < 0 || static_cast<std::size_t>(values->sunk) >= points.size() ||
        points[static_cast<std::size_t>(values->sunk)].times.empty()) {
      failAt(file, *values, path + ".values", "holds no sample (Prometheus never answers so)");
    }
    if (values->sunk >= 0 && static_cast<std::size_t>(values->sunk) < points.size()) {
      Points& p = points[static_cast<std::size_t>(values->sunk)];
      rs.times = std::move(p.times);
      rs.values = std::move(p.values);
      rs.times.shrink_to_fit();
      rs.values.shrink_to_fit();
    }
    m.series.push_back(std::move(rs));
  }
  if (m.series.empty()) {
    failAt(file, *result, base,
           "holds no series: the query matched nothing in the saved range (an empty recording "
           "replays as no data at all)");
  }
  return m;
}

}  // namespace

// ---- BlockResample ------------------------------------------------------------------------------

BlockResample::BlockResample(double origin, double stepSeconds, std::int64_t steps,
                             std::int64_t blockSteps, std::uint64_t seed)
    : origin_(origin), step_(stepSeconds) {
  if (steps <= 0) return;
  block_ = blockSteps > 0
               ? blockSteps
               : std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(
                                               std::cbrt(static_cast<double>(steps)) - 1e-9)));
  block_ = std::min(block_, steps);
  core::Rng rng(sim::streamSeed(seed, sim::SeedStream::kBlockBootstrap));
  map_.resize(static_cast<std::size_t>(steps));
  for (std::int64_t j = 0; j < steps; j += block_) {
    const auto start = static_cast<std::int64_t>(rng.uniform() * static_cast<double>(steps));
    for (std::int64_t k = 0; k < block_ && j + k < steps; ++k) {
      map_[static_cast<std::size_t>(j + k)] = (start + k) % steps;
    }
  }
}

std::int64_t BlockResample::source(std::int64_t j) const {
  if (j < 0 || j >= static_cast<std::int64_t>(map_.size())) return j;
  return map_[static_cast<std::size_t>(j)];
}

double BlockResample::sourceTime(double t) const {
  if (map_.empty()) return t;
  const double rel = (t - origin_) / step_;
  const auto j = static_cast<std::int64_t>(std::floor(rel));
  const double within = t - origin_ - static_cast<double>(j) * step_;
  return origin_ + static_cast<double>(source(j)) * step_ + within;
}

// ---- NamedRecordings ----------------------------------------------------------------------------

void NamedRecordings::add(MetricRecording r) {
  for (const auto& o : recordings_) {
    if (o.metric == r.metric && o.variant == r.variant) {
      fail(r.file, 0, 0, "metric", core::quoted(r.metric),
           std::string("recorded twice for the ") + (r.variant ? toString(*r.variant) : "unnamed") +
               " variant (also in " + o.file + ")");
    }
  }
  recordings_.push_back(std::move(r));
}

const MetricRecording* NamedRecordings::find(std::string_view metric, Variant v) const {
  for (const auto& r : recordings_) {
    if (r.metric == metric && r.variant == v) return &r;
  }
  if (v == Variant::kCanary) {
    for (const auto& r : recordings_) {
      if (r.metric == metric && !r.variant) return &r;
    }
  }
  return nullptr;
}

NamedAnswer NamedRecordings::valueAt(const MetricRecording& r, const SeriesPick& pick, double t) {
  const double lookback = r.step > 0 ? r.step : 300.0;
  auto at = [&](const RecordedSeries& s, double& out) {
    const auto it = std::upper_bound(s.times.begin(), s.times.end(), t + 1e-9);
    if (it == s.times.begin()) return false;
    const std::size_t i = static_cast<std::size_t>(it - s.times.begin()) - 1;
    if (t - s.times[i] >= lookback - 1e-9) return false;
    out = s.values[i];
    return true;
  };
  NamedAnswer a;
  if (pick.index >= 0) {
    double v = 0;
    if (at(r.series[static_cast<std::size_t>(pick.index)], v)) a = {NamedAnswer::Kind::kValue, v};
    return a;
  }
  for (const auto& s : r.series) {
    double v = 0;
    if (at(s, v)) a = {NamedAnswer::Kind::kValue, v};  // the last series present wins
  }
  return a;
}

double NamedRecordings::step() const {
  double s = 0;
  for (const auto& r : recordings_) {
    if (r.step > 0 && (s == 0 || r.step < s)) s = r.step;
  }
  return s;
}

double NamedRecordings::firstTime() const {
  double t = std::numeric_limits<double>::infinity();
  for (const auto& r : recordings_) {
    for (const auto& s : r.series) {
      if (!s.times.empty()) t = std::min(t, s.times.front());
    }
  }
  return t;
}

double NamedRecordings::lastTime() const {
  double t = -std::numeric_limits<double>::infinity();
  for (const auto& r : recordings_) {
    for (const auto& s : r.series) {
      if (!s.times.empty()) t = std::max(t, s.times.back());
    }
  }
  return t;
}

// ---- query_range files --------------------------------------------------------------------------

MetricRecording parseQueryRange(std::string_view text, const std::string& file,
                                const std::string& metric, std::optional<Variant> variant) {
  Matrix m = readMatrix(text, file);
  MetricRecording r;
  r.metric = metric;
  r.variant = variant;
  r.file = file;
  r.series = std::move(m.series);
  r.step = computeStep(r.series);
  return r;
}

MetricRecording readQueryRangeFile(const std::string& path, const std::string& metric,
                                   std::optional<Variant> variant) {
  const core::ReadingScope scope(path + " (a query_range JSON file)");
  return parseQueryRange(readJsonFile(path), path, metric, variant);
}

std::size_t loadQueryRangeSeries(const std::string& path, pq::MemorySeriesStore& store) {
  const core::ReadingScope scope(path + " (a query_range JSON file)");
  const Matrix m = readMatrix(readJsonFile(path), path);
  std::size_t n = 0;
  for (const auto& s : m.series) {
    const pq::SeriesRef ref = store.addSeries(s.labels);
    for (std::size_t i = 0; i < s.times.size(); ++i) {
      if (store.append(ref, pq::apiTimeToMs(s.times[i]), s.values[i])) ++n;
    }
  }
  return n;
}

// ---- CSV ----------------------------------------------------------------------------------------

namespace {

// Splits one CSV line (RFC 4180 quoting) into fields with their 1-based start columns.
bool splitCsv(std::string_view line, std::vector<std::pair<std::string, int>>& out,
              int& badColumn) {
  out.clear();
  std::size_t i = 0;
  for (;;) {
    const int col = static_cast<int>(i) + 1;
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) {
          badColumn = col;
          return false;
        }
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      if (i < line.size() && line[i] != ',') {
        badColumn = static_cast<int>(i) + 1;
        return false;
      }
    } else {
      const std::size_t e = line.find(',', i);
      field.assign(line.substr(i, e == std::string_view::npos ? std::string_view::npos : e - i));
      i = e == std::string_view::npos ? line.size() : e;
    }
    // Surrounding spaces are not part of a value.
    const auto a = field.find_first_not_of(" \t");
    const auto b = field.find_last_not_of(" \t");
    out.emplace_back(a == std::string::npos ? std::string() : field.substr(a, b - a + 1), col);
    if (i >= line.size()) return true;
    ++i;  // the comma
  }
}

}  // namespace

namespace {

// The CSV form, fed one line at a time (a file is streamed, never held whole). Rows keep 24
// bytes each until the end, when each (metric, variant) becomes its series (16 bytes a
// sample) and its rows are released: a recording costs about its own size in memory.
class CsvRecordingBuilder {
 public:
  explicit CsvRecordingBuilder(const std::string& file) : file_(file) {}

  void line(std::string_view line, int lineNo) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    if (line.front() == '#') return;
    int bad = 0;
    if (!splitCsv(line, fields_, bad))
      fail(file_, lineNo, bad, "", "", "unterminated or misplaced quote");
    if (!header_) {
      for (std::size_t c = 0; c < fields_.size(); ++c) {
        std::string name = fields_[c].first;
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char ch) { return std::tolower(ch); });
        int* slot = name == "time"      ? &colTime_
                    : name == "variant" ? &colVariant_
                    : name == "metric"  ? &colMetric_
                    : name == "value"   ? &colValue_
                                        : nullptr;
        if (slot == nullptr) continue;
        if (*slot >= 0)
          fail(file_, lineNo, fields_[c].second, "", core::quoted(fields_[c].first),
               "column named twice");
        *slot = static_cast<int>(c);
      }
      if (colTime_ < 0 || colVariant_ < 0 || colMetric_ < 0 || colValue_ < 0) {
        fail(file_, lineNo, 1, "", core::quoted(std::string(line)),
             "the first line must be a header naming the columns time, variant, metric and value");
      }
      columns_ = fields_.size();
      header_ = true;
      headerLine_ = lineNo;
      return;
    }
    if (fields_.size() != columns_) {
      fail(file_, lineNo, fields_.back().second, "", "",
           "expected " + std::to_string(columns_) + " columns as in the header, found " +
               std::to_string(fields_.size()));
    }
    const auto& [ts, tc] = fields_[static_cast<std::size_t>(colTime_)];
    const auto& [vs, vc] = fields_[static_cast<std::size_t>(colVariant_)];
    const auto& [ms, mc] = fields_[static_cast<std::size_t>(colMetric_)];
    const auto& [xs, xc] = fields_[static_cast<std::size_t>(colValue_)];
    const auto t = parseTime(ts);
    if (!t)
      fail(file_, lineNo, tc, "time", core::quoted(ts), "must be Unix seconds or an RFC 3339 time");
    const auto v = variantFromString(vs);
    if (!v) fail(file_, lineNo, vc, "variant", core::quoted(vs), "must be canary or primary");
    if (ms.empty()) fail(file_, lineNo, mc, "metric", "\"\"", "must name the spec's metric");
    double x = 0;
    if (!pq::parseGoFloat(xs, x))
      fail(file_, lineNo, xc, "value", core::quoted(xs), "must be a number (NaN, +Inf allowed)");
    const auto key = std::make_pair(ms, static_cast<int>(*v));
    auto [it, fresh] = byKey_.try_emplace(key);
    if (fresh) order_.push_back(key);
    it->second.push_back({*t, x, lineNo, tc});
  }

  std::vector<MetricRecording> finish() {
    if (!header_) fail(file_, 0, 0, "", "", "holds no header and no rows");
    if (order_.empty()) {
      fail(file_, headerLine_, 0, "", "",
           "holds a header but no rows (an empty recording replays as no data at all)");
    }
    std::vector<MetricRecording> out;
    for (const auto& key : order_) {
      const auto found = byKey_.find(key);
      std::vector<Row> rows = std::move(found->second);
      byKey_.erase(found);
      if (!std::is_sorted(rows.begin(), rows.end(),
                          [](const Row& a, const Row& b) { return a.t < b.t; })) {
        std::stable_sort(rows.begin(), rows.end(),
                         [](const Row& a, const Row& b) { return a.t < b.t; });
      }
      MetricRecording r;
      r.metric = key.first;
      r.variant = static_cast<Variant>(key.second);
      r.file = file_;
      RecordedSeries s;
      s.times.reserve(rows.size());
      s.values.reserve(rows.size());
      for (std::size_t i = 0; i < rows.size(); ++i) {
        if (i > 0 && rows[i].t == rows[i - 1].t) {
          const Row& later = rows[i].line > rows[i - 1].line ? rows[i] : rows[i - 1];
          fail(file_, later.line, later.col, "time", formatTime(rows[i].t),
               "a second value for metric " + core::quoted(key.first) + " (" +
                   toString(r.variant.value()) + ") at this time (also on line " +
                   std::to_string(std::min(rows[i].line, rows[i - 1].line)) + ")");
        }
        s.times.push_back(rows[i].t);
        s.values.push_back(rows[i].v);
      }
      std::vector<Row>().swap(rows);
      r.series.push_back(std::move(s));
      r.step = computeStep(r.series);
      out.push_back(std::move(r));
    }
    return out;
  }

 private:
  struct Row {
    double t;
    double v;
    int line;
    int col;
  };
  const std::string& file_;
  int colTime_ = -1, colVariant_ = -1, colMetric_ = -1, colValue_ = -1;
  std::size_t columns_ = 0;
  bool header_ = false;
  int headerLine_ = 0;
  std::vector<std::pair<std::string, int>> fields_;
  std::map<std::pair<std::string, int>, std::vector<Row>> byKey_;  // (metric, variant)
  std::vector<std::pair<std::string, int>> order_;
};

}  // namespace

std::vector<MetricRecording> parseMetricCsv(std::string_view text, const std::string& file) {
  CsvRecordingBuilder b(file);
  std::size_t pos = 0;
  int lineNo = 0;
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
      static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF) {
    pos = 3;  // a UTF-8 byte order mark
  }
  while (pos < text.size()) {
    std::size_t e = text.find('\n', pos);
    if (e == std::string_view::npos) e = text.size();
    const std::string_view line = text.substr(pos, e - pos);
    pos = e + 1;
    b.line(line, ++lineNo);
  }
  return b.finish();
}

std::vector<MetricRecording> readMetricCsv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, 0, 0, "", "", std::string("cannot read the file: ") + std::strerror(errno));
  core::LineReader lines(in, path, "a metric CSV file");
  CsvRecordingBuilder b(path);
  std::string line;
  while (lines.next(line)) b.line(line, lines.lineNumber());
  return b.finish();
}

}  // namespace rolloutlab::replay
