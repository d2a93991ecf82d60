#include "rolloutlab/io/script_decode.h"

#include "rolloutlab/io/decode.h"

namespace rolloutlab::io {

namespace fl = core::flagger;
using core::ScriptMetricValue;

bool isRolloutlabKind(const Document& doc, const char* kind) {
  return doc.group() == "rolloutlab.io" && doc.kind == kind;
}

namespace {

void readiness(Decoder& d, const YAML::Node& map, const char* key, const std::string& path,
               std::optional<fl::Readiness>& out) {
  const YAML::Node n = Decoder::child(map, key);
  if (!n.IsDefined() || n.IsNull()) return;
  if (n.IsScalar()) {
    const auto k = scalarKind(n);
    const std::string& s = n.Scalar();
    if (k == ScalarKind::kBool && (s == "true" || s == "True" || s == "TRUE")) {
      out = fl::Readiness::kReady;
      return;
    }
    if (k == ScalarKind::kString && s == "waiting") {
      out = fl::Readiness::kWaiting;
      return;
    }
    if (k == ScalarKind::kString && s == "deadline") {
      out = fl::Readiness::kDeadlineExceeded;
      return;
    }
  }
  d.error(n, path, Decoder::shown(n), "must be one of true, waiting, deadline");
}

std::optional<bool> passFail(Decoder& d, const YAML::Node& n, const std::string& path) {
  if (n.IsScalar() && scalarKind(n) == ScalarKind::kString) {
    if (n.Scalar() == "pass") return true;
    if (n.Scalar() == "fail") return false;
  }
  d.error(n, path, Decoder::shown(n), "must be pass or fail");
  return std::nullopt;
}

std::optional<ScriptMetricValue> metricValue(Decoder& d, const YAML::Node& n, const std::string& path,
                                             bool allowNumber) {
  if (n.IsScalar()) {
    const auto k = scalarKind(n);
    if (k == ScalarKind::kString) {
      const std::string& s = n.Scalar();
      if (s == "pass") return ScriptMetricValue{ScriptMetricValue::Kind::kPass, 0};
      if (s == "fail") return ScriptMetricValue{ScriptMetricValue::Kind::kFail, 0};
      if (s == "error") return ScriptMetricValue{ScriptMetricValue::Kind::kError, 0};
      if (s == "nodata") return ScriptMetricValue{ScriptMetricValue::Kind::kNoData, 0};
    } else if (allowNumber && (k == ScalarKind::kInt || k == ScalarKind::kFloat)) {
      if (auto v = parseNumber(n.Scalar())) {
        return ScriptMetricValue{ScriptMetricValue::Kind::kNumber, *v};
      }
    }
  }
  d.error(n, path, Decoder::shown(n),
          allowNumber ? "must be a number, pass, fail, error or nodata"
                      : "must be pass, fail, error or nodata (or a map: metric name -> value)");
  return std::nullopt;
}

void observation(Decoder& d, const YAML::Node& map, const std::string& path,
                 core::ScriptObservation& o) {
  readiness(d, map, "primaryReady", pathJoin(path, "primaryReady"), o.primaryReady);
  readiness(d, map, "canaryReady", pathJoin(path, "canaryReady"), o.canaryReady);
  const YAML::Node w = Decoder::child(map, "webhooks");
  if (w.IsDefined() && !w.IsNull()) {
    const std::string p = pathJoin(path, "webhooks");
    if (w.IsMap()) {
      d.checkDuplicates(w, p);
      for (auto it = w.begin(); it != w.end(); ++it) {
        const std::string key = it->first.Scalar();
        if (auto v = passFail(d, it->second, pathJoin(p, key))) o.webhookByKey[key] = *v;
      }
    } else if (auto v = passFail(d, w, p)) {
      o.webhooks = *v;
    }
  }
  const YAML::Node m = Decoder::child(map, "metrics");
  if (m.IsDefined() && !m.IsNull()) {
    const std::string p = pathJoin(path, "metrics");
    if (m.IsMap()) {
      d.checkDuplicates(m, p);
      for (auto it = m.begin(); it != m.end(); ++it) {
        const std::string key = it->first.Scalar();
        if (auto v = metricValue(d, it->second, pathJoin(p, key), true)) o.metricByName[key] = *v;
      }
    } else if (auto v = metricValue(d, m, p, false)) {
      o.metrics = *v;
    }
  }
}

}  // namespace

bool decodeScript(const Document& doc, core::Diagnostics& diags, core::Script& s) {
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
    if (auto v = d.str(md, "name", "metadata.name")) s.name = *v;
  }
  const YAML::Node spec = d.object(doc.node, "spec", "spec");
  if (!spec.IsDefined()) {
    d.error(doc.node, "spec", "", "required field is missing");
    return false;
  }
  d.checkFields(spec, "spec", {"target", "defaults", "ticks"});
  if (auto v = d.str(spec, "target", "spec.target")) s.target = *v;
  const YAML::Node defs = d.object(spec, "defaults", "spec.defaults");
  if (defs.IsDefined()) {
    d.checkFields(defs, "spec.defaults", {"primaryReady", "canaryReady", "webhooks", "metrics"});
    observation(d, defs, "spec.defaults", s.defaults);
  }
  const YAML::Node ticks = d.array(spec, "ticks", "spec.ticks");
  if (!ticks.IsDefined()) {
    d.error(spec, "spec.ticks", "", "required field is missing (one entry per scheduler tick)");
  } else if (ticks.size() == 0) {
    d.error(ticks, "spec.ticks", "[]", "must hold at least one tick");
  } else {
    for (std::size_t i = 0; i < ticks.size(); ++i) {
      const std::string p = pathIndex("spec.ticks", i);
      core::ScriptTick t;
      t.line = d.line(ticks[i]);
      if (ticks[i].IsNull()) {
        s.ticks.push_back(t);
        continue;
      }
      if (!d.expectMap(ticks[i], p)) continue;
      d.checkFields(ticks[i], p, {"revision", "primaryReady", "canaryReady", "webhooks", "metrics"});
      if (auto v = d.str(ticks[i], "revision", pathJoin(p, "revision"))) {
        if (*v == "none") {
          t.revision = core::RevisionEvent::kNone;
        } else if (*v == "new") {
          t.revision = core::RevisionEvent::kNew;
        } else if (*v == "changed") {
          t.revision = core::RevisionEvent::kChanged;
        } else {
          d.error(Decoder::child(ticks[i], "revision"), pathJoin(p, "revision"), core::quoted(*v),
                  "must be one of none, new, changed");
        }
      }
      observation(d, ticks[i], p, t.obs);
      s.ticks.push_back(std::move(t));
    }
  }
  return diags.errors() == before;
}

}  // namespace rolloutlab::io
