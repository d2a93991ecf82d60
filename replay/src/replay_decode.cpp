#include "rolloutlab/replay/replay_decode.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "rolloutlab/io/decode.h"
#include "rolloutlab/io/own_kind.h"
#include "rolloutlab/io/scenario_decode.h"
#include "rolloutlab/io/script_decode.h"
#include "rolloutlab/replay/time.h"

namespace rolloutlab::replay {

using io::Decoder;
using io::pathIndex;
using io::pathJoin;

namespace {

// ASCII case-insensitive equality (HTTP header names).
bool iequals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lo = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lo(a[i]) != lo(b[i])) return false;
  }
  return true;
}

std::string resolve(const std::string& docFile, const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(docFile).parent_path() / path).lexically_normal().string();
}

// A time: RFC 3339 or Unix seconds (a YAML number or string).
std::optional<double> time(Decoder& d, const YAML::Node& map, const char* key,
                           const std::string& path) {
  const YAML::Node n = Decoder::child(map, key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (n.IsScalar()) {
    if (auto t = parseTime(n.Scalar())) return t;
  }
  d.error(n, path, Decoder::shown(n),
          "must be an RFC 3339 time (2024-01-01T00:00:00Z) or Unix seconds");
  return std::nullopt;
}

std::optional<double> interval(Decoder& d, const YAML::Node& map, const char* key,
                               const std::string& path) {
  const YAML::Node n = Decoder::child(map, key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (n.IsScalar()) {
    if (auto v = parseInterval(n.Scalar())) return v;
  }
  d.error(n, path, Decoder::shown(n), "must be a duration > 0 (e.g. 15s, 1m) or seconds");
  return std::nullopt;
}

// A file the document names must exist: the error points at the field that names it, not at
// a file nobody wrote.
void readable(Decoder& d, const YAML::Node& n, const std::string& path, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (in) return;
  const int err = errno;
  d.error(
      n, path, Decoder::shown(n),
      "cannot read " + file + (err != 0 ? std::string(": ") + std::strerror(err) : std::string()));
}

std::vector<std::string> files(Decoder& d, const YAML::Node& map, const char* key,
                               const std::string& path, const std::string& docFile) {
  std::vector<std::string> out;
  const YAML::Node a = d.array(map, key, path);
  if (!a.IsDefined()) return out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const YAML::Node n = a[i];
    if (!n.IsScalar() || n.Scalar().empty()) {
      d.error(n, pathIndex(path, i), Decoder::shown(n), "must be a file path");
      continue;
    }
    out.push_back(resolve(docFile, n.Scalar()));
    readable(d, n, pathIndex(path, i), out.back());
  }
  return out;
}

}  // namespace

bool decodeReplay(const io::Document& doc, core::Diagnostics& diags, ReplaySpec& r) {
  const int before = diags.errors();
  Decoder d(doc, diags);
  r.file = doc.file;
  r.line = doc.line;
  const YAML::Node spec =
      io::decodeOwnKindEnvelope(d, doc, r.name, {.description = &r.description});
  if (!spec.IsDefined()) return false;
  d.checkFields(spec, "spec",
                {"release", "from", "to", "step", "prometheus", "queryRange", "csv", "series",
                 "accessLogs", "counterfactual", "scenario", "bootstrap"});
  if (auto v = d.str(spec, "release", "spec.release")) {
    if (*v == "good") {
      r.release = sim::Release::kGood;
    } else if (*v == "bad") {
      r.release = sim::Release::kBad;
    } else {
      d.error(Decoder::child(spec, "release"), "spec.release", core::quoted(*v),
              "must be good or bad");
    }
  }
  if (d.require(spec, "from", "spec.from")) {
    if (auto t = time(d, spec, "from", "spec.from")) r.from = *t;
  }
  if (d.require(spec, "to", "spec.to")) {
    if (auto t = time(d, spec, "to", "spec.to")) r.to = *t;
  }
  if (auto s = interval(d, spec, "step", "spec.step")) r.step = *s;

  const YAML::Node pr = d.object(spec, "prometheus", "spec.prometheus");
  if (pr.IsDefined()) {
    d.checkFields(pr, "spec.prometheus",
                  {"url", "timeout", "retries", "bearerTokenFile", "bearerTokenEnv", "basicAuthEnv",
                   "serverErrors", "caFile", "headers"});
    PrometheusOptions o;
    if (d.require(pr, "url", "spec.prometheus.url")) {
      if (auto v = d.str(pr, "url", "spec.prometheus.url")) o.url = *v;
    }
    if (auto v = interval(d, pr, "timeout", "spec.prometheus.timeout")) o.timeoutSeconds = *v;
    if (auto v = d.integer(pr, "retries", "spec.prometheus.retries")) {
      if (*v < 0 || *v > 20) {
        d.error(Decoder::child(pr, "retries"), "spec.prometheus.retries", std::to_string(*v),
                "must be 0..20");
      } else {
        o.retries = static_cast<int>(*v);
      }
    }
    int auths = 0;
    if (auto v = d.str(pr, "bearerTokenFile", "spec.prometheus.bearerTokenFile")) {
      o.auth = AuthKind::kBearerTokenFile;
      o.authSource = resolve(doc.file, *v);
      ++auths;
    }
    if (auto v = d.str(pr, "bearerTokenEnv", "spec.prometheus.bearerTokenEnv")) {
      o.auth = AuthKind::kBearerTokenEnv;
      o.authSource = *v;
      ++auths;
    }
    if (auto v = d.str(pr, "basicAuthEnv", "spec.prometheus.basicAuthEnv")) {
      o.auth = AuthKind::kBasicAuthEnv;
      o.authSource = *v;
      ++auths;
    }
    if (auths > 1) {
      d.error(pr, "spec.prometheus", "",
              "give one of bearerTokenFile, bearerTokenEnv and basicAuthEnv");
    }
    if (auto v = d.str(pr, "serverErrors", "spec.prometheus.serverErrors")) {
      if (*v == "abort") {
        o.serverErrors = ServerErrors::kAbort;
      } else if (*v == "trace") {
        o.serverErrors = ServerErrors::kTrace;
      } else {
        d.error(Decoder::child(pr, "serverErrors"), "spec.prometheus.serverErrors",
                core::quoted(*v), "must be abort or trace");
      }
    }
    if (auto v = d.str(pr, "caFile", "spec.prometheus.caFile")) o.caFile = resolve(doc.file, *v);
    // headers: {X-Scope-OrgID: tenant-1}. Messages never show a value.
    const YAML::Node hs = d.object(pr, "headers", "spec.prometheus.headers");
    if (hs.IsDefined()) {
      d.checkDuplicates(hs, "spec.prometheus.headers");
      for (const auto& kv : hs) {
        const std::string path = pathJoin("spec.prometheus.headers", kv.first.Scalar());
        if (!kv.second.IsScalar()) {
          d.error(kv.second, path, "", "must be a string");
          continue;
        }
        HttpHeader h{kv.first.Scalar(), kv.second.Scalar()};
        std::string why;
        bool twice = false;
        for (const auto& seen : o.headers) twice = twice || iequals(seen.name, h.name);
        if (!h.isValid(&why)) {
          d.error(kv.second, path, "", why);
        } else if (twice) {
          d.error(kv.first, path, "", "the same header twice (names ignore case)");
        } else {
          o.headers.push_back(std::move(h));
        }
      }
    }
    std::string why;
    if (!o.url.empty() && !o.isValid(&why))
      d.error(Decoder::child(pr, "url"), "spec.prometheus.url", core::quoted(o.url), why);
    r.prometheus = o;
  }

  const YAML::Node qr = d.array(spec, "queryRange", "spec.queryRange");
  if (qr.IsDefined()) {
    for (std::size_t i = 0; i < qr.size(); ++i) {
      const std::string p = pathIndex("spec.queryRange", i);
      const YAML::Node e = qr[i];
      if (!d.expectMap(e, p)) continue;
      d.checkFields(e, p, {"metric", "variant", "file"});
      ReplaySpec::NamedFile f;
      if (d.require(e, "metric", pathJoin(p, "metric"))) {
        if (auto v = d.str(e, "metric", pathJoin(p, "metric"))) f.metric = *v;
      }
      if (auto v = d.str(e, "variant", pathJoin(p, "variant"))) {
        f.variant = variantFromString(*v);
        if (!f.variant)
          d.error(Decoder::child(e, "variant"), pathJoin(p, "variant"), core::quoted(*v),
                  "must be canary or primary");
      }
      if (d.require(e, "file", pathJoin(p, "file"))) {
        if (auto v = d.str(e, "file", pathJoin(p, "file"))) {
          f.path = resolve(doc.file, *v);
          readable(d, Decoder::child(e, "file"), pathJoin(p, "file"), f.path);
        }
      }
      r.queryRange.push_back(std::move(f));
    }
  }
  r.csv = files(d, spec, "csv", "spec.csv", doc.file);
  r.series = files(d, spec, "series", "spec.series", doc.file);

  const YAML::Node al = d.object(spec, "accessLogs", "spec.accessLogs");
  if (al.IsDefined()) {
    d.checkFields(al, "spec.accessLogs",
                  {"files", "format", "scrapeInterval", "variantField", "canaryMatch",
                   "primaryMatch", "timeField", "codeField", "durationField"});
    if (d.require(al, "files", "spec.accessLogs.files"))
      r.accessLogs = files(d, al, "files", "spec.accessLogs.files", doc.file);
    if (auto v = d.str(al, "format", "spec.accessLogs.format")) {
      if (auto f = logFormatFromString(*v)) {
        r.logOptions.format = *f;
      } else {
        d.error(Decoder::child(al, "format"), "spec.accessLogs.format", core::quoted(*v),
                "must be auto, envoy-json or nginx");
      }
    }
    if (auto v = interval(d, al, "scrapeInterval", "spec.accessLogs.scrapeInterval"))
      r.scrapeInterval = *v;
    if (auto v = d.str(al, "variantField", "spec.accessLogs.variantField"))
      r.logOptions.variantField = *v;
    if (auto v = d.str(al, "canaryMatch", "spec.accessLogs.canaryMatch"))
      r.logOptions.canaryMatch = *v;
    if (auto v = d.str(al, "primaryMatch", "spec.accessLogs.primaryMatch"))
      r.logOptions.primaryMatch = *v;
    if (auto v = d.str(al, "timeField", "spec.accessLogs.timeField")) r.logOptions.timeField = *v;
    if (auto v = d.str(al, "codeField", "spec.accessLogs.codeField")) r.logOptions.codeField = *v;
    if (auto v = d.str(al, "durationField", "spec.accessLogs.durationField"))
      r.logOptions.durationField = *v;
  }
  if (auto v = d.str(spec, "counterfactual", "spec.counterfactual")) {
    if (auto c = counterfactualFromString(*v)) {
      r.counterfactual = *c;
    } else {
      d.error(Decoder::child(spec, "counterfactual"), "spec.counterfactual", core::quoted(*v),
              "must be none, model or recorded");
    }
  }
  const YAML::Node bs = d.object(spec, "bootstrap", "spec.bootstrap");
  if (bs.IsDefined()) {
    d.checkFields(bs, "spec.bootstrap", {"blockSteps"});
    if (auto v = d.integer(bs, "blockSteps", "spec.bootstrap.blockSteps")) {
      if (*v < 0) {
        d.error(Decoder::child(bs, "blockSteps"), "spec.bootstrap.blockSteps", std::to_string(*v),
                "must be >= 0");
      } else {
        r.blockSteps = *v;
      }
    }
  }
  if (auto v = d.str(spec, "scenario", "spec.scenario")) {
    const std::string path = resolve(doc.file, *v);
    io::DocumentSet set = io::readDocuments({path});
    for (auto& item : set.diagnostics.items) diags.add(item);
    for (const auto& sd : set.documents) {
      if (!io::isRolloutlabKind(sd, "Scenario")) continue;
      sim::Scenario sc;
      if (io::decodeScenario(sd, diags, sc)) r.scenario = std::move(sc);
      break;
    }
    if (!r.scenario && set.diagnostics.errors() == 0) {
      d.error(Decoder::child(spec, "scenario"), "spec.scenario", core::quoted(*v),
              "the file holds no Scenario");
    }
  }
  if (diags.errors() == before) {
    try {
      r.validate();
    } catch (const core::InputError& e) {
      // Point at the field the rule is about when the document has it.
      core::Diagnostic diag = e.diagnostic();
      if (diag.field.rfind("spec.", 0) == 0) {
        YAML::Node n = spec;
        std::string rest = diag.field.substr(5);
        while (!rest.empty() && n.IsDefined() && n.IsMap()) {
          const auto dot = rest.find('.');
          n = Decoder::child(n, rest.substr(0, dot).c_str());
          rest = dot == std::string::npos ? "" : rest.substr(dot + 1);
        }
        if (n.IsDefined()) diag.line = d.line(n);
      }
      diags.add(diag);
    }
  }
  return diags.errors() == before;
}

}  // namespace rolloutlab::replay
