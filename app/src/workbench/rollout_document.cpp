#include "rolloutlab/app/workbench/rollout_document.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "rolloutlab/app/run_view.h"
#include "rolloutlab/app/workbench/recordings.h"
#include "rolloutlab/app/workbench/run_timeline.h"
#include "rolloutlab/io/argo_decode.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/io/yaml_patch.h"

namespace rolloutlab::app::workbench {

namespace ar = core::argo;

namespace {

const io::YamlPath kCanary = {"spec", "strategy", "canary"};
const io::YamlPath kBlueGreen = {"spec", "strategy", "blueGreen"};

io::YamlPath join(io::YamlPath base, std::initializer_list<std::string> rest) {
  base.insert(base.end(), rest);
  return base;
}

/// The node at a path, or an undefined node (operator[] on a const node never inserts).
YAML::Node at(const YAML::Node& root, const io::YamlPath& path) {
  std::vector<YAML::Node> chain{root};
  for (const auto& k : path) {
    const YAML::Node& cur = chain.back();
    if (cur.IsMap()) {
      chain.push_back(cur[k]);
    } else if (cur.IsSequence() && !k.empty() && std::isdigit(static_cast<unsigned char>(k[0]))) {
      const std::size_t i = std::stoul(k);
      if (i >= cur.size()) return YAML::Node(YAML::NodeType::Undefined);
      chain.push_back(cur[i]);
    } else {
      return YAML::Node(YAML::NodeType::Undefined);
    }
    // A missing key gives an invalid node, which throws on most calls: undefined instead.
    if (!chain.back().IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
  }
  return chain.back();
}

std::string scalarText(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return {};
  if (n.IsScalar()) return n.Scalar();
  return "?";
}

/// Document `index` of a text, or nullopt when the text does not parse.
std::optional<YAML::Node> loadDocument(const std::string& text, int index) {
  try {
    const auto docs = io::loadYamlAll(text);
    if (index >= 0 && static_cast<std::size_t>(index) < docs.size())
      return docs[static_cast<std::size_t>(index)];
    return YAML::Node();
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

std::string trimmed(std::string v) {
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
  std::size_t b = 0;
  while (b < v.size() && std::isspace(static_cast<unsigned char>(v[b]))) ++b;
  return v.substr(b);
}

[[noreturn]] void notEditable(const std::string& file, const std::string& id) {
  throw core::InputError({core::Severity::kError, file, 0, 0, id, "", "not an editable field"});
}

struct MetricFieldDef {
  const char* key;
  SpecField::Type type;
  const char* help;
};

// Defaults and rules as argo-rollouts applies them: `Metric.EffectiveCount`,
// `defaults.GetConsecutiveErrorLimitOrDefault` and the strict `>` limits of
// analysis/analysis.go `assessMetricStatus`; conditions as utils/evaluate `EvaluateResult`.
const MetricFieldDef kMetricFields[] = {
    {"interval", SpecField::Type::kDuration,
     "Time between two measurements (Go duration). Unset: measured once."},
    {"count", SpecField::Type::kInt,
     "Measurements to take. Unset with an interval: measured until the run is terminated or a "
     "limit is crossed."},
    {"failureLimit", SpecField::Type::kInt,
     "The metric fails when failed > failureLimit (default 0; -1 never fails it)."},
    {"inconclusiveLimit", SpecField::Type::kInt,
     "The metric is Inconclusive when inconclusive > inconclusiveLimit (default 0)."},
    {"consecutiveErrorLimit", SpecField::Type::kInt,
     "The metric is Error when consecutiveError > consecutiveErrorLimit (default 4)."},
    {"successCondition", SpecField::Type::kText,
     "expr on `result`: true makes a measurement Successful (false: Failed, or Inconclusive "
     "when a failureCondition is also given)."},
    {"failureCondition", SpecField::Type::kText,
     "expr on `result`: true makes a measurement Failed, whatever the successCondition says."},
};

const char* placeholderOf(const std::string& key, bool hasInterval) {
  if (key == "interval") return "none: one measurement";
  if (key == "count") return hasInterval ? "none: until the run ends" : "default 1";
  if (key == "failureLimit") return "default 0";
  if (key == "inconclusiveLimit") return "default 0";
  if (key == "consecutiveErrorLimit") return "default 4";
  return "none";
}

struct BlueGreenFieldDef {
  const char* key;
  SpecField::Type type;
  const char* placeholder;
  const char* help;
};

// Defaults as argo-rollouts `utils/defaults/defaults.go` and rollout/bluegreen.go apply them.
const BlueGreenFieldDef kBlueGreenFields[] = {
    {"autoPromotionEnabled", SpecField::Type::kBool, "default true",
     "Switch the active service to the new revision once it is ready (false: wait for a manual "
     "promotion)."},
    {"autoPromotionSeconds", SpecField::Type::kInt, "none: at once",
     "Seconds to wait after the preview is ready before the automatic promotion."},
    {"scaleDownDelaySeconds", SpecField::Type::kInt, "default 30",
     "Seconds the old ReplicaSet keeps serving after the switch."},
};

}  // namespace

// ---- templates and conditions ----------------------------------------------------------------

std::vector<RolloutTemplateUse> rolloutTemplateUses(const ar::RolloutSpec& rollout,
                                                    const ar::TemplateCatalog& catalog) {
  std::vector<RolloutTemplateUse> out;
  auto note = [&out](const std::string& name, bool cluster, const ar::AnalysisTemplateSpec* spec,
                     const std::string& use) {
    for (auto& u : out) {
      if (u.name == name && u.cluster == cluster && u.spec == spec) {
        if (std::find(u.usedBy.begin(), u.usedBy.end(), use) == u.usedBy.end())
          u.usedBy.push_back(use);
        return;
      }
    }
    out.push_back({name, cluster, spec, {use}});
  };
  auto add = [&](const ar::RolloutAnalysis& a, const std::string& use) {
    std::vector<const ar::AnalysisTemplateSpec*> found;
    if (!ar::collectTemplates(a.templates, rollout.namespace_, catalog, &found)) {
      for (const auto* t : found) note(t->name, t->clusterScoped, t, use);
      return;
    }
    for (const auto& ref : a.templates) {
      note(ref.templateName, ref.clusterScope,
           catalog.find(ref.templateName, rollout.namespace_, ref.clusterScope), use);
    }
  };
  if (rollout.canary) {
    for (std::size_t i = 0; i < rollout.canary->steps.size(); ++i) {
      const auto& s = rollout.canary->steps[i];
      if (s.has(ar::CanaryStep::Kind::kAnalysis)) add(s.analysis, "step " + std::to_string(i));
    }
    if (rollout.canary->analysis) add(*rollout.canary->analysis, "background");
  }
  if (rollout.blueGreen) {
    if (rollout.blueGreen->prePromotionAnalysis)
      add(*rollout.blueGreen->prePromotionAnalysis, "prePromotion");
    if (rollout.blueGreen->postPromotionAnalysis)
      add(*rollout.blueGreen->postPromotionAnalysis, "postPromotion");
  }
  return out;
}

std::optional<ConditionRange> conditionRange(const std::string& condition, bool success) {
  // One comparison of `result` or `result[0]` with a number, either way round, optionally
  // behind a guard for an empty result.
  static const std::regex guard(R"(^\s*len\s*\(\s*result\s*\)\s*==\s*0\s*\|\|\s*)");
  static const std::regex valueFirst(
      R"(^\s*\(?\s*result\s*(?:\[\s*0\s*\])?\s*(>=|<=|>|<)\s*(-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)\s*\)?\s*$)");
  static const std::regex numberFirst(
      R"(^\s*\(?\s*(-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)\s*(>=|<=|>|<)\s*result\s*(?:\[\s*0\s*\])?\s*\)?\s*$)");
  // std::regex recurses per character: a condition longer than any single comparison with a
  // guard is not one, and is not handed to it (a hostile template cannot overflow the stack).
  if (condition.size() > 512) return std::nullopt;
  std::string c = condition;
  std::smatch m;
  if (std::regex_search(c, m, guard)) c = m.suffix();
  std::string op, num;
  if (std::regex_match(c, m, valueFirst)) {
    op = m[1];
    num = m[2];
  } else if (std::regex_match(c, m, numberFirst)) {
    num = m[1];
    op = m[2];
    // `X <= result` is `result >= X`.
    op = op == ">=" ? "<=" : op == "<=" ? ">=" : op == ">" ? "<" : ">";
  } else {
    return std::nullopt;
  }
  double x = 0;
  const auto r = std::from_chars(num.data(), num.data() + num.size(), x);
  if (r.ec != std::errc()) return std::nullopt;
  // Where the value passes: where a success condition holds, where a failure condition does not.
  const bool above = (op == ">=" || op == ">") == success;
  ConditionRange range;
  (above ? range.min : range.max) = x;
  return range;
}

// ---- the document ------------------------------------------------------------------------

RolloutSpecDocument::RolloutSpecDocument(const ar::RolloutSpec& rollout,
                                         ar::TemplateCatalog catalog,
                                         std::vector<scenarios::JudgeSpec> judges)
    : rollout_(rollout),
      catalog_(catalog),
      baseCatalog_(std::move(catalog)),
      judges_(std::move(judges)) {
  file_ = rollout.loc.file;
  line_ = rollout.loc.line;
  name_ = (rollout.namespace_.empty() ? "" : rollout.namespace_ + "/") + rollout.name;
  key_ = "Rollout/" + (rollout.namespace_.empty() ? std::string("default") : rollout.namespace_) +
         "/" + rollout.name;
  originalText_ = text_ = readTextFile(file_);
  documentIndex_ = documentIndexAt(text_, file_, line_);
  for (const auto& use : rolloutTemplateUses(rollout_, baseCatalog_)) {
    if (use.spec == nullptr) continue;
    const auto& list = use.cluster ? baseCatalog_.clusterTemplates : baseCatalog_.templates;
    OwnedTemplate o;
    o.name = use.name;
    o.cluster = use.cluster;
    o.file = use.spec->loc.file;
    o.catalogIndex = static_cast<std::size_t>(use.spec - list.data());
    o.usedBy = use.usedBy;
    const std::string* text = textOf(o.file);
    if (text == nullptr) {
      linked_.push_back({o.file, readTextFile(o.file), {}});
      linked_.back().text = linked_.back().originalText;
      text = &linked_.back().text;
    }
    o.documentIndex = documentIndexAt(*text, o.file, use.spec->loc.line);
    owned_.push_back(std::move(o));
  }
  decode();
}

void RolloutSpecDocument::renameFile(const std::string& to) {
  for (auto& o : owned_) {
    if (o.file == file_) o.file = to;
  }
  SpecDocument::renameFile(to);
}

std::unique_ptr<SpecDocument> RolloutSpecDocument::clone() const {
  return std::make_unique<RolloutSpecDocument>(*this);
}

std::string& RolloutSpecDocument::mutableTextOf(const std::string& file) {
  if (file.empty() || file == file_) return text_;
  for (auto& l : linked_) {
    if (l.file == file) return l.text;
  }
  return text_;  // not reached: every owned template's file is the own file or a linked one
}

void RolloutSpecDocument::decode() {
  diagnostics_ = {};
  ar::TemplateCatalog cat = baseCatalog_;
  bool ok = true;
  // Each file parsed once; its syntax problems listed once.
  std::map<std::string, io::DocumentSet> parsed;
  auto docsOf = [&](const std::string& file) -> const io::DocumentSet& {
    auto it = parsed.find(file);
    if (it != parsed.end()) return it->second;
    io::DocumentSet ds = io::readDocumentsFromString(*textOf(file), file);
    for (const auto& d : ds.diagnostics.items) diagnostics_.add(d);
    return parsed.emplace(file, std::move(ds)).first->second;
  };
  auto documentOf = [&](const std::string& file, int index) -> const io::Document* {
    const io::DocumentSet& ds = docsOf(file);
    for (const auto& d : ds.documents) {
      if (d.index == index) return &d;
    }
    if (ds.diagnostics.errors() == 0) {
      diagnostics_.add({core::Severity::kError, file, 0, 0, "", "",
                        "document " + std::to_string(index + 1) + " of the file is gone"});
    }
    return nullptr;
  };

  const io::Document* doc = documentOf(file_, documentIndex_);
  ar::RolloutSpec r;
  bool decoded = false;
  if (doc != nullptr) {
    line_ = doc->line;
    if (!io::isArgoRollout(*doc)) {
      diagnostics_.add({core::Severity::kError, file_, doc->line, 0, "kind",
                        core::quoted(doc->kind), "this document must stay an argoproj.io Rollout"});
    } else {
      decoded = io::decodeRollout(*doc, diagnostics_, r);
    }
  }
  ok = decoded;
  for (const auto& o : owned_) {
    const io::Document* t = documentOf(o.file, o.documentIndex);
    if (t == nullptr) {
      ok = false;
      continue;
    }
    const bool kindOk =
        o.cluster ? io::isArgoClusterAnalysisTemplate(*t) : io::isArgoAnalysisTemplate(*t);
    if (!kindOk) {
      diagnostics_.add({core::Severity::kError, o.file, t->line, 0, "kind", core::quoted(t->kind),
                        std::string("this document must stay an argoproj.io ") +
                            (o.cluster ? "ClusterAnalysisTemplate" : "AnalysisTemplate")});
      ok = false;
      continue;
    }
    ar::AnalysisTemplateSpec spec;
    if (!io::decodeAnalysisTemplate(*t, diagnostics_, o.cluster, spec)) {
      ok = false;
      continue;
    }
    (o.cluster ? cat.clusterTemplates : cat.templates).at(o.catalogIndex) = std::move(spec);
  }
  if (ok) ok = io::validateRollout(r, cat, diagnostics_);
  valid_ = ok && diagnostics_.errors() == 0;
  if (valid_) {
    rollout_ = std::move(r);
    catalog_ = std::move(cat);
  }
}

std::vector<SpecField> RolloutSpecDocument::fields() const {
  std::vector<SpecField> out;
  const auto root = loadDocument(text_, documentIndex_);
  if (!root) return out;  // the text does not parse: the form waits for it to be fixed
  auto field = [&out](const YAML::Node& doc, const std::string& id, const std::string& group,
                      const std::string& label, SpecField::Type type, const io::YamlPath& path,
                      const std::string& placeholder, const std::string& help,
                      const std::string& file) -> SpecField& {
    SpecField f;
    f.id = id;
    f.group = group;
    f.label = label;
    f.type = type;
    f.placeholder = placeholder;
    f.help = help;
    f.file = file;
    const YAML::Node n = at(doc, path);
    f.value = scalarText(n);
    if (n.IsDefined() && !n.IsNull()) f.line = n.Mark().line + 1;
    out.push_back(std::move(f));
    return out.back();
  };

  // Canary steps, in order, each with its kind.
  const YAML::Node steps = at(*root, join(kCanary, {"steps"}));
  if (steps.IsSequence()) {
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const std::string idx = std::to_string(i);
      const YAML::Node step = steps[i];
      const io::YamlPath sp = join(kCanary, {"steps", idx});
      if (!step.IsMap()) {
        SpecField& f = field(*root, "steps." + idx + ".invalid", "Canary steps", "step " + idx,
                             SpecField::Type::kText, sp, "", "", "");
        f.readOnly = true;
        continue;
      }
      for (auto it = step.begin(); it != step.end(); ++it) {
        const std::string k = it->first.IsScalar() ? it->first.Scalar() : "?";
        const std::string label = "step " + idx + ": " + k;
        if (k == "setWeight") {
          field(*root, "steps." + idx + ".setWeight", "Canary steps", label, SpecField::Type::kInt,
                join(sp, {"setWeight"}), "percent",
                "Share of traffic (percent of maxTrafficWeight) the canary gets at this step.", "");
        } else if (k == "pause") {
          field(*root, "steps." + idx + ".pause", "Canary steps", label, SpecField::Type::kDuration,
                join(sp, {"pause", "duration"}), "none: until promoted",
                "How long the rollout waits here (Go duration or seconds). Empty: it waits for "
                "a manual promotion.",
                "");
        } else {
          SpecField& f = field(*root, "steps." + idx + "." + k, "Canary steps", label,
                               SpecField::Type::kText, join(sp, {k}), "", "", "");
          f.readOnly = true;
          const YAML::Node v = it->second;
          if (k == "analysis") {
            std::string names;
            const YAML::Node ts = at(v, {"templates"});
            for (std::size_t j = 0; ts.IsSequence() && j < ts.size(); ++j) {
              const YAML::Node n = at(ts[j], {"templateName"});
              names += (names.empty() ? "" : ", ") + (n.IsScalar() ? n.Scalar() : "?");
            }
            f.value = "templates: " + names;
            f.help =
                "An analysis step: the rollout waits for its AnalysisRun to complete. Its "
                "templates' metrics are edited below.";
          } else {
            f.value = v.IsScalar() ? v.Scalar() : "(see the text)";
            f.help = "Edited in the text.";
          }
          f.line = it->first.Mark().line + 1;
        }
      }
    }
  }

  // The background analysis.
  const YAML::Node background = at(*root, join(kCanary, {"analysis"}));
  if (background.IsMap()) {
    field(*root, "analysis.startingStep", "Background analysis", "startingStep",
          SpecField::Type::kInt, join(kCanary, {"analysis", "startingStep"}),
          "default 0: with the update",
          "Index of the step at which the background analysis starts; it runs until the "
          "rollout is promoted or aborted.",
          "");
  }

  // Blue-green promotion.
  if (at(*root, kBlueGreen).IsMap()) {
    for (const auto& d : kBlueGreenFields) {
      field(*root, std::string("blueGreen.") + d.key, "Blue-green", d.key, d.type,
            join(kBlueGreen, {d.key}), d.placeholder, d.help, "");
    }
  }

  // The metrics of every template used.
  for (std::size_t k = 0; k < owned_.size(); ++k) {
    const OwnedTemplate& o = owned_[k];
    const std::string* text = textOf(o.file);
    const auto troot = text ? loadDocument(*text, o.documentIndex) : std::nullopt;
    if (!troot) continue;
    const YAML::Node metrics = at(*troot, {"spec", "metrics"});
    if (!metrics.IsSequence()) continue;
    const std::string file = o.file == file_ ? std::string() : o.file;
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      const std::string idx = std::to_string(i);
      const YAML::Node nameNode = at(metrics[i], {"name"});
      const std::string name = nameNode.IsScalar() ? nameNode.Scalar() : "metric " + idx;
      const std::string group =
          std::string(o.cluster ? "ClusterAnalysisTemplate " : "Template ") + o.name + ": " + name;
      const bool hasInterval =
          at(metrics[i], {"interval"}).IsDefined() && !at(metrics[i], {"interval"}).IsNull();
      for (const auto& d : kMetricFields) {
        field(*troot, "templates." + std::to_string(k) + ".metrics." + idx + "." + d.key, group,
              d.key, d.type, {"spec", "metrics", idx, d.key}, placeholderOf(d.key, hasInterval),
              d.help, file);
      }
    }
  }
  return out;
}

void RolloutSpecDocument::setField(const std::string& id, const std::string& value) {
  const std::string v = trimmed(value);
  std::vector<std::string> parts;
  for (std::size_t a = 0;;) {
    const std::size_t b = id.find('.', a);
    parts.push_back(id.substr(a, b == std::string::npos ? std::string::npos : b - a));
    if (b == std::string::npos) break;
    a = b + 1;
  }
  auto isIndex = [](const std::string& s) {
    return !s.empty() && s.size() < 6 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  std::string file = file_;
  int doc = documentIndex_;
  io::YamlPath path;
  bool emptyPause = false;
  if (parts.size() == 3 && parts[0] == "steps" && isIndex(parts[1]) &&
      (parts[2] == "setWeight" || parts[2] == "pause")) {
    if (parts[2] == "setWeight") {
      if (v.empty()) {
        throw core::InputError(
            {core::Severity::kError, file_, 0, 0, id, "", "a setWeight step needs a weight"});
      }
      path = join(kCanary, {"steps", parts[1], "setWeight"});
    } else {
      path = join(kCanary, {"steps", parts[1], "pause", "duration"});
      emptyPause = v.empty();
    }
  } else if (id == "analysis.startingStep") {
    path = join(kCanary, {"analysis", "startingStep"});
  } else if (parts.size() == 2 && parts[0] == "blueGreen") {
    bool known = false;
    for (const auto& d : kBlueGreenFields) known = known || parts[1] == d.key;
    if (!known) notEditable(file_, id);
    path = join(kBlueGreen, {parts[1]});
  } else if (parts.size() == 5 && parts[0] == "templates" && isIndex(parts[1]) &&
             parts[2] == "metrics" && isIndex(parts[3])) {
    const std::size_t k = std::stoul(parts[1]);
    bool known = false;
    for (const auto& d : kMetricFields) known = known || parts[4] == d.key;
    if (!known || k >= owned_.size()) notEditable(file_, id);
    file = owned_[k].file;
    doc = owned_[k].documentIndex;
    path = {"spec", "metrics", parts[3], parts[4]};
  } else {
    notEditable(file_, id);
  }
  std::string& text = mutableTextOf(file);
  std::string next;
  try {
    if (emptyPause) {
      // No duration: an indefinite pause, written `pause: {}`.
      path.pop_back();
      next = io::patchYamlFlow(text, doc, path, "{}");
    } else if (v.empty()) {
      next = io::removeYamlKey(text, doc, path);
    } else {
      next = io::patchYamlScalar(text, doc, path, v);
    }
  } catch (const core::InputError& e) {
    core::Diagnostic d = e.diagnostic();
    if (d.file.empty()) d.file = file;
    throw core::InputError(d);
  }
  text = std::move(next);
  decode();
}

std::vector<SpecDocument::Action> RolloutSpecDocument::actions() const {
  std::vector<Action> out;
  const auto root = loadDocument(text_, documentIndex_);
  if (!root || !at(*root, kCanary).IsMap()) return out;
  const YAML::Node steps = at(*root, join(kCanary, {"steps"}));
  const std::size_t n = steps.IsSequence() ? steps.size() : 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string idx = std::to_string(i);
    std::string first = "invalid";
    if (steps[i].IsMap() && steps[i].begin() != steps[i].end() &&
        steps[i].begin()->first.IsScalar()) {
      first = steps[i].begin()->first.Scalar();
    }
    const std::string row = "steps." + idx + "." + first;
    const std::string p = "steps." + idx;
    if (i > 0) {
      out.push_back({p + ".up", "Canary steps", "\u2191",
                     "Move step " + idx + " up (before step " + std::to_string(i - 1) + ")", row,
                     ""});
    }
    if (i + 1 < n) {
      out.push_back({p + ".down", "Canary steps", "\u2193",
                     "Move step " + idx + " down (after step " + std::to_string(i + 1) + ")", row,
                     ""});
    }
    out.push_back({p + ".remove", "Canary steps", "\u00d7",
                   "Remove step " + idx + " (the later steps move up)", row, ""});
    const std::string after = "Insert after step " + idx + ": ";
    out.push_back({p + ".insert.setWeight", "Canary steps", "setWeight",
                   after + "a setWeight step (10 points above the weight in effect there)", row,
                   "+"});
    out.push_back({p + ".insert.pause=1m", "Canary steps", "pause 1m", after + "a pause step of 1m",
                   row, "+"});
    out.push_back({p + ".insert.pause", "Canary steps", "pause until promoted",
                   after + "a pause step without a duration (the rollout waits for a promotion)",
                   row, "+"});
  }
  out.push_back({"steps.add.setWeight", "Canary steps", "+ setWeight",
                 "Append a setWeight step (10 points above the last weight set)", "", ""});
  out.push_back(
      {"steps.add.pause", "Canary steps", "+ pause", "Append a pause step of 1m", "", ""});
  return out;
}

namespace {

/// The step index of an action id `steps.<i>.<verb>` (nullopt when `i` is not a step).
std::optional<std::size_t> stepIndexOf(const std::string& id, std::size_t n) {
  const std::size_t dot = id.find('.', 6);
  if (id.rfind("steps.", 0) != 0 || dot == std::string::npos) return std::nullopt;
  const std::string idx = id.substr(6, dot - 6);
  if (idx.empty() || idx.size() > 5 ||
      !std::all_of(idx.begin(), idx.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  const std::size_t i = std::stoul(idx);
  if (i >= n) return std::nullopt;
  return i;
}

/// The weight the steps [0, end) last set (0 when none): where a new setWeight step's default
/// value starts from.
int weightAfter(const YAML::Node& steps, std::size_t end) {
  int last = 0;
  for (std::size_t i = 0; i < end; ++i) {
    const YAML::Node w = at(steps[i], {"setWeight"});
    if (w.IsScalar()) last = std::atoi(w.Scalar().c_str());
  }
  return last;
}

}  // namespace

void RolloutSpecDocument::runAction(const std::string& id) {
  const auto root = loadDocument(text_, documentIndex_);
  if (!root) {
    throw core::InputError(
        {core::Severity::kError, file_, 0, 0, id, "", "the text is not valid YAML: fix it first"});
  }
  const io::YamlPath path = join(kCanary, {"steps"});
  const YAML::Node steps = at(*root, path);
  const std::size_t n = steps.IsSequence() ? steps.size() : 0;
  auto refuse = [&](const std::string& why) {
    throw core::InputError({core::Severity::kError, file_, 0, 0, id, "", why});
  };
  std::string next;
  try {
    const auto i = stepIndexOf(id, n);
    const std::string verb = i ? id.substr(id.find('.', 6) + 1) : std::string();
    if (id == "steps.add.setWeight") {
      next = io::insertYamlSequenceItem(
          text_, documentIndex_, path, n,
          "setWeight: " + std::to_string(std::min(100, weightAfter(steps, n) + 10)));
    } else if (id == "steps.add.pause") {
      next = io::insertYamlSequenceItem(text_, documentIndex_, path, n, "pause: {duration: 1m}");
    } else if (i && verb == "remove") {
      next = io::removeYamlSequenceItem(text_, documentIndex_, path, *i);
    } else if (i && verb.rfind("insert.setWeight", 0) == 0) {
      // `insert.setWeight` (10 above the weight in effect after step i) or `insert.setWeight=N`.
      std::string weight = std::to_string(std::min(100, weightAfter(steps, *i + 1) + 10));
      if (verb.size() > 16) {
        weight = verb.substr(17);
        if (verb[16] != '=' || weight.empty() || weight.size() > 9 ||
            !std::all_of(weight.begin(), weight.end(), [](char c) { return c >= '0' && c <= '9'; }))
          refuse("a setWeight step takes a whole number of percent");
      }
      next =
          io::insertYamlSequenceItem(text_, documentIndex_, path, *i + 1, "setWeight: " + weight);
    } else if (i && verb.rfind("insert.pause", 0) == 0) {
      // `insert.pause` (no duration: until promoted) or `insert.pause=<duration>`.
      std::string item = "pause: {}";
      if (verb.size() > 12) {
        const std::string d = verb.substr(13);
        if (verb[12] != '=' || d.empty() || !std::all_of(d.begin(), d.end(), [](char c) {
              return std::isalnum(static_cast<unsigned char>(c)) || c == '.';
            }))
          refuse("a pause duration is a number of seconds or a duration such as 1m");
        item = "pause: {duration: " + d + "}";
      }
      next = io::insertYamlSequenceItem(text_, documentIndex_, path, *i + 1, item);
    } else if (i && (verb == "up" || verb == "down")) {
      if ((verb == "up" && *i == 0) || (verb == "down" && *i + 1 >= n))
        refuse(verb == "up" ? "the first step cannot move up" : "the last step cannot move down");
      // The two steps trade places, their comments and layout with them (io's patcher).
      next = io::swapYamlSequenceItems(text_, documentIndex_, path, verb == "up" ? *i - 1 : *i);
    } else {
      notEditable(file_, id);
    }
  } catch (const core::InputError& e) {
    core::Diagnostic d = e.diagnostic();
    if (d.file.empty()) d.file = file_;
    throw core::InputError(d);
  }
  text_ = std::move(next);
  decode();
}

app::Workspace RolloutSpecDocument::batchWorkspace() const {
  app::Workspace ws;
  ws.rollouts.push_back(rollout_);
  ws.argoTemplates = catalog_;
  ws.judges = judges_;
  return ws;
}

namespace {

/// The options `rolloutlab simulate --spec <this Rollout> --target <it> --seed S` runs with.
app::RunOptions runOptions(const ar::RolloutSpec& rollout, std::uint64_t seed) {
  app::RunOptions o;
  o.target = (rollout.namespace_.empty() ? "" : rollout.namespace_ + "/") + rollout.name;
  o.seed = seed;
  return o;
}

}  // namespace

Timeline RolloutSpecDocument::simulate(const scenarios::Scenario& scenario, std::uint64_t seed,
                                       const std::string& /*meshProvider*/) const {
  return timelineOrError("Rollout " + name_ + " \u00d7 " + scenario.name, [&] {
    app::Workspace input;
    input.scenarios.push_back(scenario);
    Timeline tl = timelineOf(app::simulateRun(batchWorkspace(), input, runOptions(rollout_, seed)));
    tl.regression = regressionSpans(scenarios::CompiledScenario(scenario), tl.duration, 30);
    tl.title = "Rollout " + name_ + " \u00d7 " + scenario.name + ", seed " + std::to_string(seed);
    return tl;
  });
}

Timeline RolloutSpecDocument::replay(const replay::ReplaySpec& spec, std::uint64_t seed,
                                     std::optional<std::uint64_t> replicate,
                                     const std::string& /*meshProvider*/,
                                     RecordingCache& cache) const {
  app::RunOptions o = runOptions(rollout_, seed);
  o.replicate = replicate;
  return replayTimeline(batchWorkspace(), spec, std::move(o), cache,
                        "Rollout " + name_ + " \u00d7 recording " + spec.name,
                        [&spec](const app::RunView&, const Timeline& tl) {
                          // Models of the Replay's Scenario give bad values while its effects act.
                          std::vector<std::pair<double, double>> spans;
                          if (spec.scenario)
                            spans = regressionSpans(scenarios::CompiledScenario(*spec.scenario),
                                                    tl.duration, 30);
                          return spans;
                        });
}

}  // namespace rolloutlab::app::workbench
