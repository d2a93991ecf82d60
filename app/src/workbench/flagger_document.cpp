#include "rolloutlab/app/workbench/flagger_document.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "rolloutlab/app/workbench/recordings.h"
#include "rolloutlab/core/flagger/run.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/io/yaml_patch.h"
#include "rolloutlab/replay/replay.h"
#include "rolloutlab/scenarios/flagger_world.h"

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

const char* unitOf(const std::string& name) {
  if (name == "request-success-rate") return "%";
  if (name == "request-duration") return "ms";
  return "";
}

std::string answerText(const fl::MetricAnswer& a, const std::string& unit) {
  switch (a.kind) {
    case fl::MetricAnswer::Kind::kValue:
      return formatNumber(a.value) + (unit.empty() ? "" : " " + unit);
    case fl::MetricAnswer::Kind::kNoData:
      return "no data";
    case fl::MetricAnswer::Kind::kError:
      return "error";
  }
  return {};
}

std::string boundsText(const std::optional<double>& min, const std::optional<double>& max) {
  if (min && max) return "[" + formatNumber(*min) + ", " + formatNumber(*max) + "]";
  if (min) return "min " + formatNumber(*min);
  if (max) return "max " + formatNumber(*max);
  return "no range";
}

std::string hookVerdict(const fl::HookCall& h) {
  switch (h.type) {
    case fl::WebhookType::kRollback:
      return h.ok ? "asks for a rollback" : "no rollback asked";
    case fl::WebhookType::kConfirmRollout:
    case fl::WebhookType::kConfirmTrafficIncrease:
    case fl::WebhookType::kConfirmPromotion:
      return h.ok ? "open" : "held";
    case fl::WebhookType::kEvent:
      return h.ok ? "delivered" : "not delivered";
    default:
      return h.ok ? "passed" : "failed";
  }
}

/// A run's trace as the timeline draws it: ticks, gates, checks (with the primary's values when
/// the run has them), outcome and summary. `interval` is the tick interval, seconds;
/// `regression` gives the spans where the release misbehaves over a duration.
Timeline flaggerTimeline(
    const scenarios::SimulationResult& res, const fl::CanarySpec& canary, double interval,
    const std::function<std::vector<std::pair<double, double>>(double)>& regression) {
  Timeline tl;
  const auto& ticks = res.run.ticks;
  tl.duration = ticks.empty() ? interval : ticks.back().t + interval;
  const int threshold = canary.analysisThreshold();
  tl.regression = regression(tl.duration);

  std::map<std::pair<std::string, int>, std::size_t> lane;  // (name, kind) -> metrics index
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    const fl::TickRecord& rec = ticks[i];
    tl.canaryWeight.emplace_back(rec.t, rec.routes.canaryWeight);
    std::string tip =
        "tick " + std::to_string(rec.tick) + " at " + formatDuration(rec.t) + ": " +
        fl::toString(rec.status.phase) + "\ncanary " + std::to_string(rec.routes.canaryWeight) +
        "%, primary " + std::to_string(rec.routes.primaryWeight) + "%" +
        (rec.routes.mirrored ? " (mirrored)" : "") + "\nfailedChecks " +
        std::to_string(rec.status.failedChecks) + " of threshold " + std::to_string(threshold) +
        ", iterations " + std::to_string(rec.status.iterations);
    if (!rec.reason.empty()) tip += "\nrule: " + rec.reason;
    for (const auto& e : rec.events) tip += "\nevent: " + e;
    for (const auto& h : rec.webhooks)
      tip += "\nwebhook " + h.name + " (" + fl::toString(h.type) + "): " + hookVerdict(h);
    tl.events.push_back(
        {TimelineMarker::Kind::kTick, rec.t, static_cast<double>(rec.routes.canaryWeight), tip});
    for (const auto& h : rec.webhooks) {
      // The rollout hook runs on every tick; it is marked only when it fails.
      if (h.type == fl::WebhookType::kRollout && h.ok) continue;
      const bool open = h.type == fl::WebhookType::kRollback ? !h.ok : h.ok;
      tl.events.push_back(
          {open ? TimelineMarker::Kind::kGateOpen : TimelineMarker::Kind::kGateClosed, rec.t, 0,
           "webhook " + h.name + " (" + fl::toString(h.type) + ") at " + formatDuration(rec.t) +
               ": " + hookVerdict(h) + (rec.reason.empty() ? "" : "\nrule: " + rec.reason)});
    }
    if (rec.final != fl::TickRecord::Final::kNone) {
      const bool good = rec.final == fl::TickRecord::Final::kPromoted ||
                        rec.final == fl::TickRecord::Final::kSkippedAnalysis;
      std::string what = good                                                   ? "promoted"
                         : rec.final == fl::TickRecord::Final::kPromotionFailed ? "promotion failed"
                                                                                : "rolled back";
      tl.events.push_back(
          {good ? TimelineMarker::Kind::kPromotion : TimelineMarker::Kind::kRollback, rec.t, 0,
           what + " at " + formatDuration(rec.t) + " (tick " + std::to_string(rec.tick) + ", " +
               fl::toString(rec.status.phase) + ")" +
               (rec.reason.empty() ? "" : "\nrule: " + rec.reason)});
    }
    if (i >= res.measured.size()) continue;
    for (const auto& mv : res.measured[i]) {
      const auto k = std::pair{mv.name, static_cast<int>(mv.kind)};
      auto it = lane.find(k);
      if (it == lane.end()) {
        TimelineMetric m;
        m.name = mv.name;
        m.unit = unitOf(mv.name);
        m.min = mv.min;
        m.max = mv.max;
        it = lane.emplace(k, tl.metrics.size()).first;
        tl.metrics.push_back(std::move(m));
      }
      TimelineMetric& m = tl.metrics[it->second];
      if (mv.answer.kind == fl::MetricAnswer::Kind::kValue && std::isfinite(mv.answer.value)) {
        m.canary.emplace_back(rec.t, mv.answer.value);
      }
      if (mv.primary && mv.primary->kind == fl::MetricAnswer::Kind::kValue &&
          std::isfinite(mv.primary->value)) {
        m.primary.emplace_back(rec.t, mv.primary->value);
      }
      if (!mv.checkedByEngine) continue;
      for (const auto& c : rec.metrics) {
        if (c.name != mv.name || c.kind != mv.kind) continue;
        if (c.min || c.max) {
          m.min = c.min;
          m.max = c.max;
        }
        TimelineMarker mk;
        mk.t = rec.t;
        mk.value = c.value;
        switch (c.result) {
          case fl::MetricCheck::Result::kPass:
            mk.kind = TimelineMarker::Kind::kPass;
            break;
          case fl::MetricCheck::Result::kFail:
            mk.kind = TimelineMarker::Kind::kFail;
            break;
          case fl::MetricCheck::Result::kNoData:
            mk.kind = TimelineMarker::Kind::kNoData;
            break;
          case fl::MetricCheck::Result::kError:
            mk.kind = TimelineMarker::Kind::kError;
            break;
        }
        mk.text = mv.name + " at " + formatDuration(rec.t) + " (tick " + std::to_string(rec.tick) +
                  "): " + answerText(mv.answer, m.unit) + " held against " +
                  boundsText(c.min, c.max) + ": " + fl::toString(c.result);
        if (mv.primary) mk.text += "\nprimary: " + answerText(*mv.primary, m.unit);
        if (!c.message.empty()) mk.text += "\n" + c.message;
        if (rec.failedCheck) {
          mk.text += "\nfailedChecks " + std::to_string(rec.status.failedChecks) +
                     " of threshold " + std::to_string(threshold);
        }
        if (!rec.reason.empty()) mk.text += "\nrule: " + rec.reason;
        m.checks.push_back(std::move(mk));
      }
    }
  }
  const auto& o = res.run.outcome;
  const std::string when = " at " + formatDuration(o.t) + " (tick " + std::to_string(o.tick) + ")";
  switch (o.result) {
    case fl::Outcome::Result::kPromoted:
      tl.outcome = "promoted" + when;
      tl.promoted = true;
      break;
    case fl::Outcome::Result::kRolledBack:
      tl.outcome = "rolled back" + when;
      tl.rolledBack = true;
      break;
    case fl::Outcome::Result::kPromotionFailed:
      tl.outcome = "promotion failed" + when;
      tl.rolledBack = true;
      break;
    case fl::Outcome::Result::kSkippedAnalysis:
      tl.outcome = "promoted without analysis" + when;
      tl.promoted = true;
      break;
    case fl::Outcome::Result::kInProgress:
      tl.outcome = "no decision after " + formatDuration(o.t) + " (" + fl::toString(o.phase) + ")";
      break;
  }
  const auto& tot = res.summary.totals;
  tl.summary = "canary served " + formatNumber(std::round(tot.canaryRequests), 12) + " requests, " +
               formatNumber(std::round(tot.canaryErrors), 12) + " errors; excess errors " +
               formatNumber(tot.excessErrors, 4) + "; peak canary weight " +
               std::to_string(res.summary.peakCanaryWeight) + "%";
  return tl;
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

Timeline FlaggerSpecDocument::simulate(const scenarios::Scenario& scenario, std::uint64_t seed,
                                       const std::string& meshProvider) const {
  Timeline tl;
  try {
    const scenarios::CompiledScenario compiled(scenario);
    const scenarios::FlaggerPlan plan(canary_, io::resolveTemplates(canary_, templates_), compiled,
                                      meshProvider);
    const scenarios::SimulationResult res =
        scenarios::simulateFlagger(plan, compiled, seed, true, true);
    const double interval = canary_.analysisIntervalSeconds();
    // Where the release misbehaves (on a half-interval grid, for drifts).
    tl = flaggerTimeline(res, canary_, interval, [&](double duration) {
      return regressionSpans(compiled, duration, interval / 2);
    });
    tl.title = "Canary " + name_ + " \u00d7 " + scenario.name + ", seed " + std::to_string(seed);
  } catch (const core::InputError& e) {
    tl = Timeline{};
    tl.title = "Canary " + name_ + " \u00d7 " + scenario.name;
    tl.error = e.diagnostic().toString();
  } catch (const std::exception& e) {
    tl = Timeline{};
    tl.title = "Canary " + name_ + " \u00d7 " + scenario.name;
    tl.error = e.what();
  }
  return tl;
}

Timeline FlaggerSpecDocument::replay(const rp::ReplaySpec& spec, std::uint64_t seed,
                                     std::optional<std::uint64_t> replicate,
                                     const std::string& meshProvider, RecordingCache& cache) const {
  const std::string title = "Canary " + name_ + " \u00d7 recording " + spec.name;
  Timeline tl;
  try {
    const auto recording = cache.open(spec, rp::targetOf(canary_, meshProvider));
    const rp::FlaggerReplayPlan plan(canary_, io::resolveTemplates(canary_, templates_),
                                     meshProvider, recording);
    const auto source = recording->makeSource();
    scenarios::SimulationResult res =
        rp::replayFlagger(plan, *source, replayRunOptions(seed, replicate));
    // The primary's values where the recording holds them under the metric's name (`@primary`
    // files, CSV rows of the primary), read from the same (resampled) source after the run.
    const auto& metrics = canary_.analysis.metrics;
    for (std::size_t i = 0; i < res.measured.size() && i < res.run.ticks.size(); ++i) {
      const double at = spec.from + res.run.ticks[i].t;
      for (auto& mv : res.measured[i]) {
        for (std::size_t m = 0; m < metrics.size(); ++m) {
          if (metrics[m].name != mv.name) continue;
          const rp::ReplayCheck& check = plan.check(static_cast<int>(m), mv.kind);
          if (check.source == rp::ReplayCheck::Source::kNamed) {
            const rp::NamedAnswer a = source->named(mv.name, scenarios::Variant::kPrimary, at);
            if (a.kind == rp::NamedAnswer::Kind::kValue && std::isfinite(a.value))
              mv.primary = fl::MetricAnswer::of(a.value * check.scale);
          }
          break;
        }
      }
    }
    const double interval = plan.stepSeconds();
    // A counterfactual model's release misbehaves while the Replay's Scenario's effects act
    // (their times count from `from`).
    std::optional<scenarios::CompiledScenario> model;
    if (spec.scenario && spec.counterfactual == rp::Counterfactual::kModel)
      model.emplace(*spec.scenario);
    tl = flaggerTimeline(res, canary_, interval, [&](double duration) {
      return model ? regressionSpans(*model, duration, interval / 2)
                   : std::vector<std::pair<double, double>>{};
    });
    if (recording->traffic() == nullptr) {
      // Only request logs count requests: other recordings say nothing of them.
      tl.summary = "the recording counts no requests; peak canary weight " +
                   std::to_string(res.summary.peakCanaryWeight) + "%";
    }
    tl.summary =
        replayRunText(spec, seed, replicate) + " from " + recording->describe() + "\n" + tl.summary;
    tl.title = title + " (" + replayRunText(spec, seed, replicate) + ")";
  } catch (const core::InputError& e) {
    tl = Timeline{};
    tl.title = title;
    tl.error = e.diagnostic().toString();
  } catch (const std::exception& e) {
    tl = Timeline{};
    tl.title = title;
    tl.error = e.what();
  }
  return tl;
}

}  // namespace rolloutlab::app::workbench
