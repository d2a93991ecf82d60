#include "rolloutlab/app/check_policy.h"

#include <filesystem>
#include <set>

#include "rolloutlab/io/decode.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/tune/space.h"

namespace rolloutlab::app {

using io::Decoder;
using io::pathIndex;
using io::pathJoin;

namespace {

bool globAt(const std::string& g, std::size_t gi, const std::string& p, std::size_t pi) {
  while (gi < g.size()) {
    if (g.compare(gi, 2, "**") == 0) {
      std::size_t next = gi + 2;
      // `**/` also matches no folder at all.
      if (next < g.size() && g[next] == '/' && globAt(g, next + 1, p, pi)) return true;
      for (std::size_t k = pi; k <= p.size(); ++k) {
        if (globAt(g, next, p, k)) return true;
      }
      return false;
    }
    if (g[gi] == '*') {
      for (std::size_t k = pi; k <= p.size(); ++k) {
        if (globAt(g, gi + 1, p, k)) return true;
        if (k < p.size() && p[k] == '/') break;
      }
      return false;
    }
    if (pi >= p.size()) return false;
    if (g[gi] == '?') {
      if (p[pi] == '/') return false;
    } else if (g[gi] != p[pi]) {
      return false;
    }
    ++gi;
    ++pi;
  }
  return pi == p.size();
}

std::vector<std::string> stringList(Decoder& d, const YAML::Node& map, const char* key,
                                    const std::string& path) {
  std::vector<std::string> out;
  const YAML::Node a = d.array(map, key, path);
  if (!a.IsDefined()) return out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const YAML::Node e = a[i];
    if (!e.IsScalar() || io::scalarKind(e) != io::ScalarKind::kString) {
      d.error(e, pathIndex(path, i), Decoder::shown(e),
              std::string("must be a string, not ") + io::typeName(e));
      continue;
    }
    out.push_back(e.Scalar());
  }
  return out;
}

void decodeSelector(Decoder& d, const YAML::Node& sel, const std::string& path, PolicyRule& r) {
  if (!d.expectMap(sel, path)) return;
  d.checkFields(sel, path, {"matchLabels", "matchExpressions"});
  r.hasSelector = true;
  const YAML::Node ml = d.object(sel, "matchLabels", pathJoin(path, "matchLabels"));
  if (ml.IsDefined()) {
    d.checkDuplicates(ml, pathJoin(path, "matchLabels"));
    for (auto it = ml.begin(); it != ml.end(); ++it) {
      const std::string key = it->first.Scalar();
      const std::string p = pathJoin(pathJoin(path, "matchLabels"), key);
      if (!it->second.IsScalar() || io::scalarKind(it->second) != io::ScalarKind::kString) {
        d.error(it->second, p, Decoder::shown(it->second),
                std::string("must be a string (a label value), not ") + io::typeName(it->second));
        continue;
      }
      r.matchLabels[key] = it->second.Scalar();
    }
  }
  const std::string ep = pathJoin(path, "matchExpressions");
  const YAML::Node ex = d.array(sel, "matchExpressions", ep);
  if (!ex.IsDefined()) return;
  for (std::size_t i = 0; i < ex.size(); ++i) {
    const std::string p = pathIndex(ep, i);
    if (!d.expectMap(ex[i], p)) continue;
    d.checkFields(ex[i], p, {"key", "operator", "values"});
    LabelRequirement q;
    if (!d.require(ex[i], "key", pathJoin(p, "key")) ||
        !d.require(ex[i], "operator", pathJoin(p, "operator")))
      continue;
    auto key = d.str(ex[i], "key", pathJoin(p, "key"));
    auto op = d.str(ex[i], "operator", pathJoin(p, "operator"));
    if (!key || !op) continue;
    q.key = *key;
    q.op = *op;
    q.values = stringList(d, ex[i], "values", pathJoin(p, "values"));
    // k8s.io/apimachinery/pkg/labels/selector.go NewRequirement: In and NotIn need values,
    // Exists and DoesNotExist take none.
    const YAML::Node opNode = Decoder::child(ex[i], "operator");
    if (q.op == "In" || q.op == "NotIn") {
      if (q.values.empty()) {
        d.error(opNode, pathJoin(p, "values"), "",
                "must hold at least one value for operator " + q.op);
        continue;
      }
    } else if (q.op == "Exists" || q.op == "DoesNotExist") {
      if (!q.values.empty()) {
        d.error(Decoder::child(ex[i], "values"), pathJoin(p, "values"), "",
                "must be empty for operator " + q.op);
        continue;
      }
    } else {
      d.error(opNode, pathJoin(p, "operator"), core::quoted(q.op),
              "must be In, NotIn, Exists or DoesNotExist");
      continue;
    }
    r.matchExpressions.push_back(std::move(q));
  }
}

void decodeRule(Decoder& d, const YAML::Node& n, const std::string& path,
                std::set<std::string>& names, Policy& out) {
  if (!d.expectMap(n, path)) return;
  d.checkFields(n, path, {"name", "match", "constraints"});
  PolicyRule r;
  r.line = d.line(n);
  if (d.require(n, "name", pathJoin(path, "name"))) {
    if (auto v = d.str(n, "name", pathJoin(path, "name"))) {
      if (v->empty()) {
        d.error(Decoder::child(n, "name"), pathJoin(path, "name"), "\"\"", "must not be empty");
      } else if (!names.insert(*v).second) {
        d.error(Decoder::child(n, "name"), pathJoin(path, "name"), core::quoted(*v),
                "names another rule of this policy too (rule names are unique)");
      }
      r.name = *v;
    }
  }
  const std::string mp = pathJoin(path, "match");
  const YAML::Node m = d.object(n, "match", mp);
  if (m.IsDefined()) {
    d.checkFields(m, mp, {"namespaces", "selector", "paths"});
    r.namespaces = stringList(d, m, "namespaces", pathJoin(mp, "namespaces"));
    const YAML::Node sel = Decoder::child(m, "selector");
    if (sel.IsDefined() && !sel.IsNull()) decodeSelector(d, sel, pathJoin(mp, "selector"), r);
    r.paths = stringList(d, m, "paths", pathJoin(mp, "paths"));
  }
  const std::string cp = pathJoin(path, "constraints");
  if (!d.require(n, "constraints", cp)) return;
  const YAML::Node cs = d.object(n, "constraints", cp);
  if (!cs.IsDefined()) return;
  tune::decodeConstraints(d, cs, cp, r.constraints);
  // `outcome` binds one recording run as recorded (tune); check runs Scenarios many times.
  if (const YAML::Node per = Decoder::child(cs, "scenarios"); per.IsSequence()) {
    for (std::size_t i = 0; i < per.size(); ++i) {
      const YAML::Node o = per[i].IsMap() ? Decoder::child(per[i], "outcome") : YAML::Node();
      if (!o.IsDefined()) continue;
      d.error(o, pathJoin(pathIndex(pathJoin(cp, "scenarios"), i), "outcome"), Decoder::shown(o),
              "is for a Replay tuned as recorded (tune); check runs each Scenario many times: "
              "bound escapeRate or falseRollbackRate");
    }
  }
  bool any = false;
  for (const char* k :
       {"falseRollbackRate", "escapeRate", "meanExcessErrors", "meanTimeToPromotion", "scenarios"})
    any = any || Decoder::child(cs, k).IsDefined();
  if (!any) {
    d.error(cs, cp, "",
            "needs at least one bound (falseRollbackRate, escapeRate, meanExcessErrors, "
            "meanTimeToPromotion, scenarios)");
  }
  out.rules.push_back(std::move(r));
}

}  // namespace

bool globMatch(const std::string& glob, const std::string& path) {
  return globAt(glob, 0, path, 0);
}

bool PolicyRule::matches(const SpecIdentity& spec) const {
  if (!namespaces.empty()) {
    bool any = false;
    for (const auto& n : namespaces) any = any || n == spec.ns;
    if (!any) return false;
  }
  // k8s.io/apimachinery/pkg/labels/selector.go Requirement.Matches: matchLabels are `In`
  // requirements; NotIn and DoesNotExist hold when the label is absent.
  for (const auto& [k, v] : matchLabels) {
    auto it = spec.labels.find(k);
    if (it == spec.labels.end() || it->second != v) return false;
  }
  for (const auto& q : matchExpressions) {
    auto it = spec.labels.find(q.key);
    const bool has = it != spec.labels.end();
    bool in = false;
    for (const auto& v : q.values) in = in || (has && it->second == v);
    if (q.op == "In" && !in) return false;
    if (q.op == "NotIn" && in) return false;
    if (q.op == "Exists" && !has) return false;
    if (q.op == "DoesNotExist" && has) return false;
  }
  if (!paths.empty()) {
    bool any = false;
    for (const auto& g : paths) any = any || globMatch(g, spec.path);
    if (!any) return false;
  }
  return true;
}

Policy defaultPolicy() {
  Policy p;
  p.name = "rolloutlab-default";
  PolicyRule r;
  r.name = "default";
  tune::Constraint fr;
  fr.measure = tune::Measure::kFalseRollbackRate;
  fr.max = 0.05;
  tune::Constraint esc;
  esc.measure = tune::Measure::kEscapeRate;
  esc.max = 0.5;
  r.constraints = {fr, esc};
  p.rules.push_back(std::move(r));
  return p;
}

bool decodePolicy(const io::Document& doc, core::Diagnostics& diags, Policy& out) {
  const int before = diags.errors();
  Decoder d(doc, diags);
  out.file = doc.file;
  out.line = doc.line;
  d.checkFields(doc.node, "", {"apiVersion", "kind", "metadata", "spec"});
  if (doc.apiVersion != "rolloutlab.io/v1alpha1") {
    d.error(Decoder::child(doc.node, "apiVersion"), "apiVersion", core::quoted(doc.apiVersion),
            "must be rolloutlab.io/v1alpha1");
  }
  const YAML::Node md = d.object(doc.node, "metadata", "metadata");
  if (md.IsDefined()) {
    d.checkFields(md, "metadata", {"name", "namespace", "labels", "annotations"});
    if (d.require(md, "name", "metadata.name")) {
      if (auto v = d.str(md, "name", "metadata.name")) out.name = *v;
    }
  } else {
    d.error(doc.node, "metadata", "", "required field is missing");
  }
  const YAML::Node spec = d.object(doc.node, "spec", "spec");
  if (!spec.IsDefined()) {
    d.error(doc.node, "spec", "", "required field is missing");
    return false;
  }
  d.checkFields(spec, "spec", {"rules", "scenarios", "seed", "runs"});
  const auto base = std::filesystem::path(doc.file).parent_path();
  for (const auto& s : stringList(d, spec, "scenarios", "spec.scenarios")) {
    const std::filesystem::path p(s);
    out.scenarios.push_back(p.is_absolute() || doc.file.rfind('<', 0) == 0
                                ? s
                                : (base / p).lexically_normal().generic_string());
  }
  if (auto v = d.integer(spec, "seed", "spec.seed")) {
    if (*v < 0) {
      d.error(Decoder::child(spec, "seed"), "spec.seed", std::to_string(*v), "must be >= 0");
    } else {
      out.seed = static_cast<std::uint64_t>(*v);
    }
  }
  const YAML::Node runs = d.object(spec, "runs", "spec.runs");
  if (runs.IsDefined()) {
    d.checkFields(runs, "spec.runs", {"initial", "max"});
    for (auto [key, slot] :
         {std::pair<const char*, std::optional<std::int64_t>*>{"initial", &out.initialRuns},
          {"max", &out.maxRuns}}) {
      if (auto v = d.integer(runs, key, pathJoin("spec.runs", key))) {
        if (*v < 1 || *v > 1000000) {
          d.error(Decoder::child(runs, key), pathJoin("spec.runs", key), std::to_string(*v),
                  "must be between 1 and 1000000");
        } else {
          *slot = *v;
        }
      }
    }
    if (out.initialRuns && out.maxRuns && *out.maxRuns < *out.initialRuns) {
      d.error(Decoder::child(runs, "max"), "spec.runs.max", std::to_string(*out.maxRuns),
              "must be at least spec.runs.initial (" + std::to_string(*out.initialRuns) + ")");
    }
  }
  if (!d.require(spec, "rules", "spec.rules")) return false;
  const YAML::Node rules = d.array(spec, "rules", "spec.rules");
  if (rules.IsDefined() && rules.size() == 0)
    d.error(rules, "spec.rules", "", "needs at least one rule");
  std::set<std::string> names;
  for (std::size_t i = 0; rules.IsDefined() && i < rules.size(); ++i)
    decodeRule(d, rules[i], pathIndex("spec.rules", i), names, out);
  return diags.errors() == before;
}

}  // namespace rolloutlab::app
