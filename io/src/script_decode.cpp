#include "rolloutlab/io/script_decode.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "rolloutlab/io/decode.h"
#include "rolloutlab/io/own_kind.h"

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

std::optional<ScriptMetricValue> metricValue(Decoder& d, const YAML::Node& n,
                                             const std::string& path, bool allowNumber) {
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
        if (auto v = passFail(d, it->second, pathJoin(p, key))) {
          o.webhookByKey[key] = *v;
          o.webhookLines[key] = d.line(it->first);
        }
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
        if (auto v = metricValue(d, it->second, pathJoin(p, key), true)) {
          o.metricByName[key] = *v;
          o.metricLines[key] = d.line(it->first);
        }
      }
    } else if (auto v = metricValue(d, m, p, false)) {
      o.metrics = *v;
    }
  }
}

std::optional<double> specialNumber(const std::string& s) {
  if (s == "NaN" || s == "nan" || s == ".nan" || s == ".NaN" || s == ".NAN") {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (s == "Inf" || s == "+Inf" || s == "inf" || s == "+inf")
    return std::numeric_limits<double>::infinity();
  if (s == "-Inf" || s == "-inf") return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}

core::ScriptDatum datum(const YAML::Node& n) {
  core::ScriptDatum v;
  if (!n.IsDefined() || n.IsNull()) return v;
  if (n.IsSequence()) {
    v.kind = core::ScriptDatum::Kind::kList;
    for (const auto& x : n) v.items.push_back(datum(x));
  } else if (n.IsMap()) {
    v.kind = core::ScriptDatum::Kind::kMap;
    for (auto it = n.begin(); it != n.end(); ++it) {
      v.fields.emplace_back(it->first.IsScalar() ? it->first.Scalar() : "?", datum(it->second));
    }
  } else {
    const auto k = scalarKind(n);
    if (k == ScalarKind::kInt || k == ScalarKind::kFloat) {
      v.kind = core::ScriptDatum::Kind::kNumber;
      v.number = parseNumber(n.Scalar()).value_or(0);
    } else if (k == ScalarKind::kBool) {
      v.kind = core::ScriptDatum::Kind::kBool;
      const std::string& s = n.Scalar();
      v.boolean =
          s == "true" || s == "True" || s == "TRUE" || s == "yes" || s == "Yes" || s == "on";
    } else if (auto sp = specialNumber(n.Scalar());
               k == ScalarKind::kString && n.Tag() != "!" && sp) {
      v.kind = core::ScriptDatum::Kind::kNumber;
      v.number = *sp;
    } else {
      v.kind = core::ScriptDatum::Kind::kString;
      v.text = n.Scalar();
    }
  }
  return v;
}

void argoFields(Decoder& d, const YAML::Node& spec, core::Script& s) {
  const YAML::Node ms = d.object(spec, "measurements", "spec.measurements");
  if (ms.IsDefined()) {
    d.checkDuplicates(ms, "spec.measurements");
    for (auto it = ms.begin(); it != ms.end(); ++it) {
      const std::string name = it->first.IsScalar() ? it->first.Scalar() : "?";
      const std::string p = pathJoin("spec.measurements", name);
      if (!it->second.IsSequence()) {
        d.error(it->second, p, Decoder::shown(it->second),
                "must be a list of measurements, consumed in order (e.g. [[0.99], 0.95, NaN, [], "
                "error])");
        continue;
      }
      if (it->second.size() == 0) {
        d.error(it->second, p, "[]", "must hold at least one measurement");
        continue;
      }
      auto& list = s.measurements[name];
      s.measurementLines[name] = d.line(it->first);
      for (std::size_t i = 0; i < it->second.size(); ++i) {
        const YAML::Node e = it->second[i];
        core::ScriptMeasurement m;
        m.line = d.line(e);
        if (e.IsScalar() && scalarKind(e) == ScalarKind::kString && e.Tag() != "!" &&
            e.Scalar() == "error") {
          m.error = true;
        } else if (e.IsNull()) {
          d.error(e, pathIndex(p, i), "null",
                  "must be a vector like [0.99], a number, NaN, [] (an empty vector), error, or a "
                  "JSON value");
          continue;
        } else {
          m.value = datum(e);
        }
        list.push_back(std::move(m));
      }
    }
  }
  const YAML::Node ps = Decoder::child(spec, "podStartup");
  if (ps.IsDefined() && !ps.IsNull()) s.podStartup = d.durationValue(ps, "spec.podStartup");
  const YAML::Node un = Decoder::child(spec, "until");
  if (un.IsDefined() && !un.IsNull()) {
    s.until = d.durationValue(un, "spec.until");
    if (s.until && *s.until <= 0) {
      // The run would end at the new revision: nothing scripted could happen.
      d.error(un, "spec.until", Decoder::shown(un), "must be positive (the run ends at this time)");
      s.until.reset();
    }
  }
  const YAML::Node acts = d.array(spec, "actions", "spec.actions");
  if (acts.IsDefined()) {
    double last = 0;
    std::string lastShown;
    std::size_t lastIndex = 0;
    for (std::size_t i = 0; i < acts.size(); ++i) {
      const std::string p = pathIndex("spec.actions", i);
      if (!d.expectMap(acts[i], p)) continue;
      d.checkFields(acts[i], p, {"at", "action"});
      core::ScriptAction a;
      a.line = d.line(acts[i]);
      const YAML::Node at = Decoder::child(acts[i], "at");
      bool timed = false;
      if (d.require(acts[i], "at", pathJoin(p, "at"))) {
        if (auto v = d.durationValue(at, pathJoin(p, "at"))) {
          a.at = *v;
          timed = true;
        }
      }
      if (d.require(acts[i], "action", pathJoin(p, "action"))) {
        if (auto v = d.str(acts[i], "action", pathJoin(p, "action"))) {
          static const std::vector<std::string> known = {"promote", "promote-full", "abort",
                                                         "retry",   "pause",        "resume"};
          if (std::find(known.begin(), known.end(), *v) == known.end()) {
            std::string rule = "must be one of promote, promote-full, abort, retry, pause, resume";
            const std::string near = nearest(*v, known);
            if (!near.empty()) rule += " (did you mean \"" + near + "\"?)";
            d.error(Decoder::child(acts[i], "action"), pathJoin(p, "action"), core::quoted(*v),
                    rule);
          }
          a.action = *v;
        }
      }
      if (timed && a.at <= 0) {
        // A user acts on a Rollout the controller has already picked up: at t = 0 the action
        // would race the new revision itself.
        d.error(at, pathJoin(p, "at"), Decoder::shown(at),
                "must be after the new revision (> 0s; t counts from it)");
      } else if (timed && a.at < last) {
        d.error(at, pathJoin(p, "at"), Decoder::shown(at),
                "before the previous action (" + pathIndex("spec.actions", lastIndex) +
                    ".at = " + lastShown + "): actions must be in time order");
      }
      if (timed && a.at >= last) {
        last = a.at;
        lastShown = Decoder::shown(at);
        lastIndex = i;
      }
      s.actions.push_back(std::move(a));
    }
    if (s.until && !lastShown.empty() && *s.until < last) {
      d.error(un, "spec.until", Decoder::shown(un),
              "before the last action (" + pathIndex("spec.actions", lastIndex) +
                  ".at = " + lastShown + "), which would never happen");
    }
  }
}

}  // namespace

bool decodeScript(const Document& doc, core::Diagnostics& diags, core::Script& s) {
  const int before = diags.errors();
  Decoder d(doc, diags);
  s.file = doc.file;
  s.line = doc.line;
  const YAML::Node spec = decodeOwnKindEnvelope(d, doc, s.name, {.nameRequired = false});
  if (!spec.IsDefined()) return false;
  d.checkFields(spec, "spec",
                {"target", "defaults", "ticks", "measurements", "podStartup", "actions", "until"});
  for (auto it = spec.begin(); it != spec.end(); ++it) {
    if (it->first.IsScalar()) s.fieldLines[it->first.Scalar()] = d.line(it->first);
  }
  argoFields(d, spec, s);
  const bool argo = Decoder::child(spec, "measurements").IsDefined() ||
                    Decoder::child(spec, "podStartup").IsDefined() ||
                    Decoder::child(spec, "actions").IsDefined() ||
                    Decoder::child(spec, "until").IsDefined();
  if (auto v = d.str(spec, "target", "spec.target")) s.target = *v;
  const YAML::Node defs = d.object(spec, "defaults", "spec.defaults");
  if (defs.IsDefined()) {
    d.checkFields(defs, "spec.defaults", {"primaryReady", "canaryReady", "webhooks", "metrics"});
    observation(d, defs, "spec.defaults", s.defaults);
  }
  const YAML::Node ticks = d.array(spec, "ticks", "spec.ticks");
  if (!ticks.IsDefined()) {
    if (!argo) {
      d.error(spec, "spec.ticks", "",
              "required field is missing (one entry per scheduler tick; an Argo script has "
              "measurements, "
              "podStartup or actions instead)");
    }
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
      d.checkFields(ticks[i], p,
                    {"revision", "primaryReady", "canaryReady", "webhooks", "metrics"});
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

namespace {

std::string listed(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

/// `(did you mean "x"? its <what>: a, b)`: the nearest known name first, as the strict
/// decoding of rolloutlab's own kinds suggests it.
std::string knownNames(const std::string& word, const std::vector<std::string>& candidates,
                       const std::vector<std::string>& shown, const std::string& what) {
  const std::string near = nearest(word, candidates);
  return " (" + (near.empty() ? std::string() : "did you mean \"" + near + "\"? ") + "its " + what +
         ": " + listed(shown) + ")";
}

int fieldLine(const core::Script& s, const std::string& field) {
  const auto it = s.fieldLines.find(field);
  return it == s.fieldLines.end() ? s.line : it->second;
}

void sortByLine(core::Diagnostics& out) {
  std::stable_sort(
      out.items.begin(), out.items.end(),
      [](const core::Diagnostic& a, const core::Diagnostic& b) { return a.line < b.line; });
}

/// The other engine's fields a Script holds.
void foreignFields(const core::Script& s, std::initializer_list<const char*> fields,
                   const std::string& rule, core::Diagnostics& out) {
  for (const char* f : fields) {
    if (!s.fieldLines.count(f)) continue;
    out.add(core::Diagnostic{.severity = core::Severity::kError,
                             .file = s.file,
                             .line = fieldLine(s, f),
                             .column = 0,
                             .field = pathJoin("spec", f),
                             .value = {},
                             .rule = rule});
  }
}

}  // namespace

core::Diagnostics scriptMismatches(const core::Script& s, const core::flagger::CanarySpec& canary) {
  core::Diagnostics out;
  const std::string target = core::quoted(canary.name);
  foreignFields(s, {"measurements", "podStartup", "actions", "until"},
                "an Argo Rollout's field, but the target " + target +
                    " is a Flagger Canary (script it with ticks and defaults)",
                out);

  std::vector<std::string> metrics;
  for (const auto& m : canary.analysis.metrics) metrics.push_back(m.name);
  // Webhooks answer by name or by type (flagger/run.cpp ScriptWorld::webhook); event webhooks
  // are never asked (they only notify).
  std::vector<std::string> hookKeys, hookShown;
  for (const auto& h : canary.analysis.webhooks) {
    const std::string type = fl::toString(h.type);
    hookShown.push_back(h.name + " (" + type + ")");
    if (h.type == fl::WebhookType::kEvent) continue;
    hookKeys.push_back(h.name);
    if (std::find(hookKeys.begin(), hookKeys.end(), type) == hookKeys.end())
      hookKeys.push_back(type);
  }
  const auto observation = [&](const core::ScriptObservation& o, const std::string& path) {
    for (const auto& [name, line] : o.metricLines) {
      if (std::find(metrics.begin(), metrics.end(), name) != metrics.end()) continue;
      out.add(core::Diagnostic{.severity = core::Severity::kError,
                               .file = s.file,
                               .line = line,
                               .column = 0,
                               .field = pathJoin(pathJoin(path, "metrics"), name),
                               .value = {},
                               .rule = "the canary has no metric of that name" +
                                       knownNames(name, metrics, metrics, "metrics")});
    }
    for (const auto& [key, line] : o.webhookLines) {
      if (std::find(hookKeys.begin(), hookKeys.end(), key) != hookKeys.end()) continue;
      if (key.empty() && std::find(hookKeys.begin(), hookKeys.end(), "rollout") != hookKeys.end())
        continue;
      std::string rule;
      const auto type = fl::webhookTypeFromString(key);
      const std::string& hookKey = key;  // (clang 14 cannot capture a structured binding)
      const bool eventHook = std::any_of(
          canary.analysis.webhooks.begin(), canary.analysis.webhooks.end(),
          [&](const fl::WebhookSpec& h) {
            return h.type == fl::WebhookType::kEvent && (h.name == hookKey || hookKey == "event");
          });
      if (eventHook) {
        rule = "names an event webhook, which only notifies: its answer changes nothing";
      } else if (type) {
        rule = "the canary has no " + std::string(fl::toString(*type)) + " webhook" +
               knownNames(key, {}, hookShown, "webhooks");
      } else {
        rule = "the canary has no webhook of that name or type" +
               knownNames(key, hookKeys, hookShown, "webhooks");
      }
      out.add(core::Diagnostic{.severity = core::Severity::kError,
                               .file = s.file,
                               .line = line,
                               .column = 0,
                               .field = pathJoin(pathJoin(path, "webhooks"), key),
                               .value = {},
                               .rule = rule});
    }
  };
  observation(s.defaults, "spec.defaults");
  for (std::size_t i = 0; i < s.ticks.size(); ++i)
    observation(s.ticks[i].obs, pathIndex("spec.ticks", i));
  sortByLine(out);
  return out;
}

core::Diagnostics scriptMismatches(const core::Script& s, const core::argo::ArgoEngine& rollout) {
  core::Diagnostics out;
  foreignFields(
      s, {"ticks", "defaults"},
      "a Flagger Canary's field, but the target " + core::quoted(rollout.rollout().name) +
          " is an Argo Rollout (script it with measurements, podStartup, actions and until)",
      out);
  // Every scripted metric must exist in the rollout (a misspelt name would never be used):
  // argo/run.cpp runArgoScript refuses it too, without the nearest name.
  std::vector<std::string> names;
  for (const auto* m : rollout.allMetrics()) names.push_back(m->name);
  for (const auto& [name, list] : s.measurements) {
    if (std::find(names.begin(), names.end(), name) != names.end()) continue;
    const auto line = s.measurementLines.find(name);
    out.add(core::Diagnostic{.severity = core::Severity::kError,
                             .file = s.file,
                             .line = line == s.measurementLines.end() ? s.line : line->second,
                             .column = 0,
                             .field = "spec.measurements." + name,
                             .value = {},
                             .rule = "the rollout has no metric of that name" +
                                     knownNames(name, names, names, "metrics")});
  }
  sortByLine(out);
  return out;
}

}  // namespace rolloutlab::io
