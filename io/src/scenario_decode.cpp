#include "rolloutlab/io/scenario_decode.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rolloutlab/core/bounded_input.h"
#include "rolloutlab/core/flagger/spec.h"
#include "rolloutlab/core/number_format.h"
#include "rolloutlab/io/decode.h"
#include "rolloutlab/sim/mesh.h"

namespace rolloutlab::io {

// Decodes into the run layer's types (sim/scenario.h, sim/shadow_judge.h).
using namespace rolloutlab::sim;

namespace {

std::string num(double v) { return core::formatGeneral(v); }

std::optional<double> ranged(Decoder& d, const YAML::Node& map, const char* key,
                             const std::string& path, double lo, double hi, bool loOpen = false) {
  auto v = d.number(map, key, path);
  if (!v) return std::nullopt;
  if (*v < lo || *v > hi || (loOpen && *v == lo)) {
    std::ostringstream rule;
    rule << "must be " << (loOpen ? "> " : ">= ") << lo << " and <= " << hi;
    d.error(Decoder::child(map, key), path, Decoder::shown(Decoder::child(map, key)), rule.str());
    return std::nullopt;
  }
  return v;
}

// Milliseconds: a number of ms, or a Go duration string ("40ms", "1.5s").
std::optional<double> millis(Decoder& d, const YAML::Node& map, const char* key,
                             const std::string& path) {
  const YAML::Node n = Decoder::child(map, key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (n.IsScalar()) {
    const auto k = io::scalarKind(n);
    if (k == ScalarKind::kInt || k == ScalarKind::kFloat) {
      const auto v = io::parseNumber(n.Scalar());
      if (v && std::isfinite(*v) && *v > 0) return *v;
    } else if (k == ScalarKind::kString) {
      const auto v = core::flagger::parseGoDuration(n.Scalar());
      if (v && *v > 0) return *v * 1000.0;
    }
  }
  d.error(n, path, Decoder::shown(n),
          "must be a latency > 0 (milliseconds, or a duration like 40ms)");
  return std::nullopt;
}

void decodeLatency(Decoder& d, const YAML::Node& n, const std::string& path, LatencySpec& l) {
  if (!d.expectMap(n, path)) return;
  d.checkFields(n, path, {"p50", "p99", "cdf"});
  if (auto v = millis(d, n, "p50", pathJoin(path, "p50"))) l.p50 = *v;
  if (auto v = millis(d, n, "p99", pathJoin(path, "p99"))) l.p99 = *v;
  const YAML::Node cdf = d.array(n, "cdf", pathJoin(path, "cdf"));
  if (cdf.IsDefined()) {
    double lastX = 0, lastP = 0;
    for (std::size_t i = 0; i < cdf.size(); ++i) {
      const std::string p = pathIndex(pathJoin(path, "cdf"), i);
      const YAML::Node pt = cdf[i];
      std::optional<double> x, f;
      if (pt.IsSequence() && pt.size() == 2 && pt[0].IsScalar() && pt[1].IsScalar()) {
        x = io::parseNumber(pt[0].Scalar());
        f = io::parseNumber(pt[1].Scalar());
      }
      if (!x || !f || !std::isfinite(*x) || !std::isfinite(*f)) {
        d.error(pt, p, Decoder::shown(pt), "must be [upper bound ms, cumulative fraction]");
        continue;
      }
      if (*x <= lastX || *f < lastP || *f > 1.0) {
        d.error(pt, p, Decoder::shown(pt),
                "bounds must increase and cumulative fractions must not decrease and stay <= 1");
        continue;
      }
      lastX = *x;
      lastP = *f;
      l.cdf.emplace_back(*x, *f);
    }
    if (!l.cdf.empty() && std::fabs(l.cdf.back().second - 1.0) > 1e-12) {
      d.error(cdf, pathJoin(path, "cdf"), "", "the last cumulative fraction must be 1");
    }
  }
  if (l.cdf.empty() && l.p99 <= l.p50) {
    d.error(n, pathJoin(path, "p99"), num(l.p99), "must be greater than p50 (" + num(l.p50) + ")");
  }
}

void decodeBehaviour(Decoder& d, const YAML::Node& n, const std::string& path, BehaviourSpec& b) {
  if (!d.expectMap(n, path)) return;
  d.checkFields(n, path, {"errorRate", "latency"});
  if (auto v = ranged(d, n, "errorRate", pathJoin(path, "errorRate"), 0, 1)) b.errorRate = *v;
  const YAML::Node l = Decoder::child(n, "latency");
  if (l.IsDefined() && !l.IsNull()) decodeLatency(d, l, pathJoin(path, "latency"), b.latency);
}

void decodeTraffic(Decoder& d, const YAML::Node& n, const std::string& path, TrafficSpec& t,
                   const std::string& scenarioFile, core::Diagnostics& diags) {
  if (!d.expectMap(n, path)) return;
  d.checkFields(n, path,
                {"rps", "diurnal", "steps", "csv", "bursts", "dispersion", "matchFraction",
                 "mirrorMatchFraction", "routeMatch", "loadTestRps"});
  int shapes = Decoder::child(n, "rps").IsDefined() ? 1 : 0;
  if (auto v = ranged(d, n, "rps", pathJoin(path, "rps"), 0, 1e9)) t.rps = *v;
  const YAML::Node di = d.object(n, "diurnal", pathJoin(path, "diurnal"));
  if (di.IsDefined()) {
    ++shapes;
    t.shape = TrafficSpec::Shape::kDiurnal;
    const std::string p = pathJoin(path, "diurnal");
    d.checkFields(di, p, {"mean", "amplitude", "peakHour", "startHour"});
    if (d.require(di, "mean", pathJoin(p, "mean"))) {
      if (auto v = ranged(d, di, "mean", pathJoin(p, "mean"), 0, 1e9)) t.rps = *v;
    }
    if (auto v = ranged(d, di, "amplitude", pathJoin(p, "amplitude"), 0, 1)) t.amplitude = *v;
    if (auto v = ranged(d, di, "peakHour", pathJoin(p, "peakHour"), 0, 24)) t.peakHour = *v;
    if (auto v = ranged(d, di, "startHour", pathJoin(p, "startHour"), 0, 24)) t.startHour = *v;
  }
  const YAML::Node st = d.array(n, "steps", pathJoin(path, "steps"));
  if (st.IsDefined()) {
    ++shapes;
    t.shape = TrafficSpec::Shape::kSteps;
    double last = -1;
    for (std::size_t i = 0; i < st.size(); ++i) {
      const std::string p = pathIndex(pathJoin(path, "steps"), i);
      if (!d.expectMap(st[i], p)) continue;
      d.checkFields(st[i], p, {"at", "rps"});
      d.require(st[i], "at", pathJoin(p, "at"));
      d.require(st[i], "rps", pathJoin(p, "rps"));
      auto at = d.duration(st[i], "at", pathJoin(p, "at"));
      auto r = ranged(d, st[i], "rps", pathJoin(p, "rps"), 0, 1e9);
      if (at && r) {
        if (*at <= last)
          d.error(st[i], pathJoin(p, "at"), Decoder::shown(Decoder::child(st[i], "at")),
                  "steps must be in increasing time order");
        last = *at;
        t.points.emplace_back(*at, *r);
      }
    }
    if (st.size() == 0) d.error(st, pathJoin(path, "steps"), "[]", "must hold at least one step");
  }
  if (auto csv = d.str(n, "csv", pathJoin(path, "csv"))) {
    ++shapes;
    t.shape = TrafficSpec::Shape::kCsv;
    std::filesystem::path p(*csv);
    if (p.is_relative()) p = std::filesystem::path(scenarioFile).parent_path() / p;
    t.csvFile = p.string();
    std::ifstream probe(t.csvFile, std::ios::binary);
    if (!probe) {
      // The Scenario's field is the culprit, not the file it names.
      const int err = errno;
      d.error(Decoder::child(n, "csv"), pathJoin(path, "csv"), core::quoted(*csv),
              "cannot read the traffic CSV " + t.csvFile +
                  (err ? std::string(": ") + std::strerror(err) : ""));
    } else {
      t.points = readTrafficCsv(t.csvFile, diags);
    }
  }
  if (shapes > 1) {
    d.error(n, path, "", "give one of rps, diurnal, steps, csv");
  } else if (shapes == 0) {
    d.error(n, path, "", "needs one of rps, diurnal, steps, csv");
  }
  const YAML::Node bu = d.array(n, "bursts", pathJoin(path, "bursts"));
  if (bu.IsDefined()) {
    for (std::size_t i = 0; i < bu.size(); ++i) {
      const std::string p = pathIndex(pathJoin(path, "bursts"), i);
      if (!d.expectMap(bu[i], p)) continue;
      d.checkFields(bu[i], p, {"at", "duration", "factor"});
      TrafficSpec::Burst b;
      if (auto v = d.duration(bu[i], "at", pathJoin(p, "at"))) b.at = *v;
      if (d.require(bu[i], "duration", pathJoin(p, "duration"))) {
        if (auto v = d.duration(bu[i], "duration", pathJoin(p, "duration"))) b.duration = *v;
      }
      if (d.require(bu[i], "factor", pathJoin(p, "factor"))) {
        if (auto v = ranged(d, bu[i], "factor", pathJoin(p, "factor"), 0, 1e6)) b.factor = *v;
      }
      t.bursts.push_back(b);
    }
  }
  if (auto v = ranged(d, n, "dispersion", pathJoin(path, "dispersion"), 0, 1e12)) t.dispersion = *v;
  if (auto v = ranged(d, n, "matchFraction", pathJoin(path, "matchFraction"), 0, 1))
    t.matchFraction = *v;
  if (auto v = ranged(d, n, "mirrorMatchFraction", pathJoin(path, "mirrorMatchFraction"), 0, 1))
    t.mirrorMatchFraction = *v;
  const YAML::Node rm = d.object(n, "routeMatch", pathJoin(path, "routeMatch"));
  if (rm.IsDefined()) {
    d.checkDuplicates(rm, pathJoin(path, "routeMatch"));
    for (auto it = rm.begin(); it != rm.end(); ++it) {
      const std::string name = it->first.as<std::string>();
      if (auto v = ranged(d, rm, name.c_str(), pathJoin(pathJoin(path, "routeMatch"), name), 0, 1))
        t.routeMatch[name] = *v;
    }
  }
  if (auto v = ranged(d, n, "loadTestRps", pathJoin(path, "loadTestRps"), 0, 1e9))
    t.loadTestRps = *v;
}

void decodeEffect(Decoder& d, const YAML::Node& n, const std::string& path, EffectSpec& e) {
  if (!d.expectMap(n, path)) return;
  d.checkFields(n, path,
                {"kind", "at", "until", "every", "duration", "fraction", "errorRateAdd",
                 "latencyFactor", "p99Factor"});
  if (d.require(n, "kind", pathJoin(path, "kind"))) {
    if (auto k = d.str(n, "kind", pathJoin(path, "kind"))) {
      if (*k == "step") {
        e.kind = EffectSpec::Kind::kStep;
      } else if (*k == "drift") {
        e.kind = EffectSpec::Kind::kDrift;
      } else if (*k == "bursts") {
        e.kind = EffectSpec::Kind::kBursts;
      } else if (*k == "endpoint") {
        e.kind = EffectSpec::Kind::kEndpoint;
      } else {
        d.error(Decoder::child(n, "kind"), pathJoin(path, "kind"), core::quoted(*k),
                "must be one of step, drift, bursts, endpoint");
      }
    }
  }
  if (auto v = d.duration(n, "at", pathJoin(path, "at"))) e.at = *v;
  if (auto v = d.duration(n, "until", pathJoin(path, "until"))) e.until = *v;
  if (auto v = d.duration(n, "every", pathJoin(path, "every"))) e.every = *v;
  if (auto v = d.duration(n, "duration", pathJoin(path, "duration"))) e.duration = *v;
  if (auto v = ranged(d, n, "fraction", pathJoin(path, "fraction"), 0, 1, true)) e.fraction = *v;
  if (auto v = ranged(d, n, "errorRateAdd", pathJoin(path, "errorRateAdd"), -1, 1))
    e.errorRateAdd = *v;
  if (auto v = ranged(d, n, "latencyFactor", pathJoin(path, "latencyFactor"), 0, 1e6, true))
    e.latencyFactor = *v;
  if (auto v = ranged(d, n, "p99Factor", pathJoin(path, "p99Factor"), 0, 1e6, true))
    e.p99Factor = *v;
  if (e.kind == EffectSpec::Kind::kDrift && e.until <= e.at) {
    d.error(n, pathJoin(path, "until"), num(e.until), "a drift needs until > at");
  }
  if (e.kind == EffectSpec::Kind::kBursts &&
      (e.every <= 0 || e.duration <= 0 || e.duration > e.every)) {
    d.error(n, pathJoin(path, "duration"), num(e.duration), "bursts need 0 < duration <= every");
  }
}

void decodeGate(Decoder& d, const YAML::Node& n, const std::string& path, GateSpec& g) {
  if (n.IsScalar() && io::scalarKind(n) == ScalarKind::kString &&
      (n.Scalar() == "pass" || n.Scalar() == "fail")) {
    g.kind = n.Scalar() == "pass" ? GateSpec::Kind::kPass : GateSpec::Kind::kFail;
    return;
  }
  if (n.IsMap()) {
    d.checkFields(n, path, {"passAfter", "failProbability"});
    const bool after = Decoder::child(n, "passAfter").IsDefined();
    const bool flaky = Decoder::child(n, "failProbability").IsDefined();
    if (after == flaky) {
      d.error(n, path, "", "give one of passAfter, failProbability");
      return;
    }
    if (after) {
      g.kind = GateSpec::Kind::kPassAfter;
      if (auto v = d.duration(n, "passAfter", pathJoin(path, "passAfter"))) g.after = *v;
    } else {
      g.kind = GateSpec::Kind::kFlaky;
      if (auto v = ranged(d, n, "failProbability", pathJoin(path, "failProbability"), 0, 1))
        g.failProbability = *v;
    }
    return;
  }
  d.error(n, path, Decoder::shown(n),
          "must be pass, fail, {passAfter: DURATION} or {failProbability: P}");
}

void decodeMetrics(Decoder& d, const YAML::Node& n, const std::string& path, MetricsSpec& m) {
  if (!d.expectMap(n, path)) return;
  d.checkFields(
      n, path,
      {"mesh", "revisions", "scrapeInterval", "buckets", "queryErrorRate", "outages", "models"});
  if (auto v = d.str(n, "mesh", pathJoin(path, "mesh"))) {
    m.mesh = *v;
    try {
      meshLayout(*v);
    } catch (const core::InputError& e) {
      std::string rule = e.diagnostic().rule;
      const std::string near = io::nearest(*v, synthesizedProviders());
      if (!near.empty()) rule += " (did you mean \"" + near + "\"?)";
      d.error(Decoder::child(n, "mesh"), pathJoin(path, "mesh"), core::quoted(*v), rule);
    }
  }
  const YAML::Node rev = d.object(n, "revisions", pathJoin(path, "revisions"));
  if (rev.IsDefined()) {
    const std::string rp = pathJoin(path, "revisions");
    d.checkFields(rev, rp, {"canary", "primary"});
    if (auto v = d.str(rev, "canary", pathJoin(rp, "canary"))) m.canaryRevision = *v;
    if (auto v = d.str(rev, "primary", pathJoin(rp, "primary"))) m.primaryRevision = *v;
    if (!m.canaryRevision.empty() && m.canaryRevision == m.primaryRevision) {
      d.error(Decoder::child(rev, "primary"), pathJoin(rp, "primary"),
              core::quoted(m.primaryRevision), "must differ from the canary's revision");
    }
  }
  if (auto v = d.duration(n, "scrapeInterval", pathJoin(path, "scrapeInterval"))) {
    if (*v < 1) {
      d.error(Decoder::child(n, "scrapeInterval"), pathJoin(path, "scrapeInterval"), num(*v),
              "must be at least 1s");
    } else {
      m.scrapeInterval = *v;
    }
  }
  const YAML::Node b = d.array(n, "buckets", pathJoin(path, "buckets"));
  if (b.IsDefined()) {
    double last = 0;
    for (std::size_t i = 0; i < b.size(); ++i) {
      const auto v = b[i].IsScalar() ? io::parseNumber(b[i].Scalar()) : std::nullopt;
      if (!v || !std::isfinite(*v) || *v <= last) {
        d.error(b[i], pathIndex(pathJoin(path, "buckets"), i), Decoder::shown(b[i]),
                "bucket bounds must be finite, positive and increasing (+Inf is implied)");
        continue;
      }
      last = *v;
      m.buckets.push_back(*v);
    }
  }
  if (auto v = ranged(d, n, "queryErrorRate", pathJoin(path, "queryErrorRate"), 0, 1))
    m.queryErrorRate = *v;
  const YAML::Node o = d.array(n, "outages", pathJoin(path, "outages"));
  if (o.IsDefined()) {
    for (std::size_t i = 0; i < o.size(); ++i) {
      const std::string p = pathIndex(pathJoin(path, "outages"), i);
      if (!d.expectMap(o[i], p)) continue;
      d.checkFields(o[i], p, {"from", "to"});
      MetricsSpec::Outage out;
      d.require(o[i], "from", pathJoin(p, "from"));
      d.require(o[i], "to", pathJoin(p, "to"));
      if (auto v = d.duration(o[i], "from", pathJoin(p, "from"))) out.from = *v;
      if (auto v = d.duration(o[i], "to", pathJoin(p, "to"))) out.to = *v;
      if (out.to <= out.from) d.error(o[i], pathJoin(p, "to"), num(out.to), "must be after from");
      m.outages.push_back(out);
    }
  }
  const YAML::Node models = d.object(n, "models", pathJoin(path, "models"));
  if (models.IsDefined()) {
    d.checkDuplicates(models, pathJoin(path, "models"));
    for (auto it = models.begin(); it != models.end(); ++it) {
      const std::string name = it->first.Scalar();
      const std::string p = pathJoin(pathJoin(path, "models"), name);
      if (!d.expectMap(it->second, p)) continue;
      const YAML::Node mn = it->second;
      d.checkFields(mn, p,
                    {"kind", "quantile", "mean", "sd", "badMean", "badSd", "scale",
                     "failProbability", "badFailProbability", "duration"});
      MetricModelSpec ms;
      if (d.require(mn, "kind", pathJoin(p, "kind"))) {
        if (auto k = d.str(mn, "kind", pathJoin(p, "kind"))) {
          if (*k == "errorRatePercent") {
            ms.kind = MetricModelSpec::Kind::kErrorRatePercent;
          } else if (*k == "successRatePercent") {
            ms.kind = MetricModelSpec::Kind::kSuccessRatePercent;
          } else if (*k == "latencyQuantile") {
            ms.kind = MetricModelSpec::Kind::kLatencyQuantile;
          } else if (*k == "normal") {
            ms.kind = MetricModelSpec::Kind::kNormal;
          } else if (*k == "job") {
            ms.kind = MetricModelSpec::Kind::kJob;
          } else {
            d.error(Decoder::child(mn, "kind"), pathJoin(p, "kind"), core::quoted(*k),
                    "must be one of errorRatePercent, successRatePercent, latencyQuantile, normal, "
                    "job");
          }
        }
      }
      if (auto v = ranged(d, mn, "quantile", pathJoin(p, "quantile"), 0, 1, true)) ms.quantile = *v;
      if (auto v = d.number(mn, "mean", pathJoin(p, "mean"))) ms.mean = *v;
      if (auto v = ranged(d, mn, "sd", pathJoin(p, "sd"), 0, 1e300)) ms.sd = *v;
      ms.badMean = ms.mean;
      ms.badSd = ms.sd;
      if (auto v = d.number(mn, "badMean", pathJoin(p, "badMean"))) ms.badMean = *v;
      if (auto v = ranged(d, mn, "badSd", pathJoin(p, "badSd"), 0, 1e300)) ms.badSd = *v;
      if (auto v = d.number(mn, "scale", pathJoin(p, "scale"))) ms.scale = *v;
      if (auto v = ranged(d, mn, "failProbability", pathJoin(p, "failProbability"), 0, 1))
        ms.failProbability = *v;
      ms.badFailProbability = ms.failProbability;
      if (auto v = ranged(d, mn, "badFailProbability", pathJoin(p, "badFailProbability"), 0, 1)) {
        ms.badFailProbability = *v;
      }
      if (auto v = d.duration(mn, "duration", pathJoin(p, "duration"))) ms.duration = *v;
      m.models[name] = ms;
    }
  }
}

}  // namespace

std::vector<std::pair<double, double>> readTrafficCsv(const std::string& path,
                                                      core::Diagnostics& diags) {
  std::vector<std::pair<double, double>> out;
  std::ifstream in(path, std::ios::binary);
  auto err = [&](int line, int col, const std::string& value, const std::string& rule) {
    diags.add({core::Severity::kError, path, line, col, "", value, rule});
  };
  if (!in) {
    err(0, 0, "", "cannot read traffic CSV");
    return out;
  }
  std::string line;
  int ln = 0;
  double last = -1;
  core::LineReader lines(in, path, "a traffic CSV file");
  for (;;) {
    try {
      if (!lines.next(line)) break;
    } catch (const core::InputError& e) {
      diags.add(e.diagnostic());  // a line past the cap or a NUL byte: the file is not read on
      return out;
    }
    ln = lines.lineNumber();
    if (line.empty() || line[0] == '#') continue;
    const auto comma = line.find(',');
    if (comma == std::string::npos) {
      err(ln, 1, core::quoted(line), "expected two columns: time,rps");
      continue;
    }
    std::string a = line.substr(0, comma), b = line.substr(comma + 1);
    auto trim = [](std::string s) {
      const auto x = s.find_first_not_of(" \t");
      const auto y = s.find_last_not_of(" \t");
      return x == std::string::npos ? std::string() : s.substr(x, y - x + 1);
    };
    a = trim(a);
    b = trim(b);
    std::optional<double> t = io::parseNumber(a);
    if (!t) t = core::flagger::parseGoDuration(a);
    const std::optional<double> r = io::parseNumber(b);
    if (out.empty() && ln == 1 && (!t || !r)) continue;  // header
    if (!t || !std::isfinite(*t) || *t < 0) {
      err(ln, 1, core::quoted(a), "time must be seconds >= 0 or a duration");
      continue;
    }
    if (!r || !std::isfinite(*r) || *r < 0) {
      err(ln, static_cast<int>(comma) + 2, core::quoted(b), "rps must be a number >= 0");
      continue;
    }
    if (*t <= last) {
      err(ln, 1, core::quoted(a), "times must increase");
      continue;
    }
    last = *t;
    out.emplace_back(*t, *r);
    if (out.size() > 10'000'000) {
      err(ln, 0, "", "more than 10 million rows");
      break;
    }
  }
  if (out.empty()) err(0, 0, "", "the traffic CSV holds no (time, rps) row");
  return out;
}

bool decodeScenario(const io::Document& doc, core::Diagnostics& diags, Scenario& s) {
  const int before = diags.errors();
  Decoder d(doc, diags);
  s.file = doc.file;
  s.line = doc.line;
  d.checkFields(doc.node, "", {"apiVersion", "kind", "metadata", "spec"});
  if (doc.apiVersion != "rolloutlab.io/v1alpha1") {
    d.error(Decoder::child(doc.node, "apiVersion"), "apiVersion", core::quoted(doc.apiVersion),
            "must be rolloutlab.io/v1alpha1");
  }
  const YAML::Node md = d.object(doc.node, "metadata", "metadata");
  if (md.IsDefined()) {
    d.checkFields(md, "metadata", {"name", "namespace", "labels", "annotations"});
    if (d.require(md, "name", "metadata.name")) {
      if (auto v = d.str(md, "name", "metadata.name")) s.name = *v;
    }
    const YAML::Node ann = d.object(md, "annotations", "metadata.annotations");
    if (ann.IsDefined()) {
      if (auto v = d.str(ann, "description", "metadata.annotations.description"))
        s.description = *v;
    }
  } else {
    d.error(doc.node, "metadata", "", "required field is missing");
  }
  const YAML::Node spec = d.object(doc.node, "spec", "spec");
  if (!spec.IsDefined()) {
    d.error(doc.node, "spec", "", "required field is missing");
    return false;
  }
  d.checkFields(spec, "spec",
                {"release", "duration", "traffic", "primary", "canary", "effects", "cluster",
                 "metrics", "webhooks"});
  if (d.require(spec, "release", "spec.release")) {
    if (auto v = d.str(spec, "release", "spec.release")) {
      if (*v == "good") {
        s.release = Release::kGood;
      } else if (*v == "bad") {
        s.release = Release::kBad;
      } else {
        d.error(Decoder::child(spec, "release"), "spec.release", core::quoted(*v),
                "must be good or bad");
      }
    }
  }
  if (auto v = d.duration(spec, "duration", "spec.duration")) {
    if (*v <= 0 || *v > 30 * 86400.0) {
      d.error(Decoder::child(spec, "duration"), "spec.duration", num(*v),
              "must be > 0 and at most 30 days");
    } else {
      s.duration = *v;
    }
  }
  const YAML::Node tr = Decoder::child(spec, "traffic");
  if (tr.IsDefined() && !tr.IsNull()) {
    decodeTraffic(d, tr, "spec.traffic", s.traffic, doc.file, diags);
  } else {
    d.error(spec, "spec.traffic", "", "required field is missing");
  }
  const YAML::Node pr = Decoder::child(spec, "primary");
  if (pr.IsDefined() && !pr.IsNull()) decodeBehaviour(d, pr, "spec.primary", s.primary);
  s.canary = s.primary;
  const YAML::Node ca = Decoder::child(spec, "canary");
  if (ca.IsDefined() && !ca.IsNull()) decodeBehaviour(d, ca, "spec.canary", s.canary);
  const YAML::Node ef = d.array(spec, "effects", "spec.effects");
  if (ef.IsDefined()) {
    for (std::size_t i = 0; i < ef.size(); ++i) {
      EffectSpec e;
      decodeEffect(d, ef[i], pathIndex("spec.effects", i), e);
      s.effects.push_back(e);
    }
  }
  const YAML::Node cl = d.object(spec, "cluster", "spec.cluster");
  if (cl.IsDefined()) {
    d.checkFields(cl, "spec.cluster",
                  {"canaryStartup", "canaryNeverReady", "primaryRollout", "primaryFailsPromotion"});
    if (auto v = d.duration(cl, "canaryStartup", "spec.cluster.canaryStartup"))
      s.cluster.canaryStartup = *v;
    if (auto v = d.boolean(cl, "canaryNeverReady", "spec.cluster.canaryNeverReady"))
      s.cluster.canaryNeverReady = *v;
    if (auto v = d.duration(cl, "primaryRollout", "spec.cluster.primaryRollout"))
      s.cluster.primaryRollout = *v;
    if (auto v = d.boolean(cl, "primaryFailsPromotion", "spec.cluster.primaryFailsPromotion"))
      s.cluster.primaryFailsPromotion = *v;
  }
  const YAML::Node me = Decoder::child(spec, "metrics");
  if (me.IsDefined() && !me.IsNull()) decodeMetrics(d, me, "spec.metrics", s.metrics);
  const YAML::Node wh = d.object(spec, "webhooks", "spec.webhooks");
  if (wh.IsDefined()) {
    d.checkDuplicates(wh, "spec.webhooks");
    for (auto it = wh.begin(); it != wh.end(); ++it) {
      GateSpec g;
      decodeGate(d, it->second, pathJoin("spec.webhooks", it->first.Scalar()), g);
      s.webhooks[it->first.Scalar()] = g;
    }
  }
  return diags.errors() == before;
}

}  // namespace rolloutlab::io
