#include "rolloutlab/app/check.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

#include "rolloutlab/app/data_paths.h"
#include "rolloutlab/app/output.h"
#include "rolloutlab/app/tune_runner.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/core/go/duration.h"
#include "rolloutlab/core/number_format.h"
#include "rolloutlab/core/version.h"
#include "rolloutlab/gitops/export.h"
#include "rolloutlab/io/decode.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/tune/search.h"

namespace rolloutlab::app {

namespace fs = std::filesystem;
using io::jnum;
using io::Json;

namespace {

bool isCanary(const io::Document& d) { return d.kind == "Canary" && d.group() == "flagger.app"; }
bool isRollout(const io::Document& d) { return d.kind == "Rollout" && d.group() == "argoproj.io"; }
bool isArgoTemplate(const io::Document& d) {
  return (d.kind == "AnalysisTemplate" || d.kind == "ClusterAnalysisTemplate") &&
         d.group() == "argoproj.io";
}
bool isMetricTemplate(const io::Document& d) {
  return d.kind == "MetricTemplate" && d.group() == "flagger.app";
}

std::string nsOf(const std::string& ns) { return ns.empty() ? std::string("default") : ns; }
std::string keyOf(const std::string& kind, const std::string& ns, const std::string& name) {
  return kind + "/" + nsOf(ns) + "/" + name;
}

// ---- paths -------------------------------------------------------------------------------------

struct Paths {
  fs::path root;     // the repository folder (empty for a stream)
  fs::path library;  // the bundled library folder, when the suite is the library
  std::string show(const std::string& file) const {
    if (file.empty() || file[0] == '<') return file;
    auto inside = [&](const fs::path& base) -> std::optional<std::string> {
      if (base.empty()) return std::nullopt;
      const fs::path rel =
          fs::path(file).lexically_normal().lexically_relative(base.lexically_normal());
      const std::string s = rel.generic_string();
      if (s.empty() || s == "." || s.rfind("..", 0) == 0) return std::nullopt;
      return s;
    };
    if (auto s = inside(root)) return *s;
    // The bundled library as `scenarios/library/NAME`, the same on every machine.
    if (auto s = inside(library)) return "scenarios/library/" + *s;
    return fs::path(file).generic_string();
  }
};

// ---- YAML locations ----------------------------------------------------------------------------

struct Where {
  std::string file;
  int line = 0;
  int column = 0;
};

// The key node of `path` (map keys and sequence indices) in `root`, or the deepest one that
// exists; `found` tells whether the whole path exists.
Where locate(const io::Document& doc, const std::vector<std::string>& path, bool* found = nullptr) {
  Where w{doc.file, doc.line, 1};
  YAML::Node n;
  n.reset(doc.node);
  bool all = true;
  for (const auto& k : path) {
    if (n.IsMap()) {
      bool hit = false;
      for (auto it = n.begin(); it != n.end(); ++it) {
        if (it->first.IsScalar() && it->first.Scalar() == k) {
          const YAML::Mark m = it->first.Mark();
          if (m.line >= 0) w = {doc.file, m.line + 1, m.column + 1};
          YAML::Node next;
          next.reset(it->second);
          n.reset(next);
          hit = true;
          break;
        }
      }
      if (!hit) {
        all = false;
        break;
      }
    } else if (n.IsSequence()) {
      char* end = nullptr;
      const unsigned long i = std::strtoul(k.c_str(), &end, 10);
      if (end == k.c_str() || *end != '\0' || i >= n.size()) {
        all = false;
        break;
      }
      YAML::Node next;
      next.reset(n[i]);
      const YAML::Mark m = next.Mark();
      if (m.line >= 0) w = {doc.file, m.line + 1, m.column + 1};
      n.reset(next);
    } else {
      all = false;
      break;
    }
  }
  if (found) *found = all;
  return w;
}

YAML::Node childOf(const YAML::Node& n, const char* key) {
  if (!n.IsDefined() || !n.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  return io::Decoder::child(n, key);
}

// The names of the AnalysisTemplates a Rollout names anywhere in its spec (analysis,
// background analysis, analysis steps, pre/post promotion), in document order.
void templateNames(const YAML::Node& n, std::vector<std::string>& out) {
  if (n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == "templateName" && it->second.IsScalar()) {
        if (std::find(out.begin(), out.end(), it->second.Scalar()) == out.end())
          out.push_back(it->second.Scalar());
      } else {
        templateNames(it->second, out);
      }
    }
  } else if (n.IsSequence()) {
    for (std::size_t i = 0; i < n.size(); ++i) templateNames(n[i], out);
  }
}

// ---- specs -------------------------------------------------------------------------------------

struct SpecEntry {
  const io::Document* doc = nullptr;
  std::string kind, ns, name, key;
  std::vector<const io::Document*> templates;  // the templates it uses, in reference order
  std::vector<std::string> files;              // its file and its templates' files, load order
};

std::vector<SpecEntry> findSpecs(const std::vector<io::Document>& docs, const Workspace& ws) {
  std::set<std::string> valid;
  for (const auto& c : ws.canaries) valid.insert(keyOf("Canary", c.namespace_, c.name));
  for (const auto& r : ws.rollouts) valid.insert(keyOf("Rollout", r.namespace_, r.name));
  std::vector<std::string> fileOrder;
  for (const auto& d : docs) {
    if (std::find(fileOrder.begin(), fileOrder.end(), d.file) == fileOrder.end())
      fileOrder.push_back(d.file);
  }
  std::vector<SpecEntry> out;
  for (const auto& d : docs) {
    if (!isCanary(d) && !isRollout(d)) continue;
    SpecEntry e;
    e.doc = &d;
    e.kind = d.kind;
    e.ns = nsOf(d.namespace_);
    e.name = d.name;
    e.key = keyOf(d.kind, d.namespace_, d.name);
    if (!valid.count(e.key)) continue;  // its errors are in the report's `errors`
    std::vector<std::string> names;
    if (isCanary(d)) {
      // Flagger: spec.analysis.metrics[].templateRef {name, namespace (default: the Canary's)}.
      const YAML::Node ms = childOf(childOf(childOf(d.node, "spec"), "analysis"), "metrics");
      for (std::size_t i = 0; ms.IsSequence() && i < ms.size(); ++i) {
        const YAML::Node ref = childOf(ms[i], "templateRef");
        const YAML::Node nm = childOf(ref, "name");
        if (!nm.IsScalar()) continue;
        const YAML::Node tns = childOf(ref, "namespace");
        const std::string want = tns.IsScalar() ? tns.Scalar() : e.ns;
        for (const auto& t : docs) {
          if (isMetricTemplate(t) && t.name == nm.Scalar() && nsOf(t.namespace_) == want &&
              std::find(e.templates.begin(), e.templates.end(), &t) == e.templates.end())
            e.templates.push_back(&t);
        }
      }
    } else {
      templateNames(childOf(d.node, "spec"), names);
      for (const auto& n : names) {
        for (const auto& t : docs) {
          if (isArgoTemplate(t) && t.name == n &&
              (t.kind == "ClusterAnalysisTemplate" || nsOf(t.namespace_) == e.ns) &&
              std::find(e.templates.begin(), e.templates.end(), &t) == e.templates.end())
            e.templates.push_back(&t);
        }
      }
    }
    std::set<std::string> need = {d.file};
    for (const auto* t : e.templates) need.insert(t->file);
    for (const auto& f : fileOrder) {
      if (need.count(f)) e.files.push_back(f);
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::map<std::string, std::string> labelsOf(const io::Document& d) {
  std::map<std::string, std::string> out;
  const YAML::Node l = childOf(childOf(d.node, "metadata"), "labels");
  if (!l.IsMap()) return out;
  for (auto it = l.begin(); it != l.end(); ++it) {
    if (it->first.IsScalar() && it->second.IsScalar())
      out[it->first.Scalar()] = it->second.Scalar();
  }
  return out;
}

// ---- blame -------------------------------------------------------------------------------------

struct Blame {
  std::string field;
  Where where;
};

// The manifest field a reviewer should change for a constraint (docs/check.md, "Blame"):
//   false rollbacks: Flagger spec.analysis.threshold (the failed checks a rollback needs);
//     Argo the failureLimit of the first metric of the first AnalysisTemplate it uses.
//   escapes and excess errors: the first metric's bound (Flagger thresholdRange.min, else
//     .max; Argo successCondition, else failureCondition).
//   time to promotion: Flagger spec.analysis.interval; Argo spec.strategy.canary.steps.
// A field that is absent points at its nearest written parent.
Blame blameFor(const SpecEntry& s, tune::Measure m) {
  const io::Document& d = *s.doc;
  auto at = [](const io::Document& doc, const std::vector<std::string>& path) {
    std::string field;
    for (const auto& k : path) {
      const bool index = !k.empty() && std::all_of(k.begin(), k.end(), ::isdigit);
      field += index ? "[" + k + "]" : (field.empty() ? "" : ".") + k;
    }
    return Blame{field, locate(doc, path)};
  };
  const bool rate = m == tune::Measure::kFalseRollbackRate;
  const bool time = m == tune::Measure::kMeanTimeToPromotion;
  if (isCanary(d)) {
    if (rate) return at(d, {"spec", "analysis", "threshold"});
    if (time) return at(d, {"spec", "analysis", "interval"});
    const YAML::Node ms = childOf(childOf(childOf(d.node, "spec"), "analysis"), "metrics");
    for (std::size_t i = 0; ms.IsSequence() && i < ms.size(); ++i) {
      const YAML::Node tr = childOf(ms[i], "thresholdRange");
      if (!tr.IsMap()) continue;
      const char* bound = childOf(tr, "min").IsDefined() ? "min" : "max";
      return at(d, {"spec", "analysis", "metrics", std::to_string(i), "thresholdRange", bound});
    }
    return at(d, {"spec", "analysis", "metrics"});
  }
  if (time) return at(d, {"spec", "strategy", "canary", "steps"});
  for (const auto* t : s.templates) {
    const YAML::Node ms = childOf(childOf(t->node, "spec"), "metrics");
    if (!ms.IsSequence() || ms.size() == 0) continue;
    const std::string i = "0";
    if (rate) return at(*t, {"spec", "metrics", i, "failureLimit"});
    const char* cond = childOf(ms[0], "successCondition").IsDefined() ||
                               !childOf(ms[0], "failureCondition").IsDefined()
                           ? "successCondition"
                           : "failureCondition";
    return at(*t, {"spec", "metrics", i, cond});
  }
  return at(d, {"spec", "strategy", "canary", "analysis"});
}

// ---- racing ------------------------------------------------------------------------------------

struct SpecRun {
  std::vector<tune::PairStats> pairs;
  std::int64_t runsPerScenario = 0;
  std::vector<tune::Verdict> verdicts;
  std::vector<tune::Estimate> estimates;
  std::string verdict = "pass";
  bool interrupted = false;
};

SpecRun race(const SpecEntry& spec, const std::vector<std::pair<std::string, std::string>>& files,
             const std::vector<tune::Constraint>& constraints,
             const std::vector<sim::Scenario>& scenarios, std::uint64_t seed, std::int64_t initial,
             std::int64_t max, const CheckSettings& st, std::size_t index, std::size_t count) {
  tune::TuningSpace space;  // no fields: the spec as written, judged on the constraints
  space.target = spec.key;
  space.constraints = constraints;
  space.file = spec.doc->file;
  space.line = spec.doc->line;
  SpecPatcher patcher(files, space);
  BatchEvaluator ev(patcher, scenarios, seed, st.threads, st.meshProvider);
  ev.cancel = st.cancel;
  if (st.progress) {
    ev.progress = [&](std::int64_t done, std::int64_t planned) {
      st.progress(index, count, spec.key, done, planned);
    };
  }
  SpecRun out;
  out.pairs.assign(scenarios.size(), {});
  const std::vector<tune::Candidate> candidates(1);
  std::int64_t from = 0, to = std::min(initial, max);
  for (;;) {
    std::vector<tune::Task> tasks;
    for (std::size_t s = 0; s < scenarios.size(); ++s) tasks.push_back({0, s, from, to, 0});
    std::vector<std::vector<tune::RunOutcome>> outcomes;
    if (!ev.run(candidates, tasks, outcomes)) {
      out.interrupted = true;
      return out;
    }
    for (std::size_t s = 0; s < scenarios.size(); ++s) {
      for (const auto& o : outcomes[s]) out.pairs[s].add(o);
    }
    out.runsPerScenario = to;
    out.verdicts = tune::judgeAll(space, ev.scenarios(), out.pairs);
    out.estimates = tune::constrainedEstimates(space, ev.scenarios(), out.pairs);
    bool violated = false, open = false;
    for (auto v : out.verdicts) {
      violated = violated || v == tune::Verdict::kViolated;
      open = open || v == tune::Verdict::kUndecided;
    }
    // A violated bound decides the spec; an open one gets twice the runs, up to the cap.
    if (violated) {
      out.verdict = "fail";
      return out;
    }
    if (!open) {
      out.verdict = "pass";
      return out;
    }
    if (to >= max) {
      out.verdict = "undecided";
      return out;
    }
    from = to;
    to = std::min(max, 2 * to);
  }
}

Json estimateJson(const tune::Estimate& e) {
  Json j;
  j["value"] = e.known() ? jnum(e.value) : Json(nullptr);
  j["lo"] = e.known() ? jnum(e.lo) : Json(nullptr);
  j["hi"] = e.known() ? jnum(e.hi) : Json(nullptr);
  j["n"] = e.known() ? e.n : 0;
  return j;
}

Json characteristicsJson(const tune::Characteristics& c) {
  Json j;
  j["falseRollbackRate"] = estimateJson(c.falseRollbackRate);
  j["escapeRate"] = estimateJson(c.escapeRate);
  j["meanExcessErrors"] = estimateJson(c.meanExcessErrors);
  j["meanTimeToPromotion"] = estimateJson(c.meanTimeToPromotion);
  j["goodPromotionRate"] = estimateJson(c.goodPromotionRate);
  return j;
}

// ---- suggestion ---------------------------------------------------------------------------------

// Whether a TuningSpace names this spec (Kind/ns/name, ns/name, Kind/name or name; a space
// without a target names none here: check cannot tell which spec it means).
bool targets(const tune::TuningSpace& space, const SpecEntry& s) {
  const std::string& t = space.target;
  return !t.empty() &&
         (t == s.key || t == s.ns + "/" + s.name || t == s.kind + "/" + s.name || t == s.name);
}

// `spec.analysis.metrics[0].thresholdRange.min` as path components.
std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : path) {
    if (c == '.' || c == '[' || c == ']') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::optional<double> valueNumber(const tune::Field& f, const std::string& text) {
  if (f.type == tune::FieldType::kDuration) return core::go::parseDuration(text);
  if (f.type == tune::FieldType::kInteger || f.type == tune::FieldType::kNumber)
    return io::parseNumber(text);
  return std::nullopt;
}

// The distance of a candidate from the spec as written: per field, the change over the
// field's span (its lowest to its highest value); a change that is not a number (a schedule,
// a condition) counts 1. Euclidean over the fields.
double distance(const tune::TuningSpace& space, const std::vector<FilePatch>& patches) {
  double sum = 0;
  for (const auto& p : patches) {
    const tune::Field* f = nullptr;
    for (const auto& x : space.fields) {
      if (x.name == p.field) f = &x;
    }
    double d = 1;
    if (f != nullptr) {
      const auto from = valueNumber(*f, p.from), to = valueNumber(*f, p.to);
      double lo = f->lo, hi = f->hi;
      if (!f->continuous && !f->values.empty()) {
        lo = hi = f->values.front().x;
        for (const auto& v : f->values) {
          lo = std::min(lo, v.x);
          hi = std::max(hi, v.x);
        }
      }
      if (from && to && hi > lo) d = std::min(1.0, std::fabs(*to - *from) / (hi - lo));
    }
    sum += d * d;
  }
  return std::sqrt(sum);
}

// Runs the tuner over the space with the policy's constraints in place of its own (at most
// `budget` runs) and returns the feasible candidate nearest the spec as written, or null.
Json suggest(const SpecEntry& s, const tune::TuningSpace& original,
             const std::vector<tune::Constraint>& constraints,
             const std::vector<std::pair<std::string, std::string>>& files,
             const std::vector<sim::Scenario>& scenarios, std::uint64_t seed,
             const CheckSettings& st, const std::vector<io::Document>& raw, const Paths& paths,
             bool& interrupted) {
  tune::TuningSpace space = original;
  space.constraints = constraints;
  SpecPatcher patcher(files, space);
  BatchEvaluator ev(patcher, scenarios, seed, st.threads, st.meshProvider);
  ev.cancel = st.cancel;
  tune::SearchOptions opt;
  opt.budget = st.suggestBudget;
  opt.cancel = st.cancel;
  if (st.note) st.note(s.key + ": searching " + paths.show(space.file) + " for a passing spec");
  const tune::SearchResult r = tune::runSearch(space, ev, seed, opt);
  if (r.partial) {
    interrupted = true;
    return nullptr;
  }
  long best = -1;
  double bestDistance = 0;
  for (std::size_t i = 0; i < r.candidates.size(); ++i) {
    const auto& c = r.candidates[i];
    if (c.status != tune::Status::kFeasible) continue;
    const double d = distance(space, patcher.patches(c.candidate));
    if (best < 0 || d < bestDistance) {
      best = static_cast<long>(i);
      bestDistance = d;
    }
  }
  if (best < 0) return nullptr;
  const auto& c = r.candidates[static_cast<std::size_t>(best)];
  Json changes = Json::array();
  for (const auto& p : patcher.patches(c.candidate)) {
    Json x;
    x["field"] = p.field;
    x["path"] = p.path;
    x["file"] = paths.show(p.file);
    int line = 0;
    for (const auto& d : raw) {
      if (d.file == p.file && d.index == p.document) line = locate(d, splitPath(p.path)).line;
    }
    x["line"] = line;
    x["from"] = p.from;
    x["to"] = p.to;
    changes.push_back(std::move(x));
  }
  Json j;
  j["space"] = paths.show(space.file);
  j["changes"] = changes;
  j["verdict"] = "pass";
  j["characteristics"] = characteristicsJson(c.oc);
  return j;
}

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::EnvironmentError("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string messageOf(core::Diagnostic d) {
  d.file.clear();
  d.line = 0;
  return d.toString();
}

}  // namespace

CheckResult runCheckEngine(const CheckSettings& st) {
  auto note = [&](const std::string& s) {
    if (st.note) st.note(s);
  };
  const bool stream = st.repo == "-";
  Paths paths;
  io::DocumentSet docs;
  std::map<std::string, std::string> texts;
  if (stream) {
    if (st.stdinText == nullptr) throw core::InternalError("check: no standard input text");
    docs = io::readDocumentsFromString(*st.stdinText, "<stdin>");
    texts["<stdin>"] = *st.stdinText;
  } else {
    std::error_code ec;
    if (!fs::is_directory(st.repo, ec)) {
      throw core::InputError({core::Severity::kError, st.repo, 0, 0, "REPO_DIR", "",
                              "is not a folder (give a checkout, or - for a stream on stdin)"});
    }
    paths.root = st.repo;
    docs = io::readDocuments({st.repo});
  }
  const std::vector<io::Document> raw = docs.documents;  // shares the nodes, for blame
  Workspace ws = decodeWorkspace(std::move(docs));
  if (!stream) {
    for (const auto& f : ws.files) texts[f.path] = readText(f.path);
  }

  // Every error of a policy file through `st.error`, then one InputError that stops the check.
  auto policyErrors = [&](const core::Diagnostics& diags, const std::string& shown,
                          const std::string& file) {
    int n = 0;
    for (const auto& x : diags.items) {
      if (x.severity != core::Severity::kError || (!file.empty() && x.file != file)) continue;
      ++n;
      if (st.error) st.error(x);
    }
    if (n > 0) {
      throw core::InputError({core::Severity::kError, shown, 0, 0, "", "",
                              "the Policy does not decode (" + std::to_string(n) + " error" +
                                  (n == 1 ? "" : "s") + ")"});
    }
  };
  // The policy: --policy, else the one Policy of the repository, else the built-in default.
  Policy policy;
  if (st.policyFile) {
    Workspace pw = loadWorkspace({*st.policyFile});
    policyErrors(pw.diagnostics, *st.policyFile, "");
    if (pw.policies.size() != 1) {
      throw core::InputError(
          {core::Severity::kError, *st.policyFile, 0, 0, "--policy", "",
           "must hold exactly one Policy (found " + std::to_string(pw.policies.size()) + ")"});
    }
    policy = pw.policies.front();
  } else if (std::count_if(raw.begin(), raw.end(), [](const io::Document& d) {
               return d.group() == "rolloutlab.io" && d.kind == "Policy";
             }) != static_cast<long>(ws.policies.size())) {
    // A Policy of the repository that does not decode stops the check: falling back to
    // another policy would judge the specs against bounds nobody wrote.
    for (const auto& d : raw) {
      if (d.group() == "rolloutlab.io" && d.kind == "Policy")
        policyErrors(ws.diagnostics, paths.show(d.file), d.file);
    }
  } else if (ws.policies.size() == 1) {
    policy = ws.policies.front();
    note("policy " + policy.name + " from " + paths.show(policy.file));
  } else {
    policy = defaultPolicy();
    note(ws.policies.empty()
             ? std::string("no Policy in the repository: the built-in default (falseRollbackRate "
                           "<= 0.05, escapeRate <= 0.5)")
             : std::to_string(ws.policies.size()) +
                   " Policy documents in the repository and no --policy: the built-in default");
  }

  // The scenario suite: --scenarios, else the policy's, else the bundled library.
  std::vector<std::string> suitePaths = st.scenarioPaths;
  if (suitePaths.empty()) suitePaths = policy.scenarios;
  if (suitePaths.empty()) {
    const fs::path lib = bundledScenarioLibrary();
    if (lib.empty())
      throw core::EnvironmentError(
          "no bundled scenario library was found: give --scenarios or spec.scenarios");
    paths.library = lib;
    suitePaths = {lib.string()};
  }
  Workspace suite = loadWorkspace(suitePaths);
  for (const auto& d : suite.diagnostics.items) {
    if (d.severity == core::Severity::kError) throw core::InputError(d);
  }
  if (!suite.replays.empty()) {
    const auto& r = suite.replays.front();
    throw core::InputError({core::Severity::kError, r.file, r.line, 0, "kind", "\"Replay\"",
                            "check runs Scenario documents, not recordings"});
  }
  if (suite.scenarios.empty()) {
    throw core::InputError(
        {core::Severity::kError, "", 0, 0, "--scenarios", "", "no Scenario found"});
  }
  for (const auto& r : policy.rules) {
    for (const auto& c : r.constraints) {
      if (c.scenario.empty()) continue;
      bool known = false;
      for (const auto& s : suite.scenarios) known = known || s.name == c.scenario;
      if (!known) {
        throw core::InputError({core::Severity::kError, policy.file, c.line, 0,
                                "constraints.scenarios[].name", core::quoted(c.scenario),
                                "names no scenario of the suite"});
      }
    }
  }
  const std::uint64_t seed = st.seed ? *st.seed : policy.seed.value_or(0);
  const std::int64_t initial =
      st.initialRuns ? *st.initialRuns : policy.initialRuns.value_or(kCheckInitialRuns);
  const std::int64_t max =
      st.maxRuns ? *st.maxRuns : policy.maxRuns.value_or(std::max(initial, kCheckMaxRuns));
  if (max < initial) {
    throw core::InputError({core::Severity::kError, policy.file, 0, 0, "runs.max",
                            std::to_string(max),
                            "must be at least the initial runs (" + std::to_string(initial) + ")"});
  }

  std::vector<SpecEntry> specs = findSpecs(raw, ws);

  // --changed-since: only the specs whose file or template files changed.
  Json changed = nullptr;
  if (st.changedSince) {
    if (stream) {
      throw core::InputError({core::Severity::kError, "", 0, 0, "--changed-since", "",
                              "needs a repository folder, not a stream"});
    }
    const auto files = gitops::filesChangedSince(st.repo, *st.changedSince);
    const std::string commit = gitops::revisionCommit(st.repo, *st.changedSince);
    std::set<std::string> set(files.begin(), files.end());
    changed = Json::object();
    changed["ref"] = *st.changedSince;
    changed["commit"] = commit;
    changed["files"] = files;
    // A changed Policy or Scenario (the one in use, or any in the repository) can change every
    // verdict: then every spec is checked.
    std::string everything;
    if (!policy.file.empty() && set.count(paths.show(policy.file))) everything = policy.file;
    for (const auto& f : suite.files) {
      if (set.count(paths.show(f.path))) everything = f.path;
    }
    for (const auto& d : raw) {
      if ((d.group() == "rolloutlab.io" && (d.kind == "Policy" || d.kind == "Scenario")) &&
          set.count(paths.show(d.file)))
        everything = d.file;
    }
    if (!everything.empty()) {
      note(paths.show(everything) + " changed since " + *st.changedSince + ": checking every spec");
    } else {
      std::vector<SpecEntry> kept;
      for (auto& s : specs) {
        bool hit = false;
        for (const auto& f : s.files) hit = hit || set.count(paths.show(f));
        if (hit) kept.push_back(std::move(s));
      }
      note(std::to_string(kept.size()) + " of " + std::to_string(specs.size()) +
           " spec(s) changed since " + *st.changedSince);
      specs = std::move(kept);
    }
  }

  Json errors = Json::array();
  for (const auto& d : ws.diagnostics.items) {
    if (d.severity != core::Severity::kError) continue;
    Json e;
    e["file"] = paths.show(d.file);
    e["line"] = d.line;
    e["message"] = messageOf(d);
    errors.push_back(std::move(e));
  }

  std::vector<tune::ScenarioInfo> info;
  for (const auto& s : suite.scenarios) info.push_back({s.name, s.release == sim::Release::kBad});
  std::vector<bool> bad;
  for (const auto& s : info) bad.push_back(s.bad);

  CheckResult result;
  Json specRows = Json::array();
  int passed = 0, failed = 0, undecided = 0;
  for (std::size_t si = 0; si < specs.size(); ++si) {
    const SpecEntry& s = specs[si];
    SpecIdentity id{s.ns, labelsOf(*s.doc), paths.show(s.doc->file)};
    std::vector<const PolicyRule*> rules;
    std::vector<tune::Constraint> constraints;
    std::vector<std::string> ruleOf;
    for (const auto& r : policy.rules) {
      if (!r.matches(id)) continue;
      rules.push_back(&r);
      for (const auto& c : r.constraints) {
        constraints.push_back(c);
        ruleOf.push_back(r.name);
      }
    }
    std::vector<std::pair<std::string, std::string>> files;
    for (const auto& f : s.files) files.emplace_back(f, texts[f]);
    SpecRun run;
    if (!constraints.empty()) {
      try {
        run =
            race(s, files, constraints, suite.scenarios, seed, initial, max, st, si, specs.size());
      } catch (const core::InputError& e) {
        Json x;
        x["file"] = paths.show(s.doc->file);
        x["line"] = s.doc->line;
        x["message"] = s.key + ": " + e.diagnostic().toString();
        errors.push_back(std::move(x));
        continue;
      }
      if (run.interrupted) {
        result.interrupted = true;
        break;
      }
    }
    Json j;
    j["kind"] = s.kind;
    j["namespace"] = s.ns;
    j["name"] = s.name;
    j["file"] = paths.show(s.doc->file);
    j["line"] = s.doc->line;
    j["verdict"] = run.verdict;
    Json rn = Json::array();
    for (const auto* r : rules) rn.push_back(r->name);
    j["rules"] = rn;
    j["runs"] = run.runsPerScenario * static_cast<std::int64_t>(suite.scenarios.size());
    const tune::Characteristics oc =
        run.pairs.empty() ? tune::Characteristics{} : tune::characterise(run.pairs, bad);
    j["characteristics"] = characteristicsJson(oc);
    Json rows = Json::array();
    for (std::size_t k = 0; k < run.pairs.size(); ++k) {
      const auto& p = run.pairs[k];
      Json x;
      x["name"] = suite.scenarios[k].name;
      x["file"] = paths.show(suite.scenarios[k].file);
      x["bad"] = info[k].bad;
      x["runs"] = p.runs;
      x["promoted"] = estimateJson(tune::proportionEstimate(p.promoted, p.runs));
      x["rolledBack"] = estimateJson(tune::proportionEstimate(p.rolledBack, p.runs));
      rows.push_back(std::move(x));
    }
    j["scenarios"] = rows;
    Json cons = Json::array();
    for (std::size_t k = 0; k < constraints.size(); ++k) {
      const auto& c = constraints[k];
      Json x;
      x["rule"] = ruleOf[k];
      x["measure"] = tune::toString(c.measure);
      x["max"] = jnum(c.max);
      x["scenario"] = c.scenario.empty() ? Json(nullptr) : Json(c.scenario);
      x["description"] = c.describe();
      x["estimate"] = estimateJson(k < run.estimates.size() ? run.estimates[k] : tune::Estimate{});
      x["verdict"] =
          tune::toString(k < run.verdicts.size() ? run.verdicts[k] : tune::Verdict::kUndecided);
      x["policyLine"] = policy.file.empty() ? 0 : c.line;
      const Blame b = blameFor(s, c.measure);
      Json bj;
      bj["field"] = b.field;
      bj["file"] = paths.show(b.where.file);
      bj["line"] = b.where.line;
      bj["column"] = b.where.column;
      x["blame"] = bj;
      cons.push_back(std::move(x));
    }
    j["constraints"] = cons;
    j["suggestion"] = nullptr;
    if (run.verdict != "pass" && st.suggestBudget > 0) {
      for (const auto& space : ws.tuningSpaces) {
        if (!targets(space, s)) continue;
        bool stopped = false;
        try {
          // The space's file joins the spec's files (its fields may name a template).
          j["suggestion"] =
              suggest(s, space, constraints, files, suite.scenarios, seed, st, raw, paths, stopped);
        } catch (const core::InputError& e) {
          Json x;
          x["file"] = paths.show(space.file);
          x["line"] = space.line;
          x["message"] = "suggestion for " + s.key + ": " + e.diagnostic().toString();
          errors.push_back(std::move(x));
        }
        if (stopped) result.interrupted = true;
        // The first space (in file order) that has a passing candidate gives the suggestion.
        if (stopped || !j["suggestion"].is_null()) break;
      }
    }
    (run.verdict == "pass" ? passed : run.verdict == "fail" ? failed : undecided)++;
    specRows.push_back(std::move(j));
    // A suggestion search that was interrupted leaves the spec's own verdict standing.
    if (result.interrupted) break;
  }

  Json body;
  body["repo"] = st.repo;
  Json pol;
  pol["file"] = policy.file.empty() ? Json(nullptr) : Json(paths.show(policy.file));
  pol["name"] = policy.name;
  body["policy"] = pol;
  Json scen = Json::array();
  for (const auto& f : suite.files) scen.push_back(paths.show(f.path));
  body["scenarios"] = scen;
  body["seed"] = seed;
  Json runs;
  runs["initial"] = initial;
  runs["max"] = max;
  body["runs"] = runs;
  body["changedSince"] = changed;
  // Interrupted (SIGINT/SIGTERM): the specs finished so far, marked partial; the specs not
  // reached have no verdict, so the whole is at best undecided.
  body["verdict"] = failed > 0                              ? "fail"
                    : (undecided > 0 || result.interrupted) ? "undecided"
                                                            : "pass";
  body["partial"] = result.interrupted;
  Json counts;
  counts["specs"] = specRows.size();
  counts["passed"] = passed;
  counts["failed"] = failed;
  counts["undecided"] = undecided;
  body["counts"] = counts;
  body["specs"] = specRows;
  body["errors"] = errors;
  result.report = document("CheckReport", body);
  return result;
}

int checkExitCode(const io::Json& report) {
  if (!report.at("errors").empty()) return 2;
  return report.at("verdict") == "pass" ? 0 : 1;
}

namespace {

std::string pctText(const Json& e) {
  if (e.at("value").is_null()) return "-";
  // printf's "%.1f%% [%.1f, %.1f]" in the C locale.
  return core::formatFixed(100 * e.at("value").get<double>(), 1) + "% [" +
         core::formatFixed(100 * e.at("lo").get<double>(), 1) + ", " +
         core::formatFixed(100 * e.at("hi").get<double>(), 1) + "]";
}

std::string secondsText(const Json& e) {
  if (e.at("value").is_null()) return "-";
  return core::formatFixed(e.at("value").get<double>(), 0) + "s [" +
         core::formatFixed(e.at("lo").get<double>(), 0) + ", " +
         core::formatFixed(e.at("hi").get<double>(), 0) + "]";
}

}  // namespace

std::string checkTable(const io::Json& r) {
  std::ostringstream o;
  o << "rolloutlab " << r.at("version").get<std::string>() << " check "
    << r.at("repo").get<std::string>() << ": policy "
    << r.at("policy").at("name").get<std::string>();
  if (!r.at("policy").at("file").is_null())
    o << " (" << r.at("policy").at("file").get<std::string>() << ")";
  o << ", " << r.at("scenarios").size() << " scenarios, seed " << r.at("seed").get<std::uint64_t>()
    << ", runs " << r.at("runs").at("initial").get<std::int64_t>() << " up to "
    << r.at("runs").at("max").get<std::int64_t>() << " per scenario\n";
  if (!r.at("changedSince").is_null()) {
    const auto& c = r.at("changedSince");
    o << "changed since " << c.at("ref").get<std::string>() << " ("
      << c.at("commit").get<std::string>().substr(0, 12) << "): " << c.at("files").size()
      << " file(s)\n";
  }
  o << "\n";
  std::vector<std::array<std::string, 7>> rows;
  rows.push_back(
      {"SPEC", "FILE", "VERDICT", "FALSE ROLLBACKS", "ESCAPES", "TIME TO PROMOTE", "VIOLATED"});
  for (const auto& s : r.at("specs")) {
    std::string violated;
    for (const auto& c : s.at("constraints")) {
      if (c.at("verdict") == "met") continue;
      if (!violated.empty()) violated += "; ";
      violated += (c.at("verdict") == "undecided" ? "undecided: " : "") +
                  c.at("description").get<std::string>() + " -> " +
                  c.at("blame").at("field").get<std::string>() + " (" +
                  c.at("blame").at("file").get<std::string>() + ":" +
                  std::to_string(c.at("blame").at("line").get<int>()) + ")";
    }
    const auto& oc = s.at("characteristics");
    rows.push_back({s.at("kind").get<std::string>() + "/" + s.at("namespace").get<std::string>() +
                        "/" + s.at("name").get<std::string>(),
                    s.at("file").get<std::string>() + ":" + std::to_string(s.at("line").get<int>()),
                    s.at("verdict").get<std::string>(), pctText(oc.at("falseRollbackRate")),
                    pctText(oc.at("escapeRate")), secondsText(oc.at("meanTimeToPromotion")),
                    violated.empty() ? "-" : violated});
  }
  std::array<std::size_t, 7> width{};
  for (const auto& row : rows) {
    for (std::size_t k = 0; k < row.size(); ++k) width[k] = std::max(width[k], row[k].size());
  }
  for (const auto& row : rows) {
    for (std::size_t k = 0; k < row.size(); ++k) {
      o << row[k];
      if (k + 1 < row.size()) o << std::string(width[k] - row[k].size() + 2, ' ');
    }
    o << "\n";
  }
  for (const auto& s : r.at("specs")) {
    const auto& g = s.at("suggestion");
    if (g.is_null()) continue;
    o << "\n"
      << s.at("kind").get<std::string>() << "/" << s.at("namespace").get<std::string>() << "/"
      << s.at("name").get<std::string>() << " passes with (" << g.at("space").get<std::string>()
      << ", the nearest passing candidate):\n";
    for (const auto& c : g.at("changes")) {
      o << "  " << c.at("file").get<std::string>() << ":" << c.at("line").get<int>() << ": "
        << c.at("path").get<std::string>() << ": " << c.at("from").get<std::string>() << " -> "
        << c.at("to").get<std::string>() << "\n";
    }
    const auto& oc = g.at("characteristics");
    o << "  false rollbacks " << pctText(oc.at("falseRollbackRate")) << ", escapes "
      << pctText(oc.at("escapeRate")) << ", time to promote "
      << secondsText(oc.at("meanTimeToPromotion")) << "\n";
  }
  const auto& c = r.at("counts");
  o << "\n"
    << r.at("verdict").get<std::string>() << ": " << c.at("specs").get<int>() << " spec(s), "
    << c.at("passed").get<int>() << " passed, " << c.at("failed").get<int>() << " failed, "
    << c.at("undecided").get<int>() << " undecided\n";
  for (const auto& e : r.at("errors")) {
    o << "error: " << e.at("file").get<std::string>() << ":" << e.at("line").get<int>() << ": "
      << e.at("message").get<std::string>() << "\n";
  }
  return o.str();
}

}  // namespace rolloutlab::app
