#include "rolloutlab/io/judge_decode.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include "rolloutlab/core/bounded_input.h"
#include "rolloutlab/core/flagger/spec.h"
#include "rolloutlab/io/decode.h"
#include "rolloutlab/io/own_kind.h"

namespace rolloutlab::io {

// Decodes into the run layer's types (sim/scenario.h, sim/shadow_judge.h).
using namespace rolloutlab::sim;

namespace jd = core::judge;

namespace {

std::optional<ShadowSource> source(Decoder& d, const YAML::Node& m, const std::string& path,
                                   bool kayenta) {
  if (!d.require(m, "source", path)) return std::nullopt;
  auto s = d.str(m, "source", path);
  if (!s) return std::nullopt;
  if (*s == "errorRate") return ShadowSource::kErrorRate;
  if (*s == "successRate" && kayenta) return ShadowSource::kSuccessRate;
  if (*s == "latencyP99" && kayenta) return ShadowSource::kLatencyP99;
  if (*s == "latencyMean") return ShadowSource::kLatencyMean;
  if (*s == "latencyDistribution" && !kayenta) return ShadowSource::kLatencyDistribution;
  d.error(Decoder::child(m, "source"), path, core::quoted(*s),
          kayenta ? "must be one of errorRate, successRate, latencyP99, latencyMean"
                  : "must be errorRate, latencyMean or latencyDistribution (the sequential judge "
                    "tests counts, means or histogram buckets)");
  return std::nullopt;
}

template <class T>
bool validated(Decoder& d, const YAML::Node& at, const std::string& path, const T& cfg) {
  std::string why;
  if (cfg.isValid(&why)) return true;
  d.error(at, path, "", why);
  return false;
}

/// The four thresholds of a Kayenta effectSize block, as a Judge's metric and a canary config's
/// metric both write them (`path`: the block's).
void decodeEffectSizeBounds(Decoder& d, const YAML::Node& es, const std::string& path,
                            jd::KayentaMetricConfig& m) {
  if (auto v = d.number(es, "allowedIncrease", pathJoin(path, "allowedIncrease")))
    m.allowedIncrease = *v;
  if (auto v = d.number(es, "allowedDecrease", pathJoin(path, "allowedDecrease")))
    m.allowedDecrease = *v;
  if (auto v = d.number(es, "criticalIncrease", pathJoin(path, "criticalIncrease")))
    m.criticalIncrease = *v;
  if (auto v = d.number(es, "criticalDecrease", pathJoin(path, "criticalDecrease")))
    m.criticalDecrease = *v;
}

void decodeKayenta(Decoder& d, const YAML::Node& n, const std::string& path, JudgeSpec& j) {
  d.checkFields(
      n, path,
      {"lifetime", "interval", "warmup", "lookback", "scoreThresholds", "groupWeights", "metrics"});
  if (auto v = d.duration(n, "lifetime", pathJoin(path, "lifetime")))
    j.stage.lifetimeSeconds = static_cast<std::int64_t>(*v);
  if (auto v = d.duration(n, "interval", pathJoin(path, "interval")))
    j.stage.intervalSeconds = static_cast<std::int64_t>(*v);
  if (auto v = d.duration(n, "warmup", pathJoin(path, "warmup")))
    j.stage.warmupSeconds = static_cast<std::int64_t>(*v);
  if (auto v = d.duration(n, "lookback", pathJoin(path, "lookback")))
    j.stage.lookbackSeconds = static_cast<std::int64_t>(*v);
  const YAML::Node st = d.object(n, "scoreThresholds", pathJoin(path, "scoreThresholds"));
  if (st.IsDefined()) {
    d.checkFields(st, pathJoin(path, "scoreThresholds"), {"pass", "marginal"});
    if (auto v = d.number(st, "pass", pathJoin(path, "scoreThresholds.pass")))
      j.kayenta.thresholds.pass = *v;
    if (auto v = d.number(st, "marginal", pathJoin(path, "scoreThresholds.marginal")))
      j.kayenta.thresholds.marginal = *v;
  }
  j.stage.thresholds = j.kayenta.thresholds;
  const YAML::Node gw = d.object(n, "groupWeights", pathJoin(path, "groupWeights"));
  if (gw.IsDefined()) {
    d.checkDuplicates(gw, pathJoin(path, "groupWeights"));
    for (auto it = gw.begin(); it != gw.end(); ++it) {
      const std::string g = it->first.Scalar();
      if (auto v = d.number(gw, g.c_str(), pathJoin(pathJoin(path, "groupWeights"), g))) {
        j.kayenta.groupWeights.emplace_back(g, *v);
      }
    }
  }
  const YAML::Node ms = d.array(n, "metrics", pathJoin(path, "metrics"));
  if (!ms.IsDefined() || ms.size() == 0) {
    d.error(n, pathJoin(path, "metrics"), "", "needs at least one metric");
    return;
  }
  for (std::size_t i = 0; i < ms.size(); ++i) {
    const std::string p = pathIndex(pathJoin(path, "metrics"), i);
    if (!d.expectMap(ms[i], p)) continue;
    d.checkFields(ms[i], p,
                  {"name", "source", "groups", "direction", "nanStrategy", "critical",
                   "mustHaveData", "muted", "effectSize", "outliers"});
    jd::KayentaMetricConfig m;
    if (d.require(ms[i], "name", pathJoin(p, "name")))
      m.name = d.str(ms[i], "name", pathJoin(p, "name")).value_or("");
    const auto src = source(d, ms[i], pathJoin(p, "source"), true);
    const YAML::Node g = d.array(ms[i], "groups", pathJoin(p, "groups"));
    if (g.IsDefined()) {
      for (std::size_t k = 0; k < g.size(); ++k) {
        if (g[k].IsScalar()) m.groups.push_back(g[k].Scalar());
      }
    }
    if (m.groups.empty()) {
      d.error(
          ms[i], pathJoin(p, "groups"), "",
          "needs at least one group: Kayenta scores groups, and a metric in no group never counts");
    }
    if (auto v = d.str(ms[i], "direction", pathJoin(p, "direction"))) {
      if (*v != "increase" && *v != "decrease" && *v != "either") {
        d.error(Decoder::child(ms[i], "direction"), pathJoin(p, "direction"), core::quoted(*v),
                "must be increase, decrease or either");
      }
      m.direction = jd::kayentaDirectionFromString(*v);
    }
    if (auto v = d.str(ms[i], "nanStrategy", pathJoin(p, "nanStrategy")))
      m.nanStrategy = jd::kayentaNanStrategyFromString(*v);
    if (auto v = d.boolean(ms[i], "critical", pathJoin(p, "critical"))) m.critical = *v;
    if (auto v = d.boolean(ms[i], "mustHaveData", pathJoin(p, "mustHaveData"))) m.mustHaveData = *v;
    if (auto v = d.boolean(ms[i], "muted", pathJoin(p, "muted"))) m.muted = *v;
    const YAML::Node es = d.object(ms[i], "effectSize", pathJoin(p, "effectSize"));
    if (es.IsDefined()) {
      const std::string ep = pathJoin(p, "effectSize");
      d.checkFields(es, ep,
                    {"measure", "allowedIncrease", "allowedDecrease", "criticalIncrease",
                     "criticalDecrease"});
      if (auto v = d.str(es, "measure", pathJoin(ep, "measure"))) {
        if (*v != "meanRatio" && *v != "cles")
          d.error(Decoder::child(es, "measure"), pathJoin(ep, "measure"), core::quoted(*v),
                  "must be meanRatio or cles");
        m.effectMeasure = jd::kayentaEffectMeasureFromString(*v);
      }
      decodeEffectSizeBounds(d, es, ep, m);
    }
    const YAML::Node ol = d.object(ms[i], "outliers", pathJoin(p, "outliers"));
    if (ol.IsDefined()) {
      d.checkFields(ol, pathJoin(p, "outliers"), {"strategy", "outlierFactor"});
      if (auto v = d.str(ol, "strategy", pathJoin(p, "outliers.strategy")))
        m.outlierStrategy = jd::kayentaOutlierStrategyFromString(*v);
      if (auto v = d.number(ol, "outlierFactor", pathJoin(p, "outliers.outlierFactor")))
        m.outlierFactor = *v;
    }
    validated(d, ms[i], p, m);
    j.kayenta.metrics.push_back(m);
    j.sources.push_back(src.value_or(ShadowSource::kErrorRate));
  }
  validated(d, n, path, j.kayenta);
  if (validated(d, n, path, j.stage) && j.stage.intervalSeconds &&
      (*j.stage.intervalSeconds == 0 || *j.stage.intervalSeconds > j.stage.lifetimeSeconds)) {
    // Orca (RunCanaryIntervalsStage.beforeStages) replaces such an interval with the lifetime:
    // one judgment, at warmup + lifetime, which a rollout shorter than that never reaches.
    const YAML::Node at = Decoder::child(n, "interval");
    d.warning(at, pathJoin(path, "interval"), Decoder::shown(at),
              *j.stage.intervalSeconds == 0
                  ? "0 means the lifetime (" + std::to_string(j.stage.lifetimeSeconds) +
                        "s): Orca judges once, at its end, and never before"
                  : "longer than the lifetime (" + std::to_string(j.stage.lifetimeSeconds) +
                        "s): Orca uses the lifetime, so it judges once, at its end, and never "
                        "before");
  }
}

void decodeSequential(Decoder& d, const YAML::Node& n, const std::string& path, JudgeSpec& j) {
  d.checkFields(n, path, {"alpha", "inconclusiveAtEnd", "metrics"});
  if (auto v = d.number(n, "alpha", pathJoin(path, "alpha"))) j.sequential.alpha = *v;
  if (auto v = d.str(n, "inconclusiveAtEnd", pathJoin(path, "inconclusiveAtEnd"))) {
    if (*v != "pass" && *v != "fail")
      d.error(Decoder::child(n, "inconclusiveAtEnd"), pathJoin(path, "inconclusiveAtEnd"),
              core::quoted(*v), "must be pass or fail");
    j.sequential.inconclusiveAtEnd =
        *v == "fail" ? jd::SequentialVerdict::kFail : jd::SequentialVerdict::kPass;
  }
  const YAML::Node ms = d.array(n, "metrics", pathJoin(path, "metrics"));
  if (!ms.IsDefined() || ms.size() == 0) {
    d.error(n, pathJoin(path, "metrics"), "", "needs at least one metric");
    return;
  }
  bool metricsValid = true;
  for (std::size_t i = 0; i < ms.size(); ++i) {
    const std::string p = pathIndex(pathJoin(path, "metrics"), i);
    if (!d.expectMap(ms[i], p)) continue;
    d.checkFields(ms[i], p,
                  {"name", "source", "regression", "allowedChange", "meaningfulChange", "weight",
                   "concentration", "tau", "minSamplesPerArm", "quantile"});
    jd::SequentialMetricConfig m;
    if (d.require(ms[i], "name", pathJoin(p, "name")))
      m.name = d.str(ms[i], "name", pathJoin(p, "name")).value_or("");
    const auto src = source(d, ms[i], pathJoin(p, "source"), false);
    m.kind = src == ShadowSource::kLatencyMean ? jd::SequentialMetricKind::kLatencyMean
             : src == ShadowSource::kLatencyDistribution
                 ? jd::SequentialMetricKind::kLatencyDistribution
                 : jd::SequentialMetricKind::kErrorRate;
    if (auto v = d.str(ms[i], "regression", pathJoin(p, "regression"))) {
      if (*v != "increase" && *v != "decrease")
        d.error(Decoder::child(ms[i], "regression"), pathJoin(p, "regression"), core::quoted(*v),
                "must be increase or decrease");
      m.regression = *v == "decrease" ? jd::SequentialRegression::kDecrease
                                      : jd::SequentialRegression::kIncrease;
    }
    if (auto v = d.number(ms[i], "allowedChange", pathJoin(p, "allowedChange")))
      m.allowedChange = *v;
    if (auto v = d.number(ms[i], "meaningfulChange", pathJoin(p, "meaningfulChange")))
      m.meaningfulChange = *v;
    if (auto v = d.number(ms[i], "weight", pathJoin(p, "weight"))) m.weight = *v;
    if (auto v = d.number(ms[i], "concentration", pathJoin(p, "concentration")))
      m.concentration = *v;
    if (auto v = d.number(ms[i], "tau", pathJoin(p, "tau"))) m.tau = *v;
    if (auto v = d.integer(ms[i], "minSamplesPerArm", pathJoin(p, "minSamplesPerArm")))
      m.minSamplesPerArm = *v;
    if (auto v = d.number(ms[i], "quantile", pathJoin(p, "quantile"))) m.quantile = *v;
    metricsValid = validated(d, ms[i], p, m) && metricsValid;
    j.sequential.metrics.push_back(m);
    j.sources.push_back(src.value_or(ShadowSource::kErrorRate));
  }
  // The whole config re-checks every metric: only once each metric's own error is reported.
  if (metricsValid) validated(d, n, path, j.sequential);
}

}  // namespace

bool decodeJudge(const io::Document& doc, core::Diagnostics& diags, JudgeSpec& j) {
  const int before = diags.errors();
  Decoder d(doc, diags);
  j.file = doc.file;
  j.line = doc.line;
  const YAML::Node spec = decodeOwnKindEnvelope(d, doc, j.name);
  if (!spec.IsDefined()) return false;
  d.checkFields(spec, "spec", {"kayenta", "sequential"});
  const YAML::Node k = d.object(spec, "kayenta", "spec.kayenta");
  const YAML::Node s = d.object(spec, "sequential", "spec.sequential");
  if (k.IsDefined() == s.IsDefined()) {
    d.error(spec, "spec", "", "give exactly one of kayenta, sequential");
    return false;
  }
  if (k.IsDefined()) {
    j.mode = JudgeSpec::Mode::kKayenta;
    decodeKayenta(d, k, "spec.kayenta", j);
  } else {
    j.mode = JudgeSpec::Mode::kSequential;
    decodeSequential(d, s, "spec.sequential", j);
  }
  return diags.errors() == before;
}

// --- `rolloutlab judge --config`: a Kayenta canary config ---------------------------------------

namespace {

/// The decoding of a canary config: the strict helpers of every decoder (Decoder), plus the
/// rules this format keeps from before it joined them: names are any scalar (Jackson reads a
/// number into a String field), booleans are exactly true or false (JSON's, not YAML 1.1's
/// yes/on), and a choice names its options.
struct CanaryDecoder {
  Decoder& d;

  /// A scalar's text (a name): absent or null gives nullopt; a map or list is an error.
  std::optional<std::string> text(const YAML::Node& map, const char* key, const std::string& path) {
    const YAML::Node n = Decoder::child(map, key);
    if (!n.IsDefined() || n.IsNull()) return std::nullopt;
    if (!n.IsScalar()) {
      d.error(n, path, Decoder::shown(n), std::string("must be a string, not ") + typeName(n));
      return std::nullopt;
    }
    return n.Scalar();
  }

  std::optional<std::string> oneOf(const YAML::Node& map, const char* key, const std::string& path,
                                   const std::vector<std::string>& options) {
    auto s = text(map, key, path);
    if (!s || std::find(options.begin(), options.end(), *s) != options.end()) return s;
    std::string list;
    for (const auto& o : options) list += (list.empty() ? "" : ", ") + o;
    d.error(Decoder::child(map, key), path, core::quoted(*s), "must be one of " + list);
    return std::nullopt;
  }

  std::optional<bool> boolean(const YAML::Node& map, const char* key, const std::string& path) {
    const YAML::Node n = Decoder::child(map, key);
    if (!n.IsDefined() || n.IsNull()) return std::nullopt;
    if (n.IsScalar() && n.Tag() != "!" && (n.Scalar() == "true" || n.Scalar() == "false"))
      return n.Scalar() == "true";
    d.error(n, path, n.IsScalar() ? core::quoted(n.Scalar()) : Decoder::shown(n),
            "must be true or false");
    return std::nullopt;
  }
};

void decodeCanaryMetric(Decoder& d, CanaryDecoder& c, const YAML::Node& m, const std::string& at,
                        CanaryConfig& out) {
  if (!d.expectMap(m, at)) return;
  d.checkFields(m, at, {"name", "query", "groups", "analysisConfigurations", "scopeName"});
  jd::KayentaMetricConfig k;
  if (d.require(m, "name", pathJoin(at, "name")))
    k.name = c.text(m, "name", pathJoin(at, "name")).value_or("");
  const YAML::Node groups = d.array(m, "groups", pathJoin(at, "groups"));
  for (std::size_t i = 0; groups.IsDefined() && i < groups.size(); ++i) {
    const std::string p = pathIndex(pathJoin(at, "groups"), i);
    if (!groups[i].IsScalar() || groups[i].IsNull()) {
      d.error(groups[i], p, Decoder::shown(groups[i]),
              std::string("must be a string, not ") + typeName(groups[i]));
      continue;
    }
    k.groups.push_back(groups[i].Scalar());
  }
  jd::SequentialMetricConfig s;
  s.kind = jd::SequentialMetricKind::kLatencyMean;
  s.minSamplesPerArm = 10;
  CanaryConfig::SequentialExtras ex;
  bool regressionSet = false;
  const std::string acPath = pathJoin(at, "analysisConfigurations");
  const YAML::Node ac = d.object(m, "analysisConfigurations", acPath);
  if (ac.IsDefined()) d.checkFields(ac, acPath, {"canary", "sequential"});
  const std::string p = pathJoin(acPath, "canary");
  if (const YAML::Node cn = d.object(ac, "canary", p); cn.IsDefined()) {
    d.checkFields(cn, p,
                  {"direction", "nanStrategy", "critical", "mustHaveData", "muted", "effectSize",
                   "outliers"});
    if (auto v =
            c.oneOf(cn, "direction", pathJoin(p, "direction"), {"increase", "decrease", "either"}))
      k.direction = jd::kayentaDirectionFromString(*v);
    if (auto v =
            c.oneOf(cn, "nanStrategy", pathJoin(p, "nanStrategy"), {"remove", "replace", "none"}))
      k.nanStrategy = jd::kayentaNanStrategyFromString(*v);
    if (auto v = c.boolean(cn, "critical", pathJoin(p, "critical"))) k.critical = *v;
    if (auto v = c.boolean(cn, "mustHaveData", pathJoin(p, "mustHaveData"))) k.mustHaveData = *v;
    if (auto v = c.boolean(cn, "muted", pathJoin(p, "muted"))) k.muted = *v;
    const std::string q = pathJoin(p, "effectSize");
    if (const YAML::Node es = d.object(cn, "effectSize", q); es.IsDefined()) {
      d.checkFields(es, q,
                    {"measure", "allowedIncrease", "allowedDecrease", "criticalIncrease",
                     "criticalDecrease"});
      if (auto v = c.oneOf(es, "measure", pathJoin(q, "measure"), {"meanRatio", "cles"}))
        k.effectMeasure = jd::kayentaEffectMeasureFromString(*v);
      decodeEffectSizeBounds(d, es, q, k);
    }
    const std::string o = pathJoin(p, "outliers");
    if (const YAML::Node ol = d.object(cn, "outliers", o); ol.IsDefined()) {
      d.checkFields(ol, o, {"strategy", "outlierFactor"});
      if (auto v = c.oneOf(ol, "strategy", pathJoin(o, "strategy"), {"remove", "keep", "none"}))
        k.outlierStrategy = jd::kayentaOutlierStrategyFromString(*v);
      if (auto v = d.number(ol, "outlierFactor", pathJoin(o, "outlierFactor"))) {
        k.outlierFactor = *v;
        if (!(*v > 0.0)) {
          const YAML::Node n = Decoder::child(ol, "outlierFactor");
          d.error(n, pathJoin(o, "outlierFactor"), Decoder::shown(n), "must be greater than zero");
        }
      }
    }
  }
  const std::string sp = pathJoin(acPath, "sequential");
  if (const YAML::Node sq = d.object(ac, "sequential", sp); sq.IsDefined()) {
    d.checkFields(sq, sp,
                  {"kind", "regression", "allowedChange", "meaningfulChange", "weight", "tau",
                   "minSamplesPerArm", "concentration", "requests", "canaryShare"});
    if (auto v = c.oneOf(sq, "kind", pathJoin(sp, "kind"), {"latencyMean", "errorRate"}))
      s.kind = *v == "errorRate" ? jd::SequentialMetricKind::kErrorRate
                                 : jd::SequentialMetricKind::kLatencyMean;
    if (auto v = c.oneOf(sq, "regression", pathJoin(sp, "regression"), {"increase", "decrease"})) {
      regressionSet = true;
      s.regression = *v == "decrease" ? jd::SequentialRegression::kDecrease
                                      : jd::SequentialRegression::kIncrease;
    }
    if (auto v = d.number(sq, "allowedChange", pathJoin(sp, "allowedChange"))) s.allowedChange = *v;
    if (auto v = d.number(sq, "meaningfulChange", pathJoin(sp, "meaningfulChange")))
      s.meaningfulChange = *v;
    if (auto v = d.number(sq, "weight", pathJoin(sp, "weight"))) s.weight = *v;
    if (auto v = d.number(sq, "tau", pathJoin(sp, "tau"))) {
      s.tau = *v;
      ex.tauSet = true;
    }
    if (auto v = d.number(sq, "minSamplesPerArm", pathJoin(sp, "minSamplesPerArm"))) {
      if (*v >= 2 && *v == std::floor(*v) && *v < 1e15) {
        s.minSamplesPerArm = static_cast<std::int64_t>(*v);
      } else {
        const YAML::Node n = Decoder::child(sq, "minSamplesPerArm");
        d.error(n, pathJoin(sp, "minSamplesPerArm"), Decoder::shown(n), "must be an integer >= 2");
      }
    }
    if (auto v = d.number(sq, "concentration", pathJoin(sp, "concentration"))) s.concentration = *v;
    if (auto v = c.text(sq, "requests", pathJoin(sp, "requests"))) ex.requests = *v;
    if (auto v = d.number(sq, "canaryShare", pathJoin(sp, "canaryShare"))) {
      ex.canaryShare = *v;
      if (!(*v > 0.0 && *v < 1.0)) {
        const YAML::Node n = Decoder::child(sq, "canaryShare");
        d.error(n, pathJoin(sp, "canaryShare"), Decoder::shown(n), "must be in (0, 1)");
      }
    }
  }
  if (!regressionSet && k.direction == jd::KayentaDirection::kDecrease)
    s.regression = jd::SequentialRegression::kDecrease;
  if (out.kayenta.findMetric(k.name))
    d.error(Decoder::child(m, "name"), pathJoin(at, "name"), core::quoted(k.name),
            "duplicate metric name");
  s.name = k.name;
  out.kayenta.metrics.push_back(k);
  out.sequential.metrics.push_back(s);
  out.extras.push_back(ex);
}

}  // namespace

CanaryConfig decodeCanaryConfig(const std::string& text, const std::string& file) {
  auto refuse = [&](int line, const std::string& rule) {
    throw core::InputError(core::Diagnostic{core::Severity::kError, file, line, 0, "", "", rule});
  };
  Document doc;
  doc.file = file;
  try {
    doc.node = loadYaml(text);
  } catch (const YAML::Exception& e) {
    refuse(e.mark.line >= 0 ? e.mark.line + 1 : 0, "not valid YAML/JSON: " + e.msg);
  }
  const YAML::Node& root = doc.node;
  if (!root || root.IsNull()) refuse(0, "holds no document");
  core::Diagnostics diags;
  Decoder d(doc, diags);
  CanaryDecoder c{d};
  CanaryConfig out;
  if (!d.expectMap(root, "")) diags.throwIfErrors();
  d.checkFields(root, "",
                {"name", "id", "description", "configVersion", "createdTimestamp",
                 "updatedTimestamp", "createdTimestampIso", "updatedTimestampIso", "applications",
                 "judge", "metrics", "templates", "classifier", "sequential"});
  if (const YAML::Node cl = d.object(root, "classifier", "classifier"); cl.IsDefined()) {
    d.checkFields(cl, "classifier", {"groupWeights", "scoreThresholds"});
    const YAML::Node gw = d.object(cl, "groupWeights", "classifier.groupWeights");
    for (auto it = gw.begin(); gw.IsDefined() && it != gw.end(); ++it) {
      const std::string g = it->first.Scalar();
      if (auto v = d.number(gw, g.c_str(), pathJoin("classifier.groupWeights", g)))
        out.kayenta.groupWeights.emplace_back(g, *v);
    }
    d.checkDuplicates(gw, "classifier.groupWeights");
    const YAML::Node st = d.object(cl, "scoreThresholds", "classifier.scoreThresholds");
    if (st.IsDefined()) {
      d.checkFields(st, "classifier.scoreThresholds", {"pass", "marginal"});
      if (auto v = d.number(st, "pass", "classifier.scoreThresholds.pass"))
        out.kayenta.thresholds.pass = *v;
      if (auto v = d.number(st, "marginal", "classifier.scoreThresholds.marginal"))
        out.kayenta.thresholds.marginal = *v;
    }
  }
  if (const YAML::Node sq = d.object(root, "sequential", "sequential"); sq.IsDefined()) {
    d.checkFields(sq, "sequential", {"alpha", "inconclusiveAtEnd"});
    if (auto v = d.number(sq, "alpha", "sequential.alpha")) out.sequential.alpha = *v;
    if (auto v = c.oneOf(sq, "inconclusiveAtEnd", "sequential.inconclusiveAtEnd", {"pass", "fail"}))
      out.sequential.inconclusiveAtEnd =
          *v == "pass" ? jd::SequentialVerdict::kPass : jd::SequentialVerdict::kFail;
  }
  if (d.require(root, "metrics", "metrics")) {
    const YAML::Node metrics = d.array(root, "metrics", "metrics");
    for (std::size_t i = 0; metrics.IsDefined() && i < metrics.size(); ++i)
      decodeCanaryMetric(d, c, metrics[i], pathIndex("metrics", i), out);
  }
  diags.throwIfErrors();
  std::string why;
  if (!out.kayenta.isValid(&why)) refuse(0, why);
  return out;
}

CanaryConfig readCanaryConfig(const std::string& path, std::istream& standardInput) {
  if (path == "-") {
    return decodeCanaryConfig(
        core::readAllBounded(standardInput, "<stdin>", core::kMaxDocumentBytes, "a canary config"),
        "<stdin>");
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    throw core::InputError(
        core::Diagnostic{core::Severity::kError, path, 0, 0, "", "", "cannot be read"});
  }
  return decodeCanaryConfig(
      core::readAllBounded(f, path, core::kMaxDocumentBytes, "a canary config"), path);
}

}  // namespace rolloutlab::io
