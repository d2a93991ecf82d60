#include "rolloutlab/sim/argo_mesh.h"

#include <utility>
#include <vector>

#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::sim {

namespace ar = core::argo;
namespace pq = core::promql;

std::string argoMeshProvider(const ar::RolloutSpec& r) {
  if (!r.canary || !r.canary->trafficRouting) return "istio";
  const std::string& router = r.canary->router;
  if (router.find("istio") != std::string::npos) return "istio";
  if (router.find("nginx") != std::string::npos) return "nginx";
  if (router.find("smi") != std::string::npos) return "linkerd";
  if (router.find("appMesh") != std::string::npos) return "appmesh";
  if (router.find("traefik") != std::string::npos) return "traefik";
  if (router.find("apisix") != std::string::npos) return "apisix";
  if (router.find("ambassador") != std::string::npos) return "contour";
  return "istio";
}

Workload argoWorkload(const ar::RolloutSpec& rollout, const std::string& provider) {
  Workload w;
  w.ns = rollout.namespace_.empty() ? "default" : rollout.namespace_;
  w.target = rollout.name;
  w.canaryName = rollout.name + "-" + ar::kNewPodHash;
  w.primaryName = rollout.name + "-" + ar::kStablePodHash;
  std::string canarySvc, stableSvc;
  if (rollout.canary) {
    canarySvc = rollout.canary->canaryService;
    stableSvc = rollout.canary->stableService;
  } else if (rollout.blueGreen) {
    canarySvc = rollout.blueGreen->previewService;
    stableSvc = rollout.blueGreen->activeService;
  }
  w.service = stableSvc.empty() ? rollout.name : stableSvc;
  w.ingress = rollout.name;
  w.route = rollout.name;
  w.canaryExtra = {{"rollouts_pod_template_hash", ar::kNewPodHash}};
  w.primaryExtra = {{"rollouts_pod_template_hash", ar::kStablePodHash}};
  if (provider == "istio") {
    auto svc = [&](std::vector<std::pair<std::string, std::string>>& out, const std::string& name) {
      if (name.empty()) return;
      out.emplace_back("destination_service_name", name);
      out.emplace_back("destination_service", name + "." + w.ns + ".svc.cluster.local");
    };
    svc(w.canaryExtra, canarySvc);
    svc(w.primaryExtra, stableSvc);
  }
  return w;
}

double argoRouteMatch(const TrafficSpec& traffic, const ar::ManagedRoute& route) {
  const auto it = traffic.routeMatch.find(route.name);
  if (it != traffic.routeMatch.end()) return it->second;
  return route.kind == ar::ManagedRoute::Kind::kHeader ? traffic.matchFraction
                                                       : traffic.mirrorMatchFraction;
}

ar::ArgoTrafficSplit argoSplit(const ar::ArgoSnapshot& snapshot, const TrafficSpec& traffic) {
  return ar::argoTrafficSplit(
      snapshot, [&](const ar::ManagedRoute& r) { return argoRouteMatch(traffic, r); });
}

ar::ProviderAnswer argoPrometheusAnswer(const pq::QueryResult& res) {
  // metricproviders/prometheus/prometheus.go processResponse
  if (res.kind == pq::ResultKind::kError) return ar::ProviderAnswer::fail(res.error);
  if (res.kind == pq::ResultKind::kScalar)
    return ar::ProviderAnswer::of(ar::Value::number(res.scalar));
  std::vector<double> v;
  v.reserve(res.vector.size());
  for (const auto& e : res.vector) v.push_back(e.value);
  return ar::ProviderAnswer::of(ar::Value::floats(std::move(v)));
}

void checkArgoModel(const Scenario& sc, const ar::Metric& m, const MetricModelSpec& model) {
  const bool jobModel = model.kind == MetricModelSpec::Kind::kJob;
  if (jobModel != (m.provider == ar::ProviderKind::kJob)) {
    throw core::InputError(
        {core::Severity::kError, sc.file, sc.line, 0, "spec.metrics.models." + m.name, "",
         jobModel ? "a job model answers Job metrics only; metric \"" + m.name + "\" uses the " +
                        ar::toString(m.provider) + " provider"
                  : "metric \"" + m.name + "\" is a Job metric: model it with kind: job"});
  }
}

}  // namespace rolloutlab::sim
