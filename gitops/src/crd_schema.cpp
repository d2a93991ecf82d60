#include "rolloutlab/gitops/crd_schema.h"

#include <re2/re2.h>

#include <cmath>
#include <limits>
#include <mutex>

#include "rolloutlab/core/number_format.h"
#include "rolloutlab/io/decode.h"
#include "rolloutlab/io/yaml_sync.h"

namespace rolloutlab::gitops {

namespace {

bool isNullish(const YAML::Node& n) { return !n || !n.IsDefined() || n.IsNull(); }

bool flagTrue(const YAML::Node& schema, const char* key) {
  const YAML::Node v = schema[key];
  return v && v.IsScalar() && v.Scalar() == "true";
}

std::optional<double> numberOf(const YAML::Node& n) {
  if (!n || !n.IsScalar()) return std::nullopt;
  const io::ScalarKind k = io::scalarKind(n);
  if (k != io::ScalarKind::kInt && k != io::ScalarKind::kFloat) return std::nullopt;
  return io::parseNumber(n.Scalar());
}

std::size_t codePoints(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string numText(double v) {
  if (v == std::floor(v) && std::fabs(v) < 9e15) return core::formatFixed(v, 0);
  // shortest text that reads back
  for (int p = 1; p <= 17; ++p) {
    std::string s = core::formatGeneral(v, p);
    if (std::strtod(s.c_str(), nullptr) == v) return s;
  }
  return core::formatGeneral(v, 17);
}

}  // namespace

struct CrdSchemas::Impl {
  struct Entry {
    std::string group, kind, version, crdName, file;
    YAML::Node schema;
  };
  std::vector<Entry> entries;
  mutable std::mutex mu;
  mutable std::map<std::string, std::shared_ptr<re2::RE2>> regexes;

  const Entry* find(const std::string& apiVersion, const std::string& kind) const {
    const auto slash = apiVersion.find('/');
    const std::string group = slash == std::string::npos ? "" : apiVersion.substr(0, slash);
    const std::string version =
        slash == std::string::npos ? apiVersion : apiVersion.substr(slash + 1);
    for (const auto& e : entries) {
      if (e.group == group && e.kind == kind && e.version == version) return &e;
    }
    return nullptr;
  }

  std::shared_ptr<re2::RE2> regex(const std::string& pattern) const {
    std::lock_guard<std::mutex> lock(mu);
    auto& r = regexes[pattern];
    if (!r) {
      re2::RE2::Options o;
      o.set_log_errors(false);
      r = std::make_shared<re2::RE2>(pattern, o);
    }
    return r;
  }
};

namespace {

struct Checker {
  const CrdSchemas::Impl& impl;
  const io::Document& doc;
  const std::string& crdName;
  core::Diagnostics& diags;

  int line(const YAML::Node& n) const {
    return n && n.Mark().line >= 0 ? n.Mark().line + 1 : doc.line;
  }

  void error(const YAML::Node& at, const std::string& path, const YAML::Node& value,
             const std::string& rule) {
    diags.add({core::Severity::kError, doc.file, line(at), 0, path,
               !value.IsDefined() || value.IsNull() ? ""
               : value.IsScalar()                   ? io::Decoder::shown(value)
                                                    : io::yamlFlowText(value).substr(0, 80),
               rule + " (CRD " + crdName + ")"});
  }

  static std::string child(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  bool typeOk(const YAML::Node& n, const std::string& type) const {
    if (type == "object") return n.IsMap();
    if (type == "array") return n.IsSequence();
    if (!n.IsScalar()) return false;
    const io::ScalarKind k = io::scalarKind(n);
    if (type == "string") return k == io::ScalarKind::kString;
    if (type == "boolean") return k == io::ScalarKind::kBool;
    if (type == "number") return k == io::ScalarKind::kInt || k == io::ScalarKind::kFloat;
    if (type == "integer") {
      if (k == io::ScalarKind::kInt) return true;
      // go-openapi/validate accepts a float64 with no fraction as an integer.
      if (k != io::ScalarKind::kFloat) return false;
      const auto v = io::parseNumber(n.Scalar());
      return v && std::isfinite(*v) && *v == std::floor(*v);
    }
    return true;
  }

  /// Returns the number of errors added.
  int check(const YAML::Node& n, const YAML::Node& s, const std::string& path) {
    const int before = diags.errors();
    if (!s || !s.IsMap()) return 0;
    if (isNullish(n)) {
      // The API server prunes a null that the schema does not declare nullable before
      // validating (apiextensions-apiserver pkg/apiserver/schema/pruning), so it is no error.
      return 0;
    }
    const bool intOrString = flagTrue(s, "x-kubernetes-int-or-string");
    if (intOrString) {
      if (!typeOk(n, "integer") && !typeOk(n, "string")) {
        error(n, path, n, "must be an integer or a string, not " + std::string(io::typeName(n)));
        return diags.errors() - before;
      }
    } else if (const YAML::Node t = s["type"]; t && t.IsScalar()) {
      if (!typeOk(n, t.Scalar())) {
        error(n, path, n,
              "must be " +
                  std::string(t.Scalar() == "integer" || t.Scalar() == "object" ||
                                      t.Scalar() == "array"
                                  ? "an "
                                  : "a ") +
                  t.Scalar() + ", not " + io::typeName(n));
        return diags.errors() - before;
      }
    }
    if (const YAML::Node e = s["enum"]; e && e.IsSequence()) {
      bool hit = false;
      std::string list;
      for (std::size_t i = 0; i < e.size(); ++i) {
        hit = hit || io::yamlEqual(n, e[i]);
        list += (i ? ", " : "") + io::yamlFlowText(e[i]);
      }
      if (!hit) error(n, path, n, "must be one of [" + list + "]");
    }
    if (n.IsScalar()) checkScalar(n, s, path);
    if (n.IsSequence()) {
      if (const auto mn = numberOf(s["minItems"]); mn && static_cast<double>(n.size()) < *mn)
        error(n, path, n, "must have at least " + numText(*mn) + " item(s)");
      if (const auto mx = numberOf(s["maxItems"]); mx && static_cast<double>(n.size()) > *mx)
        error(n, path, n, "must have at most " + numText(*mx) + " item(s)");
      if (const YAML::Node items = s["items"]; items && items.IsMap()) {
        for (std::size_t i = 0; i < n.size(); ++i)
          check(n[i], items, path + "[" + std::to_string(i) + "]");
      }
    }
    if (n.IsMap()) checkObject(n, s, path);
    if (const YAML::Node all = s["allOf"]; all && all.IsSequence()) {
      for (std::size_t i = 0; i < all.size(); ++i) check(n, all[i], path);
    }
    if (const YAML::Node any = s["anyOf"]; any && any.IsSequence() && any.size() > 0) {
      std::size_t passing = 0;
      for (std::size_t i = 0; i < any.size(); ++i) passing += quietPass(n, any[i], path);
      if (passing == 0) error(n, path, n, "matches none of the schemas of anyOf");
    }
    if (const YAML::Node one = s["oneOf"]; one && one.IsSequence() && one.size() > 0) {
      std::size_t passing = 0;
      for (std::size_t i = 0; i < one.size(); ++i) passing += quietPass(n, one[i], path);
      if (passing != 1)
        error(n, path, n,
              "must match exactly one of the schemas of oneOf (matches " + std::to_string(passing) +
                  ")");
    }
    if (const YAML::Node no = s["not"]; no && no.IsMap()) {
      if (quietPass(n, no, path)) error(n, path, n, "must not match the schema of `not`");
    }
    return diags.errors() - before;
  }

  bool quietPass(const YAML::Node& n, const YAML::Node& s, const std::string& path) {
    core::Diagnostics scratch;
    Checker c{impl, doc, crdName, scratch};
    c.check(n, s, path);
    return scratch.errors() == 0;
  }

  void checkScalar(const YAML::Node& n, const YAML::Node& s, const std::string& path) {
    const io::ScalarKind k = io::scalarKind(n);
    if (k == io::ScalarKind::kInt || k == io::ScalarKind::kFloat) {
      const auto v = io::parseNumber(n.Scalar());
      if (!v) return;
      const YAML::Node fmt = s["format"];
      if (fmt && fmt.IsScalar()) {
        if (fmt.Scalar() == "int32" && (*v < -2147483648.0 || *v > 2147483647.0))
          error(n, path, n, "must fit in a 32-bit integer (format int32)");
        if (fmt.Scalar() == "int64" && (*v < -9223372036854775808.0 || *v >= 9223372036854775808.0))
          error(n, path, n, "must fit in a 64-bit integer (format int64)");
      }
      if (const auto mn = numberOf(s["minimum"])) {
        const bool excl = flagTrue(s, "exclusiveMinimum");
        if (excl ? !(*v > *mn) : !(*v >= *mn))
          error(n, path, n,
                std::string("must be ") + (excl ? "greater than " : "at least ") + numText(*mn));
      }
      if (const auto mx = numberOf(s["maximum"])) {
        const bool excl = flagTrue(s, "exclusiveMaximum");
        if (excl ? !(*v < *mx) : !(*v <= *mx))
          error(n, path, n,
                std::string("must be ") + (excl ? "less than " : "at most ") + numText(*mx));
      }
      if (const auto mult = numberOf(s["multipleOf"]); mult && *mult > 0) {
        const double q = *v / *mult;
        if (q != std::floor(q)) error(n, path, n, "must be a multiple of " + numText(*mult));
      }
    }
    if (k == io::ScalarKind::kString || flagTrue(s, "x-kubernetes-int-or-string")) {
      if (k != io::ScalarKind::kString) return;
      const std::string& v = n.Scalar();
      if (const auto mn = numberOf(s["minLength"]); mn && static_cast<double>(codePoints(v)) < *mn)
        error(n, path, n, "must be at least " + numText(*mn) + " character(s) long");
      if (const auto mx = numberOf(s["maxLength"]); mx && static_cast<double>(codePoints(v)) > *mx)
        error(n, path, n, "must be at most " + numText(*mx) + " character(s) long");
      if (const YAML::Node p = s["pattern"]; p && p.IsScalar()) {
        const auto re = impl.regex(p.Scalar());
        if (!re->ok()) return;  // the API server would have refused the CRD itself
        if (!re2::RE2::PartialMatch(v, *re)) error(n, path, n, "must match " + p.Scalar());
      }
    }
  }

  void checkObject(const YAML::Node& n, const YAML::Node& s, const std::string& path) {
    if (const YAML::Node req = s["required"]; req && req.IsSequence()) {
      for (std::size_t i = 0; i < req.size(); ++i) {
        if (!req[i].IsScalar()) continue;
        const YAML::Node v = n[req[i].Scalar()];
        if (!v) error(n, child(path, req[i].Scalar()), YAML::Node(), "is required");
      }
    }
    if (const auto mn = numberOf(s["minProperties"]); mn && static_cast<double>(n.size()) < *mn)
      error(n, path, YAML::Node(), "must have at least " + numText(*mn) + " field(s)");
    if (const auto mx = numberOf(s["maxProperties"]); mx && static_cast<double>(n.size()) > *mx)
      error(n, path, YAML::Node(), "must have at most " + numText(*mx) + " field(s)");
    const YAML::Node props = s["properties"];
    const YAML::Node additional = s["additionalProperties"];
    const bool preserve = flagTrue(s, "x-kubernetes-preserve-unknown-fields");
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      const std::string key = it->first.Scalar();
      const std::string p = child(path, key);
      if (props && props.IsMap() && props[key]) {
        check(it->second, props[key], p);
      } else if (additional && additional.IsMap()) {
        check(it->second, additional, p);
      } else if (additional && additional.IsScalar() && additional.Scalar() == "false") {
        error(it->first, p, YAML::Node(),
              "is not a field of this object (additionalProperties: false)");
      } else if (props && props.IsMap() && props.size() > 0 && !preserve &&
                 !(path.empty() && (key == "apiVersion" || key == "kind" || key == "metadata"))) {
        std::vector<std::string> known;
        for (auto jt = props.begin(); jt != props.end(); ++jt) known.push_back(jt->first.Scalar());
        const std::string near = io::nearest(key, known);
        error(it->first, p, YAML::Node(),
              "is not a field of the schema (the API server refuses it under strict field "
              "validation)" +
                  (near.empty() ? std::string() : "; did you mean " + near + "?"));
      }
    }
  }
};

}  // namespace

CrdSchemas::CrdSchemas() : impl_(std::make_unique<Impl>()) {}
CrdSchemas::~CrdSchemas() = default;
CrdSchemas::CrdSchemas(CrdSchemas&&) noexcept = default;
CrdSchemas& CrdSchemas::operator=(CrdSchemas&&) noexcept = default;

bool CrdSchemas::add(const io::Document& crd) {
  if (crd.kind != "CustomResourceDefinition" || crd.group() != "apiextensions.k8s.io") return false;
  const YAML::Node spec = crd.node["spec"];
  if (!spec || !spec.IsMap()) return false;
  const YAML::Node group = spec["group"];
  const YAML::Node kind = spec["names"] ? spec["names"]["kind"] : YAML::Node();
  if (!group || !group.IsScalar() || !kind || !kind.IsScalar()) return false;
  bool added = false;
  const YAML::Node versions = spec["versions"];
  const YAML::Node shared =
      spec["validation"] ? spec["validation"]["openAPIV3Schema"] : YAML::Node();
  auto addOne = [&](const std::string& version, const YAML::Node& schema) {
    if (!schema || !schema.IsMap()) return;
    for (auto& e : impl_->entries) {
      if (e.group == group.Scalar() && e.kind == kind.Scalar() && e.version == version) {
        e = {group.Scalar(), kind.Scalar(), version, crd.name, crd.file, schema};
        added = true;
        return;
      }
    }
    impl_->entries.push_back({group.Scalar(), kind.Scalar(), version, crd.name, crd.file, schema});
    added = true;
  };
  if (versions && versions.IsSequence()) {
    for (std::size_t i = 0; i < versions.size(); ++i) {
      const YAML::Node v = versions[i];
      if (!v.IsMap() || !v["name"] || !v["name"].IsScalar()) continue;
      const YAML::Node schema = v["schema"] ? v["schema"]["openAPIV3Schema"] : shared;
      addOne(v["name"].Scalar(), schema ? schema : shared);
    }
  } else if (spec["version"] && spec["version"].IsScalar()) {
    addOne(spec["version"].Scalar(), shared);
  }
  return added;
}

int CrdSchemas::addAll(const std::vector<io::Document>& docs) {
  int n = 0;
  for (const auto& d : docs) n += add(d) ? 1 : 0;
  return n;
}

bool CrdSchemas::covers(const std::string& apiVersion, const std::string& kind) const {
  return impl_->find(apiVersion, kind) != nullptr;
}

std::string CrdSchemas::validate(const io::Document& doc, core::Diagnostics& diags) const {
  const Impl::Entry* e = impl_->find(doc.apiVersion, doc.kind);
  if (e == nullptr) return "";
  Checker c{*impl_, doc, e->crdName, diags};
  c.check(doc.node, e->schema, "");
  return e->crdName + " " + e->version + " (" + e->file + ")";
}

std::vector<std::string> CrdSchemas::sources() const {
  std::vector<std::string> out;
  for (const auto& e : impl_->entries) {
    const std::string s = e.crdName + " " + e.version + " (" + e.file + ")";
    bool dup = false;
    for (const auto& o : out) dup = dup || o == s;
    if (!dup) out.push_back(s);
  }
  return out;
}

}  // namespace rolloutlab::gitops
