#pragma once
/// How an Argo Rollout meets the mesh, for every world that answers it (synthetic series or a
/// recording): the provider whose series its router reads, the labels of its variants, the
/// traffic split with a scenario's match fractions, and Prometheus answers as Argo reads them.

#include <string>

#include "rolloutlab/core/argo/run.h"
#include "rolloutlab/core/promql/query.h"
#include "rolloutlab/sim/mesh.h"
#include "rolloutlab/sim/scenario.h"

namespace rolloutlab::sim {

/// The mesh whose series a Rollout's router reads (`istio` without traffic routing).
std::string argoMeshProvider(const core::argo::RolloutSpec& rollout);

/// How the series of a Rollout's variants are labelled under `provider`: the canary variant is
/// the new ReplicaSet (`<rollout>-<hash>`), the primary the stable one; every series carries
/// `rollouts_pod_template_hash`, and Istio series also the canary and stable services'
/// `destination_service_name` / `destination_service`.
Workload argoWorkload(const core::argo::RolloutSpec& rollout, const std::string& provider);

/// The share of the requests reaching a managed route that match it: `traffic.routeMatch` by
/// the route's name, else `matchFraction` for a header route and `mirrorMatchFraction` for a
/// mirror route.
double argoRouteMatch(const TrafficSpec& traffic, const core::argo::ManagedRoute& route);

/// The traffic split the engine's router makes at t (weight and managed routes,
/// `core::argo::argoTrafficSplit`) with the scenario's match fractions.
core::argo::ArgoTrafficSplit argoSplit(const core::argo::ArgoSnapshot& snapshot,
                                       const TrafficSpec& traffic);

/// A Prometheus answer as Argo's provider reads it (metricproviders/prometheus/prometheus.go
/// `processResponse`): a scalar is a float64, a vector a []float64 in series order (empty, not
/// nil, without series), an error a provider error with the server's text.
core::argo::ProviderAnswer argoPrometheusAnswer(const core::promql::QueryResult& result);

/// Checks that a metric model fits its metric (a `job` model answers Job metrics, and only
/// them); throws InputError naming the scenario's field.
void checkArgoModel(const Scenario& scenario, const core::argo::Metric& metric,
                    const MetricModelSpec& model);

}  // namespace rolloutlab::sim
