#include "argo_fixtures.h"

#include <cmath>

#include "rolloutlab/io/argo_decode.h"
#include "rolloutlab/io/documents.h"

namespace rolloutlab::test {

namespace ar = core::argo;

ArgoFixture loadArgo(const std::string& yaml) {
  ArgoFixture f;
  io::DocumentSet docs = io::readDocumentsFromString(yaml, "test.yaml");
  f.diagnostics = docs.diagnostics;
  for (const auto& d : docs.documents) {
    if (io::isArgoRollout(d)) {
      ar::RolloutSpec r;
      if (io::decodeRollout(d, f.diagnostics, r)) f.rollouts.push_back(std::move(r));
    } else if (io::isArgoAnalysisTemplate(d) || io::isArgoClusterAnalysisTemplate(d)) {
      ar::AnalysisTemplateSpec t;
      const bool cluster = io::isArgoClusterAnalysisTemplate(d);
      if (io::decodeAnalysisTemplate(d, f.diagnostics, cluster, t)) {
        (cluster ? f.catalog.clusterTemplates : f.catalog.templates).push_back(std::move(t));
      }
    }
  }
  for (const auto& r : f.rollouts) io::validateRollout(r, f.catalog, f.diagnostics);
  return f;
}

std::string canaryRollout(const std::string& steps, const std::string& canaryExtra, int replicas,
                          const std::string& specExtra) {
  return "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: demo, namespace: "
         "shop}\nspec:\n"
         "  replicas: " +
         std::to_string(replicas) + "\n" + specExtra +
         "  selector: {matchLabels: {app: demo}}\n"
         "  template: {metadata: {labels: {app: demo}}, spec: {containers: [{name: app, image: "
         "demo:2}]}}\n"
         "  strategy:\n    canary:\n      canaryService: demo-canary\n      stableService: "
         "demo-stable\n"
         "      trafficRouting: {istio: {virtualService: {name: demo}}}\n" +
         canaryExtra + (steps.empty() ? "" : "      steps:\n" + steps) + "---\n";
}

std::string promTemplate(const std::string& name, const std::string& metric,
                         const std::string& fields) {
  return "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: " + name +
         ", namespace: shop}\nspec:\n  metrics:\n    - name: " + metric + "\n" + fields +
         "      provider:\n        prometheus: {address: \"http://prometheus:9090\", query: "
         "\"vector(1)\"}\n---\n";
}

ar::ProviderAnswer FakeArgoWorld::measure(const ar::MeasureRequest& r) {
  measured.emplace_back(r.t, r.metric->name);
  if (onMeasure) return onMeasure(r);
  return vec(1.0);
}

ar::JobAnswer FakeArgoWorld::job(const ar::MeasureRequest& r) {
  measured.emplace_back(r.t, r.metric->name);
  if (onJob) return onJob(r);
  return {};
}

ar::KayentaAnswer FakeArgoWorld::kayenta(const ar::KayentaRequest& r) {
  measured.emplace_back(r.t, r.metric->name);
  if (onKayenta) return onKayenta(r);
  ar::KayentaAnswer a;
  a.score = 100;
  return a;
}

ar::ProviderAnswer vec(double v) { return ar::ProviderAnswer::of(ar::Value::floats({v})); }

ArgoDrive drive(const ar::ArgoEngine& engine, ar::ArgoWorld& world, double until,
                const std::vector<std::pair<double, ar::UserAction>>& actions) {
  ArgoDrive d;
  d.state = engine.initialState();
  engine.applyNewRevision(d.state, 0, world, d.events);
  std::size_t ai = 0;
  double t = 0;
  for (;;) {
    double next = engine.nextWakeUp(d.state, t);
    if (ai < actions.size()) next = std::min(next, actions[ai].first);
    if (!std::isfinite(next) || next > until) break;
    t = next;
    bool acted = false;
    while (ai < actions.size() && actions[ai].first <= t) {
      engine.applyAction(d.state, actions[ai].second, t, world, d.events);
      ++ai;
      acted = true;
    }
    if (!acted) engine.settle(d.state, t, world, d.events);
  }
  d.outcome = ar::argoOutcomeOf(d.events);
  return d;
}

const ar::ArgoEvent* stateAt(const std::vector<ar::ArgoEvent>& events, double t) {
  const ar::ArgoEvent* last = nullptr;
  for (const auto& e : events) {
    if (e.t <= t) last = &e;
  }
  return last;
}

}  // namespace rolloutlab::test
