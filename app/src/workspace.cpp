#include "rolloutlab/app/workspace.h"

#include <sstream>

#include "rolloutlab/io/flagger_decode.h"
#include "rolloutlab/io/script_decode.h"
#include "rolloutlab/replay/replay_decode.h"
#include "rolloutlab/replay/time.h"
#include "rolloutlab/scenarios/scenario_decode.h"

namespace rolloutlab::app {

namespace fl = core::flagger;

namespace {

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
  for (const auto& c : canaries) known += (known.empty() ? "" : ", ") + qualified(c.namespace_, c.name);
  throw core::InputError({core::Severity::kError, "", 0, 0, "--target", core::quoted(name),
                          "no Canary of that name is loaded (loaded: " + known + ")"});
}

Workspace loadWorkspace(const std::vector<std::string>& paths) {
  Workspace ws;
  io::DocumentSet docs = io::readDocuments(paths);
  ws.files = docs.files;
  ws.diagnostics = std::move(docs.diagnostics);
  for (const auto& doc : docs.documents) {
    ObjectEntry e{doc.file, doc.line, doc.kind, qualified(doc.namespace_, doc.name), "", true};
    const int before = ws.diagnostics.errors();
    if (io::isFlaggerCanary(doc)) {
      fl::CanarySpec c;
      if (io::decodeCanary(doc, ws.diagnostics, c)) {
        e.summary = canarySummary(c);
        ws.canaries.push_back(std::move(c));
      }
    } else if (io::isFlaggerMetricTemplate(doc)) {
      fl::MetricTemplateSpec t;
      if (io::decodeMetricTemplate(doc, ws.diagnostics, t)) {
        e.summary = t.providerType;
        ws.metricTemplates.push_back(std::move(t));
      }
    } else if (io::isRolloutlabKind(doc, "Script")) {
      core::Script s;
      if (io::decodeScript(doc, ws.diagnostics, s)) {
        e.summary = std::to_string(s.ticks.size()) + " ticks" +
                    (s.target.empty() ? "" : ", target " + s.target);
        ws.scripts.push_back(std::move(s));
      }
    } else if (io::isRolloutlabKind(doc, "Scenario")) {
      scenarios::Scenario s;
      if (scenarios::decodeScenario(doc, ws.diagnostics, s)) {
        e.summary = std::string(scenarios::toString(s.release)) + " release" +
                    (s.description.empty() ? "" : ": " + s.description);
        ws.scenarios.push_back(std::move(s));
      }
    } else if (io::isRolloutlabKind(doc, "Replay")) {
      replay::ReplaySpec r;
      if (replay::decodeReplay(doc, ws.diagnostics, r)) {
        e.summary = std::string(scenarios::toString(r.release)) + " release, " + replay::formatTime(r.from) + " to " +
                    replay::formatTime(r.to);
        ws.replays.push_back(std::move(r));
      }
    } else if (doc.group() == "rolloutlab.io") {
      ws.diagnostics.add({core::Severity::kError, doc.file, doc.line, 0, "kind", core::quoted(doc.kind),
                          "unknown rolloutlab.io kind (known: Script, Scenario, Replay)"});
    } else {
      ws.skipped.push_back({doc.file, doc.line, doc.apiVersion, doc.kind, qualified(doc.namespace_, doc.name)});
      continue;
    }
    e.valid = ws.diagnostics.errors() == before;
    if (!e.valid && e.summary.empty()) e.summary = "invalid";
    ws.objects.push_back(std::move(e));
  }
  io::checkFlaggerReferences(ws.canaries, ws.metricTemplates, ws.diagnostics);
  return ws;
}

void makeWarningsErrors(core::Diagnostics& diags) {
  for (auto& d : diags.items) d.severity = core::Severity::kError;
}

}  // namespace rolloutlab::app
