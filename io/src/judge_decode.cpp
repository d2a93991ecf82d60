#include "rolloutlab/io/judge_decode.h"

#include <cmath>

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
      if (auto v = d.number(es, "allowedIncrease", pathJoin(ep, "allowedIncrease")))
        m.allowedIncrease = *v;
      if (auto v = d.number(es, "allowedDecrease", pathJoin(ep, "allowedDecrease")))
        m.allowedDecrease = *v;
      if (auto v = d.number(es, "criticalIncrease", pathJoin(ep, "criticalIncrease")))
        m.criticalIncrease = *v;
      if (auto v = d.number(es, "criticalDecrease", pathJoin(ep, "criticalDecrease")))
        m.criticalDecrease = *v;
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

}  // namespace rolloutlab::io
