#include "rolloutlab/app/judge_command.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "cli.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/app/output.h"
#include "rolloutlab/core/bounded_input.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/judge/kayenta_judge.h"
#include "rolloutlab/core/judge/sequential_judge.h"
#include "rolloutlab/core/number_format.h"
#include "rolloutlab/core/rng.h"
#include "rolloutlab/io/decode.h"
#include "rolloutlab/io/documents.h"

namespace rolloutlab::app {

namespace {

namespace j = core::judge;
using core::Diagnostic;
using core::InputError;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// --- errors -----------------------------------------------------------------------------------

[[noreturn]] void inputError(const std::string& file, int line, const std::string& field,
                             const std::string& value, const std::string& rule) {
  Diagnostic d;
  d.file = file;
  d.line = line;
  d.field = field;
  d.value = value;
  d.rule = rule;
  throw InputError(d);
}

// --- numbers ------------------------------------------------------------------------------------

std::string trim(std::string_view s) {
  std::size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return std::string(s.substr(a, b - a));
}

/// Strict number: the whole text, or NaN/inf spellings; nullopt otherwise.
std::optional<double> parseNumber(std::string_view text) {
  const std::string t = trim(text);
  if (t == "NaN" || t == "nan" || t == ".nan" || t == ".NaN" || t == "NA") return kNaN;
  if (t == "inf" || t == "+inf" || t == ".inf" || t == "Inf")
    return std::numeric_limits<double>::infinity();
  if (t == "-inf" || t == "-.inf" || t == "-Inf") return -std::numeric_limits<double>::infinity();
  if (t.empty()) return std::nullopt;
  const char* b = t.data();
  const char* e = t.data() + t.size();
  if (*b == '+') ++b;
  double v = 0.0;
  auto res = std::from_chars(b, e, v);
  if (res.ec != std::errc() || res.ptr != e) return std::nullopt;
  return v;
}

using core::formatNumber;  // shortest round-trip; nan, inf, -inf

// --- samples ------------------------------------------------------------------------------------

struct Point {
  double time;
  double value;
};

struct SampleSet {
  std::string file;
  bool hasTime = false;
  std::vector<std::string> order;  // metric names in order of first appearance
  std::map<std::string, std::vector<Point>> series;
  void add(const std::string& metric, double time, double value) {
    auto it = series.find(metric);
    if (it == series.end()) {
      order.push_back(metric);
      it = series.emplace(metric, std::vector<Point>{}).first;
    }
    it->second.push_back({time, value});
  }
};

const std::string kUnnamed = "\x01unnamed";

std::vector<std::string> splitCsv(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(trim(cur));
  return out;
}

// The CSV form, one line at a time (a file is streamed, never held whole).
struct CsvSamples {
  SampleSet s;
  int columns = 0;  // 1: values, 2: metric,value, 3: time,metric,value
  std::string single = kUnnamed;

  explicit CsvSamples(const std::string& file) { s.file = file; }

  void add(std::string line, int lineNo) {
    const std::string& file = s.file;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty() || trim(line)[0] == '#') return;
    auto cells = splitCsv(line);
    if (columns == 0) {
      if (cells.size() == 1) {
        columns = 1;
        if (!parseNumber(cells[0])) {
          single = cells[0];
          return;
        }
      } else if (cells.size() == 2 && cells[0] == "metric" && cells[1] == "value") {
        columns = 2;
        return;
      } else if (cells.size() == 3 && cells[0] == "time" && cells[1] == "metric" &&
                 cells[2] == "value") {
        columns = 3;
        s.hasTime = true;
        return;
      } else {
        inputError(file, lineNo, "header", core::quoted(line),
                   "must be `metric,value`, `time,metric,value` or a single column of numbers");
      }
    }
    if (static_cast<int>(cells.size()) != columns)
      inputError(file, lineNo, "row", core::quoted(line),
                 "must have " + std::to_string(columns) + " column" + (columns > 1 ? "s" : ""));
    const std::string& valueText = cells.back();
    const auto v = valueText.empty() ? std::optional<double>(kNaN) : parseNumber(valueText);
    if (!v)
      inputError(file, lineNo, "value", core::quoted(valueText), "must be a number (or empty/NaN)");
    double time = static_cast<double>(lineNo);
    if (columns == 3) {
      const auto t = parseNumber(cells[0]);
      if (!t || !std::isfinite(*t))
        inputError(file, lineNo, "time", core::quoted(cells[0]),
                   "must be a finite number (seconds)");
      time = *t;
    }
    const std::string metric = columns == 1 ? single : cells[columns - 2];
    if (metric.empty()) inputError(file, lineNo, "metric", "\"\"", "must not be empty");
    s.add(metric, time, *v);
  }

  SampleSet finish() {
    if (columns == 0) inputError(s.file, 0, "", "", "holds no samples");
    if (s.series.empty()) inputError(s.file, 0, "", "", "holds a header but no samples");
    return std::move(s);
  }
};

int lineOf(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

SampleSet parseJsonSamples(const std::string& file, const std::string& text) {
  SampleSet s;
  s.file = file;
  YAML::Node root;
  try {
    root = io::loadYaml(text);
  } catch (const YAML::Exception& e) {
    inputError(file, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", "", "not valid JSON: " + e.msg);
  }
  if (!root.IsMap())
    inputError(file, lineOf(root), "", "", "must be an object {\"metric\": [numbers...]}");
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string name = it->first.as<std::string>();
    const YAML::Node arr = it->second;
    if (!arr.IsSequence()) inputError(file, lineOf(arr), name, "", "must be an array of numbers");
    if (s.series.count(name)) inputError(file, lineOf(it->first), name, "", "duplicate metric");
    s.order.push_back(name);
    s.series[name];
    int index = 0;
    for (const auto& v : arr) {
      const std::string field = name + "[" + std::to_string(index) + "]";
      if (v.IsNull()) {
        s.series[name].push_back({static_cast<double>(index), kNaN});
      } else if (v.IsScalar()) {
        const auto x = parseNumber(v.Scalar());
        if (!x || v.Tag() == "!")
          inputError(file, lineOf(v), field, core::quoted(v.Scalar()), "must be a number or null");
        s.series[name].push_back({static_cast<double>(index), *x});
      } else {
        inputError(file, lineOf(v), field, "", "must be a number or null");
      }
      ++index;
    }
  }
  return s;
}

// A whole document (the config), refused past `limit` bytes or at a NUL byte.
std::string readInput(const std::string& path, std::istream& in, std::uint64_t limit,
                      const std::string& what) {
  if (path == "-") return core::readAllBounded(in, "<stdin>", limit, what);
  std::ifstream f(path, std::ios::binary);
  if (!f) inputError(path, 0, "", "", "cannot be read");
  return core::readAllBounded(f, path, limit, what);
}

// JSON samples are decoded as a YAML tree (for line numbers), about 100 bytes a value: they
// are capped; the CSV form, streamed, has no cap.
constexpr std::uint64_t kMaxJsonSampleBytes = 16ull << 20;

SampleSet loadSamples(const std::string& path, std::istream& in) {
  const std::string name = path == "-" ? "<stdin>" : path;
  std::ifstream f;
  std::istream* src = &in;
  if (path != "-") {
    f.open(path, std::ios::binary);
    if (!f) inputError(path, 0, "", "", "cannot be read");
    src = &f;
  }
  core::LineReader lines(*src, name, "a sample file");
  std::string line;
  // The form is told by the extension or by the first character that is not blank.
  bool json = path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  std::string text;
  CsvSamples csv(name);
  bool decided = json;
  while (lines.next(line)) {
    if (!decided) {
      const auto first = line.find_first_not_of(" \t\r");
      if (first == std::string::npos) {
        text += '\n';
        continue;
      }
      json = line[first] == '{';
      decided = true;
    }
    if (json) {
      if (text.size() + line.size() + 1 > kMaxJsonSampleBytes) {
        inputError(name, 0, "", "",
                   "larger than the " + core::formatBytes(kMaxJsonSampleBytes) +
                       " limit for JSON samples (write big samples as CSV, which is streamed)");
      }
      text += line;
      text += '\n';
    } else {
      csv.add(line, lines.lineNumber());
    }
  }
  return json ? parseJsonSamples(name, text) : csv.finish();
}

// --- config (strict decoding of a Kayenta canary config subset) --------------------------------

struct Decoder {
  std::string file;

  [[noreturn]] void fail(const YAML::Node& n, const std::string& field,
                         const std::string& rule) const {
    inputError(file, lineOf(n), field, n.IsScalar() ? core::quoted(n.Scalar()) : "", rule);
  }

  void keys(const YAML::Node& map, const std::string& path,
            const std::vector<std::string>& known) const {
    if (!map.IsMap()) fail(map, path, "must be a mapping");
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string k = it->first.as<std::string>();
      if (std::find(known.begin(), known.end(), k) != known.end()) continue;
      // The nearest known field, as every strict decoder suggests it (io::nearest).
      const std::string best = io::nearest(k, known);
      Diagnostic d;
      d.file = file;
      d.line = lineOf(it->first);
      d.field = (path.empty() ? "" : path + ".") + k;
      d.rule = best.empty() ? "unknown field" : "unknown field (did you mean \"" + best + "\"?)";
      throw InputError(d);
    }
  }

  double number(const YAML::Node& n, const std::string& field) const {
    if (!n.IsScalar()) fail(n, field, "must be a number");
    const auto v = parseNumber(n.Scalar());
    if (!v || n.Tag() == "!") fail(n, field, "must be a number");
    return *v;
  }
  bool boolean(const YAML::Node& n, const std::string& field) const {
    if (n.IsScalar() && n.Tag() != "!" && (n.Scalar() == "true" || n.Scalar() == "false"))
      return n.Scalar() == "true";
    fail(n, field, "must be true or false");
  }
  std::string string(const YAML::Node& n, const std::string& field) const {
    if (!n.IsScalar()) fail(n, field, "must be a string");
    return n.Scalar();
  }
  std::string oneOf(const YAML::Node& n, const std::string& field,
                    const std::vector<std::string>& options) const {
    const std::string s = string(n, field);
    if (std::find(options.begin(), options.end(), s) != options.end()) return s;
    std::string list;
    for (const auto& o : options) list += (list.empty() ? "" : ", ") + o;
    fail(n, field, "must be one of " + list);
  }
};

struct SequentialExtras {
  std::string requests;  // metric holding request counts (error rates)
  double canaryShare = kNaN;
  bool tauSet = false;
  bool minSet = false;
};

struct LoadedConfig {
  j::KayentaJudgeConfig kayenta;
  j::SequentialJudgeConfig sequential;
  std::vector<SequentialExtras> extras;  // parallel to sequential.metrics
  bool present = false;
};

LoadedConfig loadConfig(const std::string& path, std::istream& in) {
  LoadedConfig c;
  c.present = true;
  const std::string text = readInput(path, in, core::kMaxDocumentBytes, "a canary config");
  const std::string name = path == "-" ? "<stdin>" : path;
  Decoder d{name};
  YAML::Node root;
  try {
    root = io::loadYaml(text);
  } catch (const YAML::Exception& e) {
    inputError(name, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", "",
               "not valid YAML/JSON: " + e.msg);
  }
  if (!root || root.IsNull()) inputError(name, 0, "", "", "holds no document");
  d.keys(root, "",
         {"name", "id", "description", "configVersion", "createdTimestamp", "updatedTimestamp",
          "createdTimestampIso", "updatedTimestampIso", "applications", "judge", "metrics",
          "templates", "classifier", "sequential"});
  if (root["classifier"]) {
    const auto cl = root["classifier"];
    d.keys(cl, "classifier", {"groupWeights", "scoreThresholds"});
    if (cl["groupWeights"]) {
      const auto gw = cl["groupWeights"];
      if (!gw.IsMap())
        d.fail(gw, "classifier.groupWeights", "must be a mapping of group to weight");
      for (auto it = gw.begin(); it != gw.end(); ++it) {
        const std::string g = it->first.as<std::string>();
        c.kayenta.groupWeights.emplace_back(g,
                                            d.number(it->second, "classifier.groupWeights." + g));
      }
    }
    if (cl["scoreThresholds"]) {
      const auto st = cl["scoreThresholds"];
      d.keys(st, "classifier.scoreThresholds", {"pass", "marginal"});
      if (st["pass"])
        c.kayenta.thresholds.pass = d.number(st["pass"], "classifier.scoreThresholds.pass");
      if (st["marginal"])
        c.kayenta.thresholds.marginal =
            d.number(st["marginal"], "classifier.scoreThresholds.marginal");
    }
  }
  if (root["sequential"]) {
    const auto sq = root["sequential"];
    d.keys(sq, "sequential", {"alpha", "inconclusiveAtEnd"});
    if (sq["alpha"]) c.sequential.alpha = d.number(sq["alpha"], "sequential.alpha");
    if (sq["inconclusiveAtEnd"])
      c.sequential.inconclusiveAtEnd =
          d.oneOf(sq["inconclusiveAtEnd"], "sequential.inconclusiveAtEnd", {"pass", "fail"}) ==
                  "pass"
              ? j::SequentialVerdict::kPass
              : j::SequentialVerdict::kFail;
  }
  const auto metrics = root["metrics"];
  if (!metrics) inputError(name, lineOf(root), "metrics", "", "is required");
  if (!metrics.IsSequence()) d.fail(metrics, "metrics", "must be a list");
  std::size_t i = 0;
  for (const auto& m : metrics) {
    const std::string at = "metrics[" + std::to_string(i++) + "]";
    d.keys(m, at, {"name", "query", "groups", "analysisConfigurations", "scopeName"});
    if (!m["name"]) inputError(name, lineOf(m), at + ".name", "", "is required");
    j::KayentaMetricConfig k;
    k.name = d.string(m["name"], at + ".name");
    if (m["groups"]) {
      if (!m["groups"].IsSequence()) d.fail(m["groups"], at + ".groups", "must be a list of names");
      for (const auto& g : m["groups"]) k.groups.push_back(d.string(g, at + ".groups[]"));
    }
    j::SequentialMetricConfig s;
    s.name = k.name;
    s.kind = j::SequentialMetricKind::kLatencyMean;
    s.minSamplesPerArm = 10;
    SequentialExtras ex;
    bool regressionSet = false;
    if (const auto ac = m["analysisConfigurations"]) {
      d.keys(ac, at + ".analysisConfigurations", {"canary", "sequential"});
      if (const auto cn = ac["canary"]) {
        const std::string p = at + ".analysisConfigurations.canary";
        d.keys(cn, p,
               {"direction", "nanStrategy", "critical", "mustHaveData", "muted", "effectSize",
                "outliers"});
        if (cn["direction"])
          k.direction = j::kayentaDirectionFromString(
              d.oneOf(cn["direction"], p + ".direction", {"increase", "decrease", "either"}));
        if (cn["nanStrategy"])
          k.nanStrategy = j::kayentaNanStrategyFromString(
              d.oneOf(cn["nanStrategy"], p + ".nanStrategy", {"remove", "replace", "none"}));
        if (cn["critical"]) k.critical = d.boolean(cn["critical"], p + ".critical");
        if (cn["mustHaveData"]) k.mustHaveData = d.boolean(cn["mustHaveData"], p + ".mustHaveData");
        if (cn["muted"]) k.muted = d.boolean(cn["muted"], p + ".muted");
        if (const auto es = cn["effectSize"]) {
          const std::string q = p + ".effectSize";
          d.keys(es, q,
                 {"measure", "allowedIncrease", "allowedDecrease", "criticalIncrease",
                  "criticalDecrease"});
          if (es["measure"])
            k.effectMeasure = j::kayentaEffectMeasureFromString(
                d.oneOf(es["measure"], q + ".measure", {"meanRatio", "cles"}));
          if (es["allowedIncrease"])
            k.allowedIncrease = d.number(es["allowedIncrease"], q + ".allowedIncrease");
          if (es["allowedDecrease"])
            k.allowedDecrease = d.number(es["allowedDecrease"], q + ".allowedDecrease");
          if (es["criticalIncrease"])
            k.criticalIncrease = d.number(es["criticalIncrease"], q + ".criticalIncrease");
          if (es["criticalDecrease"])
            k.criticalDecrease = d.number(es["criticalDecrease"], q + ".criticalDecrease");
        }
        if (const auto ol = cn["outliers"]) {
          const std::string q = p + ".outliers";
          d.keys(ol, q, {"strategy", "outlierFactor"});
          if (ol["strategy"])
            k.outlierStrategy = j::kayentaOutlierStrategyFromString(
                d.oneOf(ol["strategy"], q + ".strategy", {"remove", "keep", "none"}));
          if (ol["outlierFactor"]) {
            k.outlierFactor = d.number(ol["outlierFactor"], q + ".outlierFactor");
            if (!(k.outlierFactor > 0.0) || !std::isfinite(k.outlierFactor))
              d.fail(ol["outlierFactor"], q + ".outlierFactor", "must be greater than zero");
          }
        }
      }
      if (const auto sq = ac["sequential"]) {
        const std::string p = at + ".analysisConfigurations.sequential";
        d.keys(sq, p,
               {"kind", "regression", "allowedChange", "meaningfulChange", "weight", "tau",
                "minSamplesPerArm", "concentration", "requests", "canaryShare"});
        if (sq["kind"])
          s.kind = d.oneOf(sq["kind"], p + ".kind", {"latencyMean", "errorRate"}) == "errorRate"
                       ? j::SequentialMetricKind::kErrorRate
                       : j::SequentialMetricKind::kLatencyMean;
        if (sq["regression"]) {
          regressionSet = true;
          s.regression =
              d.oneOf(sq["regression"], p + ".regression", {"increase", "decrease"}) == "decrease"
                  ? j::SequentialRegression::kDecrease
                  : j::SequentialRegression::kIncrease;
        }
        if (sq["allowedChange"])
          s.allowedChange = d.number(sq["allowedChange"], p + ".allowedChange");
        if (sq["meaningfulChange"])
          s.meaningfulChange = d.number(sq["meaningfulChange"], p + ".meaningfulChange");
        if (sq["weight"]) s.weight = d.number(sq["weight"], p + ".weight");
        if (sq["tau"]) {
          s.tau = d.number(sq["tau"], p + ".tau");
          ex.tauSet = true;
        }
        if (sq["minSamplesPerArm"]) {
          const double v = d.number(sq["minSamplesPerArm"], p + ".minSamplesPerArm");
          if (!(v >= 2 && v == std::floor(v) && v < 1e15))
            d.fail(sq["minSamplesPerArm"], p + ".minSamplesPerArm", "must be an integer >= 2");
          s.minSamplesPerArm = static_cast<std::int64_t>(v);
        }
        if (sq["concentration"])
          s.concentration = d.number(sq["concentration"], p + ".concentration");
        if (sq["requests"]) ex.requests = d.string(sq["requests"], p + ".requests");
        if (sq["canaryShare"]) {
          ex.canaryShare = d.number(sq["canaryShare"], p + ".canaryShare");
          if (!(ex.canaryShare > 0.0 && ex.canaryShare < 1.0))
            d.fail(sq["canaryShare"], p + ".canaryShare", "must be in (0, 1)");
        }
      }
    }
    if (!regressionSet && k.direction == j::KayentaDirection::kDecrease)
      s.regression = j::SequentialRegression::kDecrease;
    if (c.kayenta.findMetric(k.name))
      inputError(name, lineOf(m["name"]), at + ".name", core::quoted(k.name),
                 "duplicate metric name");
    c.kayenta.metrics.push_back(k);
    c.sequential.metrics.push_back(s);
    c.extras.push_back(ex);
  }
  std::string err;
  if (!c.kayenta.isValid(&err)) inputError(name, 0, "", "", err);
  return c;
}

// --- output
// ---------------------------------------------------------------------------------------

std::string pad(const std::string& s, std::size_t w) {
  return s.size() >= w ? s : s + std::string(w - s.size(), ' ');
}

void writeTable(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], r[c].size());
    }
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < r.size(); ++c)
      line += (c ? "  " : "") + (c + 1 < r.size() ? pad(r[c], width[c]) : r[c]);
    out << line << "\n";
  }
}

std::string interval(double lo, double hi) {
  return "[" + formatNumber(lo) + ", " + formatNumber(hi) + "]";
}

// --- judging
// ---------------------------------------------------------------------------------------

std::vector<double> valuesOf(const SampleSet& s, const std::string& metric) {
  std::vector<double> v;
  const auto it = s.series.find(metric);
  if (it == s.series.end()) return v;
  auto pts = it->second;
  std::stable_sort(pts.begin(), pts.end(),
                   [](const Point& a, const Point& b) { return a.time < b.time; });
  for (const auto& p : pts) v.push_back(p.value);
  return v;
}

/// Gives an unnamed single-column series the config's only metric name (or "value").
void nameSingleColumn(SampleSet& s, const LoadedConfig& cfg) {
  auto it = s.series.find(kUnnamed);
  if (it == s.series.end()) return;
  std::string name = "value";
  if (cfg.present) {
    if (cfg.kayenta.metrics.size() != 1)
      inputError(s.file, 1, "header", "",
                 "a headerless single column needs a config with exactly one metric");
    name = cfg.kayenta.metrics[0].name;
  }
  auto pts = std::move(it->second);
  s.series.erase(it);
  s.series[name] = std::move(pts);
  std::replace(s.order.begin(), s.order.end(), kUnnamed, name);
}

std::vector<std::string> metricNames(const SampleSet& baseline, const SampleSet& canary,
                                     const LoadedConfig& cfg) {
  std::vector<std::string> names;
  auto add = [&](const std::string& n) {
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  };
  for (const auto& m : cfg.kayenta.metrics) add(m.name);
  for (const auto& n : baseline.order) add(n);
  for (const auto& n : canary.order) add(n);
  return names;
}

int judgeKayentaMode(const SampleSet& baseline, const SampleSet& canary, LoadedConfig cfg,
                     const std::string& format, std::uint64_t seed, std::ostream& out) {
  std::vector<j::KayentaMetricData> data;
  std::set<std::string> requestMetrics;
  for (const auto& ex : cfg.extras)
    if (!ex.requests.empty()) requestMetrics.insert(ex.requests);
  for (const auto& name : metricNames(baseline, canary, cfg)) {
    if (!cfg.kayenta.findMetric(name)) {
      if (cfg.present) {
        if (requestMetrics.count(name)) continue;  // only feeds the sequential error rates
        const auto& file = baseline.series.count(name) ? baseline.file : canary.file;
        inputError(file, 0, "metric", core::quoted(name), "has no metric config of this name");
      }
      j::KayentaMetricConfig m;
      m.name = name;
      m.groups = {"default"};
      cfg.kayenta.metrics.push_back(m);
    }
    data.push_back({name, valuesOf(canary, name), valuesOf(baseline, name)});
  }
  core::Rng rng(seed);
  const auto result = j::judgeKayenta(cfg.kayenta, data, rng);
  if (format != "table") {
    io::Json doc;
    doc["mode"] = "kayenta";
    doc["judge"] = "NetflixACAJudge-v1.0";
    io::Json ms = io::Json::array();
    for (const auto& m : result.metrics) {
      io::Json x;
      x["name"] = m.name;
      x["classification"] = j::toString(m.label);
      x["reason"] = m.reason;
      x["critical"] = m.critical;
      x["muted"] = m.muted;
      x["groups"] = m.groups;
      if (m.interval) {
        x["interval"] = {{"lower", io::jnum(m.interval->lower)},
                         {"upper", io::jnum(m.interval->upper)}};
        x["estimate"] = io::jnum(m.interval->estimate);
        x["tolerance"] = {{"lower", io::jnum(m.lowerBound)}, {"upper", io::jnum(m.upperBound)}};
      } else {
        x["interval"] = nullptr;
        x["estimate"] = nullptr;
        x["tolerance"] = nullptr;
      }
      x["ratio"] = io::jnum(m.ratio);
      x["effectSize"] = m.interval ? io::jnum(m.effectSize) : io::Json(nullptr);
      for (const auto& [label, st] :
           {std::pair{"canary", &m.experimentStats}, std::pair{"baseline", &m.controlStats}}) {
        x[label] = {{"count", st->count},
                    {"mean", io::jnum(st->mean)},
                    {"std", io::jnum(st->std)},
                    {"min", io::jnum(st->min)},
                    {"max", io::jnum(st->max)}};
      }
      ms.push_back(std::move(x));
    }
    doc["metrics"] = std::move(ms);
    io::Json gs = io::Json::array();
    for (const auto& g : result.groups)
      gs.push_back({{"name", g.name}, {"score", io::jnum(g.score)}, {"noData", g.noData}});
    doc["groups"] = std::move(gs);
    doc["score"] = io::jnum(result.score);
    doc["classification"] = j::toString(result.classification);
    doc["reason"] = result.reason;
    out << render(document("JudgeReport", doc), format);
  } else {
    std::vector<std::vector<std::string>> rows = {
        {"METRIC", "CLASSIFICATION", "INTERVAL", "ESTIMATE", "RATIO", "REASON"}};
    for (const auto& m : result.metrics) {
      rows.push_back({m.name + (m.muted ? " (muted)" : ""),
                      std::string(j::toString(m.label)) + (m.critical ? " (critical)" : ""),
                      m.interval ? interval(m.interval->lower, m.interval->upper) : "-",
                      m.interval ? formatNumber(m.interval->estimate) : "-", formatNumber(m.ratio),
                      m.reason});
    }
    writeTable(out, rows);
    out << "score " << formatNumber(result.score) << ": " << j::toString(result.classification);
    if (!result.reason.empty()) out << " (" << result.reason << ")";
    out << "\n";
  }
  return result.classification == j::KayentaScoreLabel::kPass ? 0 : 1;
}

int judgeSequentialMode(const SampleSet& baseline, const SampleSet& canary, LoadedConfig cfg,
                        const std::string& format, std::ostream& out) {
  // Metrics: the config's, or every metric of the files as a mean with default settings.
  std::set<std::string> requestMetrics;
  for (const auto& ex : cfg.extras)
    if (!ex.requests.empty()) requestMetrics.insert(ex.requests);
  for (const auto& name : metricNames(baseline, canary, cfg)) {
    bool known = false;
    for (const auto& m : cfg.sequential.metrics) known = known || m.name == name;
    if (known || requestMetrics.count(name)) continue;
    if (cfg.present) {
      const auto& file = baseline.series.count(name) ? baseline.file : canary.file;
      inputError(file, 0, "metric", core::quoted(name), "has no metric config of this name");
    }
    j::SequentialMetricConfig s;
    s.name = name;
    s.kind = j::SequentialMetricKind::kLatencyMean;
    s.minSamplesPerArm = 10;
    cfg.sequential.metrics.push_back(s);
    cfg.extras.push_back({});
  }
  // Offline defaults: tau = meaningful change x the baseline mean (the size of the smallest
  // regression that matters), unless the config sets it.
  for (std::size_t i = 0; i < cfg.sequential.metrics.size(); ++i) {
    auto& m = cfg.sequential.metrics[i];
    if (m.kind == j::SequentialMetricKind::kLatencyMean && !cfg.extras[i].tauSet) {
      double sum = 0.0;
      std::int64_t n = 0;
      for (double v : valuesOf(baseline, m.name))
        if (std::isfinite(v)) sum += v, ++n;
      const double mean = n > 0 ? std::abs(sum / static_cast<double>(n)) : 0.0;
      m.tau = mean > 0.0 ? m.meaningfulChange * mean : 1.0;
    }
  }
  std::string err;
  if (!cfg.sequential.isValid(&err)) inputError(cfg.present ? "config" : "", 0, "", "", err);
  // Looks: one per distinct time when the files carry times, else one look with everything.
  std::set<double> times;
  const bool timed = baseline.hasTime && canary.hasTime;
  if (timed) {
    for (const auto* s : {&baseline, &canary})
      for (const auto& [name, pts] : s->series)
        for (const auto& p : pts) times.insert(p.time);
  } else {
    times.insert(0.0);
  }
  auto at = [&](const SampleSet& s, const std::string& name, double t) {
    std::vector<double> v;
    const auto it = s.series.find(name);
    if (it == s.series.end()) return v;
    for (const auto& p : it->second)
      if (!timed || p.time == t) v.push_back(p.value);
    return v;
  };
  auto countOf = [&](const SampleSet& s, const std::string& name, double t) {
    double total = 0.0;
    for (double v : at(s, name, t)) {
      if (std::isnan(v)) continue;
      if (!(v >= 0.0) || v != std::floor(v) || v > 9e15)
        inputError(s.file, 0, name, formatNumber(v), "must be a count (a whole number >= 0)");
      total += v;
    }
    return static_cast<std::int64_t>(total);
  };
  j::SequentialJudge judge(cfg.sequential);
  for (double t : times) {
    j::TickData tick;
    tick.timeSeconds = t;
    for (std::size_t i = 0; i < cfg.sequential.metrics.size(); ++i) {
      const auto& m = cfg.sequential.metrics[i];
      j::MetricTick mt;
      mt.name = m.name;
      if (m.kind == j::SequentialMetricKind::kErrorRate) {
        mt.baselineCounts.errors = countOf(baseline, m.name, t);
        mt.canaryCounts.errors = countOf(canary, m.name, t);
        if (!cfg.extras[i].requests.empty()) {
          mt.baselineCounts.requests = countOf(baseline, cfg.extras[i].requests, t);
          mt.canaryCounts.requests = countOf(canary, cfg.extras[i].requests, t);
        }
        mt.canaryShare = cfg.extras[i].canaryShare;
      } else {
        for (double v : at(baseline, m.name, t))
          if (std::isfinite(v)) mt.baselineSamples.add(v);
        for (double v : at(canary, m.name, t))
          if (std::isfinite(v)) mt.canarySamples.add(v);
      }
      tick.metrics.push_back(mt);
    }
    judge.observe(tick);
  }
  const auto final = judge.finalDecision();
  if (format != "table") {
    io::Json doc;
    doc["mode"] = "sequential";
    doc["alpha"] = io::jnum(cfg.sequential.alpha);
    doc["looks"] = judge.looks();
    io::Json ms = io::Json::array();
    for (std::size_t i = 0; i < judge.metrics().size(); ++i) {
      const auto& st = judge.metrics()[i];
      io::Json x;
      x["name"] = st.name;
      x["kind"] = j::toString(st.kind);
      x["classification"] = j::toString(st.verdict);
      x["reason"] = st.reason;
      x["alpha"] = io::jnum(st.alpha);
      x["interval"] = {{"lower", io::jnum(st.interval.lower)},
                       {"upper", io::jnum(st.interval.upper)}};
      x["estimate"] = io::jnum(st.estimate);
      x["ratio"] = io::jnum(st.estimate);
      x["pValue"] = io::jnum(st.pValue);
      x["decidedAtLook"] = st.decidedAtLook;
      x["baselineN"] = st.baselineN;
      x["canaryN"] = st.canaryN;
      ms.push_back(std::move(x));
    }
    doc["metrics"] = std::move(ms);
    doc["decision"] = j::toString(judge.decision());
    doc["classification"] = j::toString(final);
    doc["reason"] = judge.reason();
    out << render(document("JudgeReport", doc), format);
  } else {
    std::vector<std::vector<std::string>> rows = {
        {"METRIC", "CLASSIFICATION", "INTERVAL", "RATIO", "P-VALUE", "REASON"}};
    for (const auto& st : judge.metrics())
      rows.push_back({st.name, j::toString(st.verdict),
                      interval(st.interval.lower, st.interval.upper), formatNumber(st.estimate),
                      formatNumber(st.pValue), st.reason});
    writeTable(out, rows);
    out << "decision after " << judge.looks() << " look" << (judge.looks() == 1 ? "" : "s") << ": "
        << j::toString(judge.decision());
    if (judge.decision() == j::SequentialVerdict::kContinue)
      out << " (final: " << j::toString(final) << ")";
    out << "\n";
  }
  return final == j::SequentialVerdict::kPass ? 0 : 1;
}

}  // namespace

int runJudge(const std::vector<std::string>& argsIn, Streams& io) {
  std::vector<std::string> args = argsIn;
  if (!args.empty() && args[0] == "judge") args.erase(args.begin());
  std::optional<std::string> baselinePath, canaryPath, configPath, modeFlag, output, seedFlag;
  cli::Parser p(
      "judge",
      "Judges a recorded baseline sample against a recorded canary sample offline, like Kayenta's "
      "standalone analysis: with Kayenta's NetflixACAJudge rules (--mode kayenta) or rolloutlab's "
      "sequential judge (--mode sequential).",
      "Sample files: CSV with a header metric,value or time,metric,value, or a single column of "
      "numbers (one metric); or JSON {\"metric\": [numbers or null, ...]}. The config (YAML or "
      "JSON) is "
      "a Kayenta canary config subset, decoded strictly (docs/statistics-sequential.md). One of "
      "the "
      "files may be - (standard input).\n"
      "Exit codes: 0 the canary passes, 1 it fails or is marginal, or the input is bad, 2 a wrong "
      "command line.");
  p.value("--baseline", &baselinePath, "FILE", "the baseline's samples (required)");
  p.value("--canary", &canaryPath, "FILE", "the canary's samples (required)");
  p.value("--config", &configPath, "FILE",
          "Kayenta canary config (default: every metric, default settings)");
  p.value("--mode", &modeFlag, "kayenta|sequential", "the judge (default kayenta)");
  p.value("--seed", &seedFlag, "N", "seed of Kayenta's tie-breaking noise (default 0)");
  p.output(&output, {"json", "yaml", "table"});
  if (!p.parse(args, io)) return 0;
  if (!baselinePath) throw UsageError("--baseline is required");
  if (!canaryPath) throw UsageError("--canary is required");
  const std::string mode = cli::choice(modeFlag, "--mode", {"kayenta", "sequential"}, "kayenta");
  const std::string format =
      cli::format(output, {"json", "yaml", "table"}, "table", io.outIsTerminal);
  const std::uint64_t seed = cli::unsignedInt(seedFlag, "--seed", 0);
  cli::checkStdinOnce({{"--baseline", {*baselinePath}},
                       {"--canary", {*canaryPath}},
                       {"--config", configPath ? std::vector<std::string>{*configPath}
                                               : std::vector<std::string>{}}});
  LoadedConfig cfg;
  if (configPath) cfg = loadConfig(*configPath, io.in);
  SampleSet baseline = loadSamples(*baselinePath, io.in);
  SampleSet canary = loadSamples(*canaryPath, io.in);
  nameSingleColumn(baseline, cfg);
  nameSingleColumn(canary, cfg);
  if (mode == "kayenta")
    return judgeKayentaMode(baseline, canary, std::move(cfg), format, seed, io.out);
  return judgeSequentialMode(baseline, canary, std::move(cfg), format, io.out);
}

int runJudgeCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                    std::ostream& err) {
  Streams io{in, out, err};
  return runGuarded("judge", runJudge, args, io);
}

}  // namespace rolloutlab::app
