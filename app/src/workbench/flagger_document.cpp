#include "rolloutlab/app/workbench/flagger_document.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "rolloutlab/app/run_view.h"
#include "rolloutlab/app/workbench/recordings.h"
#include "rolloutlab/app/workbench/run_timeline.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/io/yaml_patch.h"
#include "rolloutlab/replay/replay.h"

namespace rolloutlab::app::workbench {

namespace fl = core::flagger;
namespace rp = replay;

namespace {

const io::YamlPath kAnalysis = {"spec", "analysis"};

io::YamlPath analysisPath(std::initializer_list<std::string> rest) {
  io::YamlPath p = kAnalysis;
  p.insert(p.end(), rest);
  return p;
}

/// The node at a path of a document, or an undefined node (YAML::Node operator[] on a const
/// node never inserts).
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
    if (!chain.back().IsDefined()) return chain.back();
  }
  return chain.back();
}

struct FieldDef {
  const char* key;
  SpecField::Type type;
  const char* placeholder;
  const char* help;
};

// Defaults as `pkg/apis/flagger/v1beta1/canary.go` (GetAnalysisInterval, GetAnalysisThreshold,
// GetMaxWeight) and `scheduler.go` (nextStepWeight) apply them.
const FieldDef kAnalysisFields[] = {
    {"interval", SpecField::Type::kDuration, "default 60s",
     "Time between two analysis ticks (Go duration, at least 10s)."},
    {"threshold", SpecField::Type::kInt, "default 1",
     "Failed checks before a rollback (failedChecks >= threshold rolls back)."},
    {"stepWeight", SpecField::Type::kInt, "none",
     "Canary weight added per successful tick, up to maxWeight."},
    {"stepWeights", SpecField::Type::kIntList, "none, e.g. 5, 10, 25, 50",
     "Explicit weight schedule; overrides stepWeight."},
    {"maxWeight", SpecField::Type::kInt, "default 100",
     "Canary weight at which the analysis ends and promotion starts."},
    {"iterations", SpecField::Type::kInt, "none (weight-based canary)",
     "A/B or Blue/Green: number of analysis ticks before promotion."},
    {"stepWeightPromotion", SpecField::Type::kInt, "none (one step)",
     "Weight moved to the primary per tick while promoting."},
};

std::string scalarText(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return {};
  if (n.IsScalar()) return n.Scalar();
  if (n.IsSequence()) {
    std::string o;
    for (std::size_t i = 0; i < n.size(); ++i) {
      o += (i ? ", " : "") + (n[i].IsScalar() ? n[i].Scalar() : std::string("?"));
    }
    return o;
  }
  return "?";
}

std::vector<std::string> splitList(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',' || c == ' ' || c == '\t' || c == '[' || c == ']') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

}  // namespace

FlaggerSpecDocument::FlaggerSpecDocument(const fl::CanarySpec& canary, std::string file,
                                         int documentIndex, std::string text,
                                         std::vector<fl::MetricTemplateSpec> templates)
    : canary_(canary), templates_(std::move(templates)) {
  file_ = std::move(file);
  documentIndex_ = documentIndex;
  line_ = canary.loc.line;
  name_ = (canary.namespace_.empty() ? std::string() : canary.namespace_ + "/") + canary.name;
  key_ = "Canary/" + (canary.namespace_.empty() ? std::string("default") : canary.namespace_) +
         "/" + canary.name;
  originalText_ = std::move(text);
  text_ = originalText_;
  decode();
}

std::unique_ptr<SpecDocument> FlaggerSpecDocument::clone() const {
  return std::make_unique<FlaggerSpecDocument>(*this);
}

void FlaggerSpecDocument::decode() {
  diagnostics_ = {};
  io::DocumentSet docs = io::readDocumentsFromString(text_, file_);
  diagnostics_ = std::move(docs.diagnostics);
  const io::Document* doc = nullptr;
  for (const auto& d : docs.documents) {
    if (d.index == documentIndex_) doc = &d;
  }
  if (doc == nullptr) {
    if (diagnostics_.errors() == 0) {
      diagnostics_.add({core::Severity::kError, file_, 0, 0, "", "",
                        "document " + std::to_string(documentIndex_ + 1) + " of the file is gone"});
    }
    valid_ = false;
    return;
  }
  line_ = doc->line;
  if (!io::isFlaggerCanary(*doc)) {
    diagnostics_.add({core::Severity::kError, file_, doc->line, 0, "kind", core::quoted(doc->kind),
                      "this document must stay a flagger.app Canary"});
    valid_ = false;
    return;
  }
  fl::CanarySpec c;
  valid_ = io::decodeCanary(*doc, diagnostics_, c) && diagnostics_.errors() == 0;
  if (valid_) {
    std::vector<fl::CanarySpec> one{c};
    io::checkFlaggerReferences(one, templates_, diagnostics_);
    canary_ = std::move(c);
  }
}

std::vector<SpecField> FlaggerSpecDocument::fields() const {
  std::vector<SpecField> out;
  YAML::Node root;
  try {
    const auto docs = io::loadYamlAll(text_);
    if (static_cast<std::size_t>(documentIndex_) < docs.size())
      root = docs[static_cast<std::size_t>(documentIndex_)];
  } catch (const YAML::Exception&) {
    return out;  // the text does not parse: the form waits for the text to be fixed
  }
  auto field = [&](const std::string& id, const std::string& group, const std::string& label,
                   SpecField::Type type, const io::YamlPath& path, const std::string& placeholder,
                   const std::string& help) {
    SpecField f;
    f.id = id;
    f.group = group;
    f.label = label;
    f.type = type;
    f.placeholder = placeholder;
    f.help = help;
    const YAML::Node n = at(root, path);
    f.value = scalarText(n);
    if (n.IsDefined() && !n.IsNull()) f.line = n.Mark().line + 1;
    out.push_back(std::move(f));
  };
  for (const auto& d : kAnalysisFields) {
    field(std::string("analysis.") + d.key, "Analysis", d.key, d.type, analysisPath({d.key}),
          d.placeholder, d.help);
  }
  const YAML::Node metrics = at(root, analysisPath({"metrics"}));
  if (metrics.IsSequence()) {
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      const std::string idx = std::to_string(i);
      const YAML::Node nameNode = metrics[i].IsMap() ? metrics[i]["name"] : YAML::Node();
      const std::string name = nameNode.IsScalar() ? nameNode.Scalar() : "metric " + idx;
      const std::string group = "Metric " + name;
      const bool builtin = name == "request-success-rate" || name == "request-duration";
      field("metrics." + idx + ".min", group, "thresholdRange.min", SpecField::Type::kNumber,
            analysisPath({"metrics", idx, "thresholdRange", "min"}), "no lower bound",
            std::string("The check fails below this value") +
                (name == "request-success-rate" ? " (percent)." : "."));
      field("metrics." + idx + ".max", group, "thresholdRange.max", SpecField::Type::kNumber,
            analysisPath({"metrics", idx, "thresholdRange", "max"}), "no upper bound",
            std::string("The check fails above this value") +
                (name == "request-duration" ? " (milliseconds, truncated to whole ms)." : "."));
      field("metrics." + idx + ".interval", group, "interval", SpecField::Type::kDuration,
            analysisPath({"metrics", idx, "interval"}), builtin ? "default 1m" : "none",
            "The query's range window ({{ interval }}).");
    }
  }
  return out;
}

void FlaggerSpecDocument::setField(const std::string& id, const std::string& value) {
  std::string v = value;
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.erase(v.begin());
  std::string text;
  if (id.rfind("analysis.", 0) == 0) {
    const std::string key = id.substr(9);
    bool known = false;
    for (const auto& d : kAnalysisFields) known = known || key == d.key;
    if (!known)
      throw core::InputError(
          {core::Severity::kError, file_, 0, 0, id, "", "not an editable field"});
    const io::YamlPath path = analysisPath({key});
    if (v.empty()) {
      text = io::removeYamlKey(text_, documentIndex_, path);
    } else if (key == "stepWeights") {
      text = io::patchYamlSequence(text_, documentIndex_, path, splitList(v));
    } else {
      text = io::patchYamlScalar(text_, documentIndex_, path, v);
    }
  } else if (id.rfind("metrics.", 0) == 0) {
    const std::size_t dot = id.find('.', 8);
    const std::string idx = id.substr(8, dot == std::string::npos ? std::string::npos : dot - 8);
    const std::string what = dot == std::string::npos ? "" : id.substr(dot + 1);
    io::YamlPath path;
    if (what == "min" || what == "max") {
      path = analysisPath({"metrics", idx, "thresholdRange", what});
    } else if (what == "interval") {
      path = analysisPath({"metrics", idx, "interval"});
    } else {
      throw core::InputError(
          {core::Severity::kError, file_, 0, 0, id, "", "not an editable field"});
    }
    if (!v.empty()) {
      text = io::patchYamlScalar(text_, documentIndex_, path, v);
    } else {
      text = io::removeYamlKey(text_, documentIndex_, path);
      if (what == "min" || what == "max") {
        // A range with neither bound left goes away entirely.
        const auto docs = io::loadYamlAll(text);
        const YAML::Node range = at(docs.at(static_cast<std::size_t>(documentIndex_)),
                                    analysisPath({"metrics", idx, "thresholdRange"}));
        if (range.IsDefined() && (range.IsNull() || (range.IsMap() && range.size() == 0))) {
          text = io::removeYamlKey(text, documentIndex_,
                                   analysisPath({"metrics", idx, "thresholdRange"}));
        }
      }
    }
  } else {
    throw core::InputError({core::Severity::kError, file_, 0, 0, id, "", "not an editable field"});
  }
  text_ = std::move(text);
  decode();
}

app::Workspace FlaggerSpecDocument::batchWorkspace() const {
  app::Workspace ws;
  ws.canaries.push_back(canary_);
  ws.metricTemplates = templates_;
  return ws;
}

namespace {

/// The options `rolloutlab simulate --spec <this Canary> --target <it> --seed S
/// [--mesh-provider P]` runs with, plus the primary's values for the chart (they do not change
/// the run).
app::RunOptions runOptions(const fl::CanarySpec& canary, std::uint64_t seed,
                           const std::string& meshProvider) {
  app::RunOptions o;
  o.target = (canary.namespace_.empty() ? "" : canary.namespace_ + "/") + canary.name;
  o.meshProvider = meshProvider;
  o.seed = seed;
  o.measurePrimary = true;
  return o;
}

}  // namespace

Timeline FlaggerSpecDocument::simulate(const scenarios::Scenario& scenario, std::uint64_t seed,
                                       const std::string& meshProvider) const {
  return timelineOrError("Canary " + name_ + " \u00d7 " + scenario.name, [&] {
    app::Workspace input;
    input.scenarios.push_back(scenario);
    const app::RunView view =
        app::simulateRun(batchWorkspace(), input, runOptions(canary_, seed, meshProvider));
    Timeline tl = timelineOf(view);
    // Where the release misbehaves (on a half-interval grid, for drifts).
    tl.regression =
        regressionSpans(scenarios::CompiledScenario(scenario), tl.duration, view.tickInterval / 2);
    tl.title = "Canary " + name_ + " \u00d7 " + scenario.name + ", seed " + std::to_string(seed);
    return tl;
  });
}

Timeline FlaggerSpecDocument::replay(const rp::ReplaySpec& spec, std::uint64_t seed,
                                     std::optional<std::uint64_t> replicate,
                                     const std::string& meshProvider, RecordingCache& cache) const {
  app::RunOptions o = runOptions(canary_, seed, meshProvider);
  o.replicate = replicate;
  return replayTimeline(batchWorkspace(), spec, std::move(o), cache,
                        "Canary " + name_ + " \u00d7 recording " + spec.name,
                        [&spec](const app::RunView& view, const Timeline& tl) {
                          // A counterfactual model's release misbehaves while the Replay's
                          // Scenario's effects act (their times count from `from`).
                          std::vector<std::pair<double, double>> spans;
                          if (spec.scenario && spec.counterfactual == rp::Counterfactual::kModel)
                            spans = regressionSpans(scenarios::CompiledScenario(*spec.scenario),
                                                    tl.duration, view.tickInterval / 2);
                          return spans;
                        });
}

}  // namespace rolloutlab::app::workbench
