#include "rolloutlab/app/judge_command.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "cli.h"
#include "judge_json_samples.h"
#include "rolloutlab/app/commands.h"
#include "rolloutlab/app/output.h"
#include "rolloutlab/core/bounded_input.h"
#include "rolloutlab/core/diagnostics.h"
#include "rolloutlab/core/judge/kayenta_judge.h"
#include "rolloutlab/core/judge/sequential_judge.h"
#include "rolloutlab/core/number_format.h"
#include "rolloutlab/core/rng.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/io/judge_decode.h"
#include "rolloutlab/io/samples.h"

namespace rolloutlab::app {

namespace {

namespace j = core::judge;
using core::Diagnostic;
using core::InputError;

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

// The series of a single column without a header, until the config names it.
const std::string kUnnamed = "\x01unnamed";

// The CSV form (io::SampleReader), streamed: a file is never held whole. Without a time
// column, a value's line orders it.
SampleSet readCsvSamples(core::LineReader& lines, const std::string* first) {
  SampleSet s;
  s.file = lines.name();
  io::SampleOptions options;
  options.layout = io::SampleOptions::Layout::kCsv;
  io::SampleReader reader(lines, options, first);
  io::Sample v;
  while (reader.next(v)) {
    const bool timed = reader.form() == io::SampleForm::kTimeMetricValue;
    s.add(v.metric.empty() ? kUnnamed : v.metric, timed ? v.time : static_cast<double>(v.line),
          v.value);
  }
  s.hasTime = reader.form() == io::SampleForm::kTimeMetricValue;
  return s;
}

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
  // The JSON form is streamed into the series as it is parsed (judge_json_samples.cpp).
  SampleSet js;
  js.file = name;
  std::vector<Point>* into = nullptr;
  const JsonSampleSink sink{[&](const std::string& metric) {
                              if (js.series.count(metric)) return false;
                              js.order.push_back(metric);
                              into = &js.series[metric];
                              return true;
                            },
                            [&](double v) {
                              into->push_back({static_cast<double>(into->size()), v});
                            }};
  std::string line;
  // The form is told by the extension or by the first character that is not blank.
  if (path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0) {
    readJsonSamples(lines, lines.next(line) ? &line : nullptr, sink);
    return js;
  }
  while (lines.next(line)) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;
    if (line[first] != '{') return readCsvSamples(lines, &line);
    readJsonSamples(lines, &line, sink);
    return js;
  }
  return readCsvSamples(lines, nullptr);  // nothing but blank lines
}

// --- config: a Kayenta canary config, decoded by io (io::readCanaryConfig) ----------------------

struct LoadedConfig : io::CanaryConfig {
  bool present = false;
};

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
  if (configPath) {
    static_cast<io::CanaryConfig&>(cfg) = io::readCanaryConfig(*configPath, io.in);
    cfg.present = true;
  }
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
