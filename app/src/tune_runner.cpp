#include "rolloutlab/app/tune_runner.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>

#include "rolloutlab/core/go/duration.h"
#include "rolloutlab/io/decode.h"
#include "rolloutlab/io/documents.h"
#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/replay/argo_replay.h"
#include "rolloutlab/sim/seeds.h"

namespace rolloutlab::app {

namespace {

std::string keyOf(const io::Document& d) {
  return d.kind + "/" + (d.namespace_.empty() ? std::string("default") : d.namespace_) + "/" +
         d.name;
}

bool isCanary(const io::Document& d) { return d.kind == "Canary" && d.group() == "flagger.app"; }
bool isRollout(const io::Document& d) { return d.kind == "Rollout" && d.group() == "argoproj.io"; }

YAML::Node at(const YAML::Node& root, const io::YamlPath& path) {
  YAML::Node n = root;
  for (const auto& k : path) {
    if (!n.IsDefined() || n.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
    if (n.IsSequence()) {
      const std::size_t i = static_cast<std::size_t>(std::stoul(k));
      if (i >= n.size()) return YAML::Node(YAML::NodeType::Undefined);
      n.reset(n[i]);  // reset, not =: assigning a yaml-cpp node writes into the document
    } else if (n.IsMap()) {
      n.reset(io::Decoder::child(n, k.c_str()));
    } else {
      return YAML::Node(YAML::NodeType::Undefined);
    }
  }
  return n;
}

std::string flowText(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "";
  if (n.IsScalar()) return n.Scalar();
  YAML::Emitter e;
  e.SetMapFormat(YAML::Flow);
  e.SetSeqFormat(YAML::Flow);
  e << n;
  return e.c_str();
}

std::string scheduleText(const std::vector<long long>& w) {
  std::string s = "[";
  for (std::size_t i = 0; i < w.size(); ++i) s += (i ? ", " : "") + std::to_string(w[i]);
  return s + "]";
}

// An Argo pause duration as written: seconds (a number) or a Go duration.
std::optional<double> pauseSeconds(const std::string& text) {
  if (auto n = io::parseNumber(text)) return *n;
  return core::go::parseDuration(text);
}

bool sameValue(const std::string& a, const std::string& b) {
  if (a == b) return true;
  const auto x = io::parseNumber(a), y = io::parseNumber(b);
  return x && y && *x == *y;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

// Why a field changes what a recording in trace mode shows: the recorded values were measured
// under the recorded rollout's weights at the recorded times, so a field that moves the
// weights or the times they change at (or the window a query measures) asks what the
// recording cannot tell. Decision fields only change what is made of the values.
std::string trafficReason(const tune::Field& f, const io::Document& target) {
  switch (f.target) {
    case tune::FieldTarget::kFlaggerAnalysis:
      if (f.key == "threshold") return "";
      if (f.key == "interval") return "it sets when every step of the canary happens";
      return "it sets the canary's traffic weights";
    case tune::FieldTarget::kFlaggerMetric:
      if (f.key == "interval") {
        return "it sets the window the query measures, which recorded values cannot be "
               "measured over again";
      }
      return "";
    case tune::FieldTarget::kArgoSetWeights:
      return "it sets the canary's traffic weights";
    case tune::FieldTarget::kArgoPause:
      return "it sets how long each weight holds";
    case tune::FieldTarget::kArgoTemplateMetric: {
      if (f.key != "interval" && f.key != "count") return "";
      // An analysis step completes when its AnalysisRun is Successful (Argo rollout/canary.go
      // completedCurrentCanaryStep, rollout/analysis.go reconcileStepBasedAnalysisRun), after
      // its last measurement: its interval and count move every later step's time. A
      // background analysis runs beside the steps and moves none.
      const YAML::Node steps = at(target.node, {"spec", "strategy", "canary", "steps"});
      for (std::size_t i = 0; steps.IsSequence() && i < steps.size(); ++i) {
        const YAML::Node ts = at(steps[i], {"analysis", "templates"});
        for (std::size_t t = 0; ts.IsSequence() && t < ts.size(); ++t) {
          const YAML::Node name = io::Decoder::child(ts[t], "templateName");
          if (name.IsScalar() && name.Scalar() == f.templateName) {
            return "the analysis step " + std::to_string(i) +
                   " runs the template, and its measurements hold the canary at its weight";
          }
        }
      }
      return "";
    }
  }
  return "";
}

}  // namespace

struct SpecPatcher::Edit {
  enum class Kind { kScalar, kSequence, kFlow, kRemove };
  Kind kind = Kind::kScalar;
  std::size_t file = 0;
  int doc = 0;
  io::YamlPath path;
  std::string value;
  std::vector<std::string> items;
  std::string field;
  std::string from;
};

SpecPatcher::SpecPatcher(std::vector<std::pair<std::string, std::string>> files,
                         const tune::TuningSpace& space)
    : files_(std::move(files)), space_(space) {
  auto fail = [&](int line, const std::string& field, const std::string& value,
                  const std::string& rule) {
    throw core::InputError({core::Severity::kError, space_.file, line, 0, field, value, rule});
  };
  bool wantArgo = false;
  for (const auto& f : space_.fields) wantArgo = wantArgo || f.argo();
  std::vector<std::vector<io::Document>> docs;
  for (const auto& [name, text] : files_)
    docs.push_back(io::readDocumentsFromString(text, name).documents);
  bool found = false;
  std::string known;
  for (std::size_t fi = 0; fi < docs.size() && !found; ++fi) {
    for (const auto& d : docs[fi]) {
      if (!isCanary(d) && !isRollout(d)) continue;
      const std::string key = keyOf(d);
      known += (known.empty() ? "" : ", ") + key;
      const std::string nsName =
          (d.namespace_.empty() ? std::string("default") : d.namespace_) + "/" + d.name;
      const bool match = space_.target.empty()
                             ? isRollout(d) == wantArgo
                             : (space_.target == key || space_.target == nsName ||
                                space_.target == d.name || space_.target == d.kind + "/" + d.name);
      if (!match) continue;
      targetFile_ = fi;
      targetDoc_ = d.index;
      targetKey_ = key;
      argo_ = isRollout(d);
      found = true;
      break;
    }
  }
  if (!found) {
    fail(space_.line, "spec.target", core::quoted(space_.target),
         space_.target.empty()
             ? std::string("no ") + (wantArgo ? "Rollout" : "Canary") +
                   " in the --spec files to tune" + (known.empty() ? "" : " (found: " + known + ")")
             : "names no Canary or Rollout of the --spec files" +
                   (known.empty() ? std::string() : " (found: " + known + ")"));
  }
  if (!space_.fields.empty() && argo_ != wantArgo) {  // no fields: the spec as written (check)
    fail(space_.line, "spec.fields", "",
         std::string("tunes ") + (wantArgo ? "Argo" : "Flagger") + " fields but the target " +
             targetKey_ + " is a " + (argo_ ? "Rollout" : "Canary"));
  }
  const io::Document* target = nullptr;
  for (const auto& d : docs[targetFile_]) {
    if (d.index == targetDoc_) target = &d;
  }
  for (std::size_t k = 0; k < space_.fields.size(); ++k) {
    const tune::Field& f = space_.fields[k];
    const std::string where = "spec.fields[" + std::to_string(k) + "].field";
    Site s;
    s.file = targetFile_;
    s.doc = targetDoc_;
    switch (f.target) {
      case tune::FieldTarget::kFlaggerAnalysis:
        s.paths.push_back({"spec", "analysis", f.key});
        break;
      case tune::FieldTarget::kFlaggerMetric: {
        const YAML::Node ms = at(target->node, {"spec", "analysis", "metrics"});
        long idx = -1;
        for (std::size_t i = 0; ms.IsSequence() && i < ms.size(); ++i) {
          const YAML::Node nm = io::Decoder::child(ms[i], "name");
          if (nm.IsScalar() && nm.Scalar() == f.metric) idx = static_cast<long>(i);
        }
        if (idx < 0)
          fail(f.line, where, core::quoted(f.name),
               targetKey_ + " has no metric named " + core::quoted(f.metric));
        io::YamlPath p = {"spec", "analysis", "metrics", std::to_string(idx)};
        for (const auto& part : split(f.key, '.')) p.push_back(part);
        s.paths.push_back(p);
        break;
      }
      case tune::FieldTarget::kArgoSetWeights:
      case tune::FieldTarget::kArgoPause: {
        s.sequence = {"spec", "strategy", "canary", "steps"};
        const YAML::Node steps = at(target->node, s.sequence);
        if (!steps.IsSequence())
          fail(f.line, where, core::quoted(f.name), targetKey_ + " has no canary steps");
        s.rebuildable = true;
        for (std::size_t i = 0; i < steps.size(); ++i) {
          const YAML::Node st = steps[i];
          const bool weight = st.IsMap() && io::Decoder::child(st, "setWeight").IsDefined();
          const bool pause = st.IsMap() && io::Decoder::child(st, "pause").IsDefined();
          if (!st.IsMap() || st.size() != 1 || (!weight && !pause)) s.rebuildable = false;
          if (weight) {
            s.setWeightSteps.push_back(i);
            s.pauseAfter.push_back("");
            s.paths.push_back(
                {"spec", "strategy", "canary", "steps", std::to_string(i), "setWeight"});
          } else if (pause && !s.pauseAfter.empty() && s.pauseAfter.back().empty()) {
            s.pauseAfter.back() = "{pause: " + flowText(io::Decoder::child(st, "pause")) + "}";
          }
        }
        if (!steps.size() ||
            (steps.size() && !io::Decoder::child(steps[0], "setWeight").IsDefined())) {
          s.rebuildable = false;
        }
        if (f.target == tune::FieldTarget::kArgoPause) {
          s.paths.clear();
          for (std::size_t i = 0; i < steps.size(); ++i) {
            const YAML::Node pz =
                steps[i].IsMap() ? io::Decoder::child(steps[i], "pause") : YAML::Node();
            if (pz.IsDefined() && pz.IsMap() && io::Decoder::child(pz, "duration").IsDefined()) {
              s.paths.push_back(
                  {"spec", "strategy", "canary", "steps", std::to_string(i), "pause", "duration"});
            }
          }
          if (s.paths.empty())
            fail(f.line, where, core::quoted(f.name), targetKey_ + " has no timed pause step");
        } else if (s.setWeightSteps.empty()) {
          fail(f.line, where, core::quoted(f.name), targetKey_ + " has no setWeight step");
        } else if (!s.rebuildable) {
          for (const auto& v : f.values) {
            if (v.weights.size() != s.setWeightSteps.size()) {
              fail(f.line, where, core::quoted(f.name),
                   "schedule " + v.text + " has " + std::to_string(v.weights.size()) +
                       " weights but " + targetKey_ +
                       "'s steps hold other steps than setWeight and pause, so a schedule must "
                       "keep its " +
                       std::to_string(s.setWeightSteps.size()) + " setWeight steps");
            }
          }
        }
        break;
      }
      case tune::FieldTarget::kArgoTemplateMetric: {
        bool got = false;
        for (std::size_t fi = 0; fi < docs.size() && !got; ++fi) {
          for (const auto& d : docs[fi]) {
            if (d.group() != "argoproj.io" ||
                (d.kind != "AnalysisTemplate" && d.kind != "ClusterAnalysisTemplate") ||
                d.name != f.templateName) {
              continue;
            }
            const YAML::Node ms = at(d.node, {"spec", "metrics"});
            for (std::size_t i = 0; ms.IsSequence() && i < ms.size(); ++i) {
              const YAML::Node nm = io::Decoder::child(ms[i], "name");
              if (nm.IsScalar() && nm.Scalar() == f.metric) {
                s.file = fi;
                s.doc = d.index;
                s.paths.push_back({"spec", "metrics", std::to_string(i), f.key});
                got = true;
              }
            }
            if (!got)
              fail(f.line, where, core::quoted(f.name),
                   "AnalysisTemplate " + f.templateName + " has no metric named " +
                       core::quoted(f.metric));
          }
        }
        if (!got)
          fail(
              f.line, where, core::quoted(f.name),
              "no AnalysisTemplate named " + core::quoted(f.templateName) + " in the --spec files");
        break;
      }
    }
    s.shapesTraffic = trafficReason(f, *target);
    const io::Document* doc = nullptr;
    for (const auto& d : docs[s.file]) {
      if (d.index == s.doc) doc = &d;
    }
    for (const auto& p : s.paths) s.original.push_back(flowText(at(doc->node, p)));
    if (f.type == tune::FieldType::kSchedule && f.target == tune::FieldTarget::kFlaggerAnalysis) {
      s.original = {flowText(at(doc->node, s.paths[0]))};
    }
    sites_.push_back(std::move(s));
  }
  // An explicit pause list names one duration per timed pause step: when the count of timed
  // pauses is the Rollout's own (no setWeights schedule rewrites the steps), a list of another
  // length is a mistake. (When setWeights rewrites the steps, the count is the candidate's and
  // a list is cut or extended with its last duration: FieldValue::pauses.)
  bool reshaped = false;
  for (std::size_t k = 0; k < space_.fields.size(); ++k) {
    if (space_.fields[k].target != tune::FieldTarget::kArgoSetWeights) continue;
    for (const auto& v : space_.fields[k].values)
      reshaped = reshaped || v.weights.size() != sites_[k].setWeightSteps.size();
  }
  for (std::size_t k = 0; k < space_.fields.size() && !reshaped; ++k) {
    const tune::Field& f = space_.fields[k];
    if (f.type != tune::FieldType::kPauseSchedule) continue;
    const std::size_t timed = sites_[k].paths.size();
    for (const auto& v : f.values) {
      if (v.family != tune::FieldValue::Family::kList || v.weights.size() == timed) continue;
      fail(f.line, "spec.fields[" + std::to_string(k) + "].schedules.lists", v.text,
           "has " + std::to_string(v.weights.size()) + " durations but " + targetKey_ + " has " +
               std::to_string(timed) + " timed pause step" + (timed == 1 ? "" : "s") +
               " (one duration per timed pause step, in order)");
    }
  }
}

std::vector<SpecPatcher::Edit> SpecPatcher::edits(const tune::Candidate& c) const {
  std::vector<Edit> out;
  long pauseField = -1;
  bool rebuilt = false;
  for (std::size_t k = 0; k < space_.fields.size(); ++k) {
    if (space_.fields[k].target == tune::FieldTarget::kArgoPause) pauseField = static_cast<long>(k);
  }
  for (std::size_t k = 0; k < space_.fields.size(); ++k) {
    const tune::Field& f = space_.fields[k];
    const Site& s = sites_[k];
    const tune::FieldValue& v = c.values[k];
    auto scalar = [&](const io::YamlPath& p, const std::string& from, const std::string& to) {
      if (sameValue(from, to)) return;
      Edit e;
      e.kind = Edit::Kind::kScalar;
      e.file = s.file;
      e.doc = s.doc;
      e.path = p;
      e.value = to;
      e.field = f.name;
      e.from = from;
      out.push_back(std::move(e));
    };
    if (f.target == tune::FieldTarget::kFlaggerAnalysis && f.type == tune::FieldType::kSchedule) {
      if (s.original[0] == v.text) continue;
      Edit e;
      e.kind = Edit::Kind::kSequence;
      e.file = s.file;
      e.doc = s.doc;
      e.path = s.paths[0];
      for (long long w : v.weights) e.items.push_back(std::to_string(w));
      e.value = v.text;
      e.field = f.name;
      e.from = s.original[0];
      out.push_back(std::move(e));
      // The CRD's oneOf: stepWeights replaces stepWeight (and iterations); maxWeight is
      // ignored beside it (the last weight is the maximum, scheduler.go maxWeight), so it goes
      // too, as `validate --strict` requires.
      for (const char* other : {"stepWeight", "iterations", "maxWeight"}) {
        Edit r;
        r.kind = Edit::Kind::kRemove;
        r.file = s.file;
        r.doc = s.doc;
        r.path = {"spec", "analysis", other};
        r.field = f.name;
        out.push_back(std::move(r));
      }
      continue;
    }
    if (f.target == tune::FieldTarget::kArgoSetWeights) {
      if (v.weights.size() == s.setWeightSteps.size()) {
        for (std::size_t i = 0; i < v.weights.size(); ++i)
          scalar(s.paths[i], s.original[i], std::to_string(v.weights[i]));
        continue;
      }
      // A schedule of another length: the steps are written again as setWeight/pause pairs,
      // each setWeight followed by the pause that followed the original one at its position
      // (the last one's for the weights beyond), with a tuned pause's duration. A pause
      // schedule is generated for the timed pauses of these steps (untimed ones stay).
      std::vector<std::string> pauses;
      std::size_t timed = 0;
      for (std::size_t i = 0; i < v.weights.size(); ++i) {
        pauses.push_back(s.pauseAfter[std::min(i, s.pauseAfter.size() - 1)]);
        if (pauses.back().find("duration") != std::string::npos) ++timed;
      }
      std::vector<long long> durations;
      if (pauseField >= 0) {
        const auto& pf = space_.fields[static_cast<std::size_t>(pauseField)];
        const auto& pv = c.values[static_cast<std::size_t>(pauseField)];
        durations = pf.type == tune::FieldType::kPauseSchedule
                        ? pv.pauses(timed)
                        : std::vector<long long>(timed, static_cast<long long>(pv.x));
      }
      std::string flow = "[";
      std::size_t nextTimed = 0;
      for (std::size_t i = 0; i < v.weights.size(); ++i) {
        flow += (i ? ", " : "") + std::string("{setWeight: ") + std::to_string(v.weights[i]) + "}";
        std::string pause = pauses[i];
        if (!pause.empty() && pauseField >= 0 && pause.find("duration") != std::string::npos) {
          pause = "{pause: {duration: " + tune::durationText(durations[nextTimed++]) + "}}";
        }
        if (!pause.empty()) flow += ", " + pause;
      }
      flow += "]";
      Edit e;
      e.kind = Edit::Kind::kFlow;
      e.file = s.file;
      e.doc = s.doc;
      e.path = s.sequence;
      e.value = flow;
      e.field = f.name;
      std::vector<long long> orig;
      for (const auto& o : s.original) orig.push_back(std::stoll(o));
      e.from = scheduleText(orig);
      out.push_back(std::move(e));
      rebuilt = true;
      continue;
    }
    if (f.target == tune::FieldTarget::kArgoPause && rebuilt) continue;
    if (f.type == tune::FieldType::kPauseSchedule) {
      // The i-th timed pause step gets the schedule's i-th duration; a duration equal to the
      // one written (`300`, `5m`, `300s`) is no change.
      const auto durations = v.pauses(s.paths.size());
      for (std::size_t i = 0; i < s.paths.size(); ++i) {
        const auto was = pauseSeconds(s.original[i]);
        if (was && *was == static_cast<double>(durations[i])) continue;
        scalar(s.paths[i], s.original[i], tune::durationText(durations[i]));
      }
      continue;
    }
    for (std::size_t i = 0; i < s.paths.size(); ++i) scalar(s.paths[i], s.original[i], v.text);
  }
  // A pause tuned before setWeights in the space's order: its edits address the old steps.
  if (rebuilt && pauseField >= 0) {
    out.erase(std::remove_if(out.begin(), out.end(),
                             [&](const Edit& e) {
                               return e.field ==
                                      space_.fields[static_cast<std::size_t>(pauseField)].name;
                             }),
              out.end());
  }
  return out;
}

std::vector<FilePatch> SpecPatcher::patches(const tune::Candidate& c) const {
  std::vector<FilePatch> out;
  for (const auto& e : edits(c)) {
    if (e.kind == Edit::Kind::kRemove) {
      const auto docs =
          io::readDocumentsFromString(files_[e.file].second, files_[e.file].first).documents;
      bool present = false;
      for (const auto& d : docs) {
        if (d.index == e.doc) present = at(d.node, e.path).IsDefined();
      }
      if (!present) continue;
      out.push_back({files_[e.file].first, e.doc, e.field, io::yamlPathString(e.path), "(present)",
                     "(removed)"});
      continue;
    }
    out.push_back(
        {files_[e.file].first, e.doc, e.field, io::yamlPathString(e.path), e.from, e.value});
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> SpecPatcher::apply(
    const tune::Candidate& c) const {
  auto files = files_;
  for (const auto& e : edits(c)) {
    std::string& text = files[e.file].second;
    switch (e.kind) {
      case Edit::Kind::kScalar:
        text = io::patchYamlScalar(text, e.doc, e.path, e.value);
        break;
      case Edit::Kind::kSequence:
        text = io::patchYamlSequence(text, e.doc, e.path, e.items);
        break;
      case Edit::Kind::kFlow:
        text = io::patchYamlFlow(text, e.doc, e.path, e.value);
        break;
      case Edit::Kind::kRemove:
        text = io::removeYamlKey(text, e.doc, e.path);
        break;
    }
  }
  return files;
}

Workspace SpecPatcher::decode(const tune::Candidate& c) const {
  io::DocumentSet all;
  for (const auto& [name, text] : apply(c)) {
    io::DocumentSet one = io::readDocumentsFromString(text, name);
    for (auto& d : one.documents) all.documents.push_back(std::move(d));
    for (auto& f : one.files) all.files.push_back(std::move(f));
    for (auto& d : one.diagnostics.items) all.diagnostics.add(std::move(d));
  }
  return decodeWorkspace(std::move(all));
}

// ---- the evaluator -----------------------------------------------------------------------------

bool replayRunsOnce(const replay::ReplaySpec& r) {
  return r.counterfactual != replay::Counterfactual::kModel && !r.scenario;
}

namespace {

sim::RunSummary runAsRecorded(const replay::FlaggerReplayPlan& plan, replay::ReplaySource& source,
                              const replay::ReplayRunOptions& o) {
  return replay::runReplayFlagger(plan, source, o);
}
sim::RunSummary runAsRecorded(const replay::ArgoReplayPlan& plan, replay::ReplaySource& source,
                              const replay::ReplayRunOptions& o) {
  return replay::runReplayArgo(plan, source, o);
}

// A candidate against a recording as it was recorded (no bootstrap resample: the tuner asks
// what this spec would have decided on this recording); the seed only feeds a Replay's model
// counterfactual and its Scenario's gates.
template <class Plan>
class AsRecordedWorker final : public sim::PairWorker {
 public:
  explicit AsRecordedWorker(const Plan& plan)
      : plan_(plan), source_(plan.recording().makeSource()) {}
  sim::RunSummary run(std::uint64_t seed, const std::vector<sim::JudgeSpec>& judges) override {
    replay::ReplayRunOptions o;
    o.seed = seed;
    o.measureAll = false;
    o.checkOnline = false;  // tune never asks a server (a live Prometheus is refused before)
    o.judges = &judges;
    return runAsRecorded(plan_, *source_, o);
  }

 private:
  const Plan& plan_;
  std::unique_ptr<replay::ReplaySource> source_;
};

template <class Plan>
class AsRecordedPlan final : public sim::PairPlan {
 public:
  template <class... A>
  explicit AsRecordedPlan(A&&... a) : plan_(std::forward<A>(a)...) {}
  std::unique_ptr<sim::PairWorker> makeWorker() const override {
    return std::make_unique<AsRecordedWorker<Plan>>(plan_);
  }

 private:
  Plan plan_;
};

std::string batchKey(const char* kind, const std::string& ns, const std::string& name) {
  return std::string(kind) + "/" + (ns.empty() ? std::string("default") : ns) + "/" + name;
}

}  // namespace

struct BatchEvaluator::Compiled {
  std::unique_ptr<Workspace> ws;
  std::vector<std::unique_ptr<PairPlan>> plans;  // per scenario
};

BatchEvaluator::BatchEvaluator(const SpecPatcher& patcher,
                               const std::vector<sim::Scenario>& scenarios, std::uint64_t seed,
                               int threads, std::string meshProvider,
                               std::vector<replay::ReplaySpec> replays)
    : patcher_(patcher),
      scenarioList_(scenarios),
      replays_(std::move(replays)),
      seed_(seed),
      threads_(threads),
      mesh_(std::move(meshProvider)) {
  for (const auto& s : scenarioList_) {
    worlds_.push_back(std::make_unique<sim::CompiledScenario>(s));
    info_.push_back({s.name, s.release == sim::Release::kBad, false});
  }
  for (const auto& r : replays_)
    info_.push_back({r.name, r.release == sim::Release::kBad, replayRunsOnce(r)});
  recordings_.resize(replays_.size());
}

BatchEvaluator::~BatchEvaluator() = default;

std::uint64_t BatchEvaluator::streamSeed(int stream) const {
  // Stream 0 is the master seed itself, so `batch --seed S` reproduces any search run.
  return sim::tuneEvaluationSeed(seed_, static_cast<std::uint64_t>(stream));
}

BatchEvaluator::Compiled& BatchEvaluator::compiled(std::size_t index, const tune::Candidate& c) {
  auto it = cache_.find(index);
  if (it != cache_.end()) return *it->second;
  auto describe = [&]() {
    std::string s;
    for (const auto& p : patcher_.patches(c)) s += (s.empty() ? "" : ", ") + p.path + " = " + p.to;
    return s.empty() ? std::string("the spec as written") : s;
  };
  auto out = std::make_unique<Compiled>();
  out->ws = std::make_unique<Workspace>(patcher_.decode(c));
  for (const auto& d : out->ws->diagnostics.items) {
    if (d.severity != core::Severity::kError) continue;
    core::Diagnostic e = d;
    e.rule += " (tuning candidate: " + describe() + ")";
    throw core::InputError(e);
  }
  const BatchSpec* spec = nullptr;
  const auto specs = batchSpecs(*out->ws, mesh_);
  for (const auto& s : specs) {
    if (s.key == patcher_.targetKey()) spec = &s;
  }
  if (spec == nullptr) {
    throw core::InputError(
        {core::Severity::kError, patcher_.targetFile(), 0, 0, "", "",
         patcher_.targetKey() + " is not valid with the candidate's values (" + describe() + ")"});
  }
  for (std::size_t k = 0; k < worlds_.size(); ++k) {
    try {
      out->plans.push_back(spec->compile(*worlds_[k]));
    } catch (const core::InputError& e) {
      core::Diagnostic d = e.diagnostic();
      d.rule += " (spec " + spec->key + ", scenario " + scenarioList_[k].name + ")";
      throw core::InputError(d);
    }
  }
  const Workspace& ws = *out->ws;
  for (std::size_t k = 0; k < replays_.size(); ++k) {
    const replay::ReplaySpec& r = replays_[k];
    try {
      bool made = false;
      for (const auto& canary : ws.canaries) {
        if (made || batchKey("Canary", canary.namespace_, canary.name) != spec->key) continue;
        if (!recordings_[k])
          recordings_[k] = replay::Recording::open(r, replay::targetOf(canary, mesh_));
        out->plans.push_back(std::make_unique<AsRecordedPlan<replay::FlaggerReplayPlan>>(
            canary, io::resolveTemplates(canary, ws.metricTemplates), mesh_, recordings_[k]));
        made = true;
      }
      for (const auto& ro : ws.rollouts) {
        if (made || batchKey("Rollout", ro.namespace_, ro.name) != spec->key) continue;
        if (!recordings_[k]) recordings_[k] = replay::Recording::open(r, replay::targetOf(ro));
        out->plans.push_back(std::make_unique<AsRecordedPlan<replay::ArgoReplayPlan>>(
            ro, ws.argoTemplates, recordings_[k]));
        made = true;
      }
      if (!made) {
        throw core::InputError({core::Severity::kError, r.file, r.line, 0, "kind", "\"Replay\"",
                                "cannot be run for " + spec->key});
      }
    } catch (const core::InputError& e) {
      core::Diagnostic d = e.diagnostic();
      d.rule += " (spec " + spec->key + ", replay " + r.name + ")";
      throw core::InputError(d);
    }
  }
  return *cache_.emplace(index, std::move(out)).first->second;
}

void BatchEvaluator::release(std::size_t candidate) { cache_.erase(candidate); }

bool BatchEvaluator::run(const std::vector<tune::Candidate>& candidates,
                         const std::vector<tune::Task>& tasks,
                         std::vector<std::vector<tune::RunOutcome>>& out) {
  out.assign(tasks.size(), {});
  std::vector<Compiled*> plans(tasks.size());
  std::int64_t planned = 0;
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    plans[t] = &compiled(tasks[t].candidate, candidates[tasks[t].candidate]);
    out[t].resize(static_cast<std::size_t>(tasks[t].end - tasks[t].begin));
    planned += tasks[t].end - tasks[t].begin;
  }
  std::vector<std::uint64_t> pairSeeds[2];
  for (int stream = 0; stream < 2; ++stream) {
    for (const auto& s : info_)
      pairSeeds[stream].push_back(pairSeed(streamSeed(stream), patcher_.targetKey(), s.name));
  }
  // Work items: slices of at most 32 replicates of a task, in task order.
  struct Item {
    std::size_t task;
    std::int64_t begin, end;
  };
  std::vector<Item> items;
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    for (std::int64_t b = tasks[t].begin; b < tasks[t].end; b += 32)
      items.push_back({t, b, std::min(tasks[t].end, b + 32)});
  }
  const int threads =
      threads_ > 0 ? threads_ : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::atomic<std::size_t> next{0};
  std::atomic<std::int64_t> done{0};
  std::atomic<bool> stopped{false};
  std::mutex errMu;
  std::exception_ptr error;
  const std::vector<sim::JudgeSpec> noJudges;
  auto worker = [&]() {
    try {
      for (;;) {
        const std::size_t i = next.fetch_add(1);
        if (i >= items.size() || stopped.load(std::memory_order_relaxed)) return;
        const Item& it = items[i];
        const tune::Task& task = tasks[it.task];
        auto runner = plans[it.task]->plans[task.scenario]->makeWorker();
        const std::uint64_t ps = pairSeeds[task.stream == 0 ? 0 : 1][task.scenario];
        for (std::int64_t r = it.begin; r < it.end; ++r) {
          if (cancel && cancel->load(std::memory_order_relaxed)) {
            stopped = true;
            return;
          }
          const auto s = runner->run(replicateSeed(ps, static_cast<std::uint64_t>(r)), noJudges);
          tune::RunOutcome o;
          switch (s.outcome.decision) {
            case sim::RunOutcome::Decision::kPromoted:
              o.result = tune::RunOutcome::Result::kPromoted;
              break;
            case sim::RunOutcome::Decision::kRolledBack:
              o.result = tune::RunOutcome::Result::kRolledBack;
              break;
            default:
              o.result = tune::RunOutcome::Result::kOther;
              break;
          }
          o.timeToPromotion = s.timeToPromotion;
          o.excessErrors = s.totals.excessErrors;
          out[it.task][static_cast<std::size_t>(r - task.begin)] = o;
          done.fetch_add(1, std::memory_order_relaxed);
        }
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(errMu);
      if (!error) error = std::current_exception();
      stopped = true;
    }
  };
  std::vector<std::thread> pool;
  for (int w = 0; w < threads; ++w) pool.emplace_back(worker);
  if (progress) {
    while (done.load() < planned && !stopped.load()) {
      progress(done.load(), planned);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  for (auto& t : pool) t.join();
  runsMade_ += done.load();
  if (progress) progress(done.load(), planned);
  if (error) std::rethrow_exception(error);
  return done.load() == planned;
}

// ---- The checks a tune makes before any run -------------------------------------------------

void checkConstraintScenarios(const tune::TuningSpace& space,
                              const std::vector<std::string>& scenarioNames,
                              const std::string& suite) {
  for (const auto& c : space.constraints) {
    if (c.scenario.empty()) continue;
    if (std::find(scenarioNames.begin(), scenarioNames.end(), c.scenario) != scenarioNames.end())
      continue;
    throw core::InputError({core::Severity::kError, space.file, c.line, 0,
                            "spec.constraints.scenarios[].name", core::quoted(c.scenario),
                            "names no scenario of " + suite});
  }
}

void checkFieldValues(const tune::TuningSpace& space, const SpecPatcher& patcher,
                      std::uint64_t seed) {
  const auto initial = tune::initialCandidates(space, seed);
  if (initial.empty()) return;
  for (std::size_t k = 0; k < space.fields.size(); ++k) {
    for (const auto& v : space.fields[k].values) {
      tune::Candidate c = initial.front();
      c.values[k] = v;
      const Workspace w = patcher.decode(c);
      for (const auto& d : w.diagnostics.items) {
        if (d.severity != core::Severity::kError) continue;
        std::string what;
        for (const auto& fp : patcher.patches(c))
          what += (what.empty() ? "" : ", ") + fp.path + " = " + fp.to;
        throw core::InputError({core::Severity::kError, space.file, space.line, 0, "spec.fields",
                                "", "a value the spec refuses (" + what + "): " + d.toString()});
      }
    }
  }
}

}  // namespace rolloutlab::app
