#include "rolloutlab/app/workspace.h"

#include <cstdio>
#include <sstream>

#include "rolloutlab/core/number_format.h"
#include "rolloutlab/core/promql/matcher.h"
#include "rolloutlab/io/argo_decode.h"
#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/io/judge_decode.h"
#include "rolloutlab/io/scenario_decode.h"
#include "rolloutlab/io/script_decode.h"
#include "rolloutlab/replay/replay_decode.h"
#include "rolloutlab/replay/time.h"
#include "rolloutlab/tune/space.h"

namespace rolloutlab::app {

namespace fl = core::flagger;

namespace {

// Compiles the regex of every label matcher (`=~` / `!~`) whose string is literal text (no Go
// template action in it) in a Prometheus query, so that a regex Prometheus would refuse is an
// error at load time naming the file, the line, the field and RE2's message, rather than a
// failed check at every tick. The string is read as PromQL reads it (double or single quotes
// with Go escapes, or backquotes); a string PromQL itself could not read is left to the query.
void checkMatcherRegexes(const std::string& query, const std::string& file, int line,
                         const std::string& field, core::Diagnostics& diags) {
  for (std::size_t i = 0; i + 1 < query.size(); ++i) {
    if (query[i + 1] != '~' || (query[i] != '=' && query[i] != '!')) continue;
    std::size_t j = i + 2;
    while (j < query.size() && (query[j] == ' ' || query[j] == '\t' || query[j] == '\n')) ++j;
    if (j >= query.size()) return;
    const char quote = query[j];
    if (quote != '"' && quote != '\'' && quote != '`') continue;
    std::string value;
    bool readable = true;
    std::size_t k = j + 1;
    for (; k < query.size() && query[k] != quote; ++k) {
      char c = query[k];
      if (c == '\\' && quote != '`') {
        if (++k >= query.size()) break;
        switch (query[k]) {
          case '\\':
          case '"':
          case '\'':
            c = query[k];
            break;
          case 'n':
            c = '\n';
            break;
          case 't':
            c = '\t';
            break;
          default:
            readable = false;  // other escapes: left to the PromQL parser
            break;
        }
      }
      value += c;
    }
    if (k >= query.size()) return;  // unterminated: the query's own error
    i = k;
    if (!readable || value.find("{{") != std::string::npos) continue;
    try {
      core::promql::LabelRegex re(value);
    } catch (const core::promql::RegexError& e) {
      std::string shown = "\"";
      for (char c : value)
        shown += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
      shown += "\"";
      diags.add({core::Severity::kError, file, line, 0, field, shown, e.what()});
    }
  }
}

std::string qualified(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : ns + "/" + name;
}

std::string canarySummary(const fl::CanarySpec& c) {
  std::ostringstream s;
  s << fl::toString(c.strategy());
  if (!c.provider.empty()) s << " (" << c.provider << ")";
  const auto& a = c.analysis;
  if (!c.hasAnalysis) return s.str() + ", no analysis (promotes without checks)";
  if (c.skipAnalysis) s << ", skipAnalysis";
  s << ", interval " << (a.interval.empty() ? "60s" : a.interval) << ", threshold " << a.threshold;
  if (a.iterations > 0) s << ", iterations " << a.iterations;
  if (!a.stepWeights.empty()) {
    s << ", stepWeights [";
    for (std::size_t i = 0; i < a.stepWeights.size(); ++i) s << (i ? "," : "") << a.stepWeights[i];
    s << "]";
  } else if (a.iterations <= 0) {
    s << ", stepWeight " << a.stepWeight << ", maxWeight " << (a.maxWeight > 0 ? a.maxWeight : 100);
  }
  s << ", " << a.metrics.size() << " metric" << (a.metrics.size() == 1 ? "" : "s") << ", "
    << a.webhooks.size() << " webhook" << (a.webhooks.size() == 1 ? "" : "s");
  return s.str();
}

}  // namespace

const fl::CanarySpec& Workspace::canary(const std::string& name) const {
  if (canaries.empty()) {
    throw core::InputError({core::Severity::kError, "", 0, 0, "", "",
                            "no valid Flagger Canary was found in the --spec paths"});
  }
  if (name.empty()) return canaries.front();
  for (const auto& c : canaries) {
    if (c.name == name || qualified(c.namespace_, c.name) == name) return c;
  }
  std::string known;
  for (const auto& c : canaries)
    known += (known.empty() ? "" : ", ") + qualified(c.namespace_, c.name);
  throw core::InputError({core::Severity::kError, "", 0, 0, "--target", core::quoted(name),
                          "no Canary of that name is loaded (loaded: " + known + ")"});
}

const core::argo::RolloutSpec* Workspace::rollout(const std::string& name) const {
  for (const auto& r : rollouts) {
    if (name.empty() || r.name == name || qualified(r.namespace_, r.name) == name) return &r;
  }
  return nullptr;
}

bool Workspace::targetsRollout(const std::string& name) const {
  if (!name.empty()) return rollout(name) != nullptr;
  for (const auto& o : objects) {
    if (!o.valid) continue;
    if (o.kind == "Canary") return false;
    if (o.kind == "Rollout") return true;
  }
  return false;
}

Workspace loadWorkspace(const std::vector<std::string>& paths, const std::string* stdinText) {
  io::DocumentSet docs;
  auto append = [&docs](io::DocumentSet more) {
    for (auto& d : more.documents) docs.documents.push_back(std::move(d));
    for (auto& f : more.files) docs.files.push_back(std::move(f));
    for (auto& d : more.diagnostics.items) docs.diagnostics.add(std::move(d));
  };
  std::vector<std::string> files;  // consecutive paths read together, in order
  for (const auto& p : paths) {
    if (p == "-" && stdinText != nullptr) {
      if (!files.empty()) append(io::readDocuments(files));
      files.clear();
      append(io::readDocumentsFromString(*stdinText, "<stdin>"));
    } else {
      files.push_back(p);
    }
  }
  if (!files.empty()) append(io::readDocuments(files));
  return decodeWorkspace(std::move(docs));
}

Workspace decodeWorkspace(io::DocumentSet docs) {
  Workspace ws;
  ws.files = docs.files;
  ws.diagnostics = std::move(docs.diagnostics);
  for (const auto& doc : docs.documents) {
    ObjectEntry e{doc.file, doc.line, doc.kind, qualified(doc.namespace_, doc.name), "", true};
    const int before = ws.diagnostics.errors();
    if (io::isFlaggerCanary(doc)) {
      fl::CanarySpec c;
      if (io::decodeCanary(doc, ws.diagnostics, c)) {
        e.summary = canarySummary(c);
        const int decoded = ws.diagnostics.errors();
        for (std::size_t i = 0; i < c.analysis.metrics.size(); ++i) {
          const auto& m = c.analysis.metrics[i];
          checkMatcherRegexes(m.query, m.loc.file, m.loc.line,
                              "spec.analysis.metrics[" + std::to_string(i) + "].query",
                              ws.diagnostics);
        }
        if (ws.diagnostics.errors() == decoded) ws.canaries.push_back(std::move(c));
      }
    } else if (io::isFlaggerMetricTemplate(doc)) {
      fl::MetricTemplateSpec t;
      if (io::decodeMetricTemplate(doc, ws.diagnostics, t)) {
        e.summary = t.providerType;
        const int decoded = ws.diagnostics.errors();
        checkMatcherRegexes(t.query, t.loc.file, t.loc.line, "spec.query", ws.diagnostics);
        if (ws.diagnostics.errors() == decoded) ws.metricTemplates.push_back(std::move(t));
      }
    } else if (io::isArgoRollout(doc)) {
      core::argo::RolloutSpec r;
      if (io::decodeRollout(doc, ws.diagnostics, r)) {
        e.summary = io::rolloutSummary(r);
        ws.rollouts.push_back(std::move(r));
      }
    } else if (io::isArgoAnalysisTemplate(doc) || io::isArgoClusterAnalysisTemplate(doc)) {
      core::argo::AnalysisTemplateSpec t;
      const bool cluster = io::isArgoClusterAnalysisTemplate(doc);
      if (io::decodeAnalysisTemplate(doc, ws.diagnostics, cluster, t)) {
        e.summary = io::templateSummary(t);
        const int decoded = ws.diagnostics.errors();
        for (std::size_t i = 0; i < t.metrics.size(); ++i) {
          const auto& m = t.metrics[i];
          checkMatcherRegexes(m.prometheusQuery, m.loc.file, m.loc.line,
                              "spec.metrics[" + std::to_string(i) + "].provider.prometheus.query",
                              ws.diagnostics);
        }
        if (ws.diagnostics.errors() == decoded) {
          (cluster ? ws.argoTemplates.clusterTemplates : ws.argoTemplates.templates)
              .push_back(std::move(t));
        }
      }
    } else if (io::isRolloutlabKind(doc, "Script")) {
      core::Script s;
      if (io::decodeScript(doc, ws.diagnostics, s)) {
        e.summary =
            s.ticks.empty() && (!s.measurements.empty() || !s.actions.empty() || s.podStartup)
                ? std::to_string(s.measurements.size()) + " metric(s) scripted, " +
                      std::to_string(s.actions.size()) + " action(s)"
                : std::to_string(s.ticks.size()) + " ticks";
        if (!s.target.empty()) e.summary += ", target " + s.target;
        ws.scripts.push_back(std::move(s));
      }
    } else if (io::isRolloutlabKind(doc, "Scenario")) {
      sim::Scenario s;
      if (io::decodeScenario(doc, ws.diagnostics, s)) {
        e.summary = std::string(sim::toString(s.release)) + " release" +
                    (s.description.empty() ? "" : ": " + s.description);
        ws.scenarios.push_back(std::move(s));
      }
    } else if (io::isRolloutlabKind(doc, "Judge")) {
      sim::JudgeSpec j;
      if (io::decodeJudge(doc, ws.diagnostics, j)) {
        e.summary = std::string(j.mode == sim::JudgeSpec::Mode::kKayenta ? "Kayenta-compatible"
                                                                         : "sequential") +
                    " judge, " + std::to_string(j.sources.size()) + " metric(s)";
        ws.judges.push_back(std::move(j));
      }
    } else if (io::isRolloutlabKind(doc, "Replay")) {
      replay::ReplaySpec r;
      if (replay::decodeReplay(doc, ws.diagnostics, r)) {
        e.summary = std::string(sim::toString(r.release)) + " release, " +
                    replay::formatTime(r.from) + " to " + replay::formatTime(r.to);
        ws.replays.push_back(std::move(r));
      }
    } else if (io::isRolloutlabKind(doc, "TuningSpace")) {
      tune::TuningSpace t;
      if (tune::decodeTuningSpace(doc, ws.diagnostics, t)) {
        e.summary = std::to_string(t.fields.size()) + " field(s), " +
                    core::formatFixed(t.gridSize(), 0) + " candidate(s) in the grid, " +
                    std::to_string(t.constraints.size()) + " constraint(s), " +
                    t.objective.describe();
        ws.tuningSpaces.push_back(std::move(t));
      }
    } else if (io::isRolloutlabKind(doc, "Policy")) {
      Policy p;
      if (decodePolicy(doc, ws.diagnostics, p)) {
        e.summary = std::to_string(p.rules.size()) + " rule(s)";
        ws.policies.push_back(std::move(p));
      }
    } else if (doc.group() == "rolloutlab.io") {
      ws.diagnostics.add({core::Severity::kError, doc.file, doc.line, 0, "kind",
                          core::quoted(doc.kind),
                          "unknown rolloutlab.io kind (known: Script, Scenario, Judge, Replay, "
                          "TuningSpace, Policy)"});
    } else {
      ws.skipped.push_back(
          {doc.file, doc.line, doc.apiVersion, doc.kind, qualified(doc.namespace_, doc.name)});
      continue;
    }
    e.valid = ws.diagnostics.errors() == before;
    if (!e.valid && e.summary.empty()) e.summary = "invalid";
    ws.objects.push_back(std::move(e));
  }
  io::checkFlaggerReferences(ws.canaries, ws.metricTemplates, ws.diagnostics);
  // Argo: the controller's validation needs the templates, so it runs once all are loaded. A
  // Rollout it rejects is listed as invalid and not run.
  std::vector<core::argo::RolloutSpec> valid;
  for (auto& r : ws.rollouts) {
    if (io::validateRollout(r, ws.argoTemplates, ws.diagnostics)) {
      valid.push_back(std::move(r));
      continue;
    }
    for (auto& o : ws.objects) {
      if (o.file == r.loc.file && o.line == r.loc.line && o.kind == "Rollout") o.valid = false;
    }
  }
  ws.rollouts = std::move(valid);
  return ws;
}

void makeWarningsErrors(core::Diagnostics& diags) {
  for (auto& d : diags.items) d.severity = core::Severity::kError;
}

}  // namespace rolloutlab::app
