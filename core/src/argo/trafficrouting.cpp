// Traffic routing: the weight the router is given and the managed routes of setHeaderRoute and
// setMirrorRoute steps (rollout/trafficrouting.go, rollout/trafficrouting/istio/istio.go), and
// the split of production requests they make.

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "rollout_context.h"

namespace rolloutlab::core::argo {

ArgoTrafficSplit argoTrafficSplit(const ArgoSnapshot& snap,
                                  const std::function<double(const ManagedRoute&)>& matchFraction) {
  // Envoy tries a VirtualService's HTTP routes in order and the first match wins; Argo puts its
  // managed routes on top in managedRoutes order (istio.go orderRoutes). A header route sends
  // everything it matches to the canary service at weight 100 (createHeaderRoute); a mirror
  // route carries the same destinations and weights as the weighted route (createMirrorRoute,
  // kept in step by generateVirtualServicePatches) plus a mirror of mirrorPercentage % to the
  // canary service.
  // Once an aborted rollout's weight is 0, trafficrouting.go points the canary service at the
  // stable pods (ensureSVCTargets): what a managed route still sends there reaches the stable.
  const double w = std::clamp(snap.canaryWeight / 100.0, 0.0, 1.0);
  const bool canaryServiceOnStable = snap.abort && snap.canaryWeight <= 0;
  double rest = 1.0;
  ArgoTrafficSplit out;
  out.canary = 0;
  for (const ManagedRoute& r : snap.routes) {
    const double taken = rest * std::clamp(matchFraction(r), 0.0, 1.0);
    if (r.kind == ManagedRoute::Kind::kHeader) {
      if (!canaryServiceOnStable) out.canary += taken;
    } else {
      out.canary += taken * w;
      if (!canaryServiceOnStable) out.mirrored += taken * std::clamp(r.percentage, 0, 100) / 100.0;
    }
    rest -= taken;
  }
  out.canary += rest * w;
  out.stable = 1.0 - out.canary;
  return out;
}

namespace controller {

namespace {

// The router's RemoveManagedRoutes (istio.go: every step's header/mirror route and every
// managedRoutes entry leave the VirtualService; alb.go the same for the Ingress's actions).
void removeManagedRoutes(Ctx& c) {
  if (c.s.routes.empty()) return;
  c.s.routes.clear();
  c.note("managed routes removed");
}

// The router's SetHeaderRoute / SetMirrorRoute for the current step (istio.go
// reconcileVirtualServiceHeaderRoutes / reconcileVirtualServiceMirrorRoutes): the route of that
// name is removed first; a step without `match` leaves it removed; otherwise it is added and the
// managed routes are ordered as managedRoutes lists them (orderRoutes).
void setManagedRoute(Ctx& c, const CanaryStep& st, ManagedRoute::Kind kind) {
  auto& routes = c.s.routes;
  const std::vector<ManagedRoute> before = routes;
  routes.erase(std::remove_if(routes.begin(), routes.end(),
                              [&](const ManagedRoute& r) { return r.name == st.routeName; }),
               routes.end());
  if (st.routeMatches > 0) {
    ManagedRoute r;
    r.name = st.routeName;
    r.kind = kind;
    // createMirrorRoute: an unset percentage mirrors 100 %.
    if (kind == ManagedRoute::Kind::kMirror) r.percentage = st.mirrorPercentage.value_or(100);
    routes.push_back(std::move(r));
    const auto& managed = c.spec.canary->managedRoutes;
    auto rank = [&](const ManagedRoute& x) {
      return std::find(managed.begin(), managed.end(), x.name) - managed.begin();
    };
    std::stable_sort(
        routes.begin(), routes.end(),
        [&](const ManagedRoute& a, const ManagedRoute& b) { return rank(a) < rank(b); });
  }
  if (routes != before) {
    c.note(std::string(toString(kind)) + " route " + st.routeName +
           (st.routeMatches > 0 ? " set" : " removed"));
  }
}

}  // namespace

// rollout/trafficrouting.go reconcileTrafficRouting (one router)
void reconcileTrafficRouting(Ctx& c) {
  if (!c.tr()) {
    c.ns.weightCanary.reset();
    return;
  }
  const int maxW = c.maxWeight();
  int desired = 0;
  const bool fully = c.ro.stableRS == c.ro.currentPodHash;
  std::string stableHash =
      c.ro.stableRS == (c.new0 ? c.new0->hash : "") && c.new0 ? c.new0->hash : c.stable0.hash;
  // RemoveManagedRoutes is called as the desired weight is chosen: fully promoted, aborted, no
  // available canary pod ("never weight to canary"; also drops the routes of an interrupted
  // update), promote --full.
  if (fully) {
    desired = 0;
    removeManagedRoutes(c);
  } else if (c.isAborted()) {
    // calculateDesiredWeightOnAbortOrStableRollback
    if (c.dynamic() && c.new0 && c.replicas() > 0) {
      const int dcw = desiredCanaryWeight(c);
      const int stableAvail = c.stable0.available(c.t);
      const int expected = std::max(0, maxW - (maxW * stableAvail) / c.replicas());
      if (!c.ro.weightCanary) {
        desired = std::max(expected, dcw);
      } else {
        const int cur = *c.ro.weightCanary;
        if (dcw <= 0) {
          desired = std::min(expected, cur);
        } else if ((maxW * stableAvail) / c.replicas() < maxW - dcw) {
          desired = cur;
        } else {
          desired = std::min(dcw, cur);
        }
      }
    }
    removeManagedRoutes(c);
  } else if (c.newAvail() == 0) {
    desired = 0;
    removeManagedRoutes(c);
  } else if (c.ro.promoteFull) {
    if (c.dynamic()) {
      desired = c.replicas() > 0 ? (maxW * c.newAvail()) / c.replicas() : 0;
    } else {
      desired = c.ro.weightCanary.value_or(0);
    }
    removeManagedRoutes(c);
  } else if (c.index()) {
    const int idx = *c.index();
    if (!atDesiredReplicaCounts(c, std::nullopt)) {
      for (int i = idx - 1; i >= 0; --i) {
        const auto& st = c.spec.canary->steps[static_cast<std::size_t>(i)];
        if (st.setWeight) {
          desired = *st.setWeight;
          break;
        }
      }
    } else if (idx != c.stepCount()) {
      desired = currentSetWeight(c);
    } else {
      desired = maxW;
    }
  }
  // checkReplicasAvailable(stableRS, max - desired)
  const ReplicaSetState& stable = fully && c.new0 ? *c.new0 : c.stable0;
  const int need = ((maxW - desired) * c.replicas()) / maxW;
  if (stable.available(c.t) < need) return;
  // The current step's header / mirror route, on every reconcile that reaches here while the
  // step is current, whatever the branch above chose (so after RemoveManagedRoutes too: an
  // aborted rollout back at index 0 re-adds step 0's route), and only for revision > 1 (the
  // annotation check that keeps a first install from running step 0's routes).
  if (const CanaryStep* st = c.step(); st && c.s.templateRevision > 1) {
    if (st->has(CanaryStep::Kind::kSetHeaderRoute))
      setManagedRoute(c, *st, ManagedRoute::Kind::kHeader);
    if (st->has(CanaryStep::Kind::kSetMirrorRoute))
      setManagedRoute(c, *st, ManagedRoute::Kind::kMirror);
  }
  if (c.ns.weightCanary != desired) c.note("traffic weight " + std::to_string(desired));
  c.ns.weightCanary = desired;
  c.ns.weightCanaryHash = c.new0 ? c.new0->hash : "";
  c.ns.weightStableHash = fully && c.new0 ? c.new0->hash : stableHash;
}

}  // namespace controller

}  // namespace rolloutlab::core::argo
